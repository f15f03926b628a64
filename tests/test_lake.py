"""The Parquet lake (`scoring ingest`): same rows, same features, same fingerprint, same model.

What must hold for a lake to replace its source everywhere:
- every source row is in the lake, each in its client's partition (bureau_balance through its
  bureau credit), and the application tables keep the source's row order;
- features from the lake equal features from the CSV files exactly (real sample and synthetic),
  and each partition alone gives exactly its clients' rows of the full matrix (what the Dask
  engine relies on);
- the lake's fingerprint is its source's, and a model trained from it is byte-identical;
- ingest refuses bad data with `scoring check`'s messages, refuses bad arguments with exit 2,
  replaces a lake atomically and leaves nothing behind when it fails or is interrupted;
- a lake changed after ingest is refused, naming the file.
"""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

from shared.tables import APPLICATION_TABLES, CLIENT_ID, TABLES
from training.cli import main
from training.data import ingest as ingest_module
from training.data import lake
from training.data.ingest import InvalidSource, ingest
from training.data.reader import open_tables
from training.data.validation import validate_source
from training.errors import DataError
from training.features.pipeline import build_features, fit_feature_state
from training.progress import Progress

SYNTHETIC_APPLICANTS = 1_200


def same_rows(left: pl.DataFrame, right: pl.DataFrame) -> bool:
    """Equal as multisets of rows (order ignored), with types and nulls compared exactly."""
    if left.schema != right.schema or left.height != right.height:
        return False
    columns = left.columns
    return left.sort(columns, nulls_last=True).equals(right.sort(columns, nulls_last=True))


def hidden_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.synth import generate

    return generate(SYNTHETIC_APPLICANTS, 5, tmp_path_factory.mktemp("synthetic") / "data")


