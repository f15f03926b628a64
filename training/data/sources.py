"""Finding the Home Credit files behind whatever path the user gives.

A user may point `scoring` at a folder of the Kaggle CSV files (possibly with the files one
sub-folder down, as an unzipped download often is), at the Kaggle archive
`home-credit-default-risk.zip` itself (CSVs at its root or in one sub-folder), at a folder of
`<table>.parquet` files, or at a Parquet lake written by `scoring ingest` (a folder holding
`lake.json`; see `training.data.lake`). Everything downstream only wants "the file(s) for table X
and their format", so this module reduces all of these to a `DataSource`.

Zip archives are extracted, not streamed (see `training.data.extraction` for why, and for the
rules that decide when an earlier extraction may be reused).

Every `TableFile` is one file the reader will open; `OpenedTables.inputs` turns that list into
the data fingerprint, so the fingerprint covers exactly the files read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from shared.tables import APPLICATION_TABLES, DESCRIPTION_FILE, SIDE_TABLES, TABLES
from training.data import lake
from training.data.extraction import default_cache_dir, extract_members
from training.data.fingerprint import InputFile
from training.errors import DataError
from training.progress import Progress

Format = Literal["csv", "parquet"]

#: What the user may point at, quoted in "not found" messages.
EXPECTED_SOURCE = (
    "a folder holding the Kaggle CSV files (application_train.csv, bureau.csv, ...), "
    "the Kaggle archive home-credit-default-risk.zip, a folder of <table>.parquet files, "
    "or a lake written by `scoring ingest`"
)
#: What `open_tables` needs by default: application_test is only used for scoring new clients.
REQUIRED_TABLES: tuple[str, ...] = (APPLICATION_TABLES[0], *SIDE_TABLES)


@dataclass(frozen=True)
class TableFile:
    """Where one table's data lives and how to read it."""

    table: str
    path: Path
    format: Format
    #: How messages name the file: the path, or `archive.zip/member.csv` for an archive member.
    display: str
    #: sha256 of the content when already known and checked (an archive member's verified copy);
    #: None for a file in a folder, hashed when the fingerprint is asked for.
    sha256: str | None = None
    #: A lake table: its Parquet files, one per partition, read in this order (`path` is then
    #: the lake's folder).
    parts: tuple[Path, ...] = ()
    #: A lake's application table: SK_ID_CURR in the source's row order, which reading restores.
    order: Path | None = None
    #: A lake table: the source file it was ingested from (the data fingerprint names that file,
    #: so a model trained from the lake names the same data as one trained from the source).
    origin: InputFile | None = None
    #: A lake table: (path, size, sha256) of each of its files as the manifest lists them.
    stored: tuple[tuple[Path, int, str], ...] = ()
    #: A lake table: the row count its manifest records.
    rows: int | None = None

    @property
    def name(self) -> str:
        """The file's name relative to the folder holding the tables (what the fingerprint uses)."""
        return self.origin.name if self.origin is not None else self.path.name

    @property
    def paths(self) -> tuple[Path, ...]:
        """The file(s) holding the rows: a lake table's partition files, else `path`."""
        return self.parts or (self.path,)

    @property
    def size(self) -> int:
        """Bytes on disk of the file(s) read."""
        return sum(p.stat().st_size for p in self.paths)


@dataclass(frozen=True)
class DataSource:
    """The files found for a user-given path; tables that were not found are simply absent."""

    origin: Path
    kind: Literal["folder", "zip", "lake"]
    #: The folder whose files are read (the extraction cache for an archive).
    folder: Path
    files: dict[str, TableFile] = field(default_factory=dict)
    descriptions: Path | None = None

    def expected_display(self, table: str) -> str:
        """How to name a table's file when it is missing (so the message says where we looked)."""
        if self.kind == "zip":
            return f"{self.origin.name}/{TABLES[table].file_name}"
        if self.kind == "lake":
            return str(self.origin / lake.PARTITIONS_DIR / "*" / f"{table}.parquet")
        return str(self.folder / TABLES[table].file_name)


def _candidates(table: str) -> tuple[tuple[str, Format], ...]:
    # Parquet first: when both exist it is the faster, already-typed copy.
    return ((f"{table}.parquet", "parquet"), (TABLES[table].file_name, "csv"))


