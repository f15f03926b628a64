"""The feature state, the specs that describe every column, the JSON record path and the command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import polars as pl
import pytest

from shared.tables import CLIENT_ID, TABLES
from training.commands import features as command
from training.data.reader import open_tables
from training.errors import DataError, UserFacingError
from training.features import registry
from training.features.online import features_for_records, tables_from_records
from training.features.pipeline import build_features, feature_specs, fit_feature_state
from training.features.state import STATE_VERSION, FeatureState

DERIVED_KEYS = Path(__file__).resolve().parents[1] / "training/features/derived_keys.md"


@pytest.fixture(scope="module")
def sample_state(sample_data: Path) -> FeatureState:
    return fit_feature_state(open_tables(sample_data))


def test_one_spec_per_feature_in_matrix_order(sample_state: FeatureState) -> None:
    specs = feature_specs(sample_state)
    assert [s.name for s in specs] == sample_state.feature_names
    assert len(set(sample_state.feature_names)) == len(specs)
    assert {s.family for s in specs} == set(registry.BY_NAME)
    for spec in specs:
        assert spec.table in TABLES
        assert re.fullmatch(r"[A-Za-z0-9_]+", spec.name), spec.name  # LightGBM-safe
        if spec.aggregation in ("share", "mean_share"):
            assert spec.level is not None
        if spec.derived is None and spec.aggregation not in ("count",):
            assert spec.column in TABLES[spec.table], spec
    categorical = {s.name for s in specs if s.categorical}
    assert categorical == set(sample_state.categorical)
    assert "ORGANIZATION_TYPE" in categorical and "NAME_INCOME_TYPE" in categorical
    assert "CODE_GENDER" not in categorical  # a protected attribute: never a model input


def test_every_key_is_explained_in_derived_keys_md(sample_state: FeatureState) -> None:
    text = DERIVED_KEYS.read_text("utf-8")
    listed = set(re.findall(r"^\| ([a-z_0-9]+) \|", text, flags=re.MULTILINE))
    specs = feature_specs(sample_state)
    used = (
        {s.derived for s in specs if s.derived}
        | {s.aggregation for s in specs if s.aggregation}
        | {s.subset for s in specs if s.subset}
    )
    assert used - listed == set()


def test_state_json_round_trip_and_version(sample_state: FeatureState) -> None:
    again = FeatureState.from_json(sample_state.to_json())
    assert again == sample_state
    assert again.side_levels("bureau", "CREDIT_ACTIVE")[:2] == ["Closed", "Active"]
    newer = sample_state.to_json().replace(f'"version": {STATE_VERSION}', '"version": 99')
    assert newer != sample_state.to_json()
    with pytest.raises(UserFacingError, match="version 99"):
        FeatureState.from_json(newer)


def test_levels_are_fitted_on_training_clients_only(sample_data: Path) -> None:
    tables = open_tables(sample_data)
    test_ids = tables["application_test"].select(CLIENT_ID)
    # Give every bureau row of a test client a label no training client has.
    marked = tables["bureau"].with_columns(
        pl.when(pl.col(CLIENT_ID).is_in(test_ids.collect()[CLIENT_ID].implode()))
        .then(pl.lit("Test only"))
        .otherwise(pl.col("CREDIT_TYPE"))
        .alias("CREDIT_TYPE")
    )
    state = fit_feature_state({**tables, "bureau": marked}, families=["bureau"])
    assert "Test only" not in state.side_levels("bureau", "CREDIT_TYPE")
    assert state.families == ["application", "bureau"]


def test_family_subset_state(sample_data: Path) -> None:
    tables = open_tables(sample_data)
    state = fit_feature_state(tables, families=["installments"])
    matrix = build_features(tables, state)
    assert {s.family for s in feature_specs(state)} == {"application", "installments"}
    assert matrix.columns == [CLIENT_ID, *state.feature_names]
    with pytest.raises(UserFacingError, match="unknown feature families"):
        fit_feature_state(tables, families=["astrology"])


def test_matrix_types_and_order(sample_data: Path, sample_state: FeatureState) -> None:
    matrix = build_features(open_tables(sample_data), sample_state)
    assert matrix.schema[CLIENT_ID] == pl.Int32
    assert all(matrix.schema[n] == pl.Float32 for n in sample_state.feature_names)
    assert matrix[CLIENT_ID].is_sorted() and matrix[CLIENT_ID].n_unique() == matrix.height
    applicants = sum(  # train and test applicants (9,762 + 7,107 in the real sample)
        pl.read_csv(sample_data / f"{t}.csv", columns=[CLIENT_ID]).height
        for t in ("application_train", "application_test")
    )
    assert matrix.height == applicants
    assert "TARGET" not in matrix.columns


# --- JSON records ---------------------------------------------------------------------------


def test_records_are_typed_like_the_files() -> None:
    tables = tables_from_records(
        {
            "application": [{"SK_ID_CURR": 7, "AMT_CREDIT": 1000, "TARGET": 1}],
            "bureau": [{"SK_ID_CURR": 7, "SK_ID_BUREAU": 70, "DAYS_CREDIT": -5.0}],
            "credit_card_balance": [],
        }
    )
    application = tables["application_test"].collect()
    assert application["AMT_CREDIT"].dtype == pl.Float64 and application["AMT_CREDIT"][0] == 1000
    assert application["NAME_CONTRACT_TYPE"][0] is None  # missing field -> null
    assert "TARGET" not in application.columns  # accepted, never used
    assert tables["bureau"].collect()["DAYS_CREDIT"].to_list() == [-5]
    assert "credit_card_balance" not in tables  # no rows: an absent table


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"application": [{"SK_ID_CURR": 1, "AMT_CREDITT": 5}]}, "AMT_CREDITT"),
        ({"application": [{"SK_ID_CURR": 1, "AMT_CREDIT": "a lot"}]}, "AMT_CREDIT.*'a lot'"),
        ({"application": [{"SK_ID_CURR": 1.5}]}, "SK_ID_CURR.*1.5.*integer"),
        ({"application": [{"SK_ID_CURR": 1, "CODE_GENDER": 3}]}, "CODE_GENDER.*text"),
        ({"application": [{"SK_ID_CURR": 1}], "bureau": [{"SK_ID_CURR": 1, "X": 2}]}, "'X'"),
        ({"application": [{"SK_ID_CURR": 1}], "loans": []}, "'loans'"),
        ({"bureau": []}, "no application"),
        ({"application": {"SK_ID_CURR": 1}}, "list of records"),
        ({"application": [{"SK_ID_CURR": 2**40}]}, "SK_ID_CURR.*between"),
    ],
)
def test_bad_records_name_the_field(records: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        tables_from_records(records)


def test_unknown_level_online_is_missing(sample_state: FeatureState) -> None:
    row = features_for_records(
        {"application": [{"SK_ID_CURR": 1, "NAME_INCOME_TYPE": "Astronaut"}]}, sample_state
    )
    assert row["NAME_INCOME_TYPE"][0] is None
    assert row["BUREAU_COUNT"][0] == 0.0 and row["BUREAU_AMT_CREDIT_SUM_MEAN"][0] is None
    assert row.columns == [CLIENT_ID, *sample_state.feature_names]


# --- the command ----------------------------------------------------------------------------


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(list(argv)))


def test_command_writes_matrix_and_state(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "features.parquet"
    assert run_command("--data", str(sample_data), "--out", str(out), "--quiet",
                       "--families", "application,pos_cash") == 0  # fmt: skip
    matrix = pl.read_parquet(out)
    state = FeatureState.from_json((tmp_path / "out" / "features.state.json").read_text())
    assert matrix.columns == [CLIENT_ID, *state.feature_names]
    assert state.families == ["application", "pos_cash"]
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "features.parquet",
        "features.state.json",
    ]  # no temporary file left behind
    # Applying a stored state writes the same matrix (as CSV this time).
    again = tmp_path / "again.csv"
    state_file = str(tmp_path / "out" / "features.state.json")
    assert run_command("--data", str(sample_data), "--out", str(again), "--state", state_file,
                       "--quiet") == 0  # fmt: skip
    assert pl.read_csv(again, schema=matrix.schema).equals(matrix)


def test_command_refuses_unknown_extension(sample_data: Path, tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match=r"\.parquet or \.csv"):
        run_command("--data", str(sample_data), "--out", str(tmp_path / "f.xlsx"))
    assert list(tmp_path.iterdir()) == []
