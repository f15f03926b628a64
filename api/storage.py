"""Where the API keeps its records: an embedded SQLite file, or a PostgreSQL server.

The audit trail (api/audit.py), the advisors' decisions (api/decisions.py) and the live drift
window (api/monitoring.py) are written by ONE writer mechanism, the audit log's thread that
commits in groups. This module is the thin layer under it that knows the database: open it,
create the tables, commit a group of statements in one transaction, read rows back.

- SQLite (the embedded default, SCORING_AUDIT_DB): one file in WAL mode, shared by the workers
  and replicas of ONE host. A commit survives a process kill.
- PostgreSQL (SCORING_DATABASE_URL=postgresql://...): shared by replicas on several hosts, through
  psycopg 3 and a connection pool per process. A commit is durable on the server (its WAL is
  flushed, synchronous_commit=on), which survives a process kill and a server crash alike.

The SQL of record is SQLite's, written once by each record kind; PostgreSQL receives a mechanical
translation of it (`postgres_sql`, `postgres_ddl`): `?` placeholders become `%s`, the identifier
`user` (a reserved word there, meaning CURRENT_USER) is quoted, and in table definitions the
storage types become PostgreSQL's (AUTOINCREMENT keys -> identity columns, INTEGER -> BIGINT,
REAL -> DOUBLE PRECISION so that probabilities keep all their bits, BLOB -> BYTEA). Times stay
ISO-8601 UTC text in both, so that the same comparisons and the same exports hold.

A database URL carries a password: it is held as SecretStr, shown redacted (`redact_url`) in
every log line, repr and error this module writes, and scrubbed from driver messages.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

if TYPE_CHECKING:  # psycopg is imported only when a PostgreSQL URL is configured
    from psycopg_pool import ConnectionPool

log = logging.getLogger("api.storage")

BUSY_TIMEOUT_MS = 10_000
#: How often the SQLite checkpointer copies the WAL back into the database file.
CHECKPOINT_SECONDS = 1.0
#: How long a starting API waits for PostgreSQL (a compose stack starts both at once).
CONNECT_WAIT_SECONDS = 30.0
#: How long a commit or a read waits for a free pooled connection (as SQLite's busy timeout).
POOL_TIMEOUT_SECONDS = BUSY_TIMEOUT_MS / 1000
#: pg_advisory_xact_lock key under which replicas create or alter the tables one at a time
#: (CREATE TABLE IF NOT EXISTS alone races in PostgreSQL: two sessions can both try to create).
SCHEMA_LOCK_KEY = 0x5C0_41D17
POSTGRES_SCHEMES = ("postgresql", "postgres")

#: One statement and its parameter rows (executemany), as the writer hands them over.
Statement = tuple[str, Sequence[Sequence[object]]]


class DatabaseError(RuntimeError):
    """The database cannot be used (unreachable, refused, misconfigured); the message names the
    database by its redacted URL or path."""


# --- URLs and secrets -------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL with its password (userinfo or ?password=) replaced by ***, for logs and errors."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hosts = netloc.rpartition("@")
            user, has_password, _ = userinfo.partition(":")
            netloc = f"{user}:***@{hosts}" if has_password else f"{user}@{hosts}"
        query = urlencode(
            [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "<unparsable database URL>"


def url_password(url: str) -> str | None:
    """The password a URL carries (userinfo or ?password=), decoded; None when it has none."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if ":" in userinfo:
        return unquote(userinfo.partition(":")[2])
    for key, value in parse_qsl(parts.query):
        if key == "password":
            return value
    return None


