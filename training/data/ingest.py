"""Writing a Parquet lake (`scoring ingest`): the source checked, then every table partitioned.

The source (CSV folder, Kaggle zip, Parquet folder, or another lake to re-partition) is first
checked exactly as `scoring check` checks it, and refused with the same messages: a lake is
only ever made of data every later command would accept. Each table is then read once, typed by
the contract, and written in one streaming pass to one Parquet file per partition (one Polars
query with a sink per partition, whose shared scan Polars runs once), so memory stays bounded
by the streaming engine's buffers whatever the table's size. `bureau_balance` is routed by a
small map SK_ID_BUREAU -> partition read back from the bureau files just written.

Nothing is visible before it is complete: everything goes to a hidden folder beside the
target, is fsynced, and is then published in one rename (training.data.folder_swap). Any
failure, interruption included, removes that folder.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from shared.tables import APPLICATION_TABLES, CLIENT_ID, TABLES
from training.data import lake
from training.data.fingerprint import fingerprint, hash_file
from training.data.folder_swap import fsync_tree, publish
from training.data.reader import OpenedTables
from training.data.sources import DataSource, TableFile, resolve_source
from training.data.table_files import file_columns, scan_file
from training.data.validation import ValidationReport, validate_source
from training.errors import UserFacingError
from training.progress import Progress

_PART = "__partition"
_MAPPED = "__credit_partition"
#: Tables written first: bureau_balance is routed through the bureau files already written.
_ORDER = tuple(sorted(TABLES, key=lambda name: name == lake.ROUTED_TABLE))


class InvalidSource(UserFacingError):
    """The source has errors `scoring check` reports; `report` holds all of them."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        errors = report.errors
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        super().__init__(f"{errors[0]}{more}; nothing was written")


@dataclass(frozen=True)
class IngestResult:
    root: Path
    manifest: lake.LakeManifest
    seconds: float


def check_partitions(partitions: int) -> int:
    if not 1 <= partitions <= lake.MAX_PARTITIONS:
        raise UserFacingError(
            f"--partitions {partitions}: expected a whole number from 1 to {lake.MAX_PARTITIONS}"
        )
    return partitions


