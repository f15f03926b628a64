"""Checking the Home Credit files before anything is computed from them.

A credit analyst's copy of the data may have lost a column, gained one, been re-saved by a
spreadsheet in another encoding, or had a value typed by hand. Any of these must stop the
pipeline with one message that says which file, which column, which row and what was expected,
rather than a Polars traceback or, worse, a model quietly trained on half-parsed data.

The checks are designed for the full 2.5 GB set on a small machine. Each table is scanned once,
lazily and in streaming mode, with the contract's compact types in strict mode; that single pass
yields the row and client counts, key uniqueness, empty keys and orphan counts. Only when that
pass fails does a second, cheaper-to-explain pass run (the file read as text, or decoded in
16 MB blocks) to find the first offending row, so a valid data set costs one read per table.
"""

from __future__ import annotations

import csv
import difflib
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shared.tables import CLIENT_ID, TABLES, TARGET, Kind, Table
from training.data.schema import polars_schema
from training.data.sources import (
    DataSource,
    TableFile,
    missing_file_error,
    required_tables,
    resolve_source,
)
from training.data.table_files import UTF8_EXPECTED, file_columns, scan_file
from training.errors import DataError
from training.progress import Progress

_ROW = "__row"
_BLOCK = 16 * 1024 * 1024
#: Tables whose ids others refer to come first, so their ids can be checked against.
_ORDER = (
    "application_train",
    "application_test",
    "bureau",
    "previous_application",
    "bureau_balance",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
_EXPECTED_KIND = {
    Kind.INT: "a whole number written without a decimal point (e.g. -365) that fits in 32 bits, "
    "or an empty field",
    Kind.FLOAT: "a number such as 135000.0 or 0.25, or an empty field",
    Kind.TEXT: "text",
}


@dataclass(frozen=True)
class Problem:
    """One finding, located as precisely as the check allows (fields of DataError)."""

    message: str
    file: str | None = None
    column: str | None = None
    example: str | None = None
    expected: str | None = None

    def error(self) -> DataError:
        return DataError(
            self.message,
            file=self.file,
            column=self.column,
            example=self.example,
            expected=self.expected,
        )

    def __str__(self) -> str:
        return str(self.error())


@dataclass
class TableReport:
    """What was found about one table. `rows` is None when the file could not be read."""

    table: str
    file: str | None = None
    format: str | None = None
    rows: int | None = None
    #: Distinct clients (SK_ID_CURR); for bureau_balance, distinct SK_ID_BUREAU.
    clients: int | None = None
    client_column: str | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    info: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "clients": self.clients,
            "client_column": self.client_column,
            "errors": [str(p) for p in self.errors],
            "warnings": [str(p) for p in self.warnings],
            "info": list(self.info),
        }


@dataclass
class ValidationReport:
    """The verdict on a data source: per-table findings in contract order."""

    source: str
    kind: str
    tables: dict[str, TableReport] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables.values())

    @property
    def errors(self) -> list[Problem]:
        return [p for t in self.tables.values() for p in t.errors]

    @property
    def warnings(self) -> list[Problem]:
        return [p for t in self.tables.values() for p in t.warnings]

    def raise_for_errors(self) -> None:
        """Raise the first error as a DataError (the CLI prints it and exits 2)."""
        errors = self.errors
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more problem(s); run `scoring check`)"
            raise DataError(
                first.message + (more if len(errors) > 1 else ""),
                file=first.file,
                column=first.column,
                example=first.example,
                expected=first.expected,
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "ok": self.ok,
            "tables": {name: t.to_dict() for name, t in self.tables.items()},
        }


# ---------------------------------------------------------------- header


