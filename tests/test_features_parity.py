"""Batch/online parity: one applicant's features, rebuilt from that applicant's rows alone through
the JSON path, must equal the batch matrix exactly, as must any partition of the clients.

Exact equality (NaN == NaN, null == null) is asserted, not a tolerance: the online path runs
the very expressions the batch runs, so any difference is a bug (a feature that depends on other
clients' rows, on row order, or on how a table was cut).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import pytest

from shared.tables import CLIENT_ID, TARGET
from training.data.reader import Tables, open_tables
from training.features.online import RECORD_TABLES, features_for_records
from training.features.pipeline import build_features, fit_feature_state
from training.features.state import FeatureState

PER_TABLE = 40  # clients taken first from each side table, so most have some history
CLIENTS = 250  # then applicants at random up to this many


def client_records(tables: Tables) -> dict[int, dict[str, list[dict[str, object]]]]:
    """Each applicant's rows of every table, as the API would receive them (row dicts)."""
    frames = {name: frame.collect() for name, frame in tables.items()}
    applicants = pl.concat(
        [frames["application_train"].drop(TARGET), frames.get("application_test")],
        how="vertical",
    )
    bureau_client = frames["bureau"].select(CLIENT_ID, "SK_ID_BUREAU")
    by_table = {
        "application": applicants,
        "bureau_balance": frames["bureau_balance"].join(
            bureau_client, on="SK_ID_BUREAU", how="inner", maintain_order="left"
        ),
        **{
            key: frames[name]
            for key, name in RECORD_TABLES.items()
            if key != "application" and key != "bureau_balance"
        },
    }
    records: dict[int, dict[str, list[dict[str, object]]]] = {}
    for key, frame in by_table.items():
        for (client,), rows in frame.partition_by(CLIENT_ID, as_dict=True).items():
            if key == "bureau_balance":
                rows = rows.drop(CLIENT_ID)
            records.setdefault(int(client), {})[key] = rows.to_dicts()
    return records


def pick_clients(records: dict[int, dict[str, list]], applicants: Iterable[int]) -> list[int]:
    """Clients with rows in each side table (first ids of each), plus applicants at random."""
    known = set(applicants)
    chosen: set[int] = set()
    for key in RECORD_TABLES:
        with_rows = sorted(c for c, r in records.items() if r.get(key) and c in known)
        chosen.update(with_rows[:PER_TABLE])
    import random

    rest = sorted(known - chosen)
    chosen.update(random.Random(7).sample(rest, max(0, min(CLIENTS - len(chosen), len(rest)))))
    return sorted(chosen)


def same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def mismatches(batch: pl.DataFrame, online: pl.DataFrame) -> list[str]:
    assert batch.columns == online.columns
    assert batch.schema == online.schema
    out = []
    for b_row, o_row in zip(batch.iter_rows(named=True), online.iter_rows(named=True), strict=True):
        for name, value in b_row.items():
            if not same(value, o_row[name]):
                out.append(f"client {b_row[CLIENT_ID]} {name}: batch {value} online {o_row[name]}")
    return out


def assert_parity(folder: Path, minimum: int) -> None:
    tables = open_tables(folder)
    state = FeatureState.from_json(fit_feature_state(tables).to_json())
    batch = build_features(tables, state)
    records = client_records(tables)
    clients = pick_clients(records, batch[CLIENT_ID].to_list())
    assert len(clients) >= minimum
    online = pl.concat([features_for_records(records[c], state) for c in clients])
    expected = batch.filter(pl.col(CLIENT_ID).is_in(clients))
    assert online.height == len(clients)
    problems = mismatches(expected, online)
    assert not problems, f"{len(problems)} differences, e.g. {problems[:5]}"
    # The check is not vacuous: the chosen clients do have side-table features.
    assert expected["BUREAU_COUNT"].sum() > 0 and expected["INSTAL_COUNT"].sum() > 0


@pytest.mark.slow
def test_online_equals_batch_on_real_sample(real_sample: Path) -> None:
    assert_parity(real_sample, minimum=200)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generator = pytest.importorskip("training.synth.generator")
    return generator.generate(300, 11, tmp_path_factory.mktemp("synth") / "data")


@pytest.mark.slow
def test_online_equals_batch_on_synthetic_data(synthetic: Path) -> None:
    assert_parity(synthetic, minimum=200)


def test_partitions_of_clients_equal_the_full_batch(sample_data: Path) -> None:
    tables = open_tables(sample_data)
    state = fit_feature_state(tables)
    full = build_features(tables, state)
    ids = full[CLIENT_ID].to_list()
    parts = [build_features(tables, state, client_ids=ids[i::3]) for i in range(3)]
    joined = pl.concat(parts).sort(CLIENT_ID)
    assert joined.height == full.height
    problems = mismatches(full, joined)
    assert not problems, f"{len(problems)} differences, e.g. {problems[:5]}"


def test_unknown_client_ids_give_no_rows(sample_data: Path) -> None:
    tables = open_tables(sample_data)
    state = fit_feature_state(tables, families=["application", "bureau"])
    assert build_features(tables, state, client_ids=[1]).height == 0