def check_target(out: Path, *, force: bool) -> None:
    """Refuse, before anything is read, a target that cannot or must not be replaced."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UserFacingError(
            f"--out {out}: exists and is not a folder; expected the path of a new folder "
            "(or, with --force, of an existing lake)"
        )
    if not out.exists():
        return
    if not force:
        raise UserFacingError(
            f"--out {out}: already exists; pass --force to replace it (the old lake stays "
            "readable until the new one is complete)"
        )
    if not lake.is_lake(out) and any(out.iterdir()):
        raise UserFacingError(
            f"--out {out}: is a folder with files but no {lake.MANIFEST_FILE}, so not a lake; "
            "refusing to replace it (name a new folder or an existing lake)"
        )


def _missing_parents(folder: Path) -> list[Path]:
    """The ancestors of `folder` that do not exist yet, outermost first."""
    missing = []
    for parent in [folder, *folder.parents]:
        if parent.exists():
            break
        missing.append(parent)
    return missing[::-1]


def ingest(
    data: str | Path,
    out: str | Path,
    *,
    partitions: int = lake.DEFAULT_PARTITIONS,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestResult:
    """Check `data` like `scoring check`, then publish it as a lake at `out`.

    Raises InvalidSource when the data has errors, UserFacingError (or DataError) for a bad
    argument or an unusable path; in every case nothing is left at `out` or beside it.
    """
    progress = progress or Progress("ingest", quiet=True)
    started = time.perf_counter()
    check_partitions(partitions)
    target = Path(out).expanduser().absolute()
    check_target(target, force=force)
    source = resolve_source(data, progress=progress)
    with progress.stage("checking the source as `scoring check` does"):
        report = validate_source(source, progress=progress)
    if not report.ok:
        raise InvalidSource(report)
    created = _missing_parents(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.ingest-{uuid.uuid4().hex[:12]}")
    try:
        staged.mkdir()
        manifest = _write_lake(source, report, staged, partitions, progress)
        with progress.stage("fsync and publish"):
            fsync_tree(staged)
            publish(staged, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(staged.with_name(staged.name + ".old"), ignore_errors=True)
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    seconds = time.perf_counter() - started
    progress.say(f"lake written to {target} in {seconds:.1f}s")
    return IngestResult(target, manifest, seconds)


def _write_lake(
    source: DataSource,
    report: ValidationReport,
    root: Path,
    partitions: int,
    progress: Progress,
) -> lake.LakeManifest:
    present = [name for name in _ORDER if name in source.files]
    for index in range(partitions):
        (root / lake.PARTITIONS_DIR / lake.partition_name(index)).mkdir(parents=True)
    if any(name in APPLICATION_TABLES for name in present):
        (root / lake.ORDER_DIR).mkdir()
    tables: dict[str, lake.LakeTable] = {}
    files = {name: source.files[name] for name in present}
    sources = OpenedTables({}, files.values())
    for name in present:
        file = files[name]
        with progress.stage(f"{name}: writing {partitions} partition(s)"):
            unrouted = _write_table(file, root, partitions)
        counts = [
            pl.scan_parquet(root / lake.partition_file(name, i)).select(pl.len()).collect().item()
            for i in range(partitions)
        ]
        expected = report.tables[name].rows
        if sum(counts) != expected:  # a bug here, never a data problem: refuse the lake
            raise AssertionError(f"{name}: wrote {sum(counts)} rows, the check counted {expected}")
        progress.say(
            f"{name}: {sum(counts):,} rows, {min(counts):,} to {max(counts):,} per partition"
            + (
                f", {unrouted:,} without a bureau credit (placed by SK_ID_BUREAU)"
                if unrouted
                else ""
            )
        )
        tables[name] = _table_entry(name, root, counts, unrouted)
    with progress.stage("hashing the source files (the lake's fingerprint is theirs)"):
        inputs = {
            file.table: item for file, item in zip(files.values(), sources.inputs, strict=True)
        }
    for name, item in inputs.items():
        source_file = lake.SourceFile(name=item.name, size=item.size, sha256=item.sha256)
        tables[name] = tables[name].model_copy(update={"source": source_file})
    descriptions = None
    if source.descriptions is not None and source.descriptions.is_file():
        descriptions = source.descriptions.name
        shutil.copyfile(source.descriptions, root / descriptions)
    manifest = lake.LakeManifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        partitioning=lake.Partitioning(partitions=partitions),
        source=lake.LakeSource(
            path=str(source.origin), kind=source.kind, fingerprint=fingerprint(inputs.values())
        ),
        tables={name: tables[name] for name in TABLES if name in tables},
        descriptions=descriptions,
    )
    text = json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n"
    (root / lake.MANIFEST_FILE).write_text(text, "utf-8")
    return manifest


def _write_table(file: TableFile, root: Path, partitions: int) -> int:
    """One streaming pass: a sink per partition (and the row order of an application table).
    Returns the number of bureau_balance rows whose credit is not in bureau."""
    name = file.table
    frame = scan_file(file, file_columns(file))
    queries: list[pl.LazyFrame] = []
    if name == lake.ROUTED_TABLE:
        credits = pl.scan_parquet(
            [root / lake.partition_file(lake.ROUTING_TABLE, i) for i in range(partitions)]
        ).select(lake.BUREAU_KEY, lake.partition_expr(CLIENT_ID, partitions).alias(_MAPPED))
        frame = frame.join(credits, on=lake.BUREAU_KEY, how="left", maintain_order="left")
        key = pl.coalesce(pl.col(_MAPPED), lake.partition_expr(lake.BUREAU_KEY, partitions))
        queries.append(frame.select(pl.col(_MAPPED).is_null().sum()))
        keyed = frame.with_columns(key.alias(_PART)).drop(_MAPPED)
    else:
        keyed = frame.with_columns(lake.partition_expr(CLIENT_ID, partitions).alias(_PART))
    sinks = [
        keyed.filter(pl.col(_PART) == index)
        .drop(_PART)
        .sink_parquet(root / lake.partition_file(name, index), lazy=True)
        for index in range(partitions)
    ]
    if name in APPLICATION_TABLES:
        sinks.append(frame.select(CLIENT_ID).sink_parquet(root / lake.order_file(name), lazy=True))
    results = pl.collect_all([*queries, *sinks], engine="streaming")
    return int(results[0].item()) if queries else 0


def _stored(root: Path, relative: str) -> lake.StoredFile:
    size, sha256 = hash_file(root / relative)
    return lake.StoredFile(path=relative, size=size, sha256=sha256)


def _table_entry(name: str, root: Path, counts: list[int], unrouted: int) -> lake.LakeTable:
    placeholder = lake.SourceFile(name="", size=0, sha256="0" * 64)  # filled after hashing
    return lake.LakeTable(
        rows=sum(counts),
        partition_rows=counts,
        files=[_stored(root, lake.partition_file(name, i)) for i in range(len(counts))],
        order=_stored(root, lake.order_file(name)) if name in APPLICATION_TABLES else None,
        source=placeholder,
        partitioned_by=(
            f"{lake.BUREAU_KEY} -> {lake.ROUTING_TABLE}.{CLIENT_ID}"
            if name == lake.ROUTED_TABLE
            else CLIENT_ID
        ),
        unrouted_rows=unrouted,
    )