def _known_names() -> dict[str, tuple[str, Format | None]]:
    """Lower-cased file name -> (table, format); the descriptions file maps to ("", None)."""
    names: dict[str, tuple[str, Format | None]] = {DESCRIPTION_FILE.lower(): ("", None)}
    for table in TABLES:
        for file_name, fmt in _candidates(table):
            names[file_name.lower()] = (table, fmt)
    return names


def _pick(present: Iterable[str]) -> tuple[dict[str, tuple[str, Format]], str | None]:
    """Choose, among file names present in one place, the one to read for each table.

    Matching is case-insensitive (archives re-zipped on Windows or macOS sometimes change case)
    but an exact match wins.
    """
    by_lower: dict[str, list[str]] = {}
    for name in present:
        by_lower.setdefault(name.lower(), []).append(name)

    def actual(file_name: str) -> str | None:
        hits = by_lower.get(file_name.lower(), [])
        return file_name if file_name in hits else (hits[0] if hits else None)

    chosen: dict[str, tuple[str, Format]] = {}
    for table in TABLES:
        for file_name, fmt in _candidates(table):
            hit = actual(file_name)
            if hit is not None:
                chosen[table] = (hit, fmt)
                break
    return chosen, actual(DESCRIPTION_FILE)


def _has_tables(names: Iterable[str]) -> bool:
    known = _known_names()
    return any(known.get(n.lower(), ("", None))[0] for n in names)


