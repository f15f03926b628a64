"""Governance computations on data whose answer is known: fairness metrics, PSI, bins, the
label-free AUC estimate (no bundle needed)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.metrics import roc_auc_score

from shared.bundle import FeatureEntry
from shared.drift import (
    TOP_FEATURES,
    DriftReference,
    FeatureBins,
    drift_report,
    expected_auc,
    psi,
    status_of,
)
from shared.governance import DISPARATE_IMPACT_FLAG
from training.governance.drift import build_drift_reference, categorical_bins, numeric_bins
from training.governance.fairness import (
    Attribute,
    _weighted_auc,
    age_band,
    fairness_report,
    standard_attributes,
)

# ------------------------------------------------------------------------------- fairness


def test_age_bands_at_their_boundaries() -> None:
    years = np.array([18, 24.99, 25, 34.99, 35, 49.99, 50, 64.99, 65, 90])
    bands = age_band(-years * 365.25)
    assert list(bands) == [
        "<25",
        "<25",
        "25-34",
        "25-34",
        "35-49",
        "35-49",
        "50-64",
        "50-64",
        "65+",
        "65+",
    ]
    assert age_band(np.array([np.nan]))[0] == "missing"


def _biased_population(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group A is granted far more often than group B at threshold 0.5."""
    rng = np.random.default_rng(seed)
    groups = np.array(["A"] * 3000 + ["B"] * 2000 + ["C"] * 20, dtype=object)
    p = np.concatenate(
        [rng.uniform(0, 0.55, 3000), rng.uniform(0.2, 0.9, 2000), rng.uniform(0, 1, 20)]
    )
    y = (rng.random(p.size) < p).astype(np.int8)
    return y, p, groups


def test_group_metrics_match_direct_computation_and_ratio_is_flagged() -> None:
    y, p, groups = _biased_population()
    report = fairness_report(
        [Attribute("G", "G", "G", groups)], y, p, 0.5, resamples=50, seed=1, min_group_size=100
    )
    result = report.attribute("G")
    by_name = {g.group: g for g in result.groups}
    for name in ("A", "B"):
        mask = groups == name
        refused = p[mask] >= 0.5
        metrics = by_name[name]
        assert metrics.n == mask.sum()
        assert metrics.default_rate.value == pytest.approx(y[mask].mean())
        assert metrics.approval_rate.value == pytest.approx(1 - refused.mean())
        assert metrics.true_positive_rate.value == pytest.approx(refused[y[mask] == 1].mean())
        assert metrics.false_positive_rate.value == pytest.approx(refused[y[mask] == 0].mean())
        assert metrics.auc.value == pytest.approx(roc_auc_score(y[mask], p[mask]))
        assert metrics.mean_predicted.value == pytest.approx(p[mask].mean())
        for estimate in (metrics.approval_rate, metrics.auc, metrics.default_rate):
            assert estimate.low <= estimate.value <= estimate.high
    approval = {n: by_name[n].approval_rate.value for n in ("A", "B")}
    assert result.disparate_impact == pytest.approx(approval["B"] / approval["A"])
    assert result.disparate_impact < 0.8 and result.flagged
    assert (result.lowest_approval_group, result.highest_approval_group) == ("B", "A")
    tpr = {n: by_name[n].true_positive_rate.value for n in ("A", "B")}
    assert result.tpr_gap == pytest.approx(abs(tpr["A"] - tpr["B"]))
    # C has 20 applicants: reported, but it cannot drive the ratio or the gaps.
    assert by_name["C"].small and "C" not in result.tpr_gap_groups


def _two_groups(refused_a: int, refused_b: int, size: int = 100) -> tuple[np.ndarray, ...]:
    """Groups A and B of `size` applicants each, with exactly `refused_*` refused at 0.5."""
    p = np.concatenate(
        [
            np.r_[np.full(refused_a, 0.9), np.full(size - refused_a, 0.1)],
            np.r_[np.full(refused_b, 0.9), np.full(size - refused_b, 0.1)],
        ]
    )
    y = (np.arange(p.size) % 3 == 0).astype(np.int8)
    groups = np.array(["A"] * size + ["B"] * size, dtype=object)
    return y, p, groups


