"""Live drift monitoring: the feature rows of recently scored applicants, against training.

Each applicant the API scores (predict, explain) leaves its feature row (float32, model order)
and calibrated probability in the `monitored` table of the audit database; the window counts
each distinct applicant once (its newest row: the same feature row is the same applicant). The
table is bounded in size (`max_rows`, the newest kept) and in time (`max_days`), pruned as rows
arrive, and survives restarts because it is in the audit database (SQLite or PostgreSQL).
Rows are queued to the audit writer without waiting for their commit: they are statistics
nobody was promised, and the hot path must not wait for them. `report()` puts the window's
rows into the bundle's reference bins (shared/drift.py), so it answers exactly the shape
`scoring monitor` prints.

Only rows scored by the bundle in service count: another version's features may differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from api.audit import AuditLog, Write
from shared.bundle import LoadedBundle
from shared.drift import (
    DRIFT_REFERENCE_FILE,
    DriftHistoryPoint,
    DriftReference,
    DriftReport,
    drift_report,
    psi,
    status_of,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS monitored (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    model_version TEXT NOT NULL,
    probability REAL NOT NULL,
    features BLOB NOT NULL,
    digest TEXT
);
CREATE INDEX IF NOT EXISTS monitored_time ON monitored (time);
"""
_INSERT = (
    "INSERT INTO monitored (time, model_version, probability, features, digest) "
    "VALUES (?, ?, ?, ?, ?)"
)
#: The newest row of each distinct applicant (same feature row = same applicant: a client page
#: asks /predict and /explain, an advisor reopens a file); rows without a digest count alone.
_WINDOW = (
    "SELECT time, probability, features FROM monitored WHERE id IN ("
    "SELECT MAX(id) FROM monitored WHERE model_version = ? AND time >= ? "
    "GROUP BY COALESCE(digest, CAST(id AS TEXT))) ORDER BY id DESC LIMIT ?"
)
_PRUNE_COUNT = (
    "DELETE FROM monitored WHERE id <= (SELECT MAX(id) FROM monitored) - ?",
    "DELETE FROM monitored WHERE time < ?",
)
#: Prune once per this many observed batches (each prune is two indexed deletes).
PRUNE_EVERY = 64
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_DAYS = 30.0


