"""Load test of the scoring API with wrk: start-up, memory, throughput and latency.

    python bench/bench_api.py --model MODEL_DIR [--duration 10] [--workers 1]
    python bench/bench_api.py --model SAMPLE_DIR --scale-to 356255 --rounds 1500 ...

Starts `scoring serve` on a free port (start-up time to /ready and the server's RSS are
measured), then runs wrk on the same machine:
  1. GET /health, 16 connections: the bare-framework ceiling of this machine right now;
  2. POST /v1/predict by client ID, 16 connections, IDs spread over the whole client store;
  3. POST /v1/explain by client ID, 1 connection (latency) and 16 connections (throughput).
and prints requests/s, p50/p90/p99 latency and errors for each, plus the targets:
predict >= 50 % of /health throughput with p99 < 25 ms and no error; explain p50 < 15 ms at
concurrency 1 and >= 150/s at 16; start-up < 10 s and RSS < 2.5 GB with a full-scale bundle.

`--scale-to N` first builds a stand-in bundle of full-scale SIZE from a small one when no
full-scale bundle exists: N clients (the source's clients repeated with small noise) and a
booster retrained on the source's store for `--rounds` rounds without early stopping, so the
client matrix, the parquet to hash and the number of trees per prediction match production
sizes. Its predictions mean nothing; only its costs are realistic.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from audit_kill_test import KEY, client_ids, start_server  # noqa: E402

_LUA = """
wrk.method = "{method}"
wrk.headers["X-API-Key"] = "{key}"
wrk.headers["Content-Type"] = "application/json"
local ids = {{{ids}}}
local counter = 0
setup = function(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end
init = function(args)
  i = offset or 0
end
request = function()
  i = i + 1
  if "{method}" == "GET" then
    return wrk.format(nil, "{path}")
  end
  local id = ids[(i % #ids) + 1]
  return wrk.format(nil, "{path}", nil, '{{"client_id":' .. id .. '}}')
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests":%d,"seconds":%.3f,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f}}\\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def wrk(
    url: str, method: str, path: str, ids: list[int], connections: int, seconds: int, tmp: Path
) -> dict[str, float]:
    script = tmp / f"{path.strip('/').replace('/', '_') or 'root'}-{connections}.lua"
    script.write_text(_LUA.format(method=method, key=KEY, ids=",".join(map(str, ids)), path=path))
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
        "-s", str(script), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / result["seconds"]
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def rss_mb(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def scale_bundle(source: Path, out: Path, clients: int, rounds: int, seed: int = 0) -> Path:
    """A bundle of production SIZE built from a small real one (see the module docstring)."""
    import lightgbm as lgb
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from shared.bundle import BUNDLE_FILES, CLIENT_ID_COLUMN, CLIENTS_FILE, MODEL_FILE, load_bundle
    from training.model.bundle_writer import write_bundle

    bundle = load_bundle(source)
    manifest = bundle.manifest
    table = pq.read_table(bundle.clients_path)
    n = table.num_rows
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=clients)
    scaled = table.take(pa.array(picks))
    new_ids = pa.array(np.arange(100_002, 100_002 + clients, dtype=np.int32))
    scaled = scaled.set_column(
        scaled.schema.get_field_index(CLIENT_ID_COLUMN), CLIENT_ID_COLUMN, new_ids
    )
    for name in manifest.feature_names:
        if not next(f for f in manifest.features if f.name == name).categorical:
            i = scaled.schema.get_field_index(name)
            column = scaled.column(i).to_numpy(zero_copy_only=False).astype(np.float32)
            column = column * (1 + rng.normal(0, 0.01, size=clients).astype(np.float32))
            scaled = scaled.set_column(i, name, pa.array(column, mask=np.isnan(column)))

    features = table.select(manifest.feature_names).to_pandas().to_numpy(dtype=np.float64)
    target = table.column("TARGET").to_numpy(zero_copy_only=False)
    known = ~np.isnan(target.astype(np.float64))
    categorical = [f.name for f in manifest.features if f.categorical]
    data = lgb.Dataset(
        features[known], label=target[known], feature_name=manifest.feature_names,
        categorical_feature=categorical, free_raw_data=False,
    )  # fmt: skip
    params = {
        "objective": "binary", "learning_rate": 0.02, "num_leaves": 31, "min_data_in_leaf": 20,
        "feature_fraction": 0.4, "verbosity": -1, "num_threads": 2, "seed": seed,
    }  # fmt: skip
    booster = lgb.train(params, data, num_boost_round=rounds)

    def write_files(folder: Path) -> None:
        for name in BUNDLE_FILES:
            if name not in (MODEL_FILE, CLIENTS_FILE):
                shutil.copy(bundle.path(name), folder / name)
        for name in manifest.fold_models:  # listed, so hashed and required by the loader
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(bundle.path(name), folder / name)
        booster.save_model(str(folder / MODEL_FILE))
        pq.write_table(scaled, folder / CLIENTS_FILE, compression="zstd")

    fields = manifest.model_dump(exclude={"format_version", "version", "files"})
    version = f"{manifest.version}-x{clients}"
    with tempfile.TemporaryDirectory(prefix="scaled-") as draft:
        # The API serves clients by ID with their stored probability and refuses a store its
        # models disagree with: the noised rows get the probabilities their models give.
        scaled = _with_served_probabilities(write_bundle(Path(draft), version[:120], fields,
                                                         write_files), scaled)  # fmt: skip
    write_bundle(out, version[:120], fields, write_files)
    return out


def _with_served_probabilities(folder: Path, table: pa.Table) -> pa.Table:
    """`table` with PROBABILITY replaced by what the API's own models give on each stored row
    (the scorer's load-time check of stored probabilities skipped: they are being computed)."""
    import numpy as np
    import pyarrow as pa

    from api.scorer import FeatureRows, Scorer
    from shared.bundle import CLIENT_ID_COLUMN, CLIENT_PROBABILITY_COLUMN, load_bundle

    class Unchecked(Scorer):
        def _check_stored_probabilities(self) -> None:
            pass

    scorer = Unchecked(load_bundle(folder))
    try:
        store = scorer.store
        probability = np.empty(len(store))
        for start in range(0, len(store), 20_000):
            block = slice(start, start + 20_000)
            rows = FeatureRows(store.features[block].astype(np.float64), scorer.model_of_row[block])
            probability[block] = scorer.probabilities(scorer.raw_scores(rows))
        by_id = dict(zip(store.ids.tolist(), probability.tolist(), strict=True))
    finally:
        scorer.close()
    ids = table.column(CLIENT_ID_COLUMN).to_pylist()
    column = pa.array([by_id[i] for i in ids], type=pa.float64())
    return table.set_column(
        table.schema.get_field_index(CLIENT_PROBABILITY_COLUMN), CLIENT_PROBABILITY_COLUMN, column
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scale-to", type=int, default=None, metavar="N")
    parser.add_argument("--rounds", type=int, default=1500)
    parser.add_argument("--keep", type=Path, default=None, help="keep the scaled bundle here")
    parser.add_argument("--build-only", action="store_true", help="only build the stand-in")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp_name:
        tmp = Path(tmp_name)
        model = args.model
        if args.scale_to:
            target = args.keep or tmp / "scaled"
            started = time.perf_counter()
            model = scale_bundle(args.model, target, args.scale_to, args.rounds)
            print(f"stand-in bundle: {args.scale_to:,} clients, {args.rounds} rounds, built in "
                  f"{time.perf_counter() - started:.0f}s")  # fmt: skip
            if args.build_only:
                return 0
        ids = client_ids(model, limit=400_000)
        step = max(1, len(ids) // 5_000)
        spread = ids[::step][:5_000]

        started = time.perf_counter()
        server = start_server(model, tmp, workers=args.workers, timeout=120)
        startup = time.perf_counter() - started
        rss_ready = rss_mb(server.process.pid)
        try:
            plan = {
                "health c16": ("GET", "/health", 16),
                "predict c16": ("POST", "/v1/predict", 16),
                "explain c1": ("POST", "/v1/explain", 1),
                "explain c16": ("POST", "/v1/explain", 16),
            }
            runs = {
                name: wrk(server.url, method, path, spread, connections, args.duration, tmp)
                for name, (method, path, connections) in plan.items()
            }
            rss_after = rss_mb(server.process.pid)
        finally:
            server.process.terminate()
            server.process.wait(timeout=30)

    print(f"bundle: {model}  clients: {len(ids):,}  workers: {args.workers}")
    print(f"start-up to ready: {startup:.2f}s  RSS at ready: {rss_ready:,.0f} MB  "
          f"after load: {rss_after:,.0f} MB")  # fmt: skip
    columns = ("req/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
    print(f"{'run':<12}" + "".join(f"{c:>9}" for c in columns) + f"{'errors':>8}")
    for name, r in runs.items():
        print(f"{name:<12}{r['rps']:>9,.0f}{r['p50']:>9.2f}{r['p90']:>9.2f}{r['p99']:>9.2f}"
              f"{r['max']:>9.1f}{r['errors']:>8}")  # fmt: skip
    health, predict = runs["health c16"], runs["predict c16"]
    explain1, explain16 = runs["explain c1"], runs["explain c16"]
    checks = {
        "predict c16 >= 50% of /health": predict["rps"] >= 0.5 * health["rps"],
        "predict c16 p99 < 25 ms": predict["p99"] < 25,
        "predict c16 no errors": predict["errors"] == 0,
        "explain c1 p50 < 15 ms": explain1["p50"] < 15,
        "explain c16 >= 150/s": explain16["rps"] >= 150,
        "start-up < 10 s": startup < 10,
        "RSS < 2.5 GB": max(rss_ready, rss_after) < 2.5 * 1024,
    }
    print(f"predict/health throughput ratio: {predict['rps'] / health['rps']:.0%}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