def resolve_source(
    path: str | Path,
    names: Iterable[str] | None = None,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> DataSource:
    """The files behind `path`; archive members among `names` (default: all) are extracted.

    Raises DataError when `path` does not exist or is neither a folder nor a readable zip.
    Missing tables are not an error here: the caller decides which ones it needs.
    """
    origin = Path(path).expanduser()
    if not origin.exists():
        raise DataError("no such file or folder", file=str(origin), expected=EXPECTED_SOURCE)
    if origin.name == lake.MANIFEST_FILE and origin.is_file():
        origin = origin.parent
    if lake.is_lake(origin):
        return _resolve_lake(origin, names)
    if origin.is_dir():
        return _resolve_folder(origin, names, cache_dir=cache_dir, progress=progress)
    if zipfile.is_zipfile(origin):
        return _resolve_zip(origin, names, cache_dir=cache_dir, progress=progress)
    single = _pick([origin.name])[0]
    if single:
        # A single table file: read its folder, so the other tables are found beside it.
        return _resolve_folder(origin.parent, names, cache_dir=cache_dir, progress=progress)
    raise DataError(
        "is neither a folder nor a zip archive", file=str(origin), expected=EXPECTED_SOURCE
    )


def _resolve_folder(
    folder: Path,
    names: Iterable[str] | None,
    *,
    cache_dir: Path | None,
    progress: Progress | None,
) -> DataSource:
    entries = [p.name for p in folder.iterdir() if p.is_file()]
    if not _has_tables(entries):
        # An unzipped download often nests the files one level down; an archive may sit here.
        subfolders = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        nested = [p for p in subfolders if _has_tables(q.name for q in p.iterdir() if q.is_file())]
        if len(nested) == 1:
            return _resolve_folder(nested[0], names, cache_dir=cache_dir, progress=progress)
        if len(nested) > 1:
            raise DataError(
                "holds several sub-folders with Home Credit files: "
                + ", ".join(sorted(p.name for p in nested)),
                file=str(folder),
                expected="one folder of tables; pass the sub-folder you mean",
            )
        archives = [folder / n for n in entries if n.lower().endswith(".zip")]
        if len(archives) == 1 and zipfile.is_zipfile(archives[0]):
            return _resolve_zip(archives[0], names, cache_dir=cache_dir, progress=progress)
    chosen, descriptions = _pick(entries)
    files = {
        table: TableFile(table, folder / file_name, fmt, str(folder / file_name))
        for table, (file_name, fmt) in chosen.items()
    }
    return DataSource(
        origin=folder,
        kind="folder",
        folder=folder,
        files=files,
        descriptions=folder / descriptions if descriptions else None,
    )


def _member_dir(members: list[zipfile.ZipInfo]) -> str:
    """The archive folder holding the tables: the root, or the single sub-folder that has them."""
    folders: dict[str, list[str]] = {}
    for info in members:
        member = PurePosixPath(info.filename)
        if info.is_dir() or member.parts[:1] == ("__MACOSX",) or member.name.startswith("._"):
            continue
        folders.setdefault(str(member.parent), []).append(member.name)
    with_tables = sorted(f for f, files in folders.items() if _has_tables(files))
    if "." in with_tables or not with_tables:
        return "."
    if len(with_tables) > 1:
        raise DataError(
            "holds Home Credit files in several folders: " + ", ".join(with_tables),
            file=None,
            expected="the CSV files at the archive's root or in one folder",
        )
    return with_tables[0]


def _resolve_zip(
    archive_path: Path,
    names: Iterable[str] | None,
    *,
    cache_dir: Path | None,
    progress: Progress | None,
) -> DataSource:
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DataError(
            f"cannot be opened as a zip archive ({error})",
            file=str(archive_path),
            expected=EXPECTED_SOURCE,
        ) from error
    with archive:
        members = archive.infolist()
        try:
            folder = _member_dir(members)
        except DataError as error:
            raise DataError(str(error), file=str(archive_path)) from error
        in_folder = {
            PurePosixPath(i.filename).name: i
            for i in members
            if not i.is_dir() and str(PurePosixPath(i.filename).parent) == folder
        }
        chosen, descriptions = _pick(in_folder)
        wanted = set(TABLES) if names is None else set(names)
        needed = {n: in_folder[n] for t, (n, _) in chosen.items() if t in wanted}
        if descriptions:
            needed[descriptions] = in_folder[descriptions]
        cache = cache_dir or default_cache_dir(archive_path)
        copies = extract_members(archive_path, archive, needed, cache, progress=progress)
        files = {
            table: TableFile(
                table,
                copies[member].path,
                fmt,
                f"{archive_path.name}/{in_folder[member].filename}",
                sha256=copies[member].sha256,
            )
            for table, (member, fmt) in chosen.items()
            if table in wanted
        }
    return DataSource(
        origin=archive_path,
        kind="zip",
        folder=cache,
        files=files,
        descriptions=cache / descriptions if descriptions else None,
    )


def _resolve_lake(root: Path, names: Iterable[str] | None) -> DataSource:
    """A lake's tables from its manifest; a file the manifest lists but that is gone is an error
    here (a changed one is caught when the fingerprint hashes the files)."""
    manifest = lake.read_manifest(root)
    wanted = set(TABLES) if names is None else set(names)
    files = {}
    for table, entry in manifest.tables.items():
        if table not in wanted:
            continue
        stored = [*entry.files, *([entry.order] if entry.order else [])]
        for item in stored:
            if not (root / item.path).is_file():
                raise DataError(
                    "file of the lake is missing",
                    file=str(root / item.path),
                    expected=f"every file {lake.MANIFEST_FILE} lists; re-run `scoring ingest`",
                )
        files[table] = TableFile(
            table,
            root,
            "parquet",
            str(root / lake.PARTITIONS_DIR / "*" / f"{table}.parquet"),
            parts=tuple(root / f.path for f in entry.files),
            order=root / entry.order.path if entry.order else None,
            origin=InputFile(entry.source.name, entry.source.size, entry.source.sha256),
            stored=tuple((root / f.path, f.size, f.sha256) for f in stored),
            rows=entry.rows,
        )
    descriptions = root / manifest.descriptions if manifest.descriptions else None
    return DataSource(
        origin=root,
        kind="lake",
        folder=root,
        files=files,
        descriptions=descriptions if descriptions and descriptions.is_file() else None,
    )


def required_tables(names: Iterable[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tables that must be present, tables read when present)."""
    if names is None:
        return REQUIRED_TABLES, (APPLICATION_TABLES[1],)
    wanted = tuple(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in TABLES]
    if unknown:
        raise DataError(
            f"unknown table name(s): {', '.join(unknown)}",
            expected=f"names among {', '.join(TABLES)}",
        )
    return wanted, ()


def missing_file_error(source: DataSource, missing: list[str]) -> DataError:
    """One message for all the required files that are absent."""
    shown = [source.expected_display(t) for t in missing]
    if len(shown) == 1:
        return DataError(
            "required file not found",
            file=shown[0],
            expected=f"{TABLES[missing[0]].file_name} or {missing[0]}.parquet in the data folder",
        )
    return DataError(
        f"{len(shown)} required files not found: {', '.join(shown)}",
        expected="the seven Kaggle tables (application_train and the six side tables)",
    )