def check_columns(file: TableFile, columns: list[str]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) about a file's column names against the contract.

    A missing column is an error; when an unknown column looks like it (same name in another
    case, or a close spelling) the message says it was probably renamed. Other unknown columns
    are a warning: they are dropped, since nothing downstream knows what they mean.
    """
    table = TABLES[file.table]
    if len(columns) == 1 and len(table.columns) > 1:
        separator = next((s for s in (";", "\t", "|") if s in columns[0]), None)
        if separator:
            # Typical of a spreadsheet re-saved in a French locale.
            return [
                Problem(
                    f"the header is split by {separator!r}, not by commas",
                    file=file.display,
                    example=f"header: {columns[0][:60]}...",
                    expected="comma-separated values, as in the Kaggle files "
                    "(re-export as CSV with ',' as separator and '.' as decimal point)",
                )
            ], []
    errors: list[Problem] = []
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        errors.append(
            Problem(
                "the header names this column more than once",
                file=file.display,
                column=duplicated[0],
                expected="each column once",
            )
        )
    present = set(columns)
    missing = [c for c in table.column_names if c not in present]
    extra = [c for c in columns if c not in table and c]
    renamed: dict[str, str] = {}
    for name in missing:
        pool = [c for c in extra if c not in renamed.values()]
        same_case = [c for c in pool if c.upper() == name.upper()]
        close = same_case or difflib.get_close_matches(name, pool, n=1, cutoff=0.8)
        if close:
            renamed[name] = close[0]
    if missing:
        first = missing[0]
        listed = ", ".join(missing[1:6]) + (", ..." if len(missing) > 6 else "")
        others = f" (and {len(missing) - 1} more: {listed})"
        if first in renamed:
            message = f"column missing; the header has {renamed[first]!r} instead (renamed?)"
            example = f"header column {columns.index(renamed[first]) + 1} is {renamed[first]!r}"
        else:
            message = "column missing from the header"
            example = f"header: {', '.join(columns[:8])}{', ...' if len(columns) > 8 else ''}"
        errors.append(
            Problem(
                message + (others if len(missing) > 1 else ""),
                file=file.display,
                column=first,
                example=example,
                expected=f"the {len(table.columns)} columns of {table.file_name}, "
                "named as in the Kaggle file",
            )
        )
    unknown = [c for c in extra if c not in renamed.values()]
    warnings = (
        [
            Problem(
                f"{len(unknown)} unknown column(s) ignored: {', '.join(unknown[:10])}"
                + (", ..." if len(unknown) > 10 else ""),
                file=file.display,
                column=unknown[0],
            )
        ]
        if unknown
        else []
    )
    empty_names = columns.count("")
    if empty_names:
        warnings.append(
            Problem(f"{empty_names} column(s) without a name ignored", file=file.display)
        )
    return errors, warnings


# ---------------------------------------------------------------- locating a bad row


def _key_columns(table: Table) -> tuple[str, ...]:
    """Columns that identify a row in messages: the primary key, else the reference columns."""
    return table.primary_key or tuple(fk.column for fk in table.foreign_keys)


def _where(file: TableFile, row: int) -> str:
    # Kaggle's files have no line breaks inside fields, so data row i sits on line i + 2.
    return f"line {row + 2}" if file.format == "csv" else f"row {row + 1}"


def _key_text(values: dict[str, Any], keys: Iterable[str]) -> str:
    return ", ".join(f"{k}={values.get(k)}" for k in keys)


def _first_invalid_utf8(path: Path) -> tuple[int, bytes] | None:
    """(line number, raw line) of the first line that is not UTF-8, reading 16 MB at a time.

    Blocks are cut after their last newline: a newline byte never occurs inside a multi-byte
    UTF-8 sequence, so each piece decodes on its own and an error offset maps to one line.
    """
    line = 1
    carry = b""
    with path.open("rb") as stream:
        while True:
            block = stream.read(_BLOCK)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            piece, carry = data[:cut], data[cut:]
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as error:
                start = piece.rfind(b"\n", 0, error.start) + 1
                end = piece.find(b"\n", error.start)
                return line + piece.count(b"\n", 0, start), piece[start : end if end >= 0 else None]
            line += piece.count(b"\n")
            if not block:
                return None


def _encoding_problem(file: TableFile, columns: list[str]) -> Problem | None:
    found = _first_invalid_utf8(file.path)
    if found is None:
        return None
    line, raw = found
    # Latin-1 maps each byte to one character, so the CSV split keeps the raw bytes of each field.
    fields = next(csv.reader(io.StringIO(raw.decode("latin-1"))), [])
    column, value = None, raw.decode("utf-8", "backslashreplace")
    values: dict[str, Any] = {}
    for name, text in zip(columns, fields, strict=False):
        values[name] = text
        try:
            text.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            if column is None:
                column = name
                value = text.encode("latin-1").decode("utf-8", "backslashreplace")
    key = _key_text(values, _key_columns(TABLES[file.table]))
    return Problem(
        f"bytes that are not UTF-8 in value {value!r}",
        file=file.display,
        column=column,
        example=f"line {line}, {key}" if key else f"line {line}",
        expected=UTF8_EXPECTED,
    )


def _failure(raw: pl.Expr, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    """True where a present value does not convert to `target` (or would lose its fraction)."""
    failed = raw.is_not_null() & raw.cast(target, strict=False).is_null()
    if source.is_float() and target.is_integer():
        failed = failed | (raw.is_not_null() & (raw != raw.floor()))
    return failed


def _type_problem(file: TableFile, columns: list[str]) -> Problem | None:
    """The first row whose value does not convert to the contract's type, via a text pass."""
    table = TABLES[file.table]
    schema = polars_schema(table)
    checked = [c for c in table.columns if c.kind is not Kind.TEXT]
    if file.format == "parquet":
        raw = pl.scan_parquet(list(file.paths))
        types = raw.collect_schema()
    else:
        raw = pl.scan_csv(file.path, infer_schema=False, glob=False)
        types = {c: pl.String() for c in columns}
    keys = list(_key_columns(table))
    failures = {c.name: _failure(pl.col(c.name), types[c.name], schema[c.name]) for c in checked}
    if not failures:
        return None
    bad = (
        raw.with_row_index(_ROW)
        .filter(pl.any_horizontal(list(failures.values())))
        .select(
            _ROW,
            *dict.fromkeys([*keys, *failures]),
            *[f.alias(f"__bad_{c}") for c, f in failures.items()],
        )
        .head(1)
        .collect(engine="streaming")
    )
    if bad.is_empty():
        return None
    row = bad.row(0, named=True)
    column = next(c for c in failures if row[f"__bad_{c}"])
    value = row[column]
    kind = table.column(column).kind
    if kind is Kind.INT and isinstance(value, str) and "." in value:
        message = f"value {value!r} has a decimal point but the column holds whole numbers"
    elif kind is Kind.INT and isinstance(value, str) and value.lstrip("-").isdigit():
        message = f"value {value!r} is too large for a 32-bit integer"
    else:
        message = f"value {value!r} is not a valid {'integer' if kind is Kind.INT else 'number'}"
    return Problem(
        message,
        file=file.display,
        column=column,
        example=f"{_where(file, row[_ROW])}, {_key_text(row, keys)}",
        expected=_EXPECTED_KIND[kind],
    )


