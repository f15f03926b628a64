"""The Parquet lake: the Home Credit tables once more, typed and hash-partitioned by client.

`scoring ingest` (training.data.ingest) writes it; every command that takes `--data` reads it,
because `resolve_source` recognises a folder holding `lake.json`. This module is the format
alone (layout, partition hash, manifest), so the writer, the reader and a distributed engine
agree on it without importing one another.

Layout (partition-major, so that one partition folder is itself a plain Parquet data set that
the ordinary reader and the existing Polars feature code read unchanged)::

    LAKE/lake.json                                   the manifest (this module's LakeManifest)
    LAKE/partitions/00000/application_train.parquet  every table of the source, one file each,
    LAKE/partitions/00000/bureau.parquet ...          holding only partition 0's clients
    LAKE/partitions/00001/...
    LAKE/order/application_train.ids.parquet         SK_ID_CURR in the source's row order
    LAKE/HomeCredit_columns_description.csv          copied when the source has it

A client's partition is `partition_of(SK_ID_CURR, P)`: Fibonacci hashing of the id's low 32
bits, integer arithmetic only, so it is the same in Polars, in plain Python and in any other
language, and does not change with the Polars version (Polars' own `hash` may). Every row of a
client, in every table, lands in that client's partition; `bureau_balance`, which has no
SK_ID_CURR, follows the client of its bureau credit (SK_ID_BUREAU). Its rows whose credit is
not in `bureau` (the Kaggle data has such rows; no feature can use them) are placed by the hash
of SK_ID_BUREAU and counted in the manifest, so the lake keeps every source row.

Reading the whole lake gives the same rows as the source. The application tables are also
returned in the source's row order (the `order/` files): training assigns folds by row and
would otherwise train another model. Side tables come partition after partition; the features
do not depend on row order (exact fixed-point aggregations, total orders where they rank,
levels fitted on all rows), which the tests check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.tables import APPLICATION_TABLES, CLIENT_ID, TABLES
from training.errors import DataError

if TYPE_CHECKING:  # Polars is imported only to build the partition expression, so that the
    import polars as pl  # command line reads this module's constants without loading it

MANIFEST_FILE = "lake.json"
LAKE_FORMAT = "pret-a-depenser-lake"
#: Version of the layout and manifest; a reader refuses another one (re-run `scoring ingest`).
FORMAT_VERSION = 1
PARTITIONS_DIR = "partitions"
ORDER_DIR = "order"
DEFAULT_PARTITIONS = 16
MAX_PARTITIONS = 1024
#: floor(2^32 / golden ratio): consecutive ids spread evenly over the partitions.
FIBONACCI_MULTIPLIER = 2_654_435_761
HASH_NAME = "fibonacci32: ((id mod 2^32) * 2654435761 mod 2^32) * P div 2^32"
BUREAU_KEY = "SK_ID_BUREAU"
#: The one table without SK_ID_CURR, and the table whose credits give its rows their client.
ROUTED_TABLE, ROUTING_TABLE = "bureau_balance", "bureau"

_MASK = 0xFFFFFFFF


def partition_of(key: int, partitions: int) -> int:
    """The partition (0 .. partitions-1) of a client id (or, for unrouted rows, a credit id)."""
    return (((key & _MASK) * FIBONACCI_MULTIPLIER) & _MASK) * partitions >> 32


def partition_expr(column: str, partitions: int) -> pl.Expr:
    """`partition_of` as a Polars expression over an integer column (UInt32 result)."""
    import polars as pl

    low = (pl.col(column).cast(pl.Int64) & _MASK).cast(pl.UInt64)
    spread = (low * FIBONACCI_MULTIPLIER) & _MASK
    return (spread * partitions // (1 << 32)).cast(pl.UInt32)


def partition_name(index: int) -> str:
    return f"{index:05d}"


def partition_file(table: str, index: int) -> str:
    """A table's file of one partition, relative to the lake folder (POSIX separators)."""
    return f"{PARTITIONS_DIR}/{partition_name(index)}/{table}.parquet"


def order_file(table: str) -> str:
    """The row-order file of an application table. Not named `<table>.parquet`, so that the
    `order/` folder is never mistaken for a data folder."""
    return f"{ORDER_DIR}/{table}.ids.parquet"


