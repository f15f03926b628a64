"""Reading: every source form yields the same typed frames, and archives are extracted safely."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from shared.tables import APPLICATION_TABLES, SIDE_TABLES, TABLES
from training.data import extraction
from training.data.descriptions import read_descriptions, shipped_descriptions
from training.data.extraction import MARKER
from training.data.fingerprint import fingerprint, hash_file
from training.data.reader import open_tables, scan_table
from training.data.schema import polars_schema
from training.data.sources import resolve_source
from training.errors import DataError
from training.model.bundle_writer import data_fingerprint


def _zip(folder: Path, archive: Path, prefix: str = "", names: tuple[str, ...] = ()) -> Path:
    archive.parent.mkdir(parents=True, exist_ok=True)
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


def _cached_bureau(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(tables folder, archive, the cache's bureau.csv) after a first read of the archive."""
    folder = tmp_path / "tiny"
    archive = _zip(folder, tmp_path / "home-credit-default-risk.zip", "data/")
    open_tables(archive)
    return folder, archive, tmp_path / "home-credit-default-risk.extracted" / "bureau.csv"


def _append_bureau_row(folder: Path) -> None:
    with (folder / "bureau.csv").open("a", encoding="utf-8") as out:
        out.write(",".join(["100001", "5999999", *[""] * 15]) + "\n")


def test_zip_extraction_is_cached_and_marked_complete(tiny_tables, tmp_path):
    folder = tiny_tables()
    archive = _zip(folder, tmp_path / "home-credit-default-risk.zip", "data/")
    cache = tmp_path / "home-credit-default-risk.extracted"
    first = _collected(archive)
    _assert_same(first, _collected(folder))
    extracted = cache / "bureau.csv"
    stamp = extracted.stat().st_mtime_ns
    assert not list(cache.glob("*.part")) and not list(cache.glob(".*.part"))
    _assert_same(_collected(archive), first)
    assert extracted.stat().st_mtime_ns == stamp  # reused, not extracted again

    marker = json.loads((cache / MARKER).read_text())
    assert marker["archive_sha256"] == hash_file(archive)[1]
    with zipfile.ZipFile(archive) as opened:
        info = opened.getinfo("data/bureau.csv")
    assert marker["members"]["bureau.csv"] == {
        "crc": info.CRC,
        "size": info.file_size,
        "sha256": hash_file(folder / "bureau.csv")[1],
    }
    assert set(marker["members"]) == {TABLES[t].file_name for t in TABLES}


def test_replaced_zip_is_extracted_again(tiny_tables, tmp_path):
    tiny_tables()
    folder, archive, extracted = _cached_bureau(tmp_path)
    rows = open_tables(archive)["bureau"].collect().height
    _append_bureau_row(folder)
    archive.unlink()
    _zip(folder, archive, "data/")
    assert open_tables(archive)["bureau"].collect().height == rows + 1
    assert extracted.read_bytes() == (folder / "bureau.csv").read_bytes()