@dataclass(frozen=True)
class Window:
    """The rows of one time window: features (n, features) and probabilities."""

    values: np.ndarray
    probabilities: np.ndarray
    times: list[str]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class LiveMonitor:
    def __init__(
        self,
        audit: AuditLog,
        reference: DriftReference | None,
        feature_names: Sequence[str],
        model_version: str,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_days: float = DEFAULT_MAX_DAYS,
    ) -> None:
        self.audit = audit
        self.path = audit.path
        self.reference = reference
        self.feature_names = list(feature_names)
        self.model_version = model_version
        self.max_rows = max_rows
        self.max_age = timedelta(days=max_days)
        self._batches = 0
        audit.ensure_schema(_SCHEMA)
        # A table created before rows had a digest gets the column (older rows stay NULL).
        audit.add_columns("monitored", ("digest",))

    def observe(self, values: np.ndarray, probabilities: Sequence[float]) -> None:
        """Queues the scored rows (n, features) for the next commit; never waits."""
        if self.reference is None:
            return  # nothing to compare the rows with: do not keep them
        matrix = np.asarray(values, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.feature_names):
            return  # not rows of this model (cannot happen through the scoring routes)
        rows = []
        for k, p in enumerate(probabilities):
            blob = matrix[k].tobytes()
            digest = hashlib.blake2b(blob, digest_size=16).hexdigest()
            rows.append((self.model_version, float(p), blob, digest))
        writes = [Write(_INSERT, rows, stamped=True)]
        self._batches += 1
        if self._batches % PRUNE_EVERY == 0:
            writes += self._prune_writes()
        self.audit.submit(writes)

    def _prune_writes(self) -> list[Write]:
        cutoff = _iso(datetime.now(UTC) - self.max_age)
        return [Write(_PRUNE_COUNT[0], [(self.max_rows,)]), Write(_PRUNE_COUNT[1], [(cutoff,)])]

    def prune(self) -> None:
        """Applies both bounds now (committed from the calling thread)."""
        self.audit.write(self._prune_writes())

    def window(self, since: datetime | None = None) -> Window:
        """The newest rows of this model version within the bounds (and after `since`)."""
        start = datetime.now(UTC) - self.max_age
        if since is not None:
            start = max(start, since.astimezone(UTC))
        empty = Window(np.empty((0, len(self.feature_names)), np.float32), np.empty(0), [])
        query = self.audit.database.query(_WINDOW, (self.model_version, _iso(start), self.max_rows))
        found = list(query)
        if not found:
            return empty
        found.reverse()
        width = len(self.feature_names)
        values = np.frombuffer(b"".join(r[2] for r in found), dtype=np.float32).reshape(-1, width)
        return Window(
            values=values,
            probabilities=np.array([r[1] for r in found], dtype=np.float64),
            times=[r[0] for r in found],
        )

    def report(self, since: datetime | None = None, features: Sequence[str] = ()) -> DriftReport:
        """The drift of the window against the training reference."""
        if self.reference is None:
            raise LookupError("this bundle has no drift reference (retrain it)")
        window = self.window(since)
        columns = {name: window.values[:, i] for i, name in enumerate(self.feature_names)}
        return drift_report(
            self.reference,
            window.probabilities,
            columns,
            extra_features=features,
            model_version=self.model_version,
            source="live",
            window=(window.times[0], window.times[-1]) if window.times else (None, None),
        )

    def history(
        self, since: datetime | None = None, bucket_hours: float = 24
    ) -> list[DriftHistoryPoint]:
        """Score PSI per time bucket of the window (oldest first), for a trend chart."""
        if self.reference is None:
            raise LookupError("this bundle has no drift reference (retrain it)")
        window = self.window(since)
        if not window.times:
            return []
        moments = np.array(
            [datetime.fromisoformat(t).timestamp() for t in window.times], dtype=np.float64
        )
        width = bucket_hours * 3600
        keys = np.floor(moments / width).astype(np.int64)
        points = []
        bins = self.reference.score
        for key in np.unique(keys):
            mask = keys == key
            value = psi(bins.shares, bins.counts(window.probabilities[mask]))
            points.append(
                DriftHistoryPoint(
                    start=_iso(datetime.fromtimestamp(key * width, UTC)),
                    end=_iso(datetime.fromtimestamp((key + 1) * width, UTC)),
                    n=int(mask.sum()),
                    score_psi=value,
                    status=status_of(value),
                )
            )
        return points


def drift_reference(bundle: LoadedBundle) -> DriftReference | None:
    """The bundle's verified drift reference; None for a bundle trained before it existed."""
    path = bundle.path(DRIFT_REFERENCE_FILE)
    if not path.is_file():
        return None
    return DriftReference.model_validate_json(path.read_bytes())


def open_monitor(
    bundle: LoadedBundle,
    audit: AuditLog,
    feature_names: Sequence[str],
    model_version: str,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_days: float = DEFAULT_MAX_DAYS,
) -> LiveMonitor:
    """The live window of the bundle in service (without a reference it records nothing)."""
    return LiveMonitor(
        audit,
        drift_reference(bundle),
        feature_names,
        model_version,
        max_rows=max_rows,
        max_days=max_days,
    )


def observe(service: object, values: np.ndarray, probabilities: Sequence[float]) -> None:
    """What the scoring routes call after answering: the rows go to the live window, if any."""
    monitor: LiveMonitor | None = getattr(service, "monitor", None)
    if monitor is not None and monitor.reference is not None:
        monitor.observe(values, probabilities)
