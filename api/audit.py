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

import asyncio
import csv
import io
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from api.identity import current_user
from shared.contract import AccessRecord, AuditRecord

log = logging.getLogger("api.audit")

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
    latency_ms REAL NOT NULL,
    user TEXT
);
CREATE INDEX IF NOT EXISTS served_time ON served (time);
CREATE TABLE IF NOT EXISTS access (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    caller TEXT NOT NULL,
    user TEXT,
    action TEXT NOT NULL,
    client_id INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS access_time ON access (time);
"""
#: Columns added after the first release: an older file gets them on opening (NULL before).
_ADDED_COLUMNS = {"served": ("user",)}
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
    "user",
)
ACCESS_COLUMNS = ("id", "time", "caller", "user", "action", "client_id", "detail")
BUSY_TIMEOUT_MS = 10_000
#: How often the background checkpointer copies the WAL back into the database file.
CHECKPOINT_SECONDS = 1.0


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
    #: The signed-in person a trusted front-end spoke for (api/identity.py), else None.
    user: str | None = field(default_factory=current_user)


def add_columns(connection: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
    """ALTER TABLE ADD COLUMN for each missing column (another process may race: harmless)."""
    present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
    for column in columns:
        if column not in present:
            try:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
            except sqlite3.OperationalError as error:
                if "duplicate column" not in str(error):
                    raise


def connect(path: Path, *, autocheckpoint: bool = True) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    if not autocheckpoint:
        connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.executescript(_SCHEMA)
    for table, columns in _ADDED_COLUMNS.items():
        add_columns(connection, table, columns)
    return connection


def _row(entry: Entry) -> tuple[object, ...]:
    """An entry's columns after `time` (the writer prepends the commit time)."""
    return (
        entry.endpoint,
        entry.model_version,
        entry.caller,
        entry.client_id,
        entry.payload_sha256,
        entry.probability,
        entry.decision,
        entry.threshold,
        entry.latency_ms,
        entry.user,
    )


_INSERT = (
    "INSERT INTO served (time, endpoint, model_version, caller, client_id, payload_sha256, "
    "probability, decision, threshold, latency_ms, user) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ACCESS_INSERT = (
    "INSERT INTO access (time, caller, user, action, client_id, detail) VALUES (?, ?, ?, ?, ?, ?)"
)


def access_write(
    caller: str, action: str, client_id: int | None = None, detail: str | None = None
) -> Write:
    """One row of the client-access log: who (key and person) did what, to which client.

    Actions: "client.open" (a client's file was read), "export.audit", "export.access",
    "export.decisions" (every export is itself recorded, with its filters in `detail`).
    """
    row = (caller, current_user(), action, client_id, detail)
    return Write(_ACCESS_INSERT, [row], stamped=True)


def _entries_write(entries: Sequence[Entry]) -> Write:
    return Write(_INSERT, [_row(e) for e in entries], stamped=True)


@dataclass(frozen=True)
class Write:
    """One statement and its parameter rows, for the writer thread to commit.

    The audit trail, the advisors' decisions (api/decisions.py) and the monitored feature rows
    (api/monitoring.py) share this one writer, connection and file, so every record the API
    keeps is durable on the same terms. `stamped`: each row gets the commit time prepended.
    """

    sql: str
    rows: Sequence[tuple[object, ...]]
    stamped: bool = False


#: The writes of one request, and how to tell it they are committed (None: nobody waits).
_Waiter = tuple[list[Write], asyncio.AbstractEventLoop | None, "asyncio.Future[None] | None"]


class AuditLog:
    """One connection per process, owned by one writer thread that commits in groups.

    A commit's write to the WAL can block for a fraction of a millisecond on a busy disk; done
    on the event loop it would stall every other request. Requests instead hand their entries
    to the writer thread and await their commit: entries arriving while a commit runs are
    committed together in the next transaction (group commit), so under load one disk write
    serves many requests, and still no request is answered before its entries are committed.

    SQLite's automatic checkpoint would run inside whichever commit crosses 1,000 WAL pages and
    fsync the database file there, stalling every request queued behind that commit (it was the
    source of a 100 ms p99 under load). The writer's connection therefore never checkpoints; a
    second thread runs PASSIVE checkpoints on its own connection, which never block writers.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection = connect(self.path, autocheckpoint=False)
        self._queue: queue.SimpleQueue[_Waiter | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="audit-writer", daemon=True)
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="audit-checkpointer", daemon=True
        )
        self._writer.start()
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            while not self._stopping.wait(CHECKPOINT_SECONDS):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def _commit(self, writes: Sequence[Write]) -> None:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                for write in writes:
                    rows = [(now, *r) for r in write.rows] if write.stamped else write.rows
                    self._connection.executemany(write.sql, rows)
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise

    def add_columns(self, table: str, columns: Sequence[str]) -> None:
        """Columns a newer release added to another record kind's table (idempotent)."""
        with self._lock:
            add_columns(self._connection, table, columns)

    def ensure_schema(self, script: str) -> None:
        """Creates the tables of another record kind in this file (idempotent)."""
        with self._lock:
            self._connection.executescript(script)

    def write(self, writes: Sequence[Write]) -> None:
        """Commits `writes` (one transaction) from the calling thread."""
        self._commit(writes)

    def record(self, entries: Sequence[Entry]) -> None:
        """Inserts and COMMITS the entries (one transaction) from the calling thread."""
        self._commit([_entries_write(entries)])

    async def record_async(self, entries: Sequence[Entry]) -> None:
        """Returns once the entries are committed by the writer thread (grouped with others)."""
        await self.write_async([_entries_write(entries)])

    async def write_async(self, writes: Sequence[Write]) -> None:
        """Returns once `writes` are committed (one transaction, grouped with others)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put((list(writes), loop, done))
        await done

    def submit(self, writes: Sequence[Write]) -> None:
        """Queues `writes` for the next group commit without waiting for it (records that no
        caller is promised, such as monitoring statistics); a failure is logged."""
        self._queue.put((list(writes), None, None))

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(item)
            error: BaseException | None = None
            try:
                self._commit([write for writes, _, _ in batch for write in writes])
            except BaseException as failure:  # reported to every waiting request
                error = failure
                if all(done is None for _, _, done in batch):
                    log.error("monitoring records could not be committed: %s", failure)
            for _, loop, done in batch:
                if loop is not None and done is not None:
                    loop.call_soon_threadsafe(_settle, done, error)

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=10)
        self._stopping.set()
        self._checkpointer.join(timeout=10)
        with self._lock:
            self._connection.close()


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


def read_records(
    path: Path, *, since: datetime | None = None, limit: int | None = None
) -> Iterator[AuditRecord]:
    """Records in id order, from a connection of their own (in WAL, readers never block writers)."""
    if not Path(path).is_file():
        return
    # A streamed export advances this generator from whichever worker thread is free (and its
    # first record is read before the response starts): one consumer at a time, any thread.
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
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


def read_access(
    path: Path, *, since: datetime | None = None, limit: int | None = None
) -> Iterator[AccessRecord]:
    """The client-access log in id order (its own connection, like read_records)."""
    if not Path(path).is_file():
        return
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        query = f"SELECT {', '.join(ACCESS_COLUMNS)} FROM access"
        params: list[object] = []
        if since is not None:
            query += " WHERE time >= ?"
            params.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
        query += " ORDER BY id"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        for row in connection.execute(query, params):
            yield AccessRecord.model_validate(dict(zip(ACCESS_COLUMNS, row, strict=True)))
    finally:
        connection.close()


def as_jsonl(records: Iterator[AuditRecord]) -> Iterator[str]:
    for record in records:
        yield record.model_dump_json() + "\n"


def as_csv(
    records: Iterator[AuditRecord] | Iterator[AccessRecord], columns: Sequence[str] = COLUMNS
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        data = record.model_dump(mode="json")
        writer.writerow([_cell(data[c]) for c in columns])
        yield buffer.getvalue()


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run (names and details come from people)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_lines(path: Path, fmt: str, since: datetime | None, limit: int | None) -> Iterator[str]:
    records = read_records(path, since=since, limit=limit)
    return as_csv(records) if fmt == "csv" else as_jsonl(records)