def _stored_types_differ(file: TableFile) -> bool:
    stored = pl.scan_parquet(list(file.paths)).collect_schema()
    return any(stored[c] != t for c, t in polars_schema(file.table).items())


def _unreadable(file: TableFile, columns: list[str], error: Exception) -> Problem:
    """Explain a failed strict scan: bad encoding, then bad value, else Polars' own words."""
    try:
        if file.format == "csv":
            found = _encoding_problem(file, columns)
            if found:
                return found
        found = _type_problem(file, columns)
        if found:
            return found
    except pl.exceptions.PolarsError as second:
        error = second
    summary = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return Problem(
        f"cannot be read: {summary}",
        file=file.display,
        expected="a CSV file with a header line and the same number of fields on every line"
        if file.format == "csv"
        else "a readable Parquet file",
    )


def _duplicate_problem(file: TableFile, lazy: pl.LazyFrame, key: tuple[str, ...]) -> Problem:
    """The earliest duplicated primary key and the first two rows that carry it.

    Sorted by (key, row), a repeat sits right after its previous occurrence; the repeat whose
    previous occurrence comes first in the file is the one a person would find first.
    """
    value, previous = pl.col("__k"), pl.col(_ROW).shift(1)
    pairs = (
        lazy.with_row_index(_ROW)
        .select(_ROW, *key, _packed_key(key).alias("__k"))
        .drop_nulls("__k")
        .sort("__k", _ROW)
        .with_columns(previous.alias("__first"), (value == value.shift(1)).alias("__repeat"))
        .filter(pl.col("__repeat"))
        .sort("__first")
        .head(1)
        .collect(engine="streaming")
        .row(0, named=True)
    )
    count = (
        lazy.filter(pl.all_horizontal(pl.col(k) == pairs[k] for k in key))
        .select(pl.len())
        .collect(engine="streaming")
        .item()
    )
    key_text = _key_text(pairs, key)
    return Problem(
        f"duplicated key {key_text} ({count} rows)",
        file=file.display,
        column=", ".join(key),
        example=f"{_where(file, pairs['__first'])} and {_where(file, pairs[_ROW])}",
        expected=f"each {' + '.join(key)} on one row only",
    )


