"""API building blocks that need no trained bundle: formatting, reasons, settings, keys, what-if
rules, and which served model answers for whom (on tiny boosters written here)."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from pydantic import ValidationError

from api.client_info import client_info, profile_from
from api.errors import Forbidden, InvalidInput, Unauthorized
from api.formatting import NBSP, NNBSP, format_value
from api.reasons import FeatureText, comparable_percentile, percentile_of, top_reasons
from api.scorer import FeatureRows, french_levels
from api.security import KeyChecker
from api.served_models import load_models, model_of_row
from api.what_if import ClientLoan, validate_changes
from shared.bundle import (
    MODEL_FILE,
    BundleError,
    FeatureEntry,
    LoadedBundle,
    Manifest,
    fold_model_file,
)
from shared.contract import ScoreRequest
from shared.settings import ApiSettings, DashboardSettings, parse_api_keys


def text(label_en: str = "External score 2", unit: str = "score", **kwargs) -> FeatureText:
    defaults = {
        "name": "EXT_SOURCE_2",
        "label_fr": "Score externe 2",
        "label_en": label_en,
        "group": "external_scores",
        "unit": unit,
        "levels": None,
        # value k/100 sits exactly at percentile k
        "percentiles": np.linspace(0, 1, 101),
    }
    return FeatureText(**{**defaults, **kwargs})


# --------------------------------------------------------------------------- formatting


def test_amounts_use_each_language_separators() -> None:
    assert format_value(202500.0, "EUR", "fr") == f"202{NNBSP}500{NNBSP}€"
    assert format_value(202500.0, "EUR", "en") == "€202,500"


def test_day_counts_are_shown_as_positive_durations() -> None:
    # 12,000 days = 32.85 years -> one decimal
    assert format_value(-12000.0, "days", "fr") == f"32,9{NBSP}ans"
    assert format_value(-12000.0, "days", "en") == f"32.9{NBSP}years"
    assert format_value(-45.0, "days", "en") == f"45{NBSP}days"


def test_scores_shares_flags_and_missing() -> None:
    assert format_value(0.2634, "score", "fr") == "0,26"
    assert format_value(0.25, "%", "en") == f"25{NNBSP}%"
    assert format_value(1.0, "flag", "fr") == "oui"
    assert format_value(None, "EUR", "en") == "unknown"
    assert format_value(float("nan"), "EUR", "fr") == "inconnu"
    assert format_value(1.0, "category", "en", levels=["Cash loans", "Revolving loans"]) == (
        "Revolving loans"
    )


# --------------------------------------------------------------------------- percentiles, reasons


def test_percentile_interpolates_between_stored_percentiles() -> None:
    percentiles = np.linspace(0, 1, 101)
    assert percentile_of(0.26, percentiles) == pytest.approx(26)
    assert percentile_of(0.255, percentiles) == pytest.approx(25.5)
    assert percentile_of(-5.0, percentiles) == 0
    assert percentile_of(5.0, percentiles) == 100


def test_percentile_of_a_plateau_is_its_middle() -> None:
    # 61 percentiles equal to 0 (61 % of clients have 0), then 1..40
    percentiles = np.concatenate([np.zeros(61), np.arange(1, 41)]).astype(float)
    assert percentile_of(0.0, percentiles) == pytest.approx(30)


def test_days_percentile_is_mirrored_to_the_displayed_duration() -> None:
    # DAYS_BIRTH from -25,000 (oldest) to -7,500 (youngest)
    days = text(unit="days", percentiles=np.linspace(-25000, -7500, 101))
    # a young client (-8,000 days ~ 22 years) has a shorter age than ~97 % of clients
    assert comparable_percentile(days, -8000.0) == pytest.approx(100 - 97.1, abs=0.1)


def test_reason_sentences_read_like_the_issue_example() -> None:
    # 0.26 sits at the 20th percentile of the population
    percentiles = np.interp(np.arange(101), [0, 20, 100], [0.0, 0.26, 1.0])
    reasons = top_reasons([text(percentiles=percentiles)], np.array([0.26]), np.array([0.3]))
    (reason,) = reasons.raises
    assert reasons.lowers == []
    assert reason.percentile == pytest.approx(20)
    assert reason.sentence_en == (
        "Your external score 2 (0.26) is lower than that of 80% of clients; "
        "this raises the estimated risk."
    )
    assert reason.sentence_fr == (
        f"Score externe 2{NBSP}: votre valeur (0,26) est plus basse que celle de 80{NNBSP}% "
        f"des clients{NNBSP}; cela augmente le risque estimé."
    )


def test_missing_and_categorical_values_get_sentences_without_comparison() -> None:
    contract = text(
        name="NAME_CONTRACT_TYPE",
        label_en="Contract type",
        label_fr="Type de contrat",
        unit="category",
        levels=["Cash loans", "Revolving loans"],
        percentiles=None,
    )
    reasons = top_reasons([contract, text()], np.array([1.0, np.nan]), np.array([-0.2, 0.1]))
    assert reasons.lowers[0].sentence_en == (
        "Contract type: Revolving loans; this lowers the estimated risk."
    )
    assert reasons.lowers[0].percentile is None
    assert reasons.raises[0].sentence_en == (
        "External score 2: unknown; this raises the estimated risk."
    )


def test_top_reasons_keeps_four_strongest_each_way_and_skips_zeros() -> None:
    texts = [text(name=f"F{i}", label_en=f"Factor {i}") for i in range(12)]
    contributions = np.array([0.5, -0.1, 0.2, 0.0, 0.9, -0.7, 0.05, 0.3, -0.2, 0.01, 0.0, -0.3])
    reasons = top_reasons(texts, np.full(12, 0.5), contributions)
    assert [r.feature for r in reasons.raises] == ["F4", "F0", "F7", "F2"]
    assert [r.feature for r in reasons.lowers] == ["F5", "F11", "F8", "F1"]
    assert all(r.direction == "raises" for r in reasons.raises)


# --------------------------------------------------------------------------- settings and keys


def test_api_keys_parse_and_never_show(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORING_API_KEYS", "dashboard:key-one-123, batch:key-two-456")
    monkeypatch.setenv("SCORING_PORT", "9001")
    settings = ApiSettings()
    keys = settings.key_table()
    assert {n: k.get_secret_value() for n, k in keys.items()} == {
        "dashboard": "key-one-123",
        "batch": "key-two-456",
    }
    assert settings.port == 9001
    assert "key-one" not in repr(settings) and "key-one" not in str(settings.model_dump())
    assert ApiSettings(port=8123).port == 8123  # explicit value (CLI flag) beats the environment


@pytest.mark.parametrize(
    ("text_value", "message"),
    [
        ("nokeyhere", "no key"),
        ("a:tiny7", "shorter than 8"),
        ("bad name:key-123456", "invalid name"),
        ("a:key-123456,a:key-654321", "twice"),
    ],
)
def test_bad_key_lists_are_refused_without_echoing_the_key(
    monkeypatch: pytest.MonkeyPatch, text_value: str, message: str
) -> None:
    monkeypatch.setenv("SCORING_API_KEYS", text_value)
    with pytest.raises(ValidationError) as caught:
        ApiSettings()
    assert message in str(caught.value)
    for secret in ("tiny7", "key-123456", "key-654321"):
        assert secret not in str(caught.value)
    assert parse_api_keys("") == {}


def test_dashboard_settings_read_their_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORING_API_URL", "http://api:8000/")
    monkeypatch.setenv("SCORING_API_KEY", "dash-key-123")
    monkeypatch.setenv("SCORING_PORT", "8000")  # the API's port must not leak into the dashboard
    monkeypatch.setenv("SCORING_DASHBOARD_PORT", "8060")
    settings = DashboardSettings()
    assert settings.api_url == "http://api:8000"
    assert settings.api_key.get_secret_value() == "dash-key-123"
    assert settings.port == 8060
    assert settings.language == "fr"
    assert DashboardSettings(port=9000).port == 9000
    with pytest.raises(ValidationError):
        DashboardSettings(api_url="api:8000")


def test_key_checker_names_the_caller_and_refuses_others() -> None:
    checker = parse_api_keys("dash:key-aaaaaaaa,ops:key-bbbbbbbb")
    keys = KeyChecker(checker)
    assert keys.caller("key-bbbbbbbb") == "ops"
    with pytest.raises(Unauthorized):
        keys.caller(None)
    with pytest.raises(Forbidden):
        keys.caller("key-aaaaaaab")
    with pytest.raises(Forbidden):
        KeyChecker({}).caller("anything")


# --------------------------------------------------------------------------- requests and what-if


def test_score_request_needs_exactly_one_input() -> None:
    assert ScoreRequest.model_validate({"client_id": 100002}).as_items()[0].client_id == 100002
    for body in ({}, {"client_id": 1, "applicant": {"application": {}}}, {"items": []}):
        with pytest.raises(ValidationError):
            ScoreRequest.model_validate(body)


#: A request of 240,000 EUR repaid by 10,000 a month: 24 months at a zero rate.
LOAN = ClientLoan.of(
    {"AMT_CREDIT": 240_000.0, "AMT_ANNUITY": 10_000.0, "AMT_GOODS_PRICE": 200_000.0}
)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"DAYS_BIRTH": -12000.0}, "changes.DAYS_BIRTH"),
        ({"CODE_GENDER": 1.0}, "changes.CODE_GENDER"),
        ({"AMT_INCOME_TOTAL": 1e6}, "changes.AMT_INCOME_TOTAL"),
        ({"AMT_CREDIT": 0.0}, "changes.AMT_CREDIT"),
        ({"AMT_CREDIT": 71_999.0}, "changes.AMT_CREDIT"),  # below 30 % of the request
        ({"AMT_CREDIT": 240_001.0}, "changes.AMT_CREDIT"),  # more than requested
        ({"AMT_CREDIT": float("nan")}, "changes.AMT_CREDIT"),
        ({"TERM_MONTHS": 24.5}, "changes.TERM_MONTHS"),  # whole months only
        ({"TERM_MONTHS": 61.0}, "changes.TERM_MONTHS"),  # beyond the product's limits
        ({"AMT_GOODS_PRICE": 200_001.0}, "changes.AMT_GOODS_PRICE"),
        ({"NOT_A_FIELD": 1.0}, "changes.NOT_A_FIELD"),
        ({"TERM_MONTHS": 24.0, "AMT_ANNUITY": 5000.0}, "changes.TERM_MONTHS"),
    ],
)
def test_what_if_refuses_identity_and_implausible_changes(
    changes: dict[str, float], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_changes(changes, LOAN)
    assert caught.value.details[0].field == field


def test_what_if_accepts_changes_within_the_clients_bounds() -> None:
    validate_changes({"AMT_CREDIT": 72_000.0, "TERM_MONTHS": 60.0}, LOAN)
    validate_changes({"AMT_CREDIT": 240_000.0, "AMT_GOODS_PRICE": 60_000.0}, LOAN)
    validate_changes({"TERM_MONTHS": 6.0}, LOAN)


def test_what_if_refuses_goods_price_when_the_file_has_none() -> None:
    loan = ClientLoan.of({"AMT_CREDIT": 240_000.0, "AMT_ANNUITY": 10_000.0})
    with pytest.raises(InvalidInput) as caught:
        validate_changes({"AMT_GOODS_PRICE": 100_000.0}, loan)
    assert "goods price" in caught.value.message


def test_profile_reads_the_application_like_an_advisor() -> None:
    profile = profile_from(
        {
            "DAYS_BIRTH": -18262,  # 50.0 years
            "DAYS_EMPLOYED": 365243,  # pensioner sentinel
            "AMT_CREDIT": 240000.0,
            "AMT_ANNUITY": 10000.0,
            "CNT_CHILDREN": 2,
            "FLAG_OWN_CAR": "Y",
            "OCCUPATION_TYPE": None,
        }
    )
    assert profile.age_years == 50.0
    assert profile.employment_years is None
    assert profile.term_months == 24.0
    assert profile.children == 2 and profile.owns_car is True and profile.occupation is None
    assert profile_from({"DAYS_EMPLOYED": -730.5}).employment_years == 2.0


def test_client_card_words_categories_in_french_and_keeps_english() -> None:
    raw = {
        "NAME_FAMILY_STATUS": "Single / not married",
        "NAME_HOUSING_TYPE": "House / apartment",
        "NAME_EDUCATION_TYPE": "Secondary / secondary special",
        "NAME_INCOME_TYPE": "Working",
        "OCCUPATION_TYPE": "Laborers",
        "NAME_CONTRACT_TYPE": "Cash loans",
        "CODE_GENDER": "F",
    }
    fields = {f.name: f for f in client_info(100002, raw).fields}
    french = {
        "family_status": "Célibataire",
        "housing": "Maison / appartement",
        "education": "Secondaire / secondaire professionnel",
        "income_type": "Salarié(e)",
        "occupation": "Ouvrier / ouvrière",
        "contract_type": "Prêt en espèces",
        "gender": "Femme",
    }
    assert {name: fields[name].display_fr for name in french} == french
    # English and the raw value are what the data says.
    english = {name: fields[name].display_en for name in french}
    assert english == {name: str(fields[name].value) for name in french}
    assert english["family_status"] == "Single / not married"
    # A level the table does not know is shown as written rather than dropped.
    odd = {f.name: f for f in client_info(1, {"NAME_FAMILY_STATUS": "Polyamorous"}).fields}
    assert odd["family_status"].display_fr == "Polyamorous"
    assert odd["occupation"].display_fr == "inconnu"


def test_french_reasons_name_category_levels_in_french() -> None:
    levels = ["Cash loans", "Revolving loans"]
    contract = text(
        name="NAME_CONTRACT_TYPE",
        label_en="Contract type",
        label_fr="Type de contrat",
        unit="category",
        levels=levels,
        levels_fr=french_levels("NAME_CONTRACT_TYPE", levels),
        percentiles=None,
    )
    reason = top_reasons([contract], np.array([1.0]), np.array([-0.2])).lowers[0]
    assert reason.display_fr == "Crédit renouvelable"
    assert "Crédit renouvelable" in reason.sentence_fr and "Revolving" not in reason.sentence_fr
    assert reason.display_en == "Revolving loans"
    assert french_levels("EXT_SOURCE_2", None) is None


# --------------------------------------------------------------------------- served models


def _tiny_booster(names: list[str], seed: int = 0) -> lgb.Booster:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, len(names)))
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(int)
    data = lgb.Dataset(x, label=y, feature_name=names)
    params = {"objective": "binary", "verbosity": -1, "num_leaves": 4, "seed": seed}
    return lgb.train(params, data, num_boost_round=5)


def _models_bundle(tmp_path: Path, folds: int, **manifest_fields: object) -> LoadedBundle:
    """A version folder holding only model files and a manifest naming them (enough for
    load_models; the manifest is built unvalidated, the loader's checks are tested elsewhere)."""
    names = ["A", "B"]
    files = {MODEL_FILE: "0" * 64}
    _tiny_booster(names).save_model(str(tmp_path / MODEL_FILE))
    (tmp_path / "folds").mkdir(exist_ok=True)
    for k in range(folds):
        _tiny_booster(names, seed=k + 1).save_model(str(tmp_path / fold_model_file(k)))
        files[fold_model_file(k)] = "0" * 64
    fields: dict[str, object] = {
        "features": [FeatureEntry(name=n) for n in names],
        "fold_models": [fold_model_file(k) for k in range(folds)],
        "files": files,
        **manifest_fields,
    }
    return LoadedBundle(root=tmp_path, manifest=Manifest.model_construct(**fields))


def test_served_models_are_the_fold_models_in_order_then_the_refit(tmp_path: Path) -> None:
    models = load_models(_models_bundle(tmp_path, folds=3))
    assert [m.name for m in models] == ["fold-0", "fold-1", "fold-2", "refit"]
    row = np.array([[0.3, -1.2]])
    for model in models:
        # each name answers with its own booster: fast path and batch predict agree with it
        assert model.raw(row)[0] == pytest.approx(model.booster.predict(row, raw_score=True)[0])
        contributions = model.contributions(row)[0]
        assert contributions.sum() == pytest.approx(model.raw(row)[0], abs=1e-12)
    assert len({float(m.raw(row)[0]) for m in models}) == 4
    for model in models:
        model.close()


def test_a_fold_model_the_manifest_does_not_hash_is_refused(tmp_path: Path) -> None:
    bundle = _models_bundle(tmp_path, folds=2)
    del bundle.manifest.files[fold_model_file(1)]
    with pytest.raises(BundleError, match=r"no sha256 for model file folds/fold-1\.txt"):
        load_models(bundle)


def test_fold_models_out_of_order_are_refused(tmp_path: Path) -> None:
    bundle = _models_bundle(tmp_path, folds=2)
    bundle.manifest.fold_models.reverse()
    with pytest.raises(BundleError, match=r"fold model 0 as 'folds/fold-1\.txt'"):
        load_models(bundle)


def test_a_fold_model_with_other_features_is_refused(tmp_path: Path) -> None:
    bundle = _models_bundle(tmp_path, folds=2)
    _tiny_booster(["B", "A"]).save_model(str(tmp_path / fold_model_file(1)))
    with pytest.raises(BundleError, match=r"folds/fold-1\.txt .* other features"):
        load_models(bundle)


def test_each_training_client_is_routed_to_its_fold_model_and_the_others_to_refit(
    tmp_path: Path,
) -> None:
    bundle = _models_bundle(tmp_path, folds=3)
    fold = np.array([2, 0, -1, 1, -1], dtype=np.int16)
    target = np.array([0, 1, np.nan, 0, np.nan], dtype=np.float32)
    assert model_of_row(fold, target, 3, bundle).tolist() == [2, 0, 3, 1, 3]


@pytest.mark.parametrize(
    ("fold", "folds", "message"),
    [
        ([0, -1], 2, r"1 training client\(s\) no valid FOLD \(row 1: null\)"),
        ([0, 5], 2, r"no valid FOLD \(row 1: 5\)"),
        ([-1, -1], 0, r"lists no cross-fitting model \(fold_models\) while clients\.parquet "),
    ],
)
def test_a_training_client_without_a_fold_model_is_never_served_by_the_refit(
    tmp_path: Path, fold: list[int], folds: int, message: str
) -> None:
    bundle = _models_bundle(tmp_path, folds=folds)
    target = np.array([0, 1], dtype=np.float32)
    with pytest.raises(BundleError, match=message):
        model_of_row(np.array(fold, dtype=np.int16), target, folds, bundle)


def test_feature_rows_stack_keeps_each_row_with_its_model() -> None:
    parts = [
        FeatureRows(np.array([[1.0, 2.0]]), np.array([3], dtype=np.int16)),
        FeatureRows(np.array([[3.0, 4.0], [5.0, 6.0]]), np.array([0, 1], dtype=np.int16)),
    ]
    stacked = FeatureRows.stack(parts)
    assert len(stacked) == 3
    assert stacked.values[:, 0].tolist() == [1.0, 3.0, 5.0]
    assert stacked.models.tolist() == [3, 0, 1]
