"""Reading: every source form yields the same typed frames, and archives are extracted safely."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from shared.tables import APPLICATION_TABLES, SIDE_TABLES, TABLES
from training.data.descriptions import read_descriptions, shipped_descriptions
from training.data.reader import open_tables, scan_table
from training.data.schema import polars_schema
from training.data.sources import resolve_source
from training.errors import DataError


def _zip(folder: Path, archive: Path, prefix: str = "", names: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.iterdir()):
            if path.suffix == ".csv" and (not names or path.stem in names):
                out.write(path, prefix + path.name)
    return archive


def _collected(path: Path, **kwargs: object) -> dict[str, pl.DataFrame]:
    return {name: lazy.collect() for name, lazy in open_tables(path, **kwargs).items()}  # type: ignore[arg-type]


def _assert_same(left: dict[str, pl.DataFrame], right: dict[str, pl.DataFrame]) -> None:
    assert list(left) == list(right)
    for name in left:
        assert left[name].equals(right[name], null_equal=True), name


# ---------------------------------------------------------------- the real sample


def test_real_sample_has_the_contract_schema(real_sample):
    frames = open_tables(real_sample)
    assert set(frames) == set(TABLES)
    for name, lazy in frames.items():
        assert lazy.collect_schema() == pl.Schema(polars_schema(name)), name
        frame = lazy.collect()
        assert dict(frame.schema) == polars_schema(name), name
        with (real_sample / TABLES[name].file_name).open(encoding="utf-8", newline="") as f:
            records = list(csv.reader(f))
        assert frame.height == len(records) - 1, name
        # Spot-check values against an independent parse: first data row's id and last column.
        header = records[0]
        first_column = header[0]
        assert frame[first_column][0] == int(records[1][0]), name


def test_real_sample_keeps_odd_values(real_sample):
    frames = open_tables(real_sample, ("application_train", "previous_application"))
    train = frames["application_train"].collect()
    assert (train["DAYS_EMPLOYED"] == 365243).any()
    assert set(train["TARGET"].unique().to_list()) == {0, 1}
    previous = frames["previous_application"].collect()
    assert (previous["NAME_CASH_LOAN_PURPOSE"] == "XAP").any()


@pytest.mark.parametrize("prefix", ["", "home-credit-default-risk/"])
def test_real_sample_zip_reads_like_the_folder(real_sample, tmp_path, prefix):
    archive = _zip(real_sample, tmp_path / "home-credit-default-risk.zip", prefix)
    _assert_same(_collected(archive), _collected(real_sample))


def test_real_sample_parquet_reads_like_csv(real_sample, tmp_path):
    frames = _collected(real_sample)
    for name, frame in frames.items():
        frame.write_parquet(tmp_path / f"{name}.parquet")
    _assert_same(_collected(tmp_path, validate=True), frames)


def test_real_sample_descriptions_match_the_shipped_copy(real_sample):
    """Kaggle's Latin-1 file decodes to exactly the shipped descriptions."""
    described = read_descriptions(real_sample)
    assert described == shipped_descriptions()
    every_column = {(t.name, c.name) for t in TABLES.values() for c in t.columns}
    assert every_column <= set(described)
    assert "\x85" in described[("application_train", "NAME_INCOME_TYPE")]


# ---------------------------------------------------------------- tiny tables


def test_frames_are_typed_and_in_contract_order(tiny_tables):
    frames = open_tables(tiny_tables())
    assert list(frames) == [*[APPLICATION_TABLES[0]], *SIDE_TABLES, APPLICATION_TABLES[1]]
    for name, lazy in frames.items():
        frame = lazy.collect()
        assert frame.columns == list(TABLES[name].column_names)
        assert dict(frame.schema) == polars_schema(name)
    bureau = frames["bureau"].collect()
    assert bureau["AMT_CREDIT_SUM"].to_list() == [0.5, 1000.5, None, 3000.5, 4000.5]
    assert bureau["CREDIT_TYPE"].to_list() == ["XNA", "Label 1", "Label 2", None, "Label 4"]


def test_scan_table_is_kept_for_early_callers(tiny_tables):
    frame = scan_table(tiny_tables(), "bureau_balance").collect()
    assert dict(frame.schema) == polars_schema("bureau_balance")


def test_parquet_with_other_storage_types_is_cast(tiny_tables, tmp_path):
    folder = tiny_tables(names=("bureau_balance",))
    raw = pl.read_csv(folder / "bureau_balance.csv")  # inferred: Int64 ids
    assert raw.schema["SK_ID_BUREAU"] == pl.Int64
    parquet = tmp_path / "pq"
    parquet.mkdir()
    raw.write_parquet(parquet / "bureau_balance.parquet")
    frame = open_tables(parquet, ("bureau_balance",))["bureau_balance"].collect()
    assert dict(frame.schema) == polars_schema("bureau_balance")
    assert frame["SK_ID_BUREAU"].to_list() == raw["SK_ID_BUREAU"].to_list()


