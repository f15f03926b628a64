"""`scoring check` warns about HTML markup in category values (data is text, never markup:
the dashboard escapes it, but a tag in a category is unexpected and worth a look)."""

from __future__ import annotations

import csv
from pathlib import Path

from training.data.validation import validate_source


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    rows[row + 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)


def test_markup_in_a_category_is_a_warning_naming_file_column_and_line(tiny_tables) -> None:
    folder = tiny_tables()
    set_cell(folder / "application_train.csv", 2, "NAME_EDUCATION_TYPE", '<a href="x">y</a>')
    report = validate_source(folder)
    assert report.ok  # a warning, not an error
    warnings = [str(w) for w in report.tables["application_train"].warnings]
    (warning,) = [w for w in warnings if "markup" in w]
    assert "application_train.csv" in warning and "NAME_EDUCATION_TYPE" in warning
    assert "line 4" in warning and '<a href="x">y</a>' in warning
    assert "1 value(s)" in warning


def test_plain_categories_raise_no_markup_warning(tiny_tables) -> None:
    folder = tiny_tables()
    set_cell(folder / "application_train.csv", 1, "NAME_EDUCATION_TYPE", "a < b & c > d")
    report = validate_source(folder)
    assert not any("markup" in str(w) for t in report.tables.values() for w in t.warnings)
