"""Bad arguments fail clearly, and no failure leaves a half-written folder behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from training.cli import main
from training.errors import UserFacingError
from training.synth import generate
from training.synth import generator as generator_module


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("applicants", [0, -5])
def test_applicants_below_one(tmp_path: Path, applicants: int) -> None:
    with pytest.raises(UserFacingError, match="applicants"):
        generate(applicants, 1, tmp_path / "out")
    assert _siblings(tmp_path) == []


def test_existing_folder_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    with pytest.raises(UserFacingError, match="--force"):
        generate(50, 1, out)
    assert _siblings(out) == ["keep.txt"]
    generate(50, 1, out, force=True)
    assert "keep.txt" not in _siblings(out) and "bureau.csv" in _siblings(out)
    assert _siblings(tmp_path) == ["out"]  # no temp or old folder left beside


def test_out_is_a_file_or_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserFacingError, match="not a folder"):
        generate(50, 1, blocker)
    with pytest.raises(UserFacingError, match="cannot create"):
        generate(50, 1, blocker / "sub" / "out")
    assert _siblings(tmp_path) == ["file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_unwritable_parent(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UserFacingError, match="not writable"):
            generate(50, 1, locked / "out")
    finally:
        locked.chmod(0o700)


def test_failure_mid_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    old = tmp_path / "old"
    generate(50, 1, old)
    before = sorted(p.read_bytes() for p in old.iterdir())
    monkeypatch.setattr(generator_module, "write_description", broken)
    with pytest.raises(RuntimeError):
        generate(50, 1, tmp_path / "out")
    assert _siblings(tmp_path) == ["old"]
    with pytest.raises(RuntimeError):
        generate(60, 2, old, force=True)
    assert sorted(p.read_bytes() for p in old.iterdir()) == before
    assert _siblings(tmp_path) == ["old"]


def test_cli_reports_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", "--applicants", "0", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "expected an integer >= 1" in capsys.readouterr().err


def test_cli_writes_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x"
    assert main(["synth", "--applicants", "30", "--seed", "4", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert str(out) in captured.out and "application_train" in captured.err
    assert (out / "application_train.csv").is_file()
