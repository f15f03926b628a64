"""Validation: each kind of bad input gives exactly one message that locates it.

Every test starts from a valid tiny data set (written from the contract), breaks one thing the
way a user's copy gets broken, and checks the one resulting finding names the file, the column,
the offending row or value and what was expected.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from shared.tables import TABLES
from training.data.reader import open_tables
from training.data.schema import polars_schema
from training.data.validation import ValidationReport, validate_source
from training.errors import DataError


def _rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as stream:
        return list(csv.reader(stream))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> dict[str, str]:
    """Overwrite one value (data row `row`, 0-based); returns that row as a dict."""
    path = folder / TABLES[table].file_name
    rows = _rows(path)
    rows[row + 1][rows[0].index(column)] = value
    _write(path, rows)
    return dict(zip(rows[0], rows[row + 1], strict=True))


def only_error(report: ValidationReport, table: str) -> str:
    """The single error of the report, which must be on `table`."""
    assert [name for name, t in report.tables.items() if t.errors] == [table]
    assert len(report.tables[table].errors) == 1, report.tables[table].errors
    return str(report.tables[table].errors[0])


def test_tiny_tables_are_valid(tiny_tables):
    report = validate_source(tiny_tables())
    assert report.ok, report.errors
    assert not report.warnings
    assert all(t.rows == 5 for t in report.tables.values())
    assert report.tables["application_train"].clients == 5
    assert report.tables["bureau_balance"].client_column == "SK_ID_BUREAU"


def test_missing_side_table_is_one_error_naming_the_file(tiny_tables):
    folder = tiny_tables()
    (folder / "bureau.csv").unlink()
    report = validate_source(folder)
    message = only_error(report, "bureau")
    assert "bureau.csv" in message and "not found" in message
    assert not report.ok
    with pytest.raises(DataError, match=r"bureau\.csv"):
        open_tables(folder)


def test_missing_test_applications_is_a_warning(tiny_tables):
    folder = tiny_tables()
    (folder / "application_test.csv").unlink()
    report = validate_source(folder)
    assert report.ok
    assert any("application_test.csv" in str(w) for w in report.warnings)
    assert "application_test" not in open_tables(folder)


def test_names_limit_what_is_required(tiny_tables):
    folder = tiny_tables(names=("application_train",))
    report = validate_source(folder, names=["application_train"])
    assert report.ok and list(report.tables) == ["application_train"]
    assert list(open_tables(folder, ("application_train",))) == ["application_train"]
    with pytest.raises(DataError, match="unknown table"):
        validate_source(folder, names=["applications"])


def test_missing_column(tiny_tables):
    folder = tiny_tables()
    path = folder / "bureau.csv"
    rows = _rows(path)
    drop = rows[0].index("AMT_ANNUITY")
    _write(path, [r[:drop] + r[drop + 1 :] for r in rows])
    message = only_error(validate_source(folder), "bureau")
    assert "bureau.csv" in message and "column AMT_ANNUITY" in message and "missing" in message
    assert "expected the 17 columns of bureau.csv" in message
    with pytest.raises(DataError, match="AMT_ANNUITY"):
        open_tables(folder)


def test_renamed_column_is_named_with_its_new_name(tiny_tables):
    folder = tiny_tables()
    path = folder / "application_train.csv"
    rows = _rows(path)
    rows[0][rows[0].index("AMT_CREDIT")] = "AMT_CREDITS"
    _write(path, rows)
    report = validate_source(folder)
    message = only_error(report, "application_train")
    assert "column AMT_CREDIT:" in message and "'AMT_CREDITS'" in message
    # The renamed column is explained by the error, not reported again as an unknown column.
    assert not report.tables["application_train"].warnings


def test_wrong_type_names_row_key_and_value(tiny_tables):
    folder = tiny_tables()
    row = set_cell(folder, "application_train", 3, "AMT_CREDIT", "abc")
    message = only_error(validate_source(folder), "application_train")
    assert "application_train.csv" in message and "column AMT_CREDIT" in message
    assert "'abc'" in message
    assert "line 5" in message  # header is line 1, data row 3 (0-based) is line 5
    assert f"SK_ID_CURR={row['SK_ID_CURR']}" in message
    assert "expected a number" in message
    with pytest.raises(DataError, match="abc"):
        open_tables(folder, validate=True)


def test_decimal_in_integer_column(tiny_tables):
    folder = tiny_tables()
    set_cell(folder, "bureau_balance", 1, "MONTHS_BALANCE", "-2.0")
    message = only_error(validate_source(folder), "bureau_balance")
    assert "column MONTHS_BALANCE" in message and "'-2.0'" in message and "line 3" in message
    assert "whole number" in message


def test_first_bad_row_is_reported_not_a_later_one(tiny_tables):
    folder = tiny_tables(rows=40)
    set_cell(folder, "installments_payments", 30, "AMT_PAYMENT", "n/a")
    set_cell(folder, "installments_payments", 12, "DAYS_INSTALMENT", "yesterday")
    message = only_error(validate_source(folder), "installments_payments")
    assert "line 14" in message and "'yesterday'" in message and "DAYS_INSTALMENT" in message


def test_integer_overflow(tiny_tables):
    folder = tiny_tables()
    set_cell(folder, "previous_application", 0, "SELLERPLACE_AREA", "99999999999")
    message = only_error(validate_source(folder), "previous_application")
    assert "SELLERPLACE_AREA" in message and "32-bit" in message


def test_duplicated_primary_key_names_both_lines(tiny_tables):
    folder = tiny_tables(rows=8)
    original = set_cell(folder, "bureau", 1, "SK_ID_BUREAU", "5000001")
    assert original["SK_ID_BUREAU"] == "5000001"
    message = only_error(validate_source(folder), "bureau")
    assert "SK_ID_BUREAU=5000001" in message and "line 2 and line 3" in message
    assert "duplicated" in message and "expected each SK_ID_BUREAU on one row only" in message


def test_duplicated_composite_key(tiny_tables):
    folder = tiny_tables(rows=6)
    set_cell(folder, "credit_card_balance", 4, "SK_ID_PREV", "1000002")
    set_cell(folder, "credit_card_balance", 4, "MONTHS_BALANCE", "-2")
    message = only_error(validate_source(folder), "credit_card_balance")
    assert "SK_ID_PREV=1000002, MONTHS_BALANCE=-2" in message
    assert "line 3 and line 6" in message


def test_installments_may_repeat_keys(tiny_tables):
    """Several payments may settle one instalment: the real file has no unique key."""
    folder = tiny_tables()
    path = folder / "installments_payments.csv"
    rows = _rows(path)
    _write(path, [*rows, rows[1]])
    assert validate_source(folder).ok


def test_empty_identifier(tiny_tables):
    folder = tiny_tables()
    set_cell(folder, "POS_CASH_balance", 2, "SK_ID_CURR", "")
    message = only_error(validate_source(folder), "POS_CASH_balance")
    assert "column SK_ID_CURR" in message and "empty" in message and "line 4" in message


def test_target_must_be_a_class_label(tiny_tables):
    folder = tiny_tables()
    set_cell(folder, "application_train", 2, "TARGET", "2")
    message = only_error(validate_source(folder), "application_train")
    assert "column TARGET" in message and "line 4" in message and "0 (repaid) or 1" in message


def test_non_utf8_bytes(tiny_tables):
    folder = tiny_tables(rows=6)
    path = folder / "previous_application.csv"
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b"Label 4", b"Cr\xe9dit", 1)  # a Latin-1 "é"
    path.write_bytes(b"\n".join(lines))
    message = only_error(validate_source(folder), "previous_application")
    assert "previous_application.csv" in message and "UTF-8" in message
    assert "line 6" in message and "SK_ID_PREV=1000005" in message
    assert "column NAME_CONTRACT_TYPE" in message and "Cr\\\\xe9dit" in message


def test_non_utf8_header(tiny_tables):
    folder = tiny_tables()
    path = folder / "bureau_balance.csv"
    path.write_bytes(path.read_bytes().replace(b"STATUS", b"ST\xc4TUS", 1))
    message = only_error(validate_source(folder), "bureau_balance")
    assert "line 1" in message and "UTF-8" in message


def test_empty_file(tiny_tables):
    folder = tiny_tables()
    (folder / "bureau.csv").write_bytes(b"")
    assert "empty" in only_error(validate_source(folder), "bureau")


def test_ragged_line_is_reported_not_raised(tiny_tables):
    folder = tiny_tables()
    path = folder / "bureau_balance.csv"
    path.write_text(path.read_text("utf-8") + "5000009,-1,C,extra,fields\n", "utf-8")
    message = only_error(validate_source(folder), "bureau_balance")
    assert "bureau_balance.csv" in message and "cannot be read" in message


def test_extra_column_is_a_warning_and_dropped(tiny_tables):
    folder = tiny_tables()
    path = folder / "bureau.csv"
    rows = _rows(path)
    _write(path, [[*r, "NOTE" if i == 0 else f"n{i}"] for i, r in enumerate(rows)])
    report = validate_source(folder)
    assert report.ok
    assert [str(w) for w in report.tables["bureau"].warnings] == [
        f"{path}: column NOTE: 1 unknown column(s) ignored: NOTE"
    ]
    frame = open_tables(folder)["bureau"].collect()
    assert frame.columns == list(TABLES["bureau"].column_names)
    assert dict(frame.schema) == polars_schema("bureau")


def test_reordered_columns_are_read_by_name(tiny_tables):
    folder = tiny_tables()
    path = folder / "bureau_balance.csv"
    rows = _rows(path)
    _write(path, [[r[2], r[0], r[1]] for r in rows])
    assert validate_source(folder).ok
    frame = open_tables(folder)["bureau_balance"].collect()
    assert frame.columns == ["SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"]
    assert frame["SK_ID_BUREAU"].to_list() == [5_000_001 + i for i in range(5)]


def test_orphan_side_rows_are_counted_not_rejected(tiny_tables):
    folder = tiny_tables()
    set_cell(folder, "bureau", 0, "SK_ID_CURR", "999999")
    set_cell(folder, "bureau", 1, "SK_ID_CURR", "999999")
    set_cell(folder, "bureau_balance", 0, "SK_ID_BUREAU", "7777777")
    report = validate_source(folder)
    assert report.ok
    assert any(
        n.startswith("2 row(s) (1 distinct SK_ID_CURR)") for n in report.tables["bureau"].info
    )
    assert any(
        n.startswith("1 row(s)") and "bureau" in n for n in report.tables["bureau_balance"].info
    )
    assert not report.tables["previous_application"].info


def test_several_problems_are_each_reported_once(tiny_tables):
    folder = tiny_tables()
    (folder / "credit_card_balance.csv").unlink()
    set_cell(folder, "bureau", 0, "AMT_CREDIT_SUM", "lots")
    report = validate_source(folder)
    assert sorted(n for n, t in report.tables.items() if t.errors) == [
        "bureau",
        "credit_card_balance",
    ]
    assert len(report.errors) == 2
    with pytest.raises(DataError, match="1 more problem"):
        report.raise_for_errors()


def test_parquet_wrong_type_is_located(tiny_tables, tmp_path):
    folder = tiny_tables()
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    for name, frame in open_tables(folder).items():
        frame.collect().write_parquet(parquet / f"{name}.parquet")
    raw = pl.read_csv(folder / "bureau.csv", infer_schema=False)
    raw.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("12,5"))
        .otherwise(pl.col("AMT_CREDIT_SUM"))
        .alias("AMT_CREDIT_SUM")
    ).write_parquet(parquet / "bureau.parquet")
    message = only_error(validate_source(parquet), "bureau")
    assert "bureau.parquet" in message and "AMT_CREDIT_SUM" in message
    assert "'12,5'" in message and "row 3" in message


def test_parquet_fractional_value_in_integer_column(tiny_tables, tmp_path):
    folder = tiny_tables(names=("application_train",))
    frame = pl.read_csv(
        folder / "application_train.csv", schema_overrides=polars_schema("application_train")
    )
    frame.with_columns(pl.col("CNT_CHILDREN").cast(pl.Float64) + 0.5).write_parquet(
        folder / "application_train.parquet"
    )
    report = validate_source(folder, names=["application_train"])
    message = only_error(report, "application_train")
    assert "CNT_CHILDREN" in message and "row 1" in message


def test_path_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        validate_source(tmp_path / "nowhere")


def test_real_sample_is_valid(real_sample):
    report = validate_source(real_sample)
    assert report.ok, [str(e) for e in report.errors]
    for name, table in report.tables.items():
        with (real_sample / TABLES[name].file_name).open(encoding="utf-8", newline="") as f:
            assert table.rows == sum(1 for _ in csv.reader(f)) - 1, name


def test_key_repeated_three_times_names_its_first_two_lines(tiny_tables):
    folder = tiny_tables(rows=8)
    set_cell(folder, "bureau", 6, "SK_ID_BUREAU", "5000002")
    set_cell(folder, "bureau", 4, "SK_ID_BUREAU", "5000002")
    message = only_error(validate_source(folder), "bureau")
    assert "SK_ID_BUREAU=5000002 (3 rows)" in message and "line 3 and line 6" in message


def test_semicolon_separated_file_gets_a_hint(tiny_tables):
    folder = tiny_tables()
    path = folder / "POS_CASH_balance.csv"
    path.write_text(path.read_text("utf-8").replace(",", ";"), "utf-8")
    message = only_error(validate_source(folder), "POS_CASH_balance")
    assert "POS_CASH_balance.csv" in message and "';'" in message and "comma" in message
