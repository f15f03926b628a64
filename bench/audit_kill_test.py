"""Kill the API with SIGKILL in the middle of a load and check the audit trail lost nothing.

The audit contract: a decision a caller RECEIVED is in the audit trail, even if the server dies
the next instant (the record is committed before the response is sent; SQLite WAL with
synchronous=NORMAL survives a process kill). This script starts `scoring serve` on a free port,
fires predictions and explanations from several client threads over many distinct client IDs,
kills the server with `kill -9` while requests are in flight, then checks that every 200
response received is in the audit database (matched on endpoint, client ID and probability).

    python bench/audit_kill_test.py --model MODEL_DIR [--threads 8] [--kill-after 2.0]

Prints the counts and exits 1 if any received decision is missing. tests/test_api_server.py
runs it in a few seconds on the sample bundle.
"""

from __future__ import annotations

import argparse
import collections
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
    """`scoring serve` as a child process; returns once /ready answers 200."""
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
        sys.executable, "-m", "training.cli", "serve",
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


def audited(audit_db: Path) -> collections.Counter:
    with sqlite3.connect(audit_db) as db:
        rows = db.execute("SELECT endpoint, client_id, probability FROM served").fetchall()
    return collections.Counter((e, c, p) for e, c, p in rows)


def run(model_dir: Path, *, threads: int = 8, kill_after: float = 2.0) -> dict[str, int]:
    """Returns counts: received (200s), audited rows, missing (received but not audited)."""
    ids = client_ids(model_dir)
    with tempfile.TemporaryDirectory(prefix="audit-kill-") as tmp:
        server = start_server(model_dir, Path(tmp))
        stop = threading.Event()
        out = Received()
        workers = [
            threading.Thread(target=_fire, args=(server.url, ids, i * 101, stop, out))
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        time.sleep(kill_after)
        os.kill(server.process.pid, signal.SIGKILL)  # mid-load, requests in flight
        server.process.wait()
        stop.set()
        for worker in workers:
            worker.join()
        in_db = audited(server.audit_db)
        received = collections.Counter(out.ok)
        missing = sum((received - in_db).values())
        return {
            "received": len(out.ok),
            "audited": sum(in_db.values()),
            "missing": missing,
            "failed_requests": out.failures,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--kill-after", type=float, default=2.0, help="seconds of load")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result = run(args.model, threads=args.threads, kill_after=args.kill_after)
    print(
        f"received 200s: {result['received']}  audited rows: {result['audited']}  "
        f"received but missing from the audit: {result['missing']}  "
        f"requests cut by the kill: {result['failed_requests']}"
    )
    return 1 if result["missing"] or not result["received"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
