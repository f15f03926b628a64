"""What abusive or careless requests cost the API: cheap to refuse, expensive to abuse.

Starts `scoring serve` on a bundle (a child process on a free port) and sends, a few times each,
the requests that issue 9 measured as too expensive or answered wrongly, printing for each the
status, the size of the answer, the wall time and the SERVER's CPU time (read from /proc, so the
client's own JSON encoding does not count):

- a 998 KB body whose application holds 60,000 unknown keys;
- a batch of 100 JSON applicants with 90 bureau rows each;
- the same batch with a wrong API key (must be refused before the body is read);
- a 2.3 MB body sent chunked, without Content-Length (must be 413);
- an empty application (must be 422 naming the missing fields, never a grant).

    python bench/bench_api_abuse.py --model MODEL_DIR [--repeat 3]

The applicants' application fields are real rows of the sample's application_test.csv when
`--data` points at it, otherwise a fixed plausible applicant.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit_kill_test import KEY, Server, start_server

_TICKS = os.sysconf("SC_CLK_TCK")

#: A complete enough applicant when no data folder is given (values of a typical Kaggle row).
FALLBACK_APPLICATION: dict[str, object] = {
    "NAME_CONTRACT_TYPE": "Cash loans",
    "AMT_INCOME_TOTAL": 135000.0,
    "AMT_CREDIT": 568800.0,
    "AMT_ANNUITY": 20560.5,
    "AMT_GOODS_PRICE": 450000.0,
    "DAYS_BIRTH": -19241,
    "DAYS_EMPLOYED": -2329,
    "EXT_SOURCE_2": 0.79,
    "EXT_SOURCE_3": 0.16,
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and its reaped children), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / _TICKS


def applications(data: Path | None, count: int) -> list[dict[str, object]]:
    if data is None:
        return [dict(FALLBACK_APPLICATION) for _ in range(count)]
    rows = []
    with (data / "application_test.csv").open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            rows.append({k: _number(v) for k, v in row.items() if v != "" and k != "SK_ID_CURR"})
            if len(rows) == count:
                break
    return rows


def _number(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def bureau_rows(count: int) -> list[dict[str, object]]:
    """Short rows (three fields), so that 100 applicants x 90 rows fit the 1 MB body limit."""
    return [
        {
            "SK_ID_BUREAU": 5_000_000 + k,
            "CREDIT_ACTIVE": "Closed" if k % 3 else "Active",
            "DAYS_CREDIT": -30 * (k + 1),
        }
        for k in range(count)
    ]


def unknown_keys_body(keys: int = 60_000) -> bytes:
    """About 1 MB: the size issue 9 measured (just under the default 1,000,000-byte limit)."""
    application = {f"FIELD_{k:05d}": 0 for k in range(keys)}
    body = {"applicant": {"application": application}}
    return json.dumps(body, separators=(",", ":")).encode()


def batch_body(data: Path | None, applicants: int = 100, bureau: int = 90) -> bytes:
    items = [
        {"applicant": {"application": application, "bureau": bureau_rows(bureau)}}
        for application in applications(data, applicants)
    ]
    return json.dumps({"items": items}).encode()


def chunks(body: bytes, size: int = 65_536) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def measure(
    server: Server, name: str, send: Callable[[], httpx.Response], repeat: int
) -> dict[str, object]:
    walls, cpus = [], []
    status, size, excerpt = 0, 0, ""
    for _ in range(repeat):
        cpu_before = cpu_seconds(server.process.pid)
        started = time.perf_counter()
        try:
            response = send()
            status, size = response.status_code, len(response.content)
            excerpt = response.text[:160].replace("\n", " ")
        except httpx.TransportError as error:  # the server may answer and close mid-upload
            status, size, excerpt = 0, 0, f"{type(error).__name__}: {error}"
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds(server.process.pid) - cpu_before)
    return {
        "name": name,
        "status": status,
        "answer_bytes": size,
        "wall_s": min(walls),
        "server_cpu_s": min(cpus),
        "excerpt": excerpt,
    }


def post(url: str, path: str, body: bytes | Iterator[bytes], key: str = KEY) -> httpx.Response:
    """One POST on a fresh connection (a refused upload may leave its connection closed)."""
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=120) as client:
        return client.post(path, content=body, headers=headers)


def run(model: Path, data: Path | None, repeat: int) -> list[dict[str, object]]:
    unknown = unknown_keys_body()
    batch = batch_body(data)
    big = b'{"applicant": {"application": {"AMT_CREDIT": 1.0, "PAD": "' + b"x" * 2_300_000 + b'"}}}'
    empty = b'{"applicant": {"application": {}}}'
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        server = start_server(model, Path(tmp))
        url = server.url
        plan: dict[str, Callable[[], httpx.Response]] = {
            f"60,000 unknown keys ({len(unknown) / 1000:.0f} KB)": lambda: post(
                url, "/v1/predict", unknown
            ),
            f"batch 100 x 90 bureau rows ({len(batch) / 1e6:.1f} MB)": lambda: post(
                url, "/v1/predict", batch
            ),
            "same batch, wrong key": lambda: post(url, "/v1/predict", batch, "wrong-key-000000"),
            "2.3 MB chunked, no Content-Length": lambda: post(url, "/v1/predict", chunks(big)),
            "empty application": lambda: post(url, "/v1/predict", empty),
        }
        try:
            return [measure(server, name, send, repeat) for name, send in plan.items()]
        finally:
            server.process.terminate()
            server.process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=None, help="folder with application_test")
    parser.add_argument("--repeat", type=int, default=3, help="runs per request (best is kept)")
    args = parser.parse_args()
    results = run(args.model, args.data, args.repeat)
    print(f"{'request':<44}{'status':>7}{'answer':>12}{'wall s':>9}{'server CPU s':>14}")
    for r in results:
        print(
            f"{r['name']:<44}{r['status']:>7}{r['answer_bytes']:>12,}"
            f"{r['wall_s']:>9.3f}{r['server_cpu_s']:>14.3f}"
        )
    for r in results:
        print(f"  {r['name']}: {r['excerpt']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
