"""Features for applicants submitted as JSON records, through the batch code path.

The API turns a request into the same typed tables `open_tables` would give for a folder, then
calls `build_features`: there is no second implementation of any feature to drift apart.
Values are checked one by one here (a JSON body is small) so that a wrong field gets an error
that names it, instead of a Polars cast failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache

import polars as pl

from shared.tables import TABLES, TARGET
from training.data.schema import Tables, polars_schema
from training.errors import DataError
from training.features.pipeline import build_features
from training.features.state import FeatureState

#: Record list name -> contract table. "application" feeds application_test (no label).
RECORD_TABLES: dict[str, str] = {
    "application": "application_test",
    "bureau": "bureau",
    "bureau_balance": "bureau_balance",
    "previous_application": "previous_application",
    "POS_CASH_balance": "POS_CASH_balance",
    "installments_payments": "installments_payments",
    "credit_card_balance": "credit_card_balance",
}

#: Fields accepted and ignored: TARGET is in application_train rows but is never a feature.
IGNORED_FIELDS: dict[str, frozenset[str]] = {"application": frozenset({TARGET})}


def _convert(value: object, dtype: pl.DataType, *, where: str, column: str) -> object:
    """A JSON value as the column's storage type, or a DataError naming field and value."""
    if value is None:
        return None
    if isinstance(dtype, pl.String):
        if isinstance(value, str):
            return value
        expected = "a text label"
    elif isinstance(dtype, pl.Int32):
        if isinstance(value, bool):
            expected = "an integer"
        elif isinstance(value, (int, float)) and float(value).is_integer():
            if -(2**31) <= value < 2**31:
                return int(value)
            expected = "an integer between -2147483648 and 2147483647"
        elif isinstance(value, float) and math.isnan(value):
            return None
        else:
            expected = "an integer"
    else:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        expected = "a number"
    raise DataError(
        f"invalid value for {column}",
        file=where,
        column=column,
        example=repr(value),
        expected=expected,
    )


_INT32 = (-(2**31), 2**31 - 1)


def _fits(column: pl.Series, target: pl.DataType) -> bool:
    """Whether a column Polars inferred from JSON values holds what the contract expects."""
    got = column.dtype
    if got == pl.Null:
        return True
    if isinstance(target, pl.String):
        return got == pl.String
    if got == pl.Boolean or not got.is_numeric():
        return False
    if isinstance(target, pl.Float64):
        return True
    if got.is_integer():  # Int32 target
        low, high = column.min(), column.max()
        return low is None or (_INT32[0] <= low and high <= _INT32[1])  # type: ignore[operator]
    return False  # floats for an integer field: the slow path accepts whole ones


def _typed_frame(rows: Sequence[Mapping[str, object]], schema: dict) -> pl.DataFrame | None:
    """The records as a typed frame when every column has the expected kind, checked per
    column (vectorised); None when something is off, to be located value by value.

    Built column by column (each column's type inferred from all its values, strictly: mixed
    kinds such as a text among numbers fail here and go to the value-by-value path), which costs
    half of building it from row dictionaries for a client with a long history."""
    try:
        inferred = pl.DataFrame({c: [row.get(c) for row in rows] for c in schema})
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        return None
    if not all(_fits(inferred[c], dtype) for c, dtype in schema.items()):
        return None
    return inferred.cast(schema)  # type: ignore[arg-type]


@cache
def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=polars_schema(name))


def _frame(key: str, rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    name = RECORD_TABLES[key]
    if isinstance(rows, (Mapping, str, bytes)):
        raise DataError(f"{key} must be a list of records", file=key, expected="a JSON array")
    if not rows:
        return _empty(name)
    schema = polars_schema(name)
    ignored = IGNORED_FIELDS.get(key, frozenset())
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise DataError(
                "a record must be an object", file=f"{key}[{i}]", expected="a JSON object"
            )
        unknown = [k for k in row if k not in schema and k not in ignored]
        if unknown:
            raise DataError(
                f"unknown field {unknown[0]!r}",
                file=f"{key}[{i}]",
                column=str(unknown[0]),
                expected=f"fields of {name} ({TABLES[name].description_table})",
            )
    fast = _typed_frame(rows, schema)
    if fast is not None:
        return fast
    # Something did not fit: convert value by value, to name the field and value at fault
    # (and to accept what JSON legitimately writes differently, e.g. 3.0 for an integer).
    columns: dict[str, list[object]] = {c: [] for c in schema}
    for i, row in enumerate(rows):
        for column, dtype in schema.items():
            columns[column].append(
                _convert(row.get(column), dtype, where=f"{key}[{i}]", column=column)
            )
    return pl.DataFrame(columns, schema=schema)


def tables_from_records(records: Mapping[str, Sequence[Mapping[str, object]]]) -> Tables:
    """Typed tables from JSON-like records; absent or empty lists are absent tables (no rows),
    missing fields are null."""
    unknown = [k for k in records if k not in RECORD_TABLES]
    if unknown:
        raise DataError(
            f"unknown record list {unknown[0]!r}", expected=f"some of {list(RECORD_TABLES)}"
        )
    if "application" not in records:
        raise DataError("no application record", expected="records['application'] = [{...}]")
    # An empty or absent list leaves the table out: the pipeline reads "absent" as "no rows"
    # (and skips the family's query, the main cost for an applicant without history).
    return {
        RECORD_TABLES[key]: _frame(key, rows).lazy()
        for key, rows in records.items()
        if key == "application" or not isinstance(rows, Sequence) or len(rows) > 0
    }


def features_for_records(
    records: Mapping[str, Sequence[Mapping[str, object]]], state: FeatureState
) -> pl.DataFrame:
    """= build_features(tables_from_records(records), state), on the in-memory engine."""
    return build_features(tables_from_records(records), state, engine="in-memory")
