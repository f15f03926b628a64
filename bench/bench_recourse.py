"""Latency of POST /v1/recourse (and of the what-if and the summary it builds on), in process.

    python bench/bench_recourse.py --model MODEL_DIR [--clients 40] [--pdf]

Loads the bundle as the API does, finds refused clients among the test clients (scored by the
refit model: at full scale, the one with the most trees) and the training clients (their fold
model), and times each endpoint through FastAPI's TestClient, one request at a time (the
search is one feature run and one booster call on a worker thread). Prints p50/p90/max per
endpoint and client kind. A full-size stand-in bundle: `bench/bench_api.py --model SAMPLE
--scale-to 356255 --rounds 1500 --keep DIR --build-only`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY = "bench-key-0123456789"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF summary")
    args = parser.parse_args()

    import numpy as np
    from fastapi.testclient import TestClient

    from api.app import create_app, load_service
    from shared.settings import ApiSettings

    with tempfile.TemporaryDirectory(prefix="bench-recourse-") as tmp:
        settings = ApiSettings(
            model_dir=args.model, audit_db=Path(tmp) / "audit.sqlite", api_keys=f"bench:{KEY}"
        )
        started = time.perf_counter()
        service = load_service(settings)
        print(f"bundle loaded in {time.perf_counter() - started:.1f}s: "
              f"{len(service.scorer.store):,} clients, "
              f"{service.scorer.refit.booster.num_trees()} refit trees")  # fmt: skip
        scorer = service.scorer
        headers = {"X-API-Key": KEY}
        store = scorer.store
        rng = np.random.default_rng(0)
        kinds = {
            "test (refit)": np.flatnonzero(np.isnan(store.target)),
            "training (fold)": np.flatnonzero(~np.isnan(store.target)),
        }
        with TestClient(create_app(settings, service=service)) as client:
            for kind, rows in kinds.items():
                if len(rows) == 0:
                    continue
                refused: list[int] = []
                for row in rng.permutation(rows)[:5_000]:
                    client_id = int(store.ids[row])
                    answer = client.post(
                        "/v1/predict", json={"client_id": client_id}, headers=headers
                    )
                    if answer.json()["decision"] == "refuse":
                        refused.append(client_id)
                    if len(refused) == args.clients:
                        break
                timings: dict[str, list[float]] = {
                    "recourse": [],
                    "what-if": [],
                    "summary html": [],
                }
                if args.pdf:
                    timings["summary pdf"] = []
                statuses: dict[str, int] = {}
                for client_id in refused:
                    began = time.perf_counter()
                    body = client.post(
                        "/v1/recourse", json={"client_id": client_id}, headers=headers
                    ).json()
                    timings["recourse"].append(time.perf_counter() - began)
                    statuses[body["status"]] = statuses.get(body["status"], 0) + 1
                    changes = {"TERM_MONTHS": 36}
                    began = time.perf_counter()
                    client.post(
                        "/v1/what-if",
                        json={"client_id": client_id, "changes": changes},
                        headers=headers,
                    )
                    timings["what-if"].append(time.perf_counter() - began)
                    for output in ("html", "pdf") if args.pdf else ("html",):
                        began = time.perf_counter()
                        client.get(
                            f"/v1/clients/{client_id}/summary?format={output}", headers=headers
                        )
                        timings[f"summary {output}"].append(time.perf_counter() - began)
                print(f"\n{kind}: {len(refused)} refused clients, recourse statuses {statuses}, "
                      f"{body['searched']} candidates each")  # fmt: skip
                print(f"{'endpoint':<14} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8} {'mean ms':>8}")
                for name, values in timings.items():
                    if values:
                        ms = [v * 1000 for v in values]
                        print(f"{name:<14} {percentile(ms, 0.5):8.1f} {percentile(ms, 0.9):8.1f} "
                              f"{max(ms):8.1f} {statistics.mean(ms):8.1f}")  # fmt: skip
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