def check_database_url(url: str) -> None:
    """Raises ValueError (naming the scheme only, never the URL) unless it is postgresql://."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise ValueError(
            "SCORING_DATABASE_URL is not a valid URL; expected "
            "postgresql://user[:password]@host[:port]/database"
        ) from error
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ValueError(
            f"SCORING_DATABASE_URL must start with postgresql:// (got scheme {parts.scheme!r}); "
            "leave it empty to keep the embedded SQLite file SCORING_AUDIT_DB"
        )
    if not parts.path.strip("/"):
        raise ValueError("SCORING_DATABASE_URL names no database; expected .../database")


# --- SQL translation ------------------------------------------------------------------------------

_RESERVED = re.compile(r'(?<![\w".])user(?![\w"])')
_DDL_TYPES = (
    (
        re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", re.IGNORECASE),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
    (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"),
)


@lru_cache(maxsize=256)
def postgres_sql(sql: str) -> str:
    """A statement written for SQLite, in PostgreSQL's (psycopg's) form. The project's SQL holds
    no string literal, so `?` and `user` are only ever a placeholder and a column."""
    return _RESERVED.sub('"user"', sql.replace("%", "%%").replace("?", "%s"))


def postgres_ddl(script: str) -> list[str]:
    """A SQLite schema script as PostgreSQL statements (one per `;`)."""
    statements = []
    for statement in script.split(";"):
        if statement.strip():
            for pattern, replacement in _DDL_TYPES:
                statement = pattern.sub(replacement, statement)
            statements.append(_RESERVED.sub('"user"', statement.strip()))
    return statements


# --- the two databases ---------------------------------------------------------------------------


class Database(ABC):
    """What the writer and the readers need of a database; the writer serialises its calls."""

    kind: str
    #: The SQLite file, None for PostgreSQL.
    path: Path | None = None

    @abstractmethod
    def describe(self) -> str:
        """Names the database without any secret (for logs and errors)."""

    @abstractmethod
    def open(self) -> None:
        """Connects for writing (start-up); readers need not call it for SQLite."""

    @abstractmethod
    def ensure_schema(self, script: str) -> None:
        """Creates a record kind's tables and indexes (SQLite text); idempotent, race-free."""

    @abstractmethod
    def add_columns(self, table: str, columns: Sequence[str]) -> None:
        """TEXT columns a newer release added to `table`; idempotent, race-free."""

    @abstractmethod
    def commit(self, statements: Sequence[Statement]) -> None:
        """Runs every statement in ONE transaction and commits it (durable on return)."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        """Streams the rows of a SELECT (SQLite text) from a connection of its own."""

    @abstractmethod
    def has_table(self, name: str) -> bool: ...

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """One statement, committed (maintenance and tests)."""
        self.commit([(sql, [tuple(params)])])

    @abstractmethod
    def close(self) -> None:
        """Releases the connections."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