def test_files_in_one_sub_folder_are_found(tiny_tables, tmp_path):
    nested = tiny_tables()
    assert nested.parent == tmp_path
    _assert_same(_collected(tmp_path), _collected(nested))


def test_zip_extraction_is_cached_and_refreshed(tiny_tables, tmp_path):
    folder = tiny_tables()
    archive = _zip(folder, tmp_path / "home-credit-default-risk.zip", "data/")
    cache = tmp_path / "home-credit-default-risk.extracted"
    first = _collected(archive)
    extracted = cache / "bureau.csv"
    stamp = extracted.stat().st_mtime_ns
    assert not list(cache.glob("*.part")) and not list(cache.glob(".*.part"))
    _assert_same(_collected(archive), first)
    assert extracted.stat().st_mtime_ns == stamp  # reused, not extracted again

    # A replaced archive (one more bureau row) must not be served from the stale cache.
    with (folder / "bureau.csv").open("a", encoding="utf-8") as out:
        out.write(",".join(["100001", "5999999", *[""] * 15]) + "\n")
    archive.unlink()
    _zip(folder, archive, "data/")
    assert _collected(archive)["bureau"].height == first["bureau"].height + 1
    manifest = json.loads((cache / ".manifest.json").read_text())
    assert manifest["bureau.csv"]["size"] == (folder / "bureau.csv").stat().st_size


def test_zip_extracts_only_requested_tables(tiny_tables, tmp_path):
    archive = _zip(tiny_tables(), tmp_path / "data.zip")
    source = resolve_source(archive, ["bureau"], cache_dir=tmp_path / "cache")
    assert list(source.files) == ["bureau"]
    assert sorted(p.name for p in (tmp_path / "cache").glob("*.csv")) == ["bureau.csv"]
    assert source.files["bureau"].display == "data.zip/bureau.csv"


def test_zip_missing_table_names_the_archive(tiny_tables, tmp_path):
    folder = tiny_tables()
    names = tuple(n for n in TABLES if n != "bureau_balance")
    archive = _zip(folder, tmp_path / "home-credit-default-risk.zip", names=names)
    with pytest.raises(DataError, match=r"home-credit-default-risk\.zip/bureau_balance\.csv"):
        open_tables(archive)


def test_damaged_archive_is_a_clear_error(tmp_path):
    archive = tmp_path / "home-credit-default-risk.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(DataError, match="neither a folder nor a zip"):
        open_tables(archive)


def test_missing_column_stops_open_tables(tiny_tables):
    folder = tiny_tables()
    path = folder / "credit_card_balance.csv"
    text = path.read_text("utf-8")
    path.write_text(text.replace("AMT_BALANCE", "BALANCE", 1), "utf-8")
    with pytest.raises(DataError, match=r"credit_card_balance\.csv: column AMT_BALANCE"):
        open_tables(folder)


def test_descriptions_from_the_users_file_override_shipped_ones(tiny_tables):
    folder = tiny_tables(names=("application_train",))
    (folder / "HomeCredit_columns_description.csv").write_bytes(
        b",Table,Row,Description,Special\n"
        b'1,application_{train|test}.csv,AMT_CREDIT,"Cr\xe9dit amount, as granted",\n'
        b"2,bureau.csv,SK_BUREAU_ID,Bureau id,hashed\n"
    )
    described = read_descriptions(folder)
    assert described[("application_train", "AMT_CREDIT")] == "Crédit amount, as granted"
    assert described[("application_test", "AMT_CREDIT")] == "Crédit amount, as granted"
    assert described[("bureau", "SK_ID_BUREAU")] == "Bureau id"
    shipped = shipped_descriptions()
    assert described[("bureau", "DAYS_CREDIT")] == shipped[("bureau", "DAYS_CREDIT")]
    assert read_descriptions(None) == shipped


def test_descriptions_without_a_users_file_are_the_shipped_ones(tiny_tables):
    assert read_descriptions(tiny_tables(names=("bureau",))) == shipped_descriptions()


def test_descriptions_inside_the_kaggle_zip(real_sample, tmp_path):
    archive = tmp_path / "home-credit-default-risk.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(
            real_sample / "HomeCredit_columns_description.csv", "HomeCredit_columns_description.csv"
        )
        out.write(real_sample / "bureau_balance.csv", "bureau_balance.csv")
    assert read_descriptions(archive) == shipped_descriptions()
