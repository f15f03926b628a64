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
from training.data.reader import Tables
from training.data.schema import polars_schema
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
    columns: dict[str, list[object]] = {c: [] for c in schema}
    for i, row in enumerate(rows):
        where = f"{key}[{i}]"
        if not isinstance(row, Mapping):
            raise DataError("a record must be an object", file=where, expected="a JSON object")
        unknown = [k for k in row if k not in schema and k not in ignored]
        if unknown:
            raise DataError(
                f"unknown field {unknown[0]!r}",
                file=where,
                column=str(unknown[0]),
                expected=f"fields of {name} ({TABLES[name].description_table})",
            )
        for column, dtype in schema.items():
            columns[column].append(_convert(row.get(column), dtype, where=where, column=column))
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