# ------------------------------------------------------------------------- the manifest


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoredFile(_Model):
    """A file of the lake, as written: path relative to the lake, size, sha256."""

    path: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SourceFile(_Model):
    """The source file a table was ingested from (an `InputFile` of the data fingerprint)."""

    name: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class LakeTable(_Model):
    rows: int = Field(ge=0)
    #: Rows of each partition, in partition order (they sum to `rows`).
    partition_rows: list[int]
    #: One file per partition, in partition order.
    files: list[StoredFile]
    #: Application tables: their SK_ID_CURR in the source's row order.
    order: StoredFile | None = None
    source: SourceFile
    #: How rows were assigned: "SK_ID_CURR", or "SK_ID_BUREAU -> bureau.SK_ID_CURR".
    partitioned_by: str
    #: bureau_balance rows whose credit is not in bureau (placed by the hash of SK_ID_BUREAU).
    unrouted_rows: int = Field(default=0, ge=0)


class Partitioning(_Model):
    key: Literal["SK_ID_CURR"] = CLIENT_ID
    partitions: int = Field(ge=1, le=MAX_PARTITIONS)
    #: The partition function, spelled out (a reader refuses any other).
    hash: str = HASH_NAME


class LakeSource(_Model):
    """What was ingested: the path given, its kind and its data fingerprint."""

    path: str
    kind: str
    fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")


class LakeManifest(_Model):
    format: Literal["pret-a-depenser-lake"] = LAKE_FORMAT
    format_version: int = FORMAT_VERSION
    created_at: str
    partitioning: Partitioning
    source: LakeSource
    #: Contract tables present in the source, in contract order.
    tables: dict[str, LakeTable]
    #: File name of the copied column descriptions, when the source had them.
    descriptions: str | None = None

    @property
    def partitions(self) -> int:
        return self.partitioning.partitions

    def stored_files(self) -> list[StoredFile]:
        """Every data file the manifest vouches for."""
        found = []
        for table in self.tables.values():
            found += table.files
            if table.order is not None:
                found.append(table.order)
        return found


def is_lake(path: Path) -> bool:
    return path.is_dir() and (path / MANIFEST_FILE).is_file()


def read_manifest(root: Path) -> LakeManifest:
    """The manifest of the lake at `root`, checked; DataError naming what is wrong otherwise."""
    file = root / MANIFEST_FILE
    rerun = "a lake written by `scoring ingest` (run it again to rebuild the lake)"
    try:
        raw = json.loads(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(
            f"cannot be read as JSON ({error})", file=str(file), expected=rerun
        ) from error
    if not isinstance(raw, dict) or raw.get("format") != LAKE_FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise DataError(
            f"is not a lake manifest (format {found!r})",
            file=str(file),
            expected=f'"format": "{LAKE_FORMAT}"',
        )
    if raw.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"lake format version {raw.get('format_version')!r} is not the one this version of "
            f"scoring reads ({FORMAT_VERSION})",
            file=str(file),
            expected=f"format_version {FORMAT_VERSION}; re-run `scoring ingest` on the source",
        )
    try:
        manifest = LakeManifest.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataError(
            f"invalid manifest field {where}: {first['msg']}", file=str(file), expected=rerun
        ) from error
    _check_consistent(manifest, file)
    return manifest


def _check_consistent(manifest: LakeManifest, file: Path) -> None:
    """Cross-field rules the model cannot state: one file per partition, counts that add up."""
    if manifest.partitioning.hash != HASH_NAME:
        raise DataError(
            f"unknown partition function {manifest.partitioning.hash!r}",
            file=str(file),
            expected=HASH_NAME,
        )
    for name, table in manifest.tables.items():
        problem = None
        if name not in TABLES:
            problem = f"unknown table {name!r}"
        elif len(table.files) != manifest.partitions or len(table.partition_rows) != len(
            table.files
        ):
            problem = (
                f"table {name} lists {len(table.files)} files and {len(table.partition_rows)} "
                f"partition counts for {manifest.partitions} partitions"
            )
        elif sum(table.partition_rows) != table.rows:
            problem = (
                f"table {name}: partition rows sum to {sum(table.partition_rows)}, not {table.rows}"
            )
        elif (table.order is not None) != (name in APPLICATION_TABLES):
            problem = f"table {name}: a row-order file belongs to the application tables only"
        elif any(f.path != partition_file(name, i) for i, f in enumerate(table.files)) or (
            table.order is not None and table.order.path != order_file(name)
        ):
            problem = f"table {name}: file paths do not follow the lake layout"
        if problem:
            raise DataError(
                problem, file=str(file), expected="a manifest written by `scoring ingest`"
            )


def partition_folders(root: str | Path) -> list[Path]:
    """The lake's partition folders, in order: each one is a Parquet data set of its own
    (`open_tables(folder)` reads it), holding every row of its clients in every table, so the
    feature code computes that partition's rows of the full matrix from it alone."""
    lake = Path(root)
    manifest = read_manifest(lake)
    return [lake / PARTITIONS_DIR / partition_name(i) for i in range(manifest.partitions)]
