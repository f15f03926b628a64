"""The audit trail: every prediction and explanation served, committed before it is sent.

A caller who received a decision must be able to find it later, even if the server was killed
the next millisecond, so the record is committed before the response leaves: SQLite in WAL mode
with synchronous=NORMAL makes a commit durable against a process kill (the WAL is in the OS page
cache; only a power loss can drop the last transactions). Several workers or replicas on one
host share the file: each process opens its own connection, and busy_timeout makes a writer wait
for the lock instead of failing. Inputs are not stored: a known client is recorded by ID, a JSON
applicant by the sha256 of its payload.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shared.contract import AuditRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS served (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    model_version TEXT NOT NULL,
    caller TEXT NOT NULL,
    client_id INTEGER,
    payload_sha256 TEXT,
    probability REAL NOT NULL,
    decision TEXT NOT NULL,
    threshold REAL NOT NULL,
    latency_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS served_time ON served (time);
"""
COLUMNS = (
    "id",
    "time",
    "endpoint",
    "model_version",
    "caller",
    "client_id",
    "payload_sha256",
    "probability",
    "decision",
    "threshold",
    "latency_ms",
)
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Entry:
    """One served decision, before it gets its id."""

    endpoint: str
    model_version: str
    caller: str
    client_id: int | None
    payload_sha256: str | None
    probability: float
    decision: str
    threshold: float
    latency_ms: float


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.executescript(_SCHEMA)
    return connection


class AuditLog:
    """One connection per process; a lock serialises this process's threads on it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection = connect(self.path)
        self._lock = threading.Lock()

    def record(self, entries: Sequence[Entry]) -> None:
        """Inserts and COMMITS the entries (one transaction); returns only once durable."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        rows = [
            (
                now,
                e.endpoint,
                e.model_version,
                e.caller,
                e.client_id,
                e.payload_sha256,
                e.probability,
                e.decision,
                e.threshold,
                e.latency_ms,
            )
            for e in entries
        ]
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.executemany(
                    "INSERT INTO served (time, endpoint, model_version, caller, client_id, "
                    "payload_sha256, probability, decision, threshold, latency_ms) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def read_records(
    path: Path, *, since: datetime | None = None, limit: int | None = None
) -> Iterator[AuditRecord]:
    """Records in id order, from a connection of their own (in WAL, readers never block writers)."""
    if not Path(path).is_file():
        return
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        query = f"SELECT {', '.join(COLUMNS)} FROM served"
        params: list[object] = []
        if since is not None:
            query += " WHERE time >= ?"
            params.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
        query += " ORDER BY id"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        for row in connection.execute(query, params):
            yield AuditRecord.model_validate(dict(zip(COLUMNS, row, strict=True)))
    finally:
        connection.close()


def as_jsonl(records: Iterator[AuditRecord]) -> Iterator[str]:
    for record in records:
        yield record.model_dump_json() + "\n"


def as_csv(records: Iterator[AuditRecord]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        data = record.model_dump(mode="json")
        writer.writerow(["" if data[c] is None else data[c] for c in COLUMNS])
        yield buffer.getvalue()


def export_lines(path: Path, fmt: str, since: datetime | None, limit: int | None) -> Iterator[str]:
    records = read_records(path, since=since, limit=limit)
    return as_csv(records) if fmt == "csv" else as_jsonl(records)