# ---------------------------------------------------------------- one table


def _sorted_counts(lazy: pl.LazyFrame, value: pl.Expr) -> pl.LazyFrame:
    """(distinct, repeats) of a value's non-null occurrences, counted on the sorted column.

    Sorting keeps one 4 to 8 byte value per row, where a hash set of 27 million keys
    (bureau_balance) took over 1 GB more: the distinct count is the number of changes
    between neighbours in sorted order, the repeats the number of equal neighbours.
    """
    changes = pl.col("__v").diff()
    return (
        lazy.select(value.alias("__v"))
        .drop_nulls()
        .sort("__v")
        .select(
            (changes.fill_null(1) != 0).sum().alias("distinct"),
            (changes == 0).sum().alias("repeats"),
        )
    )


def _packed_key(key: tuple[str, ...]) -> pl.Expr:
    """A single Int64 per key value, so uniqueness needs one hash set of integers.

    Two Int32 columns pack exactly into 64 bits (high * 2^32 + low offset to be non-negative).
    """
    if len(key) == 1:
        return pl.col(key[0])
    high, low = key
    return pl.col(high).cast(pl.Int64) * 4_294_967_296 + (pl.col(low).cast(pl.Int64) + 2**31)


def _references(table: Table, ids: dict[str, pl.Series]) -> list[tuple[str, str, pl.Series]]:
    """(column, referenced table(s), known ids) for each foreign key whose ids are known."""
    found = []
    for fk in table.foreign_keys:
        if fk.column == CLIENT_ID:
            known = [ids[t] for t in ("application_train", "application_test") if t in ids]
            label = " / ".join(t for t in ("application_train", "application_test") if t in ids)
            if "application_train" in ids:
                found.append((fk.column, label, pl.concat(known).unique()))
        elif fk.table in ids:
            found.append((fk.column, fk.table, ids[fk.table]))
    return found


def _id_columns(table: Table) -> tuple[str, ...]:
    """Every identifier a row must carry: its key, its client and what it refers to."""
    found = [*table.primary_key, table.client_key, *(fk.column for fk in table.foreign_keys)]
    return tuple(dict.fromkeys(c for c in found if c))


def _id_column(table: Table) -> str | None:
    """The id other tables refer to (SK_ID_CURR, SK_ID_BUREAU, SK_ID_PREV), if any."""
    for other in TABLES.values():
        for fk in other.foreign_keys:
            if fk.table == table.name:
                return fk.ref_column
    return CLIENT_ID if table.name == "application_test" else None


