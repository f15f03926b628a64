"""The audit trail on SQLite and on PostgreSQL, side by side: the writer alone, then the API.

    python bench/bench_audit_backends.py --model MODEL_DIR [--duration 10] [--rounds 2]
        [--database-url postgresql://...]     (default: SCORING_DATABASE_URL, else a throwaway
                                               server from Debian's postgresql package)

1. The writer alone (api/audit.py): C concurrent requests each awaiting the commit of one
   record, for a few seconds: records committed per second, the latency of one await (p50, p99)
   and the records per transaction (group commit).
2. The API (`python -m api`, one worker) under wrk, POST /v1/predict by client ID with 16
   connections (and GET /health in the same run, the framework's ceiling), once per database,
   alternating: requests/s, p50/p99, errors, and the audited rows against the requests wrk
   completed (every answered request must have its row).

Each line prints the 1-minute load average: the machine is shared, compare rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from audit_kill_test import audited, client_ids, start_server  # noqa: E402
from bench_api import wrk  # noqa: E402

from api.audit import AuditLog, Entry  # noqa: E402


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def writer_bench(target: Path | str, concurrency: int, seconds: float) -> dict[str, float]:
    """Committed records/s and per-await latency with `concurrency` requests in flight."""
    audit = AuditLog(target)
    groups: list[int] = []
    commit = audit.database.commit

    def counted(statements: list) -> None:
        commit(statements)
        groups.append(sum(len(rows) for _, rows in statements))

    audit.database.commit = counted  # type: ignore[method-assign]
    latencies: list[float] = []
    entry = Entry("predict", "bench", "bench", 1, None, 0.5, "grant", 0.5, 1.0)

    async def one_client(deadline: float) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await audit.record_async([entry])
            latencies.append(time.perf_counter() - started)

    async def main() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(one_client(deadline) for _ in range(concurrency)))
        return time.perf_counter() - started

    try:
        elapsed = asyncio.run(main())
    finally:
        audit.close()
    latencies.sort()
    return {
        "per_s": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "per_commit": sum(groups) / max(1, len(groups)),
    }


def api_bench(
    model: Path, tmp: Path, database_url: str | None, ids: list[int], seconds: int
) -> dict[str, dict[str, float]]:
    folder = Path(tempfile.mkdtemp(dir=tmp))
    env = {"SCORING_DATABASE_URL": database_url} if database_url else {}
    env["SCORING_LOG_LEVEL"] = "warning"  # no access log line per request
    server = start_server(model, folder, extra_env=env, timeout=120)
    try:
        before = sum(audited(server.audit_db, database_url).values()) if database_url else 0
        health = wrk(server.url, "GET", "/health", ids, 16, seconds, folder)
        predict = wrk(server.url, "POST", "/v1/predict", ids, 16, seconds, folder)
        time.sleep(0.5)  # wrk's last requests are answered (and so committed) by now
        rows = sum(audited(server.audit_db, database_url).values()) - before
        predict["audited_rows"] = rows
        return {"health": health, "predict": predict}
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per database")
    parser.add_argument("--writer-seconds", type=float, default=4.0)
    parser.add_argument("--database-url", default=os.environ.get("SCORING_DATABASE_URL"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    server = None
    url = args.database_url
    if not url:
        from postgres_server import start_server as start_postgres

        server = start_postgres()
        url = server.url(server.create_database())
        print(f"throwaway PostgreSQL {server.bin_dir.parent.name} on port {server.port}, "
              "fsync and synchronous_commit on (the defaults)")  # fmt: skip
    try:
        with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp_name:
            tmp = Path(tmp_name)
            print("\n1. the writer alone: records committed per second, one await's latency")
            for concurrency in (1, 16, 64):
                for name, target in (("sqlite", tmp / "w.sqlite"), ("postgresql", url)):
                    r = writer_bench(target, concurrency, args.writer_seconds)
                    print(f"  {name:<10} c{concurrency:<3} {r['per_s']:8.0f} records/s  "
                          f"p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                          f"{r['per_commit']:5.1f} records/commit  {load()}")  # fmt: skip
            ids = client_ids(args.model, limit=400_000)
            spread = ids[:: max(1, len(ids) // 5_000)][:5_000]
            print("\n2. the API, POST /v1/predict by ID, 16 connections, one worker")
            for round_ in range(args.rounds):
                for name, database in (("sqlite", None), ("postgresql", url)):
                    runs = api_bench(args.model, tmp, database, spread, args.duration)
                    h, p = runs["health"], runs["predict"]
                    print(f"  round {round_ + 1} {name:<10} predict {p['rps']:7.0f}/s "
                          f"p50 {p['p50']:6.2f} ms p99 {p['p99']:6.2f} ms errors {p['errors']} "
                          f"| health {h['rps']:7.0f}/s -> {p['rps'] / h['rps']:.2f}x "
                          f"| audited rows {p['audited_rows']} for {p['requests']} requests  "
                          f"{load()}")  # fmt: skip
    finally:
        if server is not None:
            from postgres_server import stop_server

            stop_server(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
