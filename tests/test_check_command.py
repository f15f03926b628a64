"""`scoring check`: the verdict on a data set, for people (text) and for scripts (--json)."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from shared.tables import TABLES
from training.commands import check
from training.errors import DataError


def run_check(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    check.add_arguments(parser)
    return check.run(parser.parse_args(list(argv)))


def _independent_counts(folder: Path, table: str) -> tuple[int, int]:
    """(rows, distinct clients) parsed with the csv module, not with the code under test."""
    column = TABLES[table].client_key or "SK_ID_BUREAU"
    with (folder / TABLES[table].file_name).open(encoding="utf-8", newline="") as stream:
        records = list(csv.DictReader(stream))
    return len(records), len({r[column] for r in records if r[column]})


def test_json_on_the_real_sample(real_sample, capsys):
    assert run_check("--data", str(real_sample), "--json") == 0
    captured = capsys.readouterr()
    verdict = json.loads(captured.out)
    assert verdict["ok"] is True
    assert set(verdict["tables"]) == set(TABLES)
    for name, table in verdict["tables"].items():
        assert (table["rows"], table["clients"]) == _independent_counts(real_sample, name), name
        assert table["errors"] == []
    # One progress line per table on stderr, with elapsed time, none on stdout.
    for name in TABLES:
        assert f"check: {name}: reading" in captured.err
    assert "s]" in captured.err


def test_text_report_on_tiny_tables(tiny_tables, capsys):
    assert run_check("--data", str(tiny_tables()), "--quiet") == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    for name in TABLES:
        row = next(line for line in lines if line.startswith(name + " "))
        assert row.split()[1:4] == ["5", "5", "ok"], row
    assert "distinct SK_ID_BUREAU" in next(line for line in lines if line.startswith("bureau_b"))
    assert lines[-1] == "OK: 0 error(s), 0 warning(s)"


def test_errors_exit_one_and_are_listed(tiny_tables, capsys):
    folder = tiny_tables()
    path = folder / "bureau.csv"
    path.write_text(path.read_text("utf-8").replace("1000.5", "lots", 1), "utf-8")
    (folder / "credit_card_balance.csv").unlink()
    assert run_check("--data", str(folder), "--json", "--quiet") == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["ok"] is False
    bureau = verdict["tables"]["bureau"]
    assert len(bureau["errors"]) == 1 and "'lots'" in bureau["errors"][0]
    assert bureau["rows"] is None
    assert "credit_card_balance.csv" in verdict["tables"]["credit_card_balance"]["errors"][0]
    assert verdict["tables"]["bureau_balance"]["rows"] == 5

    assert run_check("--data", str(folder), "--quiet") == 1
    out = capsys.readouterr().out
    assert "    error: " in out and out.splitlines()[-1] == "FAILED: 2 error(s), 0 warning(s)"


def test_warnings_alone_exit_zero(tiny_tables, capsys):
    folder = tiny_tables()
    (folder / "application_test.csv").unlink()
    assert run_check("--data", str(folder), "--json", "--quiet") == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["ok"] is True
    assert verdict["tables"]["application_test"]["warnings"]
    assert verdict["tables"]["application_test"]["rows"] is None


def test_tables_option_restricts_the_check(tiny_tables, capsys):
    folder = tiny_tables(names=("bureau", "bureau_balance"))
    assert run_check("--data", str(folder), "--tables", "bureau,bureau_balance", "--json") == 0
    assert list(json.loads(capsys.readouterr().out)["tables"]) == ["bureau", "bureau_balance"]


def test_unusable_path_is_a_user_facing_error(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        run_check("--data", str(tmp_path / "missing.zip"))


def test_through_the_scoring_entry_point(tiny_tables, tmp_path, capsys):
    from training.cli import main

    assert main(["check", "--data", str(tiny_tables()), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["check", "--data", str(tmp_path / "absent")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