def _check_table(file: TableFile, report: TableReport, ids: dict[str, pl.Series]) -> None:
    table = TABLES[file.table]
    try:
        columns = file_columns(file)
    except DataError as error:
        report.errors.append(_problem_from(error))
        return
    errors, warnings = check_columns(file, columns)
    report.errors += errors
    report.warnings += warnings
    if errors:
        return
    if file.format == "parquet" and _stored_types_differ(file):
        # Casting Parquet floats to integers truncates silently: check values before trusting it.
        found = _type_problem(file, columns)
        if found:
            report.errors.append(found)
            return
    lazy = scan_file(file, columns)
    client = table.client_key or table.primary_key[0]
    report.client_column = client
    key = table.primary_key
    references = _references(table, ids)
    aggregates: list[pl.Expr] = [
        pl.len().alias("__rows"),
        # Null counts force every column to be parsed, so a bad value anywhere is caught.
        *[pl.col(c).null_count().alias(f"__null_{c}") for c in table.column_names],
    ]
    if table.name == "application_train":
        aggregates.append((~pl.col(TARGET).is_in([0, 1])).sum().alias("__bad_target"))
    text_columns = [c.name for c in table.columns if c.kind is Kind.TEXT]
    aggregates += [_markup(c).sum().alias(f"__markup_{c}") for c in text_columns]
    for column, _, known in references:
        orphan = pl.col(column).is_not_null() & ~pl.col(column).is_in(known.implode())
        aggregates += [
            orphan.sum().alias(f"__orphan_rows_{column}"),
            pl.col(column).filter(orphan).n_unique().alias(f"__orphan_ids_{column}"),
        ]
    queries = [lazy.select(aggregates), _sorted_counts(lazy, pl.col(client))]
    if key:
        queries.append(_sorted_counts(lazy, _packed_key(key)))
    id_column = _id_column(table)
    if id_column:
        queries.append(lazy.select(pl.col(id_column).drop_nulls().unique()))
    try:
        results = pl.collect_all(queries, engine="streaming")
    except (pl.exceptions.PolarsError, OSError) as error:
        report.errors.append(_unreadable(file, columns, error))
        return
    stats = results[0].row(0, named=True)
    report.rows, report.clients = stats["__rows"], results[1].item(0, "distinct")
    if file.rows is not None and report.rows != file.rows:
        report.errors.append(
            Problem(
                f"the lake holds {report.rows:,} rows of this table but its manifest says "
                f"{file.rows:,}",
                file=file.display,
                expected="the files `scoring ingest` wrote, unchanged (re-run it)",
            )
        )
    if report.rows == 0:
        report.warnings.append(Problem("the file has a header but no rows", file=file.display))
    for column in _id_columns(table):
        if stats[f"__null_{column}"]:
            report.errors.append(_empty_key_problem(file, lazy, column))
            break
    if key and not report.errors and results[2].item(0, "repeats"):
        report.errors.append(_duplicate_problem(file, lazy, key))
    if stats.get("__bad_target"):
        report.errors.append(_bad_target_problem(file, lazy))
    for column in text_columns:
        if stats[f"__markup_{column}"]:
            report.warnings.append(_markup_problem(file, lazy, column, stats[f"__markup_{column}"]))
    for column, label, _ in references:
        rows = stats[f"__orphan_rows_{column}"]
        if rows:
            report.info.append(
                f"{rows:,} row(s) ({stats[f'__orphan_ids_{column}']:,} distinct {column}) "
                f"have a {column} not found in {label}; allowed, as in the Kaggle data"
            )
    if id_column and not report.errors:
        ids[table.name] = results[-1].get_column(id_column)


def _problem_from(error: DataError) -> Problem:
    """A DataError raised by a reader, kept as a finding with its fields."""
    message = str(error)
    # DataError's text repeats file/column/example/expected; keep only the message part.
    prefix = ": ".join(
        p for p in (error.file, f"column {error.column}" if error.column else None) if p
    )
    if prefix and message.startswith(prefix + ": "):
        message = message[len(prefix) + 2 :]
    for suffix in (
        f"; expected {error.expected}" if error.expected is not None else None,
        f" (example: {error.example})" if error.example is not None else None,
    ):
        if suffix and message.endswith(suffix):
            message = message[: -len(suffix)]
    return Problem(
        message,
        file=error.file,
        column=error.column,
        example=error.example,
        expected=error.expected,
    )


