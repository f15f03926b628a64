"""Every feature family on small hand-made tables whose answers are worked out by hand here.

Sums, means and variances are exact on a fixed-point grid of 1/65536 (training.features.family):
values that are not multiples of it (1/3, 0.9) are compared with an absolute tolerance of one
grid step, whole numbers exactly. Results are Float32, hence the relative tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import polars as pl
import pytest

from shared.tables import CLIENT_ID
from training.data.reader import Tables
from training.data.schema import polars_schema
from training.features.online import features_for_records
from training.features.pipeline import build_features, fit_feature_state

GRID = 1 / 65536


def make_tables(rows: Mapping[str, Sequence[Mapping[str, object]]]) -> Tables:
    out: Tables = {}
    for name, records in rows.items():
        schema = polars_schema(name)
        frame = pl.DataFrame([{c: r.get(c) for c in schema} for r in records], schema=schema)
        out[name] = frame.lazy()
    return out


def features(rows: Mapping[str, Sequence[Mapping[str, object]]]) -> dict[int, dict]:
    tables = make_tables(rows)
    state = fit_feature_state(tables, min_level_rows=1)
    matrix = build_features(tables, state)
    assert matrix.columns == [CLIENT_ID, *state.feature_names]
    return {r[CLIENT_ID]: r for r in matrix.iter_rows(named=True)}


def close(value: float | None, expected: float, *, grid: bool = False) -> bool:
    assert value is not None
    return math.isclose(value, expected, rel_tol=1e-6, abs_tol=GRID if grid else 1e-9)


APPLICANTS = [
    {"SK_ID_CURR": 1, "TARGET": 0},
    {"SK_ID_CURR": 2, "TARGET": 1},
    {"SK_ID_CURR": 3, "TARGET": 0},
]


# --- application ---------------------------------------------------------------------------


def test_application_ratios_ext_sources_and_codes() -> None:
    first = {
        "SK_ID_CURR": 1,
        "TARGET": 0,
        "CODE_GENDER": "F",
        "NAME_INCOME_TYPE": "Working",
        "ORGANIZATION_TYPE": "Business Entity Type 3",
        "AMT_INCOME_TOTAL": 100_000.0,
        "AMT_CREDIT": 200_000.0,
        "AMT_ANNUITY": 10_000.0,
        "AMT_GOODS_PRICE": 180_000.0,
        "DAYS_BIRTH": -10_000,
        "DAYS_EMPLOYED": -2_000,
        "CNT_FAM_MEMBERS": 2.0,
        "CNT_CHILDREN": 1,
        "EXT_SOURCE_1": 0.2,
        "EXT_SOURCE_2": 0.5,
        "FLAG_DOCUMENT_3": 1,
        "FLAG_DOCUMENT_5": 1,
    }
    pensioner = {
        "SK_ID_CURR": 2,
        "TARGET": 1,
        "CODE_GENDER": "M",
        "NAME_INCOME_TYPE": "Pensioner",
        "ORGANIZATION_TYPE": "XNA",
        "DAYS_BIRTH": -25_000,
        "DAYS_EMPLOYED": 365243,
        "EXT_SOURCE_1": 0.1,
        "EXT_SOURCE_2": 0.4,
        "EXT_SOURCE_3": 0.6,
    }
    newcomer = {
        "SK_ID_CURR": 3,
        "CODE_GENDER": "XNA",
        "NAME_INCOME_TYPE": "Student",
        "AMT_INCOME_TOTAL": 0.0,
    }
    rows = features({"application_train": [first, pensioner], "application_test": [newcomer]})
    one, two, three = rows[1], rows[2], rows[3]
    assert one["APP_CREDIT_TO_INCOME"] == 2.0
    assert close(one["APP_ANNUITY_TO_INCOME"], 0.1)
    assert close(one["APP_ANNUITY_TO_CREDIT"], 0.05)
    assert close(one["APP_GOODS_TO_CREDIT"], 0.9)
    assert one["APP_CREDIT_MINUS_GOODS"] == 20_000.0
    assert close(one["APP_EMPLOYED_TO_AGE"], 0.2)
    assert one["APP_INCOME_PER_PERSON"] == 50_000.0
    assert one["APP_CHILDREN_SHARE"] == 0.5
    assert one["APP_DOCUMENT_COUNT"] == 2.0
    assert close(one["APP_EXT_SOURCE_MEAN"], 0.35)
    assert close(one["APP_EXT_SOURCE_STD"], math.sqrt(0.15**2 * 2))
    assert (one["APP_EXT_SOURCE_MIN"], one["APP_EXT_SOURCE_MAX"]) == pytest.approx((0.2, 0.5))
    assert one["APP_EXT_SOURCE_PRODUCT"] is None  # one score missing
    assert close(one["APP_EXT_SOURCE_WEIGHTED"], (2 * 0.2 + 1 * 0.5) / 3)
    assert one["APP_EXT_SOURCE_MISSING"] == 1.0
    assert close(two["APP_EXT_SOURCE_PRODUCT"], 0.1 * 0.4 * 0.6)
    assert close(two["APP_EXT_SOURCE_WEIGHTED"], (2 * 0.1 + 0.4 + 3 * 0.6) / 6)
    # 365243 = "not employed" (pensioner): missing, not 1000 years of employment.
    assert two["DAYS_EMPLOYED"] is None and two["APP_EMPLOYED_TO_AGE"] is None
    # Codes: levels fitted on application_train ("Pensioner", "Working"); the test-only
    # "Student" is unknown, hence missing.
    codes = [r["NAME_INCOME_TYPE"] for r in (one, two, three)]
    assert codes == [1.0, 0.0, None]
    # XNA is Home Credit's "not available": missing, never a level of its own.
    assert one["ORGANIZATION_TYPE"] == 0.0 and two["ORGANIZATION_TYPE"] is None
    # CODE_GENDER is a protected attribute: no feature at all.
    assert "CODE_GENDER" not in one
    # A zero income gives a missing ratio, not infinity.
    assert three["APP_CREDIT_TO_INCOME"] is None


# --- bureau --------------------------------------------------------------------------------

BUREAU_ROWS = [
    {
        "SK_ID_CURR": 1,
        "SK_ID_BUREAU": 10,
        "CREDIT_ACTIVE": "Active",
        "CREDIT_TYPE": "Consumer credit",
        "AMT_CREDIT_SUM": 1000.0,
        "AMT_CREDIT_SUM_DEBT": 400.0,
        "DAYS_CREDIT": -100,
        "CREDIT_DAY_OVERDUE": 0,
    },
    {
        "SK_ID_CURR": 1,
        "SK_ID_BUREAU": 11,
        "CREDIT_ACTIVE": "Active",
        "CREDIT_TYPE": "Credit card",
        "AMT_CREDIT_SUM": 3000.0,
        "AMT_CREDIT_SUM_DEBT": 600.0,
        "DAYS_CREDIT": -300,
        "CREDIT_DAY_OVERDUE": 10,
    },
    {
        "SK_ID_CURR": 1,
        "SK_ID_BUREAU": 12,
        "CREDIT_ACTIVE": "Closed",
        "CREDIT_TYPE": "Consumer credit",
        "AMT_CREDIT_SUM": 2000.0,
        "DAYS_CREDIT": -500,
        "DAYS_ENDDATE_FACT": -50.0,
        "CREDIT_DAY_OVERDUE": 0,
    },
    {
        "SK_ID_CURR": 3,
        "SK_ID_BUREAU": 30,
        "CREDIT_ACTIVE": "Closed",
        "AMT_CREDIT_SUM": 500.0,
        "DAYS_CREDIT": -900,
    },
]


def test_bureau_aggregates_overall_active_and_closed() -> None:
    rows = features({"application_train": APPLICANTS, "bureau": BUREAU_ROWS})
    one, none, closed_only = rows[1], rows[2], rows[3]
    assert (one["BUREAU_COUNT"], one["BUREAU_ACTIVE_COUNT"], one["BUREAU_CLOSED_COUNT"]) == (
        3.0,
        2.0,
        1.0,
    )
    assert one["BUREAU_AMT_CREDIT_SUM_SUM"] == 6000.0
    assert one["BUREAU_ACTIVE_AMT_CREDIT_SUM_SUM"] == 4000.0
    assert one["BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_MEAN"] == 500.0
    assert one["BUREAU_AMT_CREDIT_SUM_DEBT_SUM"] == 1000.0  # the unknown debt is not 0
    assert one["BUREAU_CLOSED_AMT_CREDIT_SUM_DEBT_SUM"] is None  # nothing known to sum
    assert one["BUREAU_DAYS_CREDIT_MEAN"] == -300.0
    assert one["BUREAU_DAYS_CREDIT_VAR"] == 40_000.0  # sample variance of -100, -300, -500
    assert one["BUREAU_DAYS_CREDIT_MIN"] == -500.0 and one["BUREAU_DAYS_CREDIT_MAX"] == -100.0
    assert close(one["BUREAU_ACTIVE_DEBT_TO_CREDIT_MEAN"], (0.4 + 0.2) / 2, grid=True)
    assert close(one["BUREAU_OVERDUE_FLAG_MEAN"], 1 / 3)
    assert close(one["BUREAU_CREDIT_ACTIVE_Active_SHARE"], 2 / 3)
    assert close(one["BUREAU_CREDIT_TYPE_Consumer_credit_SHARE"], 2 / 3)
    assert close(one["BUREAU_CREDIT_TYPE_Credit_card_SHARE"], 1 / 3)
    # No credits: counts are 0, everything else unknown.
    assert (none["BUREAU_COUNT"], none["BUREAU_ACTIVE_COUNT"]) == (0.0, 0.0)
    assert none["BUREAU_AMT_CREDIT_SUM_MEAN"] is None
    assert none["BUREAU_CREDIT_ACTIVE_Active_SHARE"] is None
    # Only a closed credit: the active subset is empty, not zero.
    assert closed_only["BUREAU_ACTIVE_COUNT"] == 0.0
    assert closed_only["BUREAU_ACTIVE_AMT_CREDIT_SUM_SUM"] is None
    assert closed_only["BUREAU_CLOSED_AMT_CREDIT_SUM_SUM"] == 500.0


def test_bureau_balance_summarised_per_credit_then_per_client() -> None:
    balance = [
        {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": -1, "STATUS": "C"},
        {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": -2, "STATUS": "0"},
        {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": -3, "STATUS": "1"},
        {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -1, "STATUS": "X"},
        {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -2, "STATUS": "X"},
        {"SK_ID_BUREAU": 999, "MONTHS_BALANCE": -1, "STATUS": "5"},  # credit of nobody
    ]
    rows = features(
        {"application_train": APPLICANTS, "bureau": BUREAU_ROWS, "bureau_balance": balance}
    )
    one = rows[1]
    assert one["BB_COUNT"] == 2.0  # credits 10 and 11 have a history, 12 none
    assert (one["BB_ACTIVE_COUNT"], one["BB_CLOSED_COUNT"]) == (2.0, 0.0)
    assert one["BB_CREDIT_FIRST_MONTH_MIN"] == -3.0
    assert one["BB_CREDIT_LAST_MONTH_MAX"] == -1.0
    assert one["BB_CREDIT_HISTORY_MONTHS_MEAN"] == 2.5
    assert one["BB_CREDIT_HISTORY_MONTHS_SUM"] == 5.0
    assert one["BB_CREDIT_WORST_STATUS_MAX"] == 1.0
    assert one["BB_CREDIT_LATE_MONTHS_SUM"] == 1.0
    assert close(one["BB_STATUS_C_MEAN_SHARE"], (1 / 3 + 0) / 2, grid=True)
    assert one["BB_STATUS_X_MEAN_SHARE"] == 0.5
    assert close(one["BB_CREDIT_LATE_SHARE_12M_MEAN"], (1 / 3 + 0) / 2, grid=True)
    assert rows[3]["BB_COUNT"] == 0.0 and rows[3]["BB_CREDIT_WORST_STATUS_MAX"] is None


# --- previous applications -----------------------------------------------------------------


def test_previous_applications_by_decision_and_most_recent() -> None:
    def app(prev: int, status: str, asked: float, credit: float, decided: int, **more: object):
        return {
            "SK_ID_PREV": prev,
            "SK_ID_CURR": 1,
            "NAME_CONTRACT_STATUS": status,
            "AMT_APPLICATION": asked,
            "AMT_CREDIT": credit,
            "DAYS_DECISION": decided,
            **more,
        }

    previous = [
        app(11, "Approved", 900.0, 1000.0, -10, AMT_ANNUITY=100.0, CNT_PAYMENT=12.0,
            DAYS_TERMINATION=365243.0, DAYS_LAST_DUE_1ST_VERSION=100.0),
        app(12, "Refused", 500.0, 0.0, -20),
        app(13, "Approved", 2000.0, 2000.0, -30, AMT_ANNUITY=200.0, CNT_PAYMENT=12.0,
            DAYS_TERMINATION=-5.0, DAYS_LAST_DUE_1ST_VERSION=-40.0),
        app(14, "Refused", 100.0, 100.0, -40),
    ]  # fmt: skip
    one = features({"application_train": APPLICANTS, "previous_application": previous})[1]
    assert (one["PREV_COUNT"], one["PREV_APPROVED_COUNT"], one["PREV_REFUSED_COUNT"]) == (
        4.0,
        2.0,
        2.0,
    )
    # 900/1000, (credit 0: unknown), 2000/2000, 100/100
    assert close(one["PREV_APP_CREDIT_RATIO_MEAN"], (0.9 + 1 + 1) / 3, grid=True)
    assert close(one["PREV_APP_CREDIT_RATIO_MIN"], 0.9)
    assert one["PREV_APPROVED_AMT_CREDIT_MEAN"] == 1500.0
    assert one["PREV_REFUSED_AMT_CREDIT_MAX"] == 100.0
    # 365243 is "no date": the only known termination among approved loans is -5.
    assert one["PREV_APPROVED_DAYS_TERMINATION_MAX"] == -5.0
    # (annuity x payments / credit - 1) per year: (1200/1000 - 1) / 1 and (2400/2000 - 1) / 1
    assert close(one["PREV_APPROVED_SIMPLE_INTEREST_RATE_MEAN"], 0.2, grid=True)
    # Running: approved and the planned last due date still ahead (only application 11).
    assert one["PREV_RUNNING_COUNT"] == 1.0 and one["PREV_RUNNING_AMT_ANNUITY_SUM"] == 100.0
    # The three latest decisions are 11 (approved), 12 (refused), 13 (approved).
    assert close(one["PREV_LAST_3_REFUSED_FLAG_MEAN"], 1 / 3, grid=True)
    assert one["PREV_LAST_3_AMT_CREDIT_MEAN"] == 1000.0
    assert one["PREV_NAME_CONTRACT_STATUS_Refused_SHARE"] == 0.5


# --- POS / cash ----------------------------------------------------------------------------


def test_pos_cash_delays_overall_and_last_12_months() -> None:
    pos = [
        {"SK_ID_PREV": 11, "SK_ID_CURR": 1, "MONTHS_BALANCE": -1, "SK_DPD": 0,
         "NAME_CONTRACT_STATUS": "Active", "CNT_INSTALMENT": 10.0, "CNT_INSTALMENT_FUTURE": 5.0},
        {"SK_ID_PREV": 11, "SK_ID_CURR": 1, "MONTHS_BALANCE": -2, "SK_DPD": 3,
         "NAME_CONTRACT_STATUS": "Active"},
        {"SK_ID_PREV": 12, "SK_ID_CURR": 1, "MONTHS_BALANCE": -20, "SK_DPD": 7,
         "NAME_CONTRACT_STATUS": "Completed"},
    ]  # fmt: skip
    one = features({"application_train": APPLICANTS, "POS_CASH_balance": pos})[1]
    assert one["POS_COUNT"] == 3.0 and one["POS_SK_ID_PREV_NUNIQUE"] == 2.0
    assert one["POS_SK_DPD_MAX"] == 7.0
    assert close(one["POS_SK_DPD_MEAN"], 10 / 3, grid=True)
    assert one["POS_LAST_12M_COUNT"] == 2.0 and one["POS_LAST_12M_SK_DPD_MAX"] == 3.0
    assert close(one["POS_LATE_FLAG_MEAN"], 2 / 3, grid=True)
    assert one["POS_LAST_12M_LATE_FLAG_MEAN"] == 0.5
    assert close(one["POS_NAME_CONTRACT_STATUS_Active_SHARE"], 2 / 3)
    assert one["POS_REMAINING_INSTALMENT_SHARE_MEAN"] == 0.5


# --- instalments ---------------------------------------------------------------------------


def test_instalment_delays_payment_ratios_and_recency_weights() -> None:
    def paid(due: float, on: float, owed: float, amount: float) -> dict[str, object]:
        return {
            "SK_ID_PREV": 11,
            "SK_ID_CURR": 1,
            "DAYS_INSTALMENT": due,
            "DAYS_ENTRY_PAYMENT": on,
            "AMT_INSTALMENT": owed,
            "AMT_PAYMENT": amount,
        }

    instalments = [
        paid(-100, -95, 100.0, 100.0),  # 5 days late
        paid(-70, -75, 100.0, 50.0),  # 5 days early, half paid
        paid(-400, -390, 200.0, 200.0),  # 10 days late, more than a year ago
    ]
    one = features({"application_train": APPLICANTS, "installments_payments": instalments})[1]
    assert one["INSTAL_COUNT"] == 3.0
    assert one["INSTAL_DAYS_PAST_DUE_MAX"] == 10.0
    assert one["INSTAL_DAYS_PAST_DUE_MEAN"] == 5.0
    assert one["INSTAL_DAYS_PAST_DUE_SUM"] == 15.0
    assert one["INSTAL_DAYS_BEFORE_DUE_SUM"] == 5.0
    assert close(one["INSTAL_PAYMENT_RATIO_MEAN"], 2.5 / 3, grid=True)
    assert close(one["INSTAL_PAYMENT_RATIO_VAR"], 1 / 12, grid=True)
    assert one["INSTAL_PAYMENT_DIFFERENCE_SUM"] == 50.0
    assert close(one["INSTAL_LATE_FLAG_MEAN"], 2 / 3, grid=True)
    assert close(one["INSTAL_UNDERPAID_FLAG_MEAN"], 1 / 3, grid=True)
    assert one["INSTAL_LAST_12M_COUNT"] == 2.0
    assert one["INSTAL_LAST_12M_DAYS_PAST_DUE_MAX"] == 5.0
    weights = [math.exp(d / 365) for d in (-100, -70, -400)]
    expected = (5 * weights[0] + 0 * weights[1] + 10 * weights[2]) / sum(weights)
    assert close(one["INSTAL_DAYS_PAST_DUE_RECENCY_WEIGHTED"], expected, grid=True)


# --- credit cards --------------------------------------------------------------------------


def test_credit_card_utilisation_and_variance() -> None:
    def month(m: int, balance: float, limit: int, dpd: int) -> dict[str, object]:
        return {"SK_ID_PREV": 11, "SK_ID_CURR": 1, "MONTHS_BALANCE": m, "AMT_BALANCE": balance,
                "AMT_CREDIT_LIMIT_ACTUAL": limit, "SK_DPD": dpd,
                "NAME_CONTRACT_STATUS": "Active"}  # fmt: skip

    cards = [month(-1, 500.0, 1000, 0), month(-2, 900.0, 1000, 2), month(-13, 0.0, 0, 0)]
    one = features({"application_train": APPLICANTS, "credit_card_balance": cards})[1]
    assert one["CC_COUNT"] == 3.0 and one["CC_LAST_12M_COUNT"] == 2.0
    assert close(one["CC_CARD_UTILISATION_MAX"], 0.9)
    assert close(one["CC_CARD_UTILISATION_MEAN"], 0.7, grid=True)  # limit 0: unknown
    assert close(one["CC_LAST_12M_CARD_UTILISATION_MEAN"], 0.7, grid=True)
    mean = 1400 / 3
    variance = ((500 - mean) ** 2 + (900 - mean) ** 2 + (0 - mean) ** 2) / 2
    assert close(one["CC_AMT_BALANCE_VAR"], variance)
    assert one["CC_SK_DPD_MAX"] == 2.0
    assert close(one["CC_LATE_FLAG_MEAN"], 1 / 3, grid=True)


def test_online_path_gives_the_hand_computed_values_too() -> None:
    """The same instalments through the JSON path (in-memory engine) and the batch path."""
    instalments = [
        {"SK_ID_PREV": 11, "SK_ID_CURR": 1, "DAYS_INSTALMENT": -100.0,
         "DAYS_ENTRY_PAYMENT": -95.0, "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 100.0},
        {"SK_ID_PREV": 11, "SK_ID_CURR": 1, "DAYS_INSTALMENT": -70.0,
         "DAYS_ENTRY_PAYMENT": -75.0, "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 50.0},
    ]  # fmt: skip
    tables = make_tables(
        {"application_train": APPLICANTS[:1], "installments_payments": instalments}
    )
    state = fit_feature_state(tables, min_level_rows=1)
    online = features_for_records(
        {"application": [{"SK_ID_CURR": 1}], "installments_payments": instalments}, state
    )
    assert online["INSTAL_DAYS_PAST_DUE_MEAN"][0] == 2.5
    assert online["INSTAL_PAYMENT_RATIO_MEAN"][0] == 0.75
    assert online.equals(build_features(tables, state))
