"""Governance rules the rest of the suite did not pin down (found by injecting bugs): the
disparate-impact flag at its exact boundary, the overall drift status when only the score
drifts, and the live window's bounds (row-count pruning, automatic pruning, `since` never
reaching past the maximum age). No bundle needed: a SQLite file and small arrays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from api.audit import AuditLog
from api.monitoring import PRUNE_EVERY, LiveMonitor
from shared.bundle import FeatureEntry
from shared.drift import DriftReference, drift_report
from shared.governance import DISPARATE_IMPACT_FLAG
from training.governance.drift import build_drift_reference
from training.governance.fairness import Attribute, fairness_report

NAMES = ["a", "b"]

# ------------------------------------------------------------------------------- fairness


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


def test_disparate_impact_is_flagged_strictly_below_four_fifths() -> None:
    """Guards against the flag taken with `<=` instead of `<`: a ratio of exactly 0.8 meets the
    four-fifths rule and must not be flagged; just below it must."""
    assert DISPARATE_IMPACT_FLAG == 0.8
    y, p, groups = _two_groups(refused_a=50, refused_b=60)  # approvals 0.5 and 0.4
    at_rule = fairness_report(
        [Attribute("G", "G", "G", groups)], y, p, 0.5, resamples=0, min_group_size=10
    ).attribute("G")
    assert at_rule.disparate_impact == pytest.approx(0.8)
    assert not at_rule.flagged
    y, p, groups = _two_groups(refused_a=50, refused_b=61)  # approvals 0.5 and 0.39
    below = fairness_report(
        [Attribute("G", "G", "G", groups)], y, p, 0.5, resamples=0, min_group_size=10
    ).attribute("G")
    assert below.disparate_impact == pytest.approx(0.78)
    assert below.flagged


# ------------------------------------------------------------------------------- drift


def _reference(n: int = 5000, seed: int = 0) -> tuple[DriftReference, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=n), rng.exponential(size=n)])
    p = 1 / (1 + np.exp(-(x[:, 0] - 2)))
    y = (rng.random(n) < p).astype(np.int8)
    entries = [FeatureEntry(name=name) for name in NAMES]
    return build_drift_reference(x, entries, p, y, NAMES, oof_auc=0.7), x, p


def test_a_drifted_score_alone_makes_the_overall_status_act() -> None:
    """Guards against the overall status combining only the top features and forgetting the
    score: the features are the training population itself, but the probabilities moved."""
    reference, x, p = _reference()
    shifted = np.clip(p + 0.3, 0.0, 1.0)
    report = drift_report(reference, shifted, {"a": x[:, 0], "b": x[:, 1]})
    assert all(f.status == "ok" for f in report.features)
    assert report.score_status == "act"
    assert report.status == "act"


# ------------------------------------------------------------------------------- live window


def _flush(audit: AuditLog) -> None:
    asyncio.run(audit.write_async([]))


def _count(audit: AuditLog) -> int:
    return next(iter(audit.database.query("SELECT COUNT(*) FROM monitored")))[0]


def test_prune_keeps_the_newest_max_rows_when_nothing_is_old(tmp_path: Path) -> None:
    """Guards against pruning by age only: recent rows beyond `max_rows` must leave the table
    too, the newest ones kept."""
    reference, x, p = _reference()
    audit = AuditLog(tmp_path / "audit.sqlite")
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1", max_rows=250, max_days=30)
        for start in range(0, 1000, 100):
            monitor.observe(x[start : start + 100], p[start : start + 100])
        _flush(audit)
        assert _count(audit) == 1000
        monitor.prune()
        assert _count(audit) == 250
        newest = [
            np.frombuffer(row[0], dtype=np.float32)
            for row in audit.database.query("SELECT features FROM monitored ORDER BY id", ())
        ]
        np.testing.assert_array_equal(newest[-1], x[999].astype(np.float32))
        np.testing.assert_array_equal(newest[0], x[750].astype(np.float32))
    finally:
        audit.close()


def test_observing_prunes_on_its_own(tmp_path: Path) -> None:
    """Guards against the periodic prune in `observe` never running: after PRUNE_EVERY batches
    the table holds at most `max_rows`, without anyone calling prune()."""
    reference, x, p = _reference()
    audit = AuditLog(tmp_path / "audit.sqlite")
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1", max_rows=10)
        for k in range(PRUNE_EVERY):
            monitor.observe(x[k : k + 1], p[k : k + 1])
        _flush(audit)
        assert _count(audit) == 10
    finally:
        audit.close()


def test_an_old_since_does_not_reach_past_the_maximum_age(tmp_path: Path) -> None:
    """Guards against `since` replacing the age bound instead of narrowing it: rows older than
    `max_days` stay out of the window even when asked for from further back."""
    reference, x, p = _reference()
    audit = AuditLog(tmp_path / "audit.sqlite")
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1", max_days=1)
        monitor.observe(x[:100], p[:100])
        _flush(audit)
        old = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="microseconds")
        audit.database.execute("UPDATE monitored SET time = ? WHERE id <= 40", (old,))
        week_ago = datetime.now(UTC) - timedelta(days=7)
        assert monitor.window(since=week_ago).values.shape[0] == 60
        assert monitor.report(since=week_ago).n == 60
    finally:
        audit.close()
