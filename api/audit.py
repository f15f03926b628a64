"""The audit trail: every prediction and explanation served, committed before it is sent.

A caller who received a decision must be able to find it later, even if the server was killed
the next millisecond, so the record is committed before the response leaves. The database is
SQLite by default: WAL mode with synchronous=NORMAL makes a commit durable against a process kill
(the WAL is in the OS page cache; only a power loss can drop the last transactions), and several
workers or replicas on one host share the file (each process opens its own connection;
busy_timeout makes a writer wait for the lock instead of failing). With SCORING_DATABASE_URL it
is PostgreSQL, shared by replicas on several hosts; api/storage.py is the layer that tells the two
apart, under the one writer here. Inputs are not stored: a known client is recorded by ID, a JSON
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
from api.storage import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS  # re-exported for the record kinds
from api.storage import (
    Database,
    SqliteDatabase,
    open_database,
    sqlite_add_columns,
    sqlite_connect,
)
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


#: ALTER TABLE ADD COLUMN for each missing column of a SQLite file (races are harmless).
add_columns = sqlite_add_columns


def connect(path: Path, *, autocheckpoint: bool = True) -> sqlite3.Connection:
    """A SQLite audit file opened in WAL mode with its tables (tools and tests)."""
    connection = sqlite_connect(path, autocheckpoint=autocheckpoint)
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
    """One database per process, written by writer threads that commit in groups.

    A commit's write to the WAL can block for a fraction of a millisecond on a busy disk; done
    on the event loop it would stall every other request. Requests instead hand their entries
    to the writer thread and await their commit: entries arriving while a commit runs are
    committed together in the next transaction (group commit), so under load one disk write
    serves many requests, and still no request is answered before its entries are committed.
    The same holds on both databases (api/storage.py): only the commit itself differs.

    SQLite has one writer thread (the file has one writer at a time anyway). PostgreSQL has
    `database.writers` of them, each with its own pooled connection: a PostgreSQL commit waits
    for the server's WAL flush (milliseconds), and while one waits the next group can already
    be sent (the server flushes concurrent commits together). Groups are numbered as they are
    taken from the queue and acknowledged in that order, so an await returns only once every
    group queued before its own is committed too (what `write_async([])` relies on to flush).

    `target`: the SQLite file, a postgresql:// URL or an api.storage.Database
    (api.storage.database_from_settings picks it from the settings).
    """

    def __init__(self, target: Database | Path | str) -> None:
        self.database = open_database(target)
        #: The SQLite file (None on PostgreSQL).
        self.path = self.database.path
        self.database.open()
        self._queue: queue.SimpleQueue[_Waiter | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # schema changes and synchronous writes, one at a time
        self._taking = threading.Lock()  # one writer drains the queue at a time
        self._taken = 0  # number of the next group taken from the queue
        self._acknowledged = threading.Condition()
        self._next_ack = 0  # number of the next group whose waiters may be told
        try:
            self.database.ensure_schema(_SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                self.database.add_columns(table, columns)
        except BaseException:
            self.database.close()
            raise
        self._writers = [
            threading.Thread(target=self._write_loop, name=f"audit-writer-{k}", daemon=True)
            for k in range(self.database.writers)
        ]
        for writer in self._writers:
            writer.start()

    def _commit(self, writes: Sequence[Write]) -> None:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        statements = [(w.sql, [(now, *r) for r in w.rows] if w.stamped else w.rows) for w in writes]
        if self.database.writers == 1:  # one connection, shared with the synchronous writes
            with self._lock:
                self.database.commit(statements)
        else:  # a pooled connection per commit
            self.database.commit(statements)

    def add_columns(self, table: str, columns: Sequence[str]) -> None:
        """Columns a newer release added to another record kind's table (idempotent)."""
        with self._lock:
            self.database.add_columns(table, columns)

    def ensure_schema(self, script: str) -> None:
        """Creates the tables of another record kind in this database (idempotent)."""
        with self._lock:
            self.database.ensure_schema(script)

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

    def _take(self) -> tuple[int, list[_Waiter]] | None:
        """The next group: everything queued now (at least one item), and its number."""
        with self._taking:
            first = self._queue.get()
            if first is None:
                self._queue.put(None)  # the other writers stop too
                return None
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
            number = self._taken
            self._taken += 1
            return number, batch

    def _write_loop(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                return
            number, batch = taken
            error: BaseException | None = None
            try:
                self._commit([write for writes, _, _ in batch for write in writes])
            except BaseException as failure:  # reported to every waiting request
                error = failure
                if all(done is None for _, _, done in batch):
                    log.error("monitoring records could not be committed: %s", failure)
            with self._acknowledged:  # in the order the groups were taken
                while self._next_ack != number:
                    self._acknowledged.wait()
                for _, loop, done in batch:
                    if loop is not None and done is not None:
                        loop.call_soon_threadsafe(_settle, done, error)
                self._next_ack += 1
                self._acknowledged.notify_all()

    def close(self) -> None:
        self._queue.put(None)
        for writer in self._writers:
            writer.join(timeout=10)
        with self._lock:
            self.database.close()


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


def source_database(source: Database | AuditLog | Path | str) -> Database:
    """The database to read: an AuditLog's, a Database, or a SQLite file by its path."""
    if isinstance(source, AuditLog):
        return source.database
    if isinstance(source, Database):
        return source
    return SqliteDatabase(Path(source))


def _select(
    table: str, columns: Sequence[str], since: datetime | None, limit: int | None
) -> tuple[str, list[object]]:
    query = f"SELECT {', '.join(columns)} FROM {table}"
    params: list[object] = []
    if since is not None:
        query += " WHERE time >= ?"
        params.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
    query += " ORDER BY id"
    if limit is not None:
        query += " LIMIT ?"
        params.append(limit)
    return query, params


def read_records(
    source: Database | AuditLog | Path | str,
    *,
    since: datetime | None = None,
    limit: int | None = None,
) -> Iterator[AuditRecord]:
    """Records in id order, from a connection of their own (readers never block the writer)."""
    query, params = _select("served", COLUMNS, since, limit)
    for row in source_database(source).query(query, params):
        yield AuditRecord.model_validate(dict(zip(COLUMNS, row, strict=True)))


def read_access(
    source: Database | AuditLog | Path | str,
    *,
    since: datetime | None = None,
    limit: int | None = None,
) -> Iterator[AccessRecord]:
    """The client-access log in id order (its own connection, like read_records)."""
    query, params = _select("access", ACCESS_COLUMNS, since, limit)
    for row in source_database(source).query(query, params):
        yield AccessRecord.model_validate(dict(zip(ACCESS_COLUMNS, row, strict=True)))


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


def export_lines(
    source: Database | AuditLog | Path | str, fmt: str, since: datetime | None, limit: int | None
) -> Iterator[str]:
    records = read_records(source, since=since, limit=limit)
    return as_csv(records) if fmt == "csv" else as_jsonl(records)