@pytest.fixture(scope="module")
def synthetic_lake(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic-lake") / "lake"
    return ingest(synthetic, out, partitions=3).root


@pytest.fixture(scope="module")
def sample_lake(real_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-lake") / "lake"
    return ingest(real_sample, out, partitions=4).root


# ------------------------------------------------------------------ the partition function


def test_partition_function_is_the_same_in_python_and_in_polars() -> None:
    rng = random.Random(3)
    ids = [
        0,
        1,
        -1,
        2**31 - 1,
        -(2**31),
        100_002,
        *(rng.randint(-(2**31), 2**31 - 1) for _ in range(500)),
    ]
    frame = pl.DataFrame({CLIENT_ID: ids}, schema={CLIENT_ID: pl.Int32})
    for partitions in (1, 3, 16, lake.MAX_PARTITIONS):
        computed = frame.select(lake.partition_expr(CLIENT_ID, partitions))[CLIENT_ID].to_list()
        assert computed == [lake.partition_of(i, partitions) for i in ids], partitions
        assert all(0 <= p < partitions for p in computed)


def test_consecutive_ids_spread_evenly() -> None:
    counts = [0] * 16
    for client in range(100_001, 150_001):
        counts[lake.partition_of(client, 16)] += 1
    assert max(counts) / min(counts) < 1.05, counts


# ------------------------------------------------------------------ same rows, same order


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_the_lake_holds_the_source_rows_and_its_fingerprint(which, request) -> None:
    source = request.getfixturevalue("real_sample" if which == "sample" else "synthetic")
    built = request.getfixturevalue(f"{which}_lake")
    from_source, from_lake = open_tables(source), open_tables(built)
    assert list(from_lake) == list(from_source)
    for name in from_source:
        expected, found = from_source[name].collect(), from_lake[name].collect()
        if name in APPLICATION_TABLES:  # folds are assigned by row: the order must be kept
            assert found.equals(expected), name
        else:
            assert same_rows(found, expected), name
    assert from_lake.fingerprint == from_source.fingerprint
    assert lake.read_manifest(built).source.fingerprint == from_source.fingerprint


def test_every_row_sits_in_its_clients_partition(synthetic, synthetic_lake) -> None:
    manifest = lake.read_manifest(synthetic_lake)
    folders = lake.partition_folders(synthetic_lake)
    assert len(folders) == manifest.partitions == 3
    credits = {}
    for index, folder in enumerate(folders):
        for name in manifest.tables:
            frame = pl.read_parquet(folder / f"{name}.parquet")
            assert frame.height == manifest.tables[name].partition_rows[index]
            if name == "bureau":
                credits.update(dict.fromkeys(frame["SK_ID_BUREAU"].to_list(), index))
            if TABLES[name].client_key:
                assert {lake.partition_of(c, 3) for c in frame[CLIENT_ID]} <= {index}, name
    unrouted = 0
    for index, folder in enumerate(folders):
        for credit in pl.read_parquet(folder / "bureau_balance.parquet")["SK_ID_BUREAU"]:
            if credit in credits:
                assert credits[credit] == index  # follows its bureau credit's client
            else:
                unrouted += 1
                assert lake.partition_of(credit, 3) == index
    bureau = pl.read_csv(synthetic / "bureau.csv", columns=["SK_ID_BUREAU"])
    balance = pl.read_csv(synthetic / "bureau_balance.csv", columns=["SK_ID_BUREAU"])
    independent = balance.filter(~pl.col("SK_ID_BUREAU").is_in(bureau["SK_ID_BUREAU"].implode()))
    assert manifest.tables["bureau_balance"].unrouted_rows == unrouted == independent.height


# ------------------------------------------------------------------ same features


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_features_from_the_lake_equal_features_from_the_csv(which, request) -> None:
    source = request.getfixturevalue("real_sample" if which == "sample" else "synthetic")
    built = request.getfixturevalue(f"{which}_lake")
    csv_tables, lake_tables = open_tables(source), open_tables(built)
    state = fit_feature_state(csv_tables)
    assert fit_feature_state(lake_tables).to_json() == state.to_json()
    expected = build_features(csv_tables, state)
    assert expected.height > 1_000 and expected.width > 500
    assert build_features(lake_tables, state).equals(expected)


def test_each_partition_alone_gives_its_clients_rows_of_the_full_matrix(sample_lake) -> None:
    """A partition folder is a data set of its own: the feature code run on it alone (as a Dask
    worker will) gives exactly the full-batch rows of its clients, and the partitions together
    give the whole matrix."""
    full_tables = open_tables(sample_lake)
    state = fit_feature_state(full_tables)
    full = build_features(full_tables, state)
    pieces = []
    for folder in lake.partition_folders(sample_lake):
        piece = build_features(open_tables(folder), state)
        assert piece.height > 0
        assert piece.equals(full.filter(pl.col(CLIENT_ID).is_in(piece[CLIENT_ID].implode())))
        pieces.append(piece)
    assert pl.concat(pieces).sort(CLIENT_ID).equals(full)


def test_fitted_state_and_features_do_not_depend_on_row_order(synthetic) -> None:
    """The lake stores side-table rows partition after partition: the state and the features
    must depend on which rows there are, never on their order."""
    tables = {name: frame.collect() for name, frame in open_tables(synthetic).items()}
    shuffled = {
        name: frame.sample(fraction=1.0, shuffle=True, seed=11).lazy()
        for name, frame in tables.items()
    }
    assert not tables["bureau"].equals(shuffled["bureau"].collect())
    state = fit_feature_state({n: f.lazy() for n, f in tables.items()})
    assert fit_feature_state(shuffled).to_json() == state.to_json()
    expected = build_features({n: f.lazy() for n, f in tables.items()}, state)
    assert build_features(shuffled, state).equals(expected)


# ------------------------------------------------------------------ every input, every command


def test_ingest_reads_the_kaggle_zip_a_parquet_folder_and_a_lake(synthetic, tmp_path) -> None:
    expected = open_tables(synthetic)
    archive = tmp_path / "home-credit-default-risk.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for file in synthetic.glob("*.csv"):
            zipped.write(file, file.name)
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    for name, frame in expected.items():
        frame.collect().write_parquet(parquet / f"{name}.parquet")
    from_zip = ingest(archive, tmp_path / "from-zip", partitions=2).root
    from_parquet = ingest(parquet, tmp_path / "from-parquet", partitions=5).root
    # A lake is also a source: re-partitioning keeps the original source's fingerprint.
    repartitioned = ingest(from_zip, tmp_path / "repartitioned", partitions=7).root
    assert open_tables(from_zip).fingerprint == expected.fingerprint
    assert open_tables(repartitioned).fingerprint == expected.fingerprint
    assert open_tables(from_parquet).fingerprint == open_tables(parquet).fingerprint
    assert lake.read_manifest(repartitioned).partitions == 7
    for built in (from_zip, from_parquet, repartitioned):
        found = open_tables(built)
        for name in expected:
            assert same_rows(found[name].collect(), expected[name].collect()), (built, name)
    assert (from_zip / "HomeCredit_columns_description.csv").is_file()


def test_scoring_check_on_a_lake_says_what_it_says_on_the_source(synthetic, synthetic_lake, capsys):
    assert main(["check", "--data", str(synthetic), "--quiet"]) == 0
    on_source = capsys.readouterr().out.splitlines()
    assert main(["check", "--data", str(synthetic_lake), "--quiet"]) == 0
    on_lake = capsys.readouterr().out.splitlines()
    assert on_lake[0] == f"Data: {synthetic_lake} (lake)"
    assert on_lake[1:] == on_source[1:]


def test_scoring_features_from_a_lake_writes_the_same_matrix(synthetic, synthetic_lake, tmp_path):
    for name, data in (("csv", synthetic), ("lake", synthetic_lake)):
        out = tmp_path / f"{name}.parquet"
        assert main(["features", "--data", str(data), "--out", str(out), "--quiet"]) == 0
    assert pl.read_parquet(tmp_path / "lake.parquet").equals(
        pl.read_parquet(tmp_path / "csv.parquet")
    )
    state = tmp_path / "lake.state.json"
    assert state.read_text() == (tmp_path / "csv.state.json").read_text()


def test_a_model_trained_from_the_lake_is_the_one_trained_from_the_csv(
    synthetic, synthetic_lake, tmp_path
) -> None:
    """Same data fingerprint, byte-identical model, client store and feature state; scoring
    from the lake gives the same probabilities."""
    from training.model.config import LightGBMParams, TrainConfig
    from training.model.train import train

    config = TrainConfig(
        folds=2,
        seed=7,
        max_rounds=20,
        early_stopping_rounds=5,
        lightgbm=LightGBMParams(learning_rate=0.2),
        logistic_max_rows=300,
        shap_rows=100,
    )
    bundles = {}
    for name, data in (("csv", synthetic), ("lake", synthetic_lake)):
        out = tmp_path / f"models-{name}"
        train(data, out, config, Progress("train", quiet=True))
        bundles[name] = out / (out / "current").read_text().strip()
    csv_bundle, lake_bundle = bundles["csv"], bundles["lake"]
    for file in ("model.txt", "clients.parquet", "feature_state.json", "reference.json"):
        assert (lake_bundle / file).read_bytes() == (csv_bundle / file).read_bytes(), file
    manifests = [json.loads((b / "manifest.json").read_text()) for b in (csv_bundle, lake_bundle)]
    assert manifests[0]["data_fingerprint"] == manifests[1]["data_fingerprint"]
    assert manifests[0]["data_fingerprint"] == open_tables(synthetic).fingerprint
    scores = {}
    for name, data in (("csv", synthetic), ("lake", synthetic_lake)):
        out = tmp_path / f"scores-{name}.parquet"
        argv = ["score", "--model", str(tmp_path / "models-csv"), "--data", str(data)]
        assert main([*argv, "--out", str(out), "--quiet"]) == 0
        scores[name] = pl.read_parquet(out)
    assert scores["lake"].equals(scores["csv"])


# ------------------------------------------------------------------ refusals and atomicity


def _with_bad_value(tiny_tables) -> Path:
    folder = tiny_tables()
    path = folder / "bureau.csv"
    lines = path.read_text().splitlines()
    header = lines[1].split(",")
    at = TABLES["bureau"].column_names.index("DAYS_CREDIT")
    header[at] = "12.5"
    lines[1] = ",".join(header)
    path.write_text("\n".join(lines) + "\n")
    return folder


def test_bad_data_is_refused_with_the_messages_of_scoring_check(tiny_tables, tmp_path, capsys):
    folder = _with_bad_value(tiny_tables)
    expected = [str(p) for p in validate_source(folder).errors]
    assert expected and "DAYS_CREDIT" in expected[0]
    with pytest.raises(InvalidSource) as refused:
        ingest(folder, tmp_path / "out" / "lake")
    assert [str(p) for p in refused.value.report.errors] == expected
    assert not (tmp_path / "out").exists()
    assert main(["ingest", "--data", str(folder), "--out", str(tmp_path / "lake"), "--quiet"]) == 1
    stderr = capsys.readouterr().err
    for message in expected:
        assert f"error: {message}" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]


def test_bad_arguments_exit_2_and_leave_nothing(tiny_tables, tmp_path, capsys) -> None:
    folder = tiny_tables()
    lake_dir = tmp_path / "lake"
    assert main(["ingest", "--data", str(folder), "--out", str(lake_dir), "--quiet"]) == 0
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    manifest = (lake_dir / lake.MANIFEST_FILE).read_bytes()
    cases = {
        "already exists; pass --force": ["--out", str(lake_dir)],
        "so not a lake; refusing to replace it": ["--out", str(precious), "--force"],
        "exists and is not a folder": ["--out", str(a_file), "--force"],
        "no such file or folder": ["--out", str(tmp_path / "new"), "--data", str(tmp_path / "no")],
    }
    for message, extra in cases.items():
        argv = ["ingest", "--data", str(folder), *extra, "--quiet"]
        assert main(argv) == 2, message
        assert message in capsys.readouterr().err
    for partitions in ("0", "-3", "1025", "many"):
        with pytest.raises(SystemExit) as stopped:
            main(
                [
                    "ingest",
                    "--data",
                    str(folder),
                    "--out",
                    str(tmp_path / "p"),
                    "--partitions",
                    partitions,
                ]
            )
        assert stopped.value.code == 2
        assert "--partitions" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (precious / "notes.txt").read_text() == "keep me"
    assert (lake_dir / lake.MANIFEST_FILE).read_bytes() == manifest


def test_force_replaces_a_lake_and_progress_is_shown(synthetic, tmp_path, capsys) -> None:
    target = tmp_path / "lake"
    assert (
        main(["ingest", "--data", str(synthetic), "--out", str(target), "--partitions", "2"]) == 0
    )
    first = capsys.readouterr()
    # Progress on stderr: stages, counts and elapsed time; the summary on stdout.
    train_rows = open_tables(synthetic)["application_train"].select(pl.len()).collect().item()
    assert "] ingest: checking the source as `scoring check` does ..." in first.err
    assert f"] ingest: application_train: {train_rows:,} rows, " in first.err
    assert "per partition" in first.err and "s]" in first.err
    assert f"Lake: {target} (2 partitions, from folder)" in first.out
    assert any(
        line.split() == ["application_train", f"{train_rows:,}", "rows"]
        for line in first.out.splitlines()
    )
    argv = ["ingest", "--data", str(synthetic), "--out", str(target), "--partitions", "5"]
    assert main([*argv, "--force", "--quiet"]) == 0
    assert lake.read_manifest(target).partitions == 5
    assert len(list((target / lake.PARTITIONS_DIR).iterdir())) == 5
    assert hidden_leftovers(tmp_path) == []


def test_an_interrupted_ingest_leaves_the_old_lake_and_no_debris(
    synthetic, tmp_path, monkeypatch
) -> None:
    target = tmp_path / "parent" / "lake"
    ingest(synthetic, target, partitions=2)
    before = (target / lake.MANIFEST_FILE).read_bytes()
    calls = []
    original = ingest_module._write_table

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "_write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ingest(synthetic, target, partitions=4, force=True)
    assert (target / lake.MANIFEST_FILE).read_bytes() == before
    assert hidden_leftovers(target.parent) == []
    # A new target under missing folders: the folders created for it go too.
    with pytest.raises(KeyboardInterrupt):
        calls.clear()
        ingest(synthetic, tmp_path / "a" / "b" / "lake", partitions=2)
    assert not (tmp_path / "a").exists()
    assert open_tables(target).fingerprint == open_tables(synthetic).fingerprint


# ------------------------------------------------------------------ a changed lake is refused


def _copy(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    return copy


def test_a_changed_file_of_the_lake_is_refused_by_the_fingerprint(synthetic_lake, tmp_path):
    copy = _copy(synthetic_lake, tmp_path)
    part = copy / lake.partition_file("bureau", 1)
    frame = pl.read_parquet(part)
    frame.with_columns(pl.col("AMT_CREDIT_SUM") + pl.lit(1.0)).write_parquet(part)
    tables = open_tables(copy)  # opening is cheap and does not hash...
    with pytest.raises(DataError, match=r"bureau\.parquet.*changed after `scoring ingest`"):
        tables.fingerprint  # noqa: B018  (...the fingerprint does, as training asks for it)


def test_a_lake_with_a_missing_file_or_rows_or_another_version_is_refused(synthetic_lake, tmp_path):
    copy = _copy(synthetic_lake, tmp_path)
    part = copy / lake.partition_file("installments_payments", 0)
    pl.read_parquet(part).head(3).write_parquet(part)
    report = validate_source(copy)
    message = str(report.tables["installments_payments"].errors[0])
    assert "its manifest says" in message and "installments_payments" in message
    part.unlink()
    with pytest.raises(DataError, match="file of the lake is missing"):
        open_tables(copy)
    manifest = json.loads((copy / lake.MANIFEST_FILE).read_text())
    manifest["format_version"] = 99
    (copy / lake.MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"format version 99.*re-run `scoring ingest`"):
        open_tables(copy)
