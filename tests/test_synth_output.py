"""The synthetic data set looks like Kaggle's files: names, headers, formats, keys, rules."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shared.tables import DAYS_SENTINEL, DESCRIPTION_FILE, TABLES, Kind
from training.data.reader import open_tables
from training.synth import generate
from training.synth.counts import BUREAU, PREVIOUS, TEST_SHARE, rows_per_applicant

TRAIN = 4_000


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(TRAIN, 11, tmp_path_factory.mktemp("synth") / "data")


@pytest.fixture(scope="module")
def tables(synth: Path) -> dict[str, pl.DataFrame]:
    return {name: lazy.collect() for name, lazy in open_tables(synth).items()}


def test_all_kaggle_files_with_contract_headers(synth: Path) -> None:
    for name, spec in TABLES.items():
        with (synth / spec.file_name).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == list(spec.column_names), name
    assert "TARGET" not in TABLES["application_test"].column_names
    assert (synth / DESCRIPTION_FILE).is_file() and (synth / "truth.csv").is_file()


def test_test_share_follows_kaggle(tables: dict[str, pl.DataFrame]) -> None:
    assert tables["application_train"].height == TRAIN
    assert tables["application_test"].height == round(TRAIN * TEST_SHARE)


def test_number_formatting_like_kaggle(synth: Path) -> None:
    """INT columns print as "0", FLOAT columns with a point ("2.0"), missing as empty."""
    for name in ("application_train", "bureau", "credit_card_balance"):
        spec = TABLES[name]
        with (synth / spec.file_name).open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows = [row for _, row in zip(range(2000), reader, strict=False)]
        for i, column in enumerate(header):
            values = [r[i] for r in rows if r[i] != ""]
            kind = spec.column(column).kind
            if kind is Kind.INT:
                assert all(v.lstrip("-").isdigit() for v in values), (name, column)
            elif kind is Kind.FLOAT:
                assert all("." in v or "e" in v for v in values), (name, column, values[:3])


def test_schema_matches_the_real_sample(synth: Path, real_sample: Path) -> None:
    mine, real = open_tables(synth), open_tables(real_sample)
    assert set(mine) == set(real)
    for name in real:
        assert mine[name].collect_schema() == real[name].collect_schema(), name


def test_description_file_is_byte_identical_to_kaggle(synth: Path, real_sample: Path) -> None:
    assert (synth / DESCRIPTION_FILE).read_bytes() == (real_sample / DESCRIPTION_FILE).read_bytes()


def test_referential_integrity(tables: dict[str, pl.DataFrame]) -> None:
    clients = pl.concat(
        [tables["application_train"]["SK_ID_CURR"], tables["application_test"]["SK_ID_CURR"]]
    )
    assert clients.n_unique() == clients.len()
    for name in (
        "bureau",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
    ):
        assert tables[name]["SK_ID_CURR"].is_in(clients.implode()).all(), name
    assert (
        tables["bureau_balance"]["SK_ID_BUREAU"]
        .is_in(tables["bureau"]["SK_ID_BUREAU"].implode())
        .all()
    )
    prev = tables["previous_application"].select("SK_ID_PREV", "SK_ID_CURR")
    for name in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        pairs = tables[name].select("SK_ID_PREV", "SK_ID_CURR").unique()
        assert pairs.join(prev, on=["SK_ID_PREV", "SK_ID_CURR"], how="anti").height == 0, name
    for name, spec in TABLES.items():
        if spec.primary_key:
            assert not tables[name].select(spec.primary_key).is_duplicated().any(), name


def test_rows_per_applicant_follow_the_full_kaggle_tables(tables: dict[str, pl.DataFrame]) -> None:
    applicants = tables["application_train"].height + tables["application_test"].height
    for name in (
        "bureau",
        "bureau_balance",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
    ):
        ratio = tables[name].height / applicants
        assert ratio == pytest.approx(rows_per_applicant(name), rel=0.12), name
    card = tables["credit_card_balance"].height / applicants
    assert card == pytest.approx(rows_per_applicant("credit_card_balance"), rel=0.2)
    share = {
        n: tables[n]["SK_ID_CURR"].n_unique() / applicants
        for n in ("bureau", "previous_application", "credit_card_balance")
    }
    assert share["bureau"] == pytest.approx(BUREAU.share_with_rows, abs=0.03)
    assert share["previous_application"] == pytest.approx(PREVIOUS.share_with_rows, abs=0.03)
    assert 0.22 <= share["credit_card_balance"] <= 0.33
    per_client = tables["bureau"].group_by("SK_ID_CURR").len()["len"]
    assert per_client.mean() == pytest.approx(BUREAU.mean_given_rows, rel=0.1)
    assert per_client.std() > 3  # long tail, not a constant count


def test_application_rules(tables: dict[str, pl.DataFrame]) -> None:
    app = tables["application_train"]
    pensioner = app["NAME_INCOME_TYPE"] == "Pensioner"
    sentinel = app["DAYS_EMPLOYED"] == DAYS_SENTINEL
    assert (pensioner == sentinel).all() and 0.12 < pensioner.mean() < 0.25
    assert ((app["ORGANIZATION_TYPE"] == "XNA") == pensioner).all()
    assert ((app["FLAG_EMP_PHONE"] == 0) == pensioner).all()
    assert app.filter(pensioner)["OCCUPATION_TYPE"].null_count() == pensioner.sum()
    assert (app["CNT_FAM_MEMBERS"] >= app["CNT_CHILDREN"] + 1).all()
    assert ((app["FLAG_OWN_CAR"] == "N") == app["OWN_CAR_AGE"].is_null()).all()
    goods = (app["AMT_GOODS_PRICE"] / app["AMT_CREDIT"]).drop_nulls()
    assert goods.median() == pytest.approx(0.89, abs=0.05) and goods.max() < 3
    annuity = app["AMT_ANNUITY"] / app["AMT_CREDIT"]
    assert annuity.min() > 0.015 and annuity.max() < 0.15  # 10-60 month terms
    for stat in ("APARTMENTS", "LIVINGAREA", "FLOORSMAX"):
        avg = app[f"{stat}_AVG"]
        for other in ("MODE", "MEDI"):
            companion = app[f"{stat}_{other}"]
            assert (avg.is_null() == companion.is_null()).all()
            both = app.select(f"{stat}_AVG", f"{stat}_{other}").drop_nulls()
            assert np.corrcoef(both.to_numpy().T)[0, 1] > 0.8


def test_side_table_rules(tables: dict[str, pl.DataFrame]) -> None:
    bureau = tables["bureau"]
    closed = bureau["CREDIT_ACTIVE"] == "Closed"
    assert bureau.filter(closed)["DAYS_ENDDATE_FACT"].null_count() / closed.sum() < 0.01
    assert (
        bureau.filter(bureau["CREDIT_ACTIVE"] == "Active")["DAYS_ENDDATE_FACT"].null_count()
        / (bureau["CREDIT_ACTIVE"] == "Active").sum()
        > 0.98
    )
    assert (
        bureau.drop_nulls("DAYS_ENDDATE_FACT")
        .select(pl.col("DAYS_ENDDATE_FACT") >= pl.col("DAYS_CREDIT"))
        .to_series()
    ).all()
    prev = tables["previous_application"]
    approved = prev["NAME_CONTRACT_STATUS"] == "Approved"
    assert prev.filter(~approved)["DAYS_FIRST_DUE"].null_count() == (~approved).sum()
    xap = prev["CODE_REJECT_REASON"] == "XAP"
    assert (xap == prev["NAME_CONTRACT_STATUS"].is_in(["Approved", "Canceled"])).all()
    assert (prev["DAYS_FIRST_DRAWING"] == DAYS_SENTINEL).sum() > 0.2 * approved.sum()
    assert (
        prev.filter(prev["NAME_CONTRACT_TYPE"] == "Consumer loans")["NAME_CASH_LOAN_PURPOSE"]
        == "XAP"
    ).mean() > 0.95
    inst = tables["installments_payments"]
    delay = inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]
    assert delay.abs().median() < 20 and (inst["DAYS_ENTRY_PAYMENT"] <= -1).all()
    for name in ("POS_CASH_balance", "credit_card_balance"):
        frame = tables[name]
        assert (frame["SK_DPD_DEF"] <= frame["SK_DPD"]).all()
        assert frame["MONTHS_BALANCE"].is_between(-96, -1).all()
    pos = tables["POS_CASH_balance"].drop_nulls("CNT_INSTALMENT")
    assert (pos["CNT_INSTALMENT_FUTURE"] <= pos["CNT_INSTALMENT"]).all()
    assert tables["bureau_balance"]["MONTHS_BALANCE"].is_between(-96, 0).all()


def test_truth_matches_target(synth: Path, tables: dict[str, pl.DataFrame]) -> None:
    truth = pl.read_csv(synth / "truth.csv")
    train, test = tables["application_train"], tables["application_test"]
    assert truth.height == train.height + test.height
    assert truth["probability"].is_between(0, 1, closed="none").all()
    joined = train.join(truth, on="SK_ID_CURR")
    assert joined.height == train.height
    p, y = joined["probability"].to_numpy(), joined["TARGET"].to_numpy()
    standard_error = np.sqrt((p * (1 - p)).sum()) / p.size
    assert abs(y.mean() - p.mean()) < 4 * standard_error
    assert truth["probability"].mean() == pytest.approx(0.0807, abs=0.002)


def test_risk_has_real_directions(synth: Path, tables: dict[str, pl.DataFrame]) -> None:
    """Low external scores and late instalments raise the known default probability."""
    truth = pl.read_csv(synth / "truth.csv")
    app = tables["application_train"].join(truth, on="SK_ID_CURR")
    ext = app.drop_nulls("EXT_SOURCE_3")
    assert np.corrcoef(ext["EXT_SOURCE_3"], ext["probability"])[0, 1] < -0.2
    inst = tables["installments_payments"]
    late = (
        inst.group_by("SK_ID_CURR")
        .agg((pl.col("DAYS_ENTRY_PAYMENT") > pl.col("DAYS_INSTALMENT")).mean().alias("late"))
        .join(truth, on="SK_ID_CURR")
    )
    assert np.corrcoef(late["late"], late["probability"])[0, 1] > 0.05
    refused = (
        tables["previous_application"]
        .group_by("SK_ID_CURR")
        .agg((pl.col("NAME_CONTRACT_STATUS") == "Refused").mean().alias("refused"))
        .join(truth, on="SK_ID_CURR")
    )
    assert np.corrcoef(refused["refused"], refused["probability"])[0, 1] > 0.05
