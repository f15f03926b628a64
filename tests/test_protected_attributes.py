"""Protected attributes never reach the model, stay in the client store for audit, and the proxy
check says how much of them the features still carry; XNA/XAP are missing values, not levels.

The checks go from the definition (no feature expression reads the attribute; changing it
changes no feature value) to the trained bundle (manifest, boosters, catalogue, explanations,
what-if fields) and the command line (option, error, printed proxy check).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from shared.bundle import RAW_PREFIX, Manifest, load_bundle
from shared.tables import CLIENT_ID, MISSING_CATEGORIES, PROTECTED_ATTRIBUTES, TABLES, TARGET
from training.data.reader import Tables, open_tables
from training.errors import UserFacingError
from training.features import application, registry
from training.features.catalogue import build_catalogue
from training.features.family import table
from training.features.online import features_for_records
from training.features.pipeline import build_features, feature_specs, fit_feature_state
from training.features.protected import EXCLUDABLE, excluded_attributes, feature_inputs
from training.features.state import FeatureState
from training.model import proxy

#: Words a label built on sex or gender would contain (catalogue labels, reasons).
GENDER_WORDS = re.compile(r"gender|sexe|\bsex\b|GENDER", re.IGNORECASE)
AGE_FEATURES = {"DAYS_BIRTH", "APP_EMPLOYED_TO_AGE", "APP_PHONE_CHANGE_TO_AGE"}


@pytest.fixture(scope="module")
def tables(sample_data: Path) -> Tables:
    """The shared sample: real rows when present, else the synthetic stand-in (conftest)."""
    return open_tables(sample_data)


@pytest.fixture(scope="module")
def default_state(tables: Tables) -> FeatureState:
    return fit_feature_state(tables)


@pytest.fixture(scope="module")
def without_age(tables: Tables) -> FeatureState:
    return fit_feature_state(tables, exclude=["DAYS_BIRTH"])


def inputs_by_feature(state: FeatureState) -> dict[str, set[str]]:
    """Application features -> source columns their expressions read."""
    return {
        f.spec.name: feature_inputs(f)
        for family, blocks in registry.declared(state)
        if family.name == application.FAMILY
        for block in blocks
        for f in block
    }


def applicant(tables: Tables, client_id: int) -> dict[str, object]:
    row = tables["application_train"].filter(pl.col(CLIENT_ID) == client_id).collect()
    return row.drop(TARGET).to_dicts()[0]


# --- the policy ----------------------------------------------------------------------------


def test_default_policy_is_gender_and_is_documented() -> None:
    assert PROTECTED_ATTRIBUTES == ("CODE_GENDER",)
    assert excluded_attributes() == ["CODE_GENDER"]
    # Extra names come back in contract order, the default kept, duplicates merged.
    assert excluded_attributes(["NAME_FAMILY_STATUS", "DAYS_BIRTH", "CODE_GENDER"]) == [
        "CODE_GENDER",
        "NAME_FAMILY_STATUS",
        "DAYS_BIRTH",
    ]
    doc = (Path(__file__).resolve().parents[1] / "docs/protected-attributes.md").read_text()
    for reference in ("2004/113/EC", "Test-Achats", "2023/2225", "Annex III", "Art. 10"):
        assert reference in doc


@pytest.mark.parametrize("name", ["AGE", "code_gender", "TARGET", "SK_ID_CURR", "CREDIT_TYPE"])
def test_unknown_attribute_is_a_clear_error(name: str) -> None:
    with pytest.raises(UserFacingError) as error:
        excluded_attributes([name])
    message = str(error.value)
    assert repr(name) in message and "not an application column" in message
    assert "DAYS_BIRTH" in message and "NAME_FAMILY_STATUS" in message  # the allowed ones
    assert TARGET not in EXCLUDABLE and CLIENT_ID not in EXCLUDABLE


def test_a_state_cannot_drop_the_default_policy(default_state: FeatureState) -> None:
    with pytest.raises(ValidationError, match="CODE_GENDER"):
        FeatureState(families=["application"], feature_names=[], categorical={}, excluded=[])
    tampered = default_state.to_json().replace('"CODE_GENDER"', '"DAYS_BIRTH"')
    with pytest.raises(ValidationError, match="never model inputs"):
        FeatureState.from_json(tampered)
    with pytest.raises(ValidationError, match="not an application field"):
        FeatureState(
            families=["application"],
            feature_names=[],
            categorical={},
            excluded=["CODE_GENDER", "CREDIT_TYPE"],
        )


# --- features ------------------------------------------------------------------------------


def test_no_feature_is_built_on_gender(default_state: FeatureState) -> None:
    assert default_state.excluded == ["CODE_GENDER"]
    assert not [n for n in default_state.feature_names if "GENDER" in n]
    assert "CODE_GENDER" not in default_state.categorical
    specs = feature_specs(default_state)
    assert not [s for s in specs if s.column == "CODE_GENDER"]
    used = inputs_by_feature(default_state)
    assert not [name for name, columns in used.items() if "CODE_GENDER" in columns]
    # The check reads real inputs: other fields are found where expected.
    assert used["APP_CREDIT_TO_INCOME"] == {"AMT_CREDIT", "AMT_INCOME_TOTAL"}
    catalogue = build_catalogue(specs)
    assert not [f.name for f in catalogue.features if GENDER_WORDS.search(f.label_en)]
    assert not [f.name for f in catalogue.features if GENDER_WORDS.search(f.label_fr)]


def test_exclude_days_birth_removes_every_age_derived_feature(
    default_state: FeatureState, without_age: FeatureState
) -> None:
    assert without_age.excluded == ["CODE_GENDER", "DAYS_BIRTH"]
    removed = set(default_state.feature_names) - set(without_age.feature_names)
    assert removed == AGE_FEATURES
    assert set(without_age.feature_names) < set(default_state.feature_names)
    # No remaining feature reads DAYS_BIRTH, directly or through a ratio.
    used = inputs_by_feature(without_age)
    assert not [name for name, columns in used.items() if "DAYS_BIRTH" in columns]
    # ... while the default state's age-based ratios do read it (the test is not vacuous).
    default_used = inputs_by_feature(default_state)
    assert {n for n, c in default_used.items() if "DAYS_BIRTH" in c} == AGE_FEATURES


@pytest.mark.parametrize(
    ("attribute", "changed", "state_name"),
    [("CODE_GENDER", "M", "default_state"), ("DAYS_BIRTH", -9000, "without_age")],
)
def test_changing_an_excluded_attribute_changes_no_feature(
    tables: Tables, attribute: str, changed: object, state_name: str, request: pytest.FixtureRequest
) -> None:
    """The strongest form of "not an input": online, the attribute has no effect at all."""
    state: FeatureState = request.getfixturevalue(state_name)
    client_ids = tables["application_train"].select(CLIENT_ID).head(20).collect()[CLIENT_ID]
    for client_id in client_ids:
        record = applicant(tables, int(client_id))
        other = {**record, attribute: "F" if record[attribute] == changed else changed}
        before = features_for_records({"application": [record]}, state)
        after = features_for_records({"application": [other]}, state)
        assert before.columns == [CLIENT_ID, *state.feature_names]
        assert before.equals(after), f"client {client_id}: {attribute} changed a feature"


def test_days_birth_does_change_features_when_not_excluded(
    tables: Tables, default_state: FeatureState
) -> None:
    record = applicant(tables, int(tables["application_train"].head(1).collect()[CLIENT_ID][0]))
    before = features_for_records({"application": [record]}, default_state)
    after = features_for_records({"application": [{**record, "DAYS_BIRTH": -9000}]}, default_state)
    changed = {c for c in before.columns if before[c][0] != after[c][0]}
    assert changed == AGE_FEATURES


def test_excluded_attribute_rows_are_dropped_before_any_feature(
    tables: Tables, without_age: FeatureState
) -> None:
    """Second guard: the application block never even sees the excluded columns."""
    block = application.APPLICATION.blocks[0]
    columns = block.rows(tables, without_age).collect_schema().names()
    assert "CODE_GENDER" not in columns and "DAYS_BIRTH" not in columns
    assert "DAYS_EMPLOYED" in columns


# --- XNA / XAP -----------------------------------------------------------------------------


def test_every_text_column_of_the_contract_declares_the_missing_labels() -> None:
    for table_spec in TABLES.values():
        for column in table_spec.columns:
            expected = MISSING_CATEGORIES if column.kind == "text" else ()
            assert column.missing_labels == expected, (table_spec.name, column.name)


def test_pensioners_organization_xna_is_missing(
    real_sample: Path, tables: Tables, default_state: FeatureState
) -> None:
    """Needs real rows: over 1,000 pensioners and unemployed applicants have XNA there."""
    raw = tables["application_train"].select(CLIENT_ID, "ORGANIZATION_TYPE").collect()
    xna = raw.filter(pl.col("ORGANIZATION_TYPE") == "XNA")[CLIENT_ID]
    assert xna.len() > 1000  # pensioners and the unemployed, on real rows
    assert "XNA" not in default_state.categorical["ORGANIZATION_TYPE"]
    matrix = build_features(tables, default_state).select(CLIENT_ID, "ORGANIZATION_TYPE")
    coded = matrix.join(raw, on=CLIENT_ID)
    of_xna = coded.filter(pl.col(CLIENT_ID).is_in(xna.implode()))
    assert of_xna["ORGANIZATION_TYPE"].null_count() == xna.len()
    known = coded.filter(pl.col("ORGANIZATION_TYPE_right") != "XNA")
    assert known["ORGANIZATION_TYPE"].null_count() == 0
    # Online, the same applicant gets the same missing code.
    record = applicant(tables, int(xna[0]))
    online = features_for_records({"application": [record]}, default_state)
    assert online["ORGANIZATION_TYPE"][0] is None


def test_gender_xna_is_no_level_and_no_proxy_group(tables: Tables) -> None:
    """The full Kaggle file has 4 CODE_GENDER "XNA" rows; put two into real sample rows."""
    train = tables["application_train"].with_columns(
        pl.when(pl.int_range(pl.len()) < 2)
        .then(pl.lit("XNA"))
        .otherwise(pl.col("CODE_GENDER"))
        .alias("CODE_GENDER")
    )
    marked = {**tables, "application_train": train}
    assert application.fit_categories(marked)["CODE_GENDER"] == ["F", "M"]
    read = table(marked, "application_train").select("CODE_GENDER").head(3).collect()
    assert read["CODE_GENDER"].to_list()[:2] == [None, None]
    groups = proxy.attribute_groups(train.collect()["CODE_GENDER"])
    assert groups.names == ["F", "M"] and list(groups.codes[:2]) == [-1, -1]


def test_previous_application_xna_xap_are_missing(
    tables: Tables, default_state: FeatureState
) -> None:
    previous = tables["previous_application"].collect()
    marked_columns = [
        c for c in previous.columns
        if previous[c].dtype == pl.String and previous[c].is_in(MISSING_CATEGORIES).any()
    ]  # fmt: skip
    assert {"NAME_CASH_LOAN_PURPOSE", "CODE_REJECT_REASON", "NAME_YIELD_GROUP"} <= set(
        marked_columns
    )
    for column in marked_columns:
        levels = default_state.side_levels("previous_application", column)
        assert not set(levels) & set(MISSING_CATEGORIES), column
    for name in default_state.feature_names:
        assert not re.search(r"_(XNA|XAP)(_|$)", name), name
    catalogue = build_catalogue(feature_specs(default_state))
    for info in catalogue.features:
        assert not re.search(r"\b(XNA|XAP)\b", f"{info.label_en} {info.label_fr}"), info.name
    # XNA rows still count in the denominator of a share: worked out from the raw rows.
    level = "Cash through the bank"
    name = "PREV_NAME_PAYMENT_TYPE_Cash_through_the_bank_SHARE"
    assert name in default_state.feature_names
    expected = previous.group_by(CLIENT_ID).agg(
        ((pl.col("NAME_PAYMENT_TYPE") == level).sum() / pl.len()).alias("expected"),
        (pl.col("NAME_PAYMENT_TYPE") == "XNA").any().alias("has_xna"),
    )
    applicants = pl.concat(
        [tables[t].select(CLIENT_ID).collect() for t in ("application_train", "application_test")]
    )
    with_xna = expected.filter(pl.col("has_xna")).join(applicants, on=CLIENT_ID, how="semi")
    # Some clients mix XNA with the level, others have only XNA rows (share 0, not missing).
    assert (with_xna["expected"] > 0).sum() >= 2 and (with_xna["expected"] == 0).sum() >= 2
    got = build_features(tables, default_state, client_ids=with_xna[CLIENT_ID].to_list())
    joined = got.select(CLIENT_ID, name).join(with_xna, on=CLIENT_ID)
    assert joined.height == with_xna.height
    np.testing.assert_allclose(joined[name].to_numpy(), joined["expected"].to_numpy(), rtol=1e-6)


# --- proxy check ---------------------------------------------------------------------------


def test_attribute_groups() -> None:
    text = pl.Series("NAME_FAMILY_STATUS", ["Married"] * 40 + ["Widow"] * 35 + ["Unknown", None])
    groups = proxy.attribute_groups(text)
    assert groups.names == ["Married", "Widow", proxy.OTHER_GROUP]
    assert list(groups.codes[-2:]) == [2, -1]
    numeric = pl.Series("DAYS_BIRTH", [-20000, -15000, -10000, None])
    groups = proxy.attribute_groups(numeric)
    assert groups.names == ["<= -15000", "> -15000"] and list(groups.codes) == [0, 0, 1, -1]


def synthetic_proxy_data(n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    attribute = rng.integers(0, 2, n)
    noise = rng.normal(size=(n, 4))
    leak = attribute + rng.normal(scale=0.3, size=n)
    return np.column_stack([noise, leak]).astype(np.float32), attribute


def test_proxy_check_sees_a_leak_and_no_leak() -> None:
    x, attribute = synthetic_proxy_data()
    values = pl.Series("CODE_GENDER", np.where(attribute == 1, "M", "F"))
    names = ["A", "B", "C", "D", "LEAK"]
    leaky = proxy.proxy_check(x, names, [], values, seed=1, threads=1)
    clean = proxy.proxy_check(x[:, :4], names[:4], [], values, seed=1, threads=1)
    assert leaky is not None and clean is not None
    assert leaky.auc > 0.9 and 0.4 < clean.auc < 0.6
    assert leaky.groups == {"F": int((attribute == 0).sum()), "M": int(attribute.sum())}
    assert leaky.n == attribute.size and "LightGBM" in leaky.classifier
    again = proxy.proxy_check(x, names, [], values, seed=1, threads=1)
    assert again == leaky  # seeded and deterministic
    lines = proxy.report_lines([leaky, clean])
    assert "CODE_GENDER: AUC" in lines[0] and "strong proxies remain" in lines[0]
    assert "little proxy information" in lines[1]


def test_proxy_check_multiclass_and_degenerate() -> None:
    rng = np.random.default_rng(5)
    status = rng.integers(0, 3, 1500)
    x = np.column_stack([status + rng.normal(scale=0.2, size=1500), rng.normal(size=1500)])
    labels = np.array(["Married", "Single / not married", "Widow"])[status]
    check = proxy.proxy_check(
        x, ["S", "N"], [], pl.Series("NAME_FAMILY_STATUS", labels), seed=2, threads=1
    )
    assert check is not None and check.auc > 0.9 and len(check.groups) == 3
    single = pl.Series("CODE_GENDER", ["F"] * 1500)
    assert proxy.proxy_check(x, ["S", "N"], [], single, seed=2, threads=1) is None


# --- the trained bundle ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(sample_bundle: Path) -> Manifest:
    return load_bundle(sample_bundle).manifest


def test_bundle_keeps_gender_out_of_the_model_and_in_the_store(
    sample_bundle: Path, manifest: Manifest
) -> None:
    bundle = load_bundle(sample_bundle)
    assert manifest.protected_attributes == ["CODE_GENDER"]
    state = FeatureState.from_json(bundle.feature_state_path.read_bytes())
    assert state.excluded == manifest.protected_attributes  # online follows the manifest
    assert not [n for n in manifest.feature_names if "GENDER" in n]
    boosters = [lgb.Booster(model_file=str(bundle.model_path))] + [
        lgb.Booster(model_file=str(bundle.path(p))) for p in manifest.fold_models
    ]
    for booster in boosters:
        assert not [n for n in booster.feature_name() if "GENDER" in n]
    catalogue = bundle.catalogue()
    assert not [f.name for f in catalogue.features if GENDER_WORDS.search(f.label_en)]
    assert not [f.name for f in catalogue.features if "GENDER" in f.name]
    store = pl.read_parquet(bundle.clients_path)
    assert "CODE_GENDER" not in store.columns
    assert set(store[RAW_PREFIX + "CODE_GENDER"].drop_nulls().unique()) <= {"F", "M", "XNA"}
    assert store[RAW_PREFIX + "CODE_GENDER"].drop_nulls().len() > 0.9 * store.height


def test_bundle_stores_the_proxy_check(manifest: Manifest) -> None:
    (check,) = manifest.proxy_checks
    assert check.attribute == "CODE_GENDER"
    assert 0.0 <= check.auc <= 1.0
    assert set(check.groups) == {"F", "M"} and sum(check.groups.values()) == check.n
    assert check.n <= min(manifest.n_train, proxy.PROXY_MAX_ROWS)
    assert check.n > 0.9 * min(manifest.n_train, proxy.PROXY_MAX_ROWS)


@pytest.fixture(scope="module")
def api_client(sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from fastapi.testclient import TestClient

    from api.app import create_app, load_service
    from shared.settings import ApiSettings

    settings = ApiSettings(
        model_dir=sample_bundle,
        audit_db=tmp_path_factory.mktemp("audit") / "audit.sqlite",
        api_keys="tests:protected-attributes-key-0123",
    )
    service = load_service(settings)
    with TestClient(create_app(settings, service=service)) as client:
        yield client
    service.close()


def test_no_explanation_reason_group_or_what_if_field_uses_gender(
    api_client, sample_bundle: Path
) -> None:
    headers = {"X-API-Key": "protected-attributes-key-0123"}
    store = pl.read_parquet(load_bundle(sample_bundle).clients_path, columns=[CLIENT_ID])
    for client_id in store[CLIENT_ID].head(5).to_list():
        body = api_client.post(
            "/v1/explain", json={"client_id": client_id, "max_features": None}, headers=headers
        ).json()
        names = [c["name"] for c in body["contributions"]]
        assert names and not [n for n in names if "GENDER" in n]
        reasons = [*body["reasons"]["raises"], *body["reasons"]["lowers"]]
        for reason in reasons:
            text = " ".join(str(reason[k]) for k in ("label_fr", "label_en", "sentence_fr"))
            assert not GENDER_WORDS.search(text), reason
        for group in body["groups"]:
            assert not GENDER_WORDS.search(group["label_en"]), group
    fields = api_client.get("/v1/what-if/fields", headers=headers).json()["fields"]
    assert fields and "CODE_GENDER" not in [f["name"] for f in fields]


# --- the command -----------------------------------------------------------------------------


def run_train(*argv: str) -> int:
    from training.commands import train as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(list(argv)))


def test_command_refuses_an_unknown_attribute_before_reading_data(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="'AGE' is not an application column"):
        run_train("--data", str(tmp_path / "absent"), "--out", str(tmp_path / "m"),
                  "--exclude-attribute", "AGE", "--quiet")  # fmt: skip
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_command_excludes_and_prints_the_proxy_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generator = pytest.importorskip("training.synth.generator")
    data = generator.generate(1500, 13, tmp_path / "data")
    out = tmp_path / "models"
    status = run_train("--data", str(data), "--out", str(out), "--folds", "2",
                       "--max-rounds", "30", "--bootstrap", "0", "--quiet",
                       "--exclude-attribute", "DAYS_BIRTH",
                       "--exclude-attribute", "NAME_FAMILY_STATUS")  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out
    manifest = load_bundle(out).manifest
    assert manifest.protected_attributes == ["CODE_GENDER", "NAME_FAMILY_STATUS", "DAYS_BIRTH"]
    assert not set(manifest.feature_names) & (AGE_FEATURES | {"NAME_FAMILY_STATUS"})
    assert [c.attribute for c in manifest.proxy_checks] == manifest.protected_attributes
    for check in manifest.proxy_checks:
        assert f"proxy check {check.attribute}: AUC {check.auc:.3f}" in printed
    assert manifest.training_params["config"]["exclude_attributes"] == [
        "DAYS_BIRTH",
        "NAME_FAMILY_STATUS",
    ]
