"""The cost-minimising threshold: hand-built cases with a known optimum, exact counting, and
decision theory's optimum on calibrated probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.model.threshold import DEFAULT_GRID, choose_threshold, cost_curve, error_counts


def _hand_case() -> tuple[np.ndarray, np.ndarray]:
    """20 repaid at 0.1, 1 default at 0.3, 5 repaid at 0.5, 2 defaults at 0.7."""
    p = np.array([0.1] * 20 + [0.3] + [0.5] * 5 + [0.7] * 2)
    y = np.array([0] * 20 + [1] + [0] * 5 + [1] * 2)
    return y, p


def test_hand_case_fn_costs_ten() -> None:
    # Refusing p >= t. Costs by hand (FN x10, FP x1):
    # t <= 0.1: 25 FP = 25; 0.1 < t <= 0.3: 5 FP = 5; 0.3 < t <= 0.5: 1 FN + 5 FP = 15;
    # 0.5 < t <= 0.7: 1 FN = 10; t > 0.7: 3 FN = 30. Optimum: the stretch (0.1, 0.3], cost 5,
    # whose middle on the 0.001 grid (0.101 .. 0.300) is 0.200.
    y, p = _hand_case()
    choice = choose_threshold(y, p, cost_fn=10, cost_fp=1)
    assert choice.cost == 5
    assert choice.threshold == pytest.approx(0.2)
    costs = dict(zip(np.round(choice.thresholds, 3), choice.costs, strict=True))
    assert [costs[t] for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)] == [
        25,
        5,
        5,
        15,
        15,
        10,
        10,
        30,
    ]


def test_hand_case_equal_costs_moves_optimum() -> None:
    # With FN x1: 25, 5, 6, 1, 3 on the same stretches -> optimum (0.5, 0.7], cost 1.
    y, p = _hand_case()
    choice = choose_threshold(y, p, cost_fn=1, cost_fp=1)
    assert choice.cost == 1
    assert 0.5 < choice.threshold <= 0.7


def test_calibrated_probabilities_give_decision_theory_threshold() -> None:
    # With calibrated p, refusing is worth it when p * cost_fn > (1 - p) * cost_fp, i.e. above
    # cost_fp / (cost_fp + cost_fn) = 1/11.
    rng = np.random.default_rng(0)
    p = rng.beta(1.0, 9.0, size=400_000)
    y = rng.random(p.size) < p
    choice = choose_threshold(y, p, cost_fn=10, cost_fp=1)
    assert choice.threshold == pytest.approx(1 / 11, abs=0.01)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.floats(0, 1, allow_nan=False)), min_size=1, max_size=60),
    st.floats(0.1, 20),
    st.floats(0.1, 20),
)
def test_curve_matches_brute_force(rows: list[tuple[bool, float]], fn: float, fp: float) -> None:
    y = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows])
    grid = np.array([0.0, 0.05, 0.25, 0.5, 0.5000001, 0.75, 1.0, *np.unique(p)])
    false_neg, false_pos = error_counts(y, p, grid)
    for t, got_fn, got_fp in zip(grid, false_neg, false_pos, strict=True):
        assert got_fn == sum(1 for yi, pi in rows if yi and pi < t)
        assert got_fp == sum(1 for yi, pi in rows if not yi and pi >= t)
    curve = cost_curve(y, p, fn, fp, grid)
    np.testing.assert_allclose(curve, fn * false_neg + fp * false_pos)
    choice = choose_threshold(y, p, fn, fp, grid)
    assert choice.cost == pytest.approx(curve.min())


def test_default_grid_and_empty_input() -> None:
    assert DEFAULT_GRID[0] == 0.0 and DEFAULT_GRID[-1] == 1.0 and DEFAULT_GRID.size == 1001
    with pytest.raises(ValueError, match="without labelled predictions"):
        choose_threshold(np.array([]), np.array([]), 10, 1)