def sqlite_connect(path: Path, *, autocheckpoint: bool = True) -> sqlite3.Connection:
    """A connection to the audit file in WAL mode (created with its folder when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    if not autocheckpoint:
        connection.execute("PRAGMA wal_autocheckpoint = 0")
    return connection


def sqlite_add_columns(connection: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
    """ALTER TABLE ADD COLUMN for each missing column (another process may race: harmless)."""
    present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
    for column in columns:
        if column not in present:
            try:
                connection.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" TEXT')
            except sqlite3.OperationalError as error:
                if "duplicate column" not in str(error):
                    raise


class SqliteDatabase(Database):
    """One file in WAL mode: the writer's connection never checkpoints; a thread does.

    SQLite's automatic checkpoint would run inside whichever commit crosses 1,000 WAL pages and
    fsync the database file there, stalling every request queued behind that commit (it was the
    source of a 100 ms p99 under load). The writer's connection therefore never checkpoints; a
    second thread runs PASSIVE checkpoints on its own connection, which never block writers.
    Several processes share the file: each opens its own connection, and busy_timeout makes a
    writer wait for the lock instead of failing.
    """

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._stopping = threading.Event()
        self._checkpointer: threading.Thread | None = None

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def open(self) -> None:
        self._connection = sqlite_connect(self.path, autocheckpoint=False)
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="audit-checkpointer", daemon=True
        )
        self._checkpointer.start()

    def _writer(self) -> sqlite3.Connection:
        if self._connection is None:
            raise DatabaseError(f"{self.describe()} is not open for writing")
        return self._connection

    def _checkpoint_loop(self) -> None:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            while not self._stopping.wait(CHECKPOINT_SECONDS):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def ensure_schema(self, script: str) -> None:
        self._writer().executescript(script)

    def add_columns(self, table: str, columns: Sequence[str]) -> None:
        sqlite_add_columns(self._writer(), table, columns)

    def commit(self, statements: Sequence[Statement]) -> None:
        connection = self._writer()
        connection.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in statements:
                connection.executemany(sql, rows)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        connection = sqlite_connect(self.path)
        try:
            connection.execute(sql, tuple(params))
        finally:
            connection.close()

    def query(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        if not self.path.is_file():
            return
        # A streamed export advances this generator from whichever worker thread is free (and
        # its first row is read before the response starts): one consumer at a time, any thread.
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        try:
            yield from connection.execute(sql, tuple(params))
        finally:
            connection.close()

    def has_table(self, name: str) -> bool:
        found = self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return next(iter(found), None) is not None

    def close(self) -> None:
        self._stopping.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresDatabase(Database):
    """A PostgreSQL server through a psycopg 3 connection pool (one pool per process).

    The writer takes a pooled connection per group commit (checked first, so that a server
    restart costs no request), readers take their own; `pool_size` bounds this process's share
    of the server's max_connections. The password comes from the URL, else from
    `password_file` (a secrets volume), else from libpq's own PGPASSWORD / ~/.pgpass.
    """

    kind = "postgresql"

    def __init__(
        self, url: SecretStr | str, *, password_file: Path | None = None, pool_size: int = 4
    ) -> None:
        self._url = url if isinstance(url, SecretStr) else SecretStr(url)
        check_database_url(self._url.get_secret_value())
        self.password_file = password_file
        self.pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._secrets: tuple[str, ...] = ()

    def describe(self) -> str:
        return redact_url(self._url.get_secret_value())

    def _scrub(self, text: str) -> str:
        """A driver's message without the password in any of its spellings."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        url = self._url.get_secret_value()
        password = url_password(url)
        extra: dict[str, str] = {"application_name": "scoring-api"}
        if password is None and self.password_file is not None:
            try:
                password = self.password_file.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise DatabaseError(
                    f"cannot read the database password file {self.password_file} "
                    f"(SCORING_DATABASE_PASSWORD_FILE): {error.strerror}"
                ) from None
            extra["password"] = password
        if password:
            self._secrets = tuple(s for s in {password, quote(password, safe="")} if s)
        try:
            return make_conninfo(url, **extra)
        except Exception as error:  # a libpq parse error may quote the URL: scrub it
            raise DatabaseError(
                f"invalid database URL {self.describe()}: {self._scrub(str(error))}"
            ) from None

    def open(self) -> None:
        """Connects, waiting up to CONNECT_WAIT_SECONDS for a server that is still starting."""
        import psycopg
        from psycopg_pool import ConnectionPool

        conninfo = self._conninfo()
        deadline = time.monotonic() + CONNECT_WAIT_SECONDS
        while True:  # one plain connection first: its error says why, the pool's would not
            try:
                psycopg.connect(conninfo, connect_timeout=5).close()
                break
            except psycopg.OperationalError as error:
                reason = self._scrub(str(error).strip())
                if "password authentication failed" in reason or time.monotonic() > deadline:
                    raise DatabaseError(
                        f"cannot connect to the audit database {self.describe()}: {reason}"
                    ) from None
                log.info("waiting for %s: %s", self.describe(), reason.splitlines()[0])
                time.sleep(1.0)
        self._pool = ConnectionPool(
            conninfo,
            min_size=2,
            max_size=self.pool_size,
            timeout=POOL_TIMEOUT_SECONDS,
            check=ConnectionPool.check_connection,
            name="scoring-audit",
            open=True,
        )
        self._pool.wait(timeout=CONNECT_WAIT_SECONDS)

    def _connections(self) -> ConnectionPool:
        if self._pool is None:
            raise DatabaseError(f"{self.describe()} is not open")
        return self._pool

    def _locked_ddl(self, statements: Sequence[str]) -> None:
        """DDL in one transaction under the schema lock: replicas starting together take turns,
        and each one after the first finds everything there (IF NOT EXISTS)."""
        with self._connections().connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
            for statement in statements:
                connection.execute(statement)

    def ensure_schema(self, script: str) -> None:
        self._locked_ddl(postgres_ddl(script))

    def add_columns(self, table: str, columns: Sequence[str]) -> None:
        self._locked_ddl(
            [f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{c}" TEXT' for c in columns]
        )

    def commit(self, statements: Sequence[Statement]) -> None:
        with (
            self._connections().connection() as connection,
            connection.transaction(),
            connection.cursor() as cursor,
        ):
            for sql, rows in statements:
                if rows:
                    cursor.executemany(postgres_sql(sql), rows)

    def query(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        # A server-side cursor streams a long export in pages instead of loading it whole.
        with (
            self._connections().connection() as connection,
            connection.transaction(),
            connection.cursor(name=f"read_{uuid.uuid4().hex}") as cursor,
        ):
            cursor.itersize = 2_000
            cursor.execute(postgres_sql(sql), tuple(params))
            yield from cursor

    def has_table(self, name: str) -> bool:
        found = self.query("SELECT to_regclass(?) IS NOT NULL", (name,))
        return bool(next(iter(found))[0])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close(timeout=10)
            self._pool = None


def open_database(
    target: Database | Path | str,
    *,
    password_file: Path | None = None,
    pool_size: int = 4,
) -> Database:
    """A Database for a path (SQLite), a postgresql:// URL or an existing Database (as is)."""
    if isinstance(target, Database):
        return target
    if isinstance(target, str) and urlsplit(target).scheme in POSTGRES_SCHEMES:
        return PostgresDatabase(target, password_file=password_file, pool_size=pool_size)
    return SqliteDatabase(Path(target))


def database_from_settings(settings: Any) -> Database:
    """The database ApiSettings configure: PostgreSQL when SCORING_DATABASE_URL is set, else
    the SQLite file SCORING_AUDIT_DB."""
    url: SecretStr | None = settings.database_url
    if url is None:
        return SqliteDatabase(settings.audit_db)
    return PostgresDatabase(
        url, password_file=settings.database_password_file, pool_size=settings.database_pool_size
    )