@pytest.mark.parametrize(
    "damage",
    ["marker missing", "member truncated", "member edited, same size", "member replaced by a link"],
)
def test_partial_or_altered_extraction_is_redone(tiny_tables, tmp_path, damage):
    tiny_tables()
    folder, archive, extracted = _cached_bureau(tmp_path)
    good = extracted.read_bytes()
    if damage == "marker missing":
        (extracted.parent / MARKER).unlink()
        extracted.write_bytes(good[: len(good) // 2])  # what a killed extraction may leave
    elif damage == "member truncated":
        extracted.write_bytes(good[:-10])
    elif damage == "member edited, same size":
        extracted.write_bytes(good.replace(b"5000001", b"5000009", 1))
    else:
        elsewhere = tmp_path / "elsewhere.csv"
        elsewhere.write_bytes(good.replace(b"5000001", b"5000009", 1))
        extracted.unlink()
        extracted.symlink_to(elsewhere)
    assert extracted.read_bytes() != good
    frames = _collected(archive)
    _assert_same(frames, _collected(folder))
    assert not extracted.is_symlink() and extracted.read_bytes() == good


def test_extraction_killed_half_way_is_never_trusted(tiny_tables, tmp_path, monkeypatch):
    """A crash while extracting a replaced archive leaves no marker vouching for stale copies."""
    tiny_tables()
    folder, archive, extracted = _cached_bureau(tmp_path)
    _append_bureau_row(folder)
    archive.unlink()
    _zip(folder, archive, "data/")
    real_extract = extraction._extract_member

    def dies_on_bureau(opened, info, target, label):
        if target.name == "bureau.csv":
            raise KeyboardInterrupt
        return real_extract(opened, info, target, label)

    monkeypatch.setattr(extraction, "_extract_member", dies_on_bureau)
    with pytest.raises(KeyboardInterrupt):
        open_tables(archive)
    assert not (extracted.parent / MARKER).exists()
    monkeypatch.setattr(extraction, "_extract_member", real_extract)
    _assert_same(_collected(archive), _collected(folder))


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


# ---------------------------------------------------------------- the data fingerprint

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _copy_tables(folder: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for path in folder.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_fingerprint_lists_every_file_read_and_nothing_else(tiny_tables):
    folder = tiny_tables()
    (folder / "README.md").write_text("notes")
    tables = open_tables(folder)
    assert sorted(f.name for f in tables.inputs) == sorted(t.file_name for t in TABLES.values())
    bureau = next(f for f in tables.inputs if f.name == "bureau.csv")
    assert (bureau.size, bureau.sha256) == hash_file(folder / "bureau.csv")
    assert data_fingerprint(folder) == tables.fingerprint
    assert data_fingerprint(tables) == tables.fingerprint
    only = open_tables(folder, ("bureau",))
    assert [f.name for f in only.inputs] == ["bureau.csv"]
    assert only.fingerprint == fingerprint([bureau]) != tables.fingerprint


def test_two_different_zips_get_different_fingerprints(tiny_tables, tmp_path):
    folder = tiny_tables()
    first = _zip(folder, tmp_path / "first" / "home-credit-default-risk.zip")
    _append_bureau_row(folder)
    second = _zip(folder, tmp_path / "second" / "home-credit-default-risk.zip")
    one, two = open_tables(first).fingerprint, open_tables(second).fingerprint
    assert one != two
    assert EMPTY_SHA256 not in (one, two)


def test_same_content_gets_the_same_fingerprint_in_every_form(tiny_tables, tmp_path):
    folder = tiny_tables()
    flat = open_tables(folder).fingerprint
    nested = _copy_tables(folder, tmp_path / "download" / "home-credit-default-risk")
    archive = _zip(folder, tmp_path / "zipped" / "home-credit-default-risk.zip", "data/")
    assert open_tables(tmp_path / "download").fingerprint == flat != EMPTY_SHA256
    assert open_tables(archive).fingerprint == flat
    # Unread files beside the tables change nothing, renamed or not...
    (nested / "README.md").write_text("read me")
    (nested / "README.md").rename(nested / "NOTES.txt")
    assert open_tables(tmp_path / "download").fingerprint == flat
    # ...but one byte of a table does.
    path = nested / "bureau_balance.csv"
    path.write_bytes(path.read_bytes().replace(b"Label 1", b"Label 7", 1))
    assert open_tables(tmp_path / "download").fingerprint != flat


def test_parquet_fingerprint_is_made_of_the_parquet_files(tiny_tables, tmp_path):
    frames = _collected(tiny_tables())
    parquet = tmp_path / "pq"
    parquet.mkdir()
    for name, frame in frames.items():
        frame.write_parquet(parquet / f"{name}.parquet")
    tables = open_tables(parquet)
    assert sorted(f.name for f in tables.inputs) == sorted(f"{n}.parquet" for n in TABLES)
    before = tables.fingerprint
    frames["bureau"].head(3).write_parquet(parquet / "bureau.parquet")
    assert open_tables(parquet).fingerprint != before


def test_fingerprint_of_nothing_is_refused():
    with pytest.raises(DataError, match="no data file was read"):
        fingerprint([])