@pytest.mark.parametrize(("refused_b", "ratio", "flagged"), [(60, 0.8, False), (61, 0.78, True)])
def test_disparate_impact_is_flagged_strictly_below_four_fifths(
    refused_b: int, ratio: float, flagged: bool
) -> None:
    """A ratio of exactly 0.8 meets the four-fifths rule (a `<=` flag got through the suite)."""
    assert DISPARATE_IMPACT_FLAG == 0.8
    y, p, groups = _two_groups(refused_a=50, refused_b=refused_b)  # approvals 0.5 and 0.4 / 0.39
    report = fairness_report(
        [Attribute("G", "G", "G", groups)], y, p, 0.5, resamples=0, min_group_size=10
    ).attribute("G")
    assert report.disparate_impact == pytest.approx(ratio)
    assert report.flagged is flagged


def test_equal_groups_are_not_flagged() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 6000)
    y = (rng.random(p.size) < p).astype(np.int8)
    groups = np.where(np.arange(p.size) % 2 == 0, "A", "B").astype(object)
    result = fairness_report([Attribute("G", "G", "G", groups)], y, p, 0.5, resamples=0)
    assert result.attributes[0].disparate_impact > 0.9
    assert not result.attributes[0].flagged


def test_bootstrap_is_seeded() -> None:
    y, p, groups = _biased_population()
    attribute = [Attribute("G", "G", "G", groups)]
    first = fairness_report(attribute, y, p, 0.5, resamples=30, seed=5)
    again = fairness_report(attribute, y, p, 0.5, resamples=30, seed=5)
    other = fairness_report(attribute, y, p, 0.5, resamples=30, seed=6)
    assert first == again
    assert first.attributes[0].groups[0].auc.low != other.attributes[0].groups[0].auc.low


def test_group_without_defaults_has_no_tpr_or_auc() -> None:
    y = np.array([0] * 200 + [0, 1] * 100, dtype=np.int8)
    p = np.linspace(0, 1, 400)
    groups = np.array(["none"] * 200 + ["some"] * 200, dtype=object)
    result = fairness_report([Attribute("G", "G", "G", groups)], y, p, 0.5, resamples=20)
    none = result.attribute("G").groups[0]
    assert none.group == "none"
    assert none.true_positive_rate.value is None and none.auc.value is None
    assert none.true_positive_rate.low is None


def test_standard_attributes_cross_sex_and_age() -> None:
    attributes = standard_attributes(
        ["F", "M", None], np.array([-30 * 365.25, -70 * 365.25, np.nan]), ["Married", None, "X"]
    )
    names = [a.name for a in attributes]
    assert names == ["CODE_GENDER", "AGE_BAND", "NAME_FAMILY_STATUS", "CODE_GENDER x AGE_BAND"]
    assert list(attributes[3].groups) == ["F / 25-34", "M / 65+", "missing / missing"]
    assert list(attributes[2].groups) == ["Married", "missing", "X"]