def _first_row_where(file: TableFile, lazy: pl.LazyFrame, condition: pl.Expr) -> dict[str, Any]:
    return (
        lazy.with_row_index(_ROW)
        .filter(condition)
        .head(1)
        .collect(engine="streaming")
        .row(0, named=True)
    )


def _markup(column: str) -> pl.Expr:
    """Values that look like HTML markup (a tag or an entity such as &lt;)."""
    return pl.col(column).str.contains(r"<[A-Za-z/!]|&[A-Za-z#][A-Za-z0-9]*;").fill_null(False)


def _markup_problem(file: TableFile, lazy: pl.LazyFrame, column: str, rows: int) -> Problem:
    """A warning, not an error: the dashboard shows such values as plain text (escaped before
    any chart sees them), but markup in a category is unexpected and worth a look."""
    row = _first_row_where(file, lazy, _markup(column))
    return Problem(
        f"{rows:,} value(s) look like HTML markup; they are shown as plain text, never interpreted",
        file=file.display,
        column=column,
        example=f"{_where(file, row[_ROW])}: {row[column]!r}"[:160],
        expected="plain category text without tags",
    )


def _empty_key_problem(file: TableFile, lazy: pl.LazyFrame, column: str) -> Problem:
    table = TABLES[file.table]
    row = _first_row_where(file, lazy, pl.col(column).is_null())
    others = [k for k in _key_columns(table) if k != column]
    key = _key_text(row, others)
    return Problem(
        "empty identifier",
        file=file.display,
        column=column,
        example=_where(file, row[_ROW]) + (f", {key}" if key else ""),
        expected=f"a {column} on every row",
    )


def _bad_target_problem(file: TableFile, lazy: pl.LazyFrame) -> Problem:
    row = _first_row_where(file, lazy, ~pl.col(TARGET).is_in([0, 1]))
    return Problem(
        f"value {row[TARGET]!r} is not a class label",
        file=file.display,
        column=TARGET,
        example=f"{_where(file, row[_ROW])}, {CLIENT_ID}={row[CLIENT_ID]}",
        expected="0 (repaid) or 1 (payment difficulties)",
    )


# ---------------------------------------------------------------- whole source


def validate_source(
    path: str | Path | DataSource,
    names: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
) -> ValidationReport:
    """Check every table of a folder, Kaggle zip or Parquet folder; never raises for bad data.

    Without `names`, application_train and the six side tables are required and a missing
    application_test is a warning; with `names`, exactly those tables are required.
    Raises DataError only when `path` itself is unusable (does not exist, is not a zip).
    """
    required, optional = required_tables(names)
    wanted = (*required, *optional)
    progress = progress or Progress("check", quiet=True)
    source = (
        path if isinstance(path, DataSource) else resolve_source(path, wanted, progress=progress)
    )
    report = ValidationReport(source=str(source.origin), kind=source.kind)
    for name in TABLES:
        if name in wanted:
            found = source.files.get(name)
            report.tables[name] = TableReport(
                name,
                file=found.display if found else None,
                format=found.format if found else None,
            )
    for name in required:
        if name not in source.files:
            error = missing_file_error(source, [name])
            report.tables[name].errors.append(_problem_from(error))
    for name in optional:
        if name not in source.files:
            report.tables[name].warnings.append(
                Problem(
                    "optional file not found; only needed to score the Kaggle test applicants",
                    file=source.expected_display(name),
                )
            )
    ids: dict[str, pl.Series] = {}
    for name in (n for n in _ORDER if n in wanted and n in source.files):
        file = source.files[name]
        size = file.size / 1e6
        progress.say(f"{name}: reading {file.display} ({size:,.1f} MB {file.format}) ...")
        started = time.perf_counter()
        _check_table(file, report.tables[name], ids)
        done = report.tables[name]
        rows = "unreadable" if done.rows is None else f"{done.rows:,} rows"
        progress.say(
            f"{name}: {rows}, {len(done.errors)} error(s), {len(done.warnings)} warning(s) "
            f"in {time.perf_counter() - started:.1f}s"
        )
    return report
