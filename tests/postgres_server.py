"""A throwaway PostgreSQL server for the tests, from Debian's `postgresql` package.

`postgres_server` (session) runs initdb + pg_ctl in a temporary folder on a free loopback port,
TCP only (no Unix socket), password authentication (scram-sha-256) for a non-superuser role that
owns the test databases, and removes everything at the end. PostgreSQL refuses to run as root,
so as root the cluster belongs to the `postgres` system user the package creates (runuser).
`postgres_url` (function) is a fresh database on it for one test, dropped afterwards.

Where no server can start (no binaries, no non-root user, start failure) the tests that need
it are skipped with the reason, unless SCORING_REQUIRE_POSTGRES=1 (CI, where the package is
installed): then they fail, so that a missing install step cannot pass as green.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

#: The test role's password: characters that must be percent-encoded in a URL, and a marker
#: the secret-safety tests look for in logs and errors.
PASSWORD_MARK = "pw-MARK-"
ROLE = "scoring"
ADMIN = "scoring_admin"


def _bin_dir() -> Path | None:
    configured = os.environ.get("SCORING_TEST_PG_BIN")
    if configured:
        return Path(configured)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("SCORING_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (SCORING_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"no PostgreSQL server for this test: {reason}")


@dataclass
class PostgresServer:
    bin_dir: Path
    home: Path
    port: int
    password: str
    run_as: list[str]

    def url(self, database: str, *, user: str = ROLE, password: str | None = None) -> str:
        secret = quote(self.password if password is None else password, safe="")
        return f"postgresql://{user}:{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """One statement as the cluster's superuser (CREATE/DROP DATABASE need autocommit)."""
        import psycopg

        with psycopg.connect(self.url("postgres", user=ADMIN), autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.home / "data"), *args]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=60)

    def restart(self) -> None:
        """pg_ctl restart -m fast (its output to the log: a pipe would stay open)."""
        self.pg_ctl("-l", str(self.home / "server.log"), "-m", "fast", "-w", "-t", "60", "restart")

    def log(self) -> str:
        path = self.home / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_server() -> PostgresServer:
    """initdb + pg_ctl start; raises RuntimeError with the reason when it cannot."""
    bin_dir = _bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        raise RuntimeError("initdb not found (Debian: apt-get install postgresql)")
    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam(os.environ.get("SCORING_TEST_PG_USER", "postgres"))
        except KeyError as error:
            raise RuntimeError("running as root and no 'postgres' system user exists") from error
        runuser = shutil.which("runuser")
        if runuser is None:
            raise RuntimeError("running as root and runuser (util-linux) is missing")
        run_as = [runuser, "-u", owner.pw_name, "--"]
    home = Path(tempfile.mkdtemp(prefix="scoring-pg-"))
    password = PASSWORD_MARK + secrets.token_urlsafe(8) + ":/@%?é"
    (home / "pw").write_text(password + "\n", encoding="utf-8")
    if owner is not None:
        for path in (home, home / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    try:
        subprocess.run(
            [
                *run_as, str(bin_dir / "initdb"), "-D", str(home / "data"), "-U", ADMIN,
                f"--pwfile={home / 'pw'}", "--auth=scram-sha-256", "-E", "UTF8",
                "--locale=C", "--no-sync",
            ],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        shutil.rmtree(home, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {error.stderr.strip()[-500:]}") from error
    (home / "pw").unlink()
    server = PostgresServer(bin_dir, home, 0, password, run_as)
    for _attempt in range(3):  # a free port may be taken between the probe and the bind
        server.port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories='' "
            "-c max_connections=100 -c shared_buffers=32MB"
        )
        started = server.pg_ctl(
            "-l", str(home / "server.log"), "-o", options, "-w", "-t", "60", "start", check=False
        )
        if started.returncode == 0:
            break
    else:
        log = server.log()[-800:]
        shutil.rmtree(home, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log}")
    escaped = password.replace("'", "''")
    server.admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{escaped}'")
    return server


def stop_server(server: PostgresServer) -> None:
    server.pg_ctl("-m", "immediate", "-w", "stop", check=False)
    shutil.rmtree(server.home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        _unavailable(str(error))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database owned by the (non-superuser) test role, for one test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
