"""Kill the API with SIGKILL in the middle of a load and check the audit trail lost nothing.

The audit contract: a decision a caller RECEIVED is in the audit trail, even if the server dies
the next instant (the record is committed before the response is sent; SQLite WAL with
synchronous=NORMAL survives a process kill, and so does a PostgreSQL commit). This script starts
the API (`python -m api`, real uvicorn) on a free port, or several API processes on the same
PostgreSQL database (`--database-url`, `--processes N`: replicas as on several hosts), fires
predictions and explanations from several client threads over many distinct client IDs, kills
every server with `kill -9` while requests are in flight, then checks that every 200 response
received is in the audit database (matched on endpoint, client ID and probability).

    python bench/audit_kill_test.py --model MODEL_DIR [--threads 8] [--kill-after 2.0]
    python bench/audit_kill_test.py --model MODEL_DIR --processes 2 \
        --database-url postgresql://user:password@127.0.0.1:5432/scoring

(the URL may come from SCORING_DATABASE_URL instead, to keep the password off the command line)
Prints the counts and exits 1 if any received decision is missing. tests/test_api_server.py
runs it in a few seconds on the sample bundle, tests/test_postgres_kill.py on PostgreSQL.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
KEY = "kill-test-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    audit_db: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_server(
    model_dir: Path,
    workdir: Path,
    *,
    key: str = KEY,
    workers: int = 1,
    timeout: float = 60.0,
    extra_env: dict[str, str] | None = None,
) -> Server:
    """`python -m api` as a child process; returns once /ready answers 200. With
    SCORING_DATABASE_URL in `extra_env` its records go to PostgreSQL instead of `audit_db`."""
    port = free_port()
    audit_db = workdir / "audit.sqlite"
    log_path = workdir / f"serve-{port}.log"
    env = {
        **os.environ,
        "SCORING_API_KEYS": f"loadtest:{key}",
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "api",
        "--model", str(model_dir), "--port", str(port), "--host", "127.0.0.1",
        "--audit-db", str(audit_db), "--workers", str(workers),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return Server(process, url, audit_db, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server not ready after {timeout}s:\n{log_path.read_text()}")


def client_ids(model_dir: Path, limit: int = 5_000) -> list[int]:
    from shared.bundle import load_bundle

    bundle = load_bundle(model_dir, verify=False)
    table = pq.read_table(bundle.clients_path, columns=["SK_ID_CURR"])
    return table.column(0).to_pylist()[:limit]


@dataclass
class Received:
    ok: list[tuple[str, int, float]] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_server: collections.Counter = field(default_factory=collections.Counter)


def _fire(url: str, ids: list[int], offset: int, stop: threading.Event, out: Received) -> None:
    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=5) as client:
        k = offset
        while not stop.is_set():
            client_id = ids[k % len(ids)]
            endpoint = "explain" if k % 3 == 0 else "predict"
            k += 7
            try:
                response = client.post(f"/v1/{endpoint}", json={"client_id": client_id})
            except httpx.HTTPError:
                with out.lock:
                    out.failures += 1
                if stop.is_set():
                    return
                time.sleep(0.01)
                continue
            if response.status_code == 200:
                body = response.json()
                with out.lock:
                    out.ok.append((endpoint, client_id, body["probability"]))
                    out.by_server[url] += 1


_SERVED = "SELECT endpoint, client_id, probability FROM served"


def audited(audit_db: Path, database_url: str | None = None) -> collections.Counter:
    """(endpoint, client ID, probability) -> rows, from the SQLite file or PostgreSQL."""
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as db:
            rows = db.execute(_SERVED).fetchall()
    else:
        with sqlite3.connect(audit_db) as db:
            rows = db.execute(_SERVED).fetchall()
    return collections.Counter((e, c, p) for e, c, p in rows)


def run(
    model_dir: Path,
    *,
    threads: int = 8,
    kill_after: float = 2.0,
    database_url: str | None = None,
    processes: int = 1,
) -> dict[str, Any]:
    """Returns counts: received (200s), audited rows, missing (received but not audited), the
    fewest 200s one server sent (each of `processes` must have served some), and the servers'
    logs."""
    if processes > 1 and not database_url:
        raise ValueError("several API processes need a shared PostgreSQL database_url")
    ids = client_ids(model_dir)
    extra_env = {"SCORING_DATABASE_URL": database_url} if database_url else {}
    with tempfile.TemporaryDirectory(prefix="audit-kill-") as tmp:
        servers = []
        try:
            for k in range(processes):
                folder = Path(tmp) / f"server-{k}"
                folder.mkdir()
                servers.append(start_server(model_dir, folder, extra_env=extra_env))
        except BaseException:
            for server in servers:
                server.process.kill()
            raise
        stop = threading.Event()
        out = Received()
        urls = itertools.cycle([server.url for server in servers])
        workers = [
            threading.Thread(target=_fire, args=(next(urls), ids, i * 101, stop, out))
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        time.sleep(kill_after)
        for server in servers:  # mid-load, requests in flight on every process
            os.kill(server.process.pid, signal.SIGKILL)
        for server in servers:
            server.process.wait()
        stop.set()
        for worker in workers:
            worker.join()
        in_db = audited(servers[0].audit_db, database_url)
        received = collections.Counter(out.ok)
        missing = sum((received - in_db).values())
        return {
            "received": len(out.ok),
            "audited": sum(in_db.values()),
            "missing": missing,
            "failed_requests": out.failures,
            "fewest_per_server": min(out.by_server[s.url] for s in servers),
            "logs": "".join(s.log() for s in servers),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--kill-after", type=float, default=2.0, help="seconds of load")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SCORING_DATABASE_URL") or None,
        help="postgresql://... shared by the processes (default: SCORING_DATABASE_URL; "
        "unset: a SQLite file)",
    )
    parser.add_argument("--processes", type=int, default=1, help="API processes (PostgreSQL)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result = run(
        args.model,
        threads=args.threads,
        kill_after=args.kill_after,
        database_url=args.database_url,
        processes=args.processes,
    )
    print(
        f"database: {'postgresql' if args.database_url else 'sqlite'}  "
        f"API processes: {args.processes}  "
        f"received 200s: {result['received']}  audited rows: {result['audited']}  "
        f"received but missing from the audit: {result['missing']}  "
        f"requests cut by the kill: {result['failed_requests']}  "
        f"fewest 200s from one process: {result['fewest_per_server']}"
    )
    return 1 if result["missing"] or not result["received"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
