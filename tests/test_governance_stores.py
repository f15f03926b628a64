"""The API's governance stores on a real database: advisors' decisions and monitored rows share
the audit trail's writer, survive a restart, and stay bounded. Each test runs on a SQLite file
and on a PostgreSQL database (tests/postgres_server.py; skipped where no server can start)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from api.audit import AuditLog, Entry, read_records
from api.decisions import DecisionLog, as_csv, read_decisions, summary
from api.errors import InvalidInput
from api.monitoring import PRUNE_EVERY, LiveMonitor
from api.storage import open_database
from shared.bundle import FeatureEntry
from shared.governance import DecisionRequest
from training.governance.drift import build_drift_reference

NAMES = ["a", "b"]


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where the records go: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "audit.sqlite"


def _decide(log: DecisionLog, body: DecisionRequest, model_decision: str = "refuse") -> object:
    return asyncio.run(
        log.record(
            body,
            model_decision=model_decision,
            probability=0.3,
            threshold=0.1,
            model_version="v1",
            model="fold-2",
            caller="advisor-app",
        )
    )


def test_override_needs_reason_and_comment(target: Path | str) -> None:
    audit = AuditLog(target)
    try:
        log = DecisionLog(audit)
        with pytest.raises(InvalidInput) as refused:
            _decide(log, DecisionRequest(client_id=1, final_decision="grant"))
        assert {d.field for d in refused.value.details} == {"reason_code", "comment"}
        with pytest.raises(InvalidInput, match="comment"):
            _decide(
                log,
                DecisionRequest(
                    client_id=1, final_decision="grant", reason_code="guarantee", comment="  "
                ),
            )
        followed = _decide(log, DecisionRequest(client_id=1, final_decision="refuse"))
        assert not followed.override and followed.reason_code is None
        assert list(read_decisions(audit)) == [followed]  # refused ones left no record
    finally:
        audit.close()


def test_unknown_reason_code_is_refused_by_the_request_model() -> None:
    with pytest.raises(ValueError, match="unknown reason_code 'vibes'"):
        DecisionRequest(client_id=1, final_decision="grant", reason_code="vibes")


def test_decisions_survive_a_restart_and_export_safely(target: Path | str) -> None:
    path = target
    audit = AuditLog(path)
    body = DecisionRequest(
        client_id=7,
        final_decision="grant",
        reason_code="guarantee",
        comment="=HYPERLINK(1) parent guarantor",
    )
    recorded = _decide(DecisionLog(audit), body)
    _decide(DecisionLog(audit), DecisionRequest(client_id=8, final_decision="refuse"))
    audit.close()  # a new process would open the file afresh
    reopened = AuditLog(path)
    try:
        records = list(read_decisions(DecisionLog(reopened).database))
        assert records[0] == recorded and records[0].override
        assert (records[0].model_decision, records[0].model, records[0].caller) == (
            "refuse",
            "fold-2",
            "advisor-app",
        )
        csv_text = "".join(as_csv(iter(records)))
        assert "'=HYPERLINK(1) parent guarantor" in csv_text  # no formula for spreadsheets
        stats = summary(iter(records))
        assert (stats.total, stats.overrides, stats.override_rate) == (2, 1, 0.5)
        assert [(c.key, c.count) for c in stats.by_reason] == [("guarantee", 1)]
        assert [(c.key, c.count) for c in stats.by_direction] == [("grant", 1), ("refuse", 0)]
    finally:
        reopened.close()


def test_audit_entries_still_committed_with_their_time(target: Path | str) -> None:
    audit = AuditLog(target)
    before = datetime.now(UTC)
    entry = Entry("predict", "v1", "app", 5, None, 0.2, "refuse", 0.1, 1.5)
    asyncio.run(audit.record_async([entry]))
    audit.record([entry])
    audit.close()
    reopened = AuditLog(target)
    try:
        records = list(read_records(reopened))
    finally:
        reopened.close()
    assert len(records) == 2 and all(r.time >= before for r in records)
    assert records[0].client_id == 5 and records[0].decision == "refuse"


def _reference() -> object:
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=5000), rng.exponential(size=5000)])
    p = 1 / (1 + np.exp(-(x[:, 0] - 2)))
    y = (rng.random(5000) < p).astype(np.int8)
    entries = [FeatureEntry(name=n) for n in NAMES]
    return build_drift_reference(x, entries, p, y, NAMES, oof_auc=0.7), x, p


def _flush(audit: AuditLog) -> None:
    """Waits until everything queued before is committed (the writer keeps queue order)."""
    asyncio.run(audit.write_async([]))


def _stored_rows(audit: AuditLog) -> int:
    return next(iter(audit.database.query("SELECT COUNT(*) FROM monitored")))[0]


def test_live_rows_give_a_report_survive_restarts_and_ignore_other_versions(
    target: Path | str,
) -> None:
    reference, x, p = _reference()
    path = target
    audit = AuditLog(path)
    monitor = LiveMonitor(audit, reference, NAMES, "v1")
    for start in range(0, 600, 100):
        monitor.observe(x[start : start + 100], p[start : start + 100])
    LiveMonitor(audit, reference, NAMES, "v0").observe(x[:50] * 10, p[:50])
    _flush(audit)
    audit.close()
    reopened = AuditLog(path)
    try:
        monitor = LiveMonitor(reopened, reference, NAMES, "v1")
        window = monitor.window()
        assert window.values.shape == (600, 2)
        np.testing.assert_array_equal(window.values, x[:600].astype(np.float32))
        report = monitor.report()
        assert report.n == 600 and report.source == "live" and report.status == "ok"
        assert report.window_start is not None and report.window_end >= report.window_start
        shifted = x[:300] + np.array([2.0, 0.0])
        monitor.observe(shifted, 1 / (1 + np.exp(-(shifted[:, 0] - 2))))
        _flush(reopened)
        since = datetime.fromisoformat(report.window_end) + timedelta(microseconds=1)
        drifted = monitor.report(since=since)
        assert drifted.n == 300 and drifted.status == "act"
        assert drifted.features[0].name == "a"
        history = monitor.history(bucket_hours=24)
        assert sum(point.n for point in history) == 900
    finally:
        reopened.close()


def test_live_window_is_bounded_in_rows_and_age(target: Path | str) -> None:
    reference, x, p = _reference()
    audit = AuditLog(target)
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1", max_rows=250, max_days=1)
        for start in range(0, 1000, 100):
            monitor.observe(x[start : start + 100], p[start : start + 100])
        _flush(audit)
        assert monitor.window().values.shape[0] == 250  # the newest 250 only
        np.testing.assert_array_equal(monitor.window().values[-1], x[999].astype(np.float32))
        old = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="microseconds")
        audit.database.execute("UPDATE monitored SET time = ? WHERE id <= 900", (old,))
        assert monitor.window().values.shape[0] == 100  # too old for the window
        monitor.prune()
        assert _stored_rows(audit) == 100  # the file does not grow without bound either
    finally:
        audit.close()


def test_prune_keeps_the_newest_max_rows_when_nothing_is_old(target: Path | str) -> None:
    """Recent rows beyond `max_rows` leave the table too, the newest kept (pruning by age only
    got through the suite)."""
    reference, x, p = _reference()
    audit = AuditLog(target)
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1", max_rows=250, max_days=30)
        for start in range(0, 1000, 100):
            monitor.observe(x[start : start + 100], p[start : start + 100])
        _flush(audit)
        assert _stored_rows(audit) == 1000
        monitor.prune()
        assert _stored_rows(audit) == 250
        kept = [
            np.frombuffer(row[0], dtype=np.float32)
            for row in audit.database.query("SELECT features FROM monitored ORDER BY id", ())
        ]
        np.testing.assert_array_equal(kept[0], x[750].astype(np.float32))
        np.testing.assert_array_equal(kept[-1], x[999].astype(np.float32))
    finally:
        audit.close()


def test_observing_prunes_on_its_own(target: Path | str) -> None:
    """After PRUNE_EVERY batches the table holds at most `max_rows` without a call to prune()
    (a periodic prune that never ran got through the suite)."""
    reference, x, p = _reference()
    audit = AuditLog(target)
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1", max_rows=10)
        for k in range(PRUNE_EVERY):
            monitor.observe(x[k : k + 1], p[k : k + 1])
        _flush(audit)
        assert _stored_rows(audit) == 10
    finally:
        audit.close()


def test_an_old_since_does_not_reach_past_the_maximum_age(target: Path | str) -> None:
    """`since` narrows the age bound, never replaces it."""
    reference, x, p = _reference()
    audit = AuditLog(target)
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


def test_an_applicant_scored_twice_counts_once(target: Path | str) -> None:
    """A client page asks /predict then /explain; an advisor reopens a file: one applicant."""
    reference, x, p = _reference()
    audit = AuditLog(target)
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1")
        monitor.observe(x[:100], p[:100])
        monitor.observe(x[:100], p[:100])
        monitor.observe(x[50:150], p[50:150])
        _flush(audit)
        window = monitor.window()
        assert window.values.shape[0] == 150
        assert len({row.tobytes() for row in window.values}) == 150
    finally:
        audit.close()


def test_a_table_from_before_digests_gets_the_column(target: Path | str) -> None:
    path = target
    older = open_database(path)  # the table as a release before digests created it
    older.open()
    try:
        older.ensure_schema(
            "CREATE TABLE monitored (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, "
            "model_version TEXT NOT NULL, probability REAL NOT NULL, features BLOB NOT NULL);"
        )
        old = np.zeros(2, dtype=np.float32).tobytes()
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        older.execute(
            "INSERT INTO monitored (time, model_version, probability, features) "
            "VALUES (?, 'v1', 0.1, ?)",
            (now, old),
        )
    finally:
        older.close()
    reference, x, p = _reference()
    audit = AuditLog(path)
    try:
        monitor = LiveMonitor(audit, reference, NAMES, "v1")
        LiveMonitor(audit, reference, NAMES, "v1")  # a second worker: no duplicate column
        monitor.observe(x[:10], p[:10])
        _flush(audit)
        assert monitor.window().values.shape[0] == 11  # the old row counts on its own
    finally:
        audit.close()