def test_weighted_auc_with_unit_weights_is_the_auc_with_ties() -> None:
    rng = np.random.default_rng(0)
    p = np.round(rng.uniform(0, 1, 500), 1)  # many ties
    y = (rng.random(500) < p).astype(np.float64)
    order = np.argsort(p, kind="stable")
    ps, ys = p[order], y[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    found = _weighted_auc(np.ones((1, 500)), ys, starts)[0]
    assert found == pytest.approx(roc_auc_score(y, p))


# ------------------------------------------------------------------------------- drift


def test_psi_known_value_and_statuses() -> None:
    assert psi([0.5, 0.5], np.array([80, 20])) == pytest.approx(
        0.3 * np.log(0.8 / 0.5) + (-0.3) * np.log(0.2 / 0.5)
    )
    assert psi([0.25] * 4, np.array([10, 10, 10, 10])) == pytest.approx(0.0)
    assert [status_of(v) for v in (0.0, 0.0999, 0.10, 0.2499, 0.25, 3)] == [
        "ok",
        "ok",
        "watch",
        "watch",
        "act",
        "act",
    ]


def test_numeric_bins_are_deciles_with_no_empty_reference_bin() -> None:
    values = np.r_[np.arange(1000, dtype=np.float64), [np.nan] * 100]
    bins = numeric_bins("x", values)
    assert len(bins.edges) == 9 and bins.n_bins == 11
    assert bins.shares[:-1] == pytest.approx([100 / 1100] * 10)
    assert bins.shares[-1] == pytest.approx(100 / 1100)
    flag = numeric_bins("flag", np.r_[np.zeros(900), np.ones(100)])
    assert flag.edges == [0.0] and flag.shares == pytest.approx([0.9, 0.1, 0.0])
    constant = numeric_bins("c", np.full(10, 3.0))
    assert constant.edges == [] and constant.shares == [1.0, 0.0]
    empty = numeric_bins("e", np.full(10, np.nan))
    assert empty.shares == [0.0, 1.0]


def test_bins_put_values_on_the_documented_side() -> None:
    bins = FeatureBins(name="x", edges=[1.0, 2.0], shares=[0.25, 0.25, 0.25, 0.25])
    assert list(bins.counts(np.array([0.5, 1.0, 1.5, 2.0, 2.5, np.nan]))) == [2, 2, 1, 1]
    assert bins.labels() == ["<= 1", "(1, 2]", "> 2", "missing"]


def test_categorical_bins_send_unknown_codes_to_missing() -> None:
    bins = categorical_bins("c", np.array([0, 0, 1, 2, np.nan]), ["a", "b", "c"])
    assert bins.shares == pytest.approx([0.4, 0.2, 0.2, 0.2])
    assert list(bins.counts(np.array([0, 5, -1, np.nan, 1]))) == [1, 1, 0, 3]


def test_bins_reject_inconsistent_shares() -> None:
    with pytest.raises(ValidationError, match="shares"):
        FeatureBins(name="x", edges=[1.0], shares=[0.5, 0.5])
    with pytest.raises(ValidationError, match="increase"):
        FeatureBins(name="x", edges=[2.0, 1.0], shares=[0.3, 0.3, 0.4, 0.0])


def test_expected_auc_equals_brute_force_expectation() -> None:
    rng = np.random.default_rng(1)
    p = np.round(rng.uniform(0.01, 0.9, 60), 2)
    num = den = 0.0
    for i, j in itertools.permutations(range(p.size), 2):
        weight = p[i] * (1 - p[j])
        den += weight
        num += weight * (1.0 if p[i] > p[j] else 0.5 if p[i] == p[j] else 0.0)
    assert expected_auc(p) == pytest.approx(num / den)
    assert expected_auc(np.full(10, 0.2)) is None


def test_expected_auc_of_calibrated_scores_is_close_to_realised_auc() -> None:
    rng = np.random.default_rng(2)
    p = rng.beta(1, 8, 50_000)
    y = rng.random(p.size) < p
    assert expected_auc(p) == pytest.approx(roc_auc_score(y, p), abs=0.01)


def _reference(n: int = 20_000, seed: int = 0) -> tuple[DriftReference, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [rng.normal(size=n), rng.exponential(size=n), rng.integers(0, 3, n).astype(float)]
    )
    p = 1 / (1 + np.exp(-(x[:, 0] - 2.5)))
    y = (rng.random(n) < p).astype(np.int8)
    features = [
        FeatureEntry(name="a"),
        FeatureEntry(name="b"),
        FeatureEntry(name="c", categorical=True, levels=["x", "y", "z"]),
    ]
    reference = build_drift_reference(
        x, features, p, y, ["a", "c", "b"], oof_auc=roc_auc_score(y, p)
    )
    return reference, x, p


def _columns(x: np.ndarray) -> dict[str, np.ndarray]:
    return {"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}


def test_same_population_is_stable_and_shifted_one_acts() -> None:
    reference, _, _ = _reference()
    _, x_new, p_new = _reference(seed=1)
    stable = drift_report(reference, p_new, _columns(x_new))
    assert stable.status == "ok" and stable.score_psi < 0.01
    assert {f.name for f in stable.features} == {"a", "b", "c"}
    shifted = x_new.copy()
    shifted[:, 0] += 1.0
    p_shifted = 1 / (1 + np.exp(-(shifted[:, 0] - 2.5)))
    report = drift_report(reference, p_shifted, _columns(shifted))
    assert report.status == "act" and report.score_psi > 0.25
    assert report.features[0].name == "a" and report.features[0].status == "act"
    assert report.estimate is not None and report.estimate.is_estimate
    assert report.estimate.expected_default_rate == pytest.approx(p_shifted.mean())


def test_overall_status_reads_only_top_features_and_score() -> None:
    reference, x, p = _reference()
    order = [f"f{i}" for i in range(TOP_FEATURES)] + ["b"]
    extra = {f"f{i}": numeric_bins(f"f{i}", x[:, 0]) for i in range(TOP_FEATURES)}
    reference = reference.model_copy(
        update={"importance_order": order, "features": {**reference.features, **extra}}
    )
    current = {f"f{i}": x[:, 0] for i in range(TOP_FEATURES)} | {"b": x[:, 1] * 5}
    report = drift_report(reference, p, current, extra_features=["b"])
    drifted = next(f for f in report.features if f.name == "b")
    assert drifted.status == "act" and drifted.importance_rank == TOP_FEATURES
    assert report.status == "ok"  # b is asked for, outside the top 30: reported, not counted
    with pytest.raises(KeyError, match="nope"):
        drift_report(reference, p, current, extra_features=["nope"])


def test_a_drifted_score_alone_makes_the_overall_status_act() -> None:
    """The features are the training population itself, only the probabilities moved (an
    overall status made of the top features alone got through the suite)."""
    reference, x, p = _reference()
    report = drift_report(reference, np.clip(p + 0.3, 0.0, 1.0), _columns(x))
    assert all(f.status == "ok" for f in report.features)
    assert report.score_status == "act" and report.status == "act"


def test_small_window_is_marked_and_noise_reported() -> None:
    reference, x, p = _reference()
    report = drift_report(reference, p[:50], _columns(x[:50]))
    assert report.low_sample and report.n == 50
    assert report.noise_psi == pytest.approx(9 * (1 / 50 + 1 / reference.n))
    empty = drift_report(reference, np.empty(0), _columns(x[:0]))
    assert empty.n == 0 and empty.estimate is None and empty.noise_psi is None


def test_reference_round_trips_through_json() -> None:
    reference, _, _ = _reference()
    again = DriftReference.model_validate_json(reference.model_dump_json())
    assert again == reference


def test_groups_are_listed_in_age_order_then_by_name() -> None:
    years = np.array([70, 20, 30, 40, 55] * 40, dtype=np.float64)
    sex = ["M", "F"] * 100
    attributes = standard_attributes(sex, -years * 365.25, ["Married"] * 200)
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 200)
    y = (rng.random(200) < p).astype(np.int8)
    report = fairness_report(attributes, y, p, 0.5, resamples=0, min_group_size=1)
    ages = [g.group for g in report.attribute("AGE_BAND").groups]
    assert ages == ["<25", "25-34", "35-49", "50-64", "65+"]
    crossed = [g.group for g in report.attribute("CODE_GENDER x AGE_BAND").groups]
    assert crossed[:2] == ["F / <25", "F / 25-34"] and crossed[-1] == "M / 65+"
