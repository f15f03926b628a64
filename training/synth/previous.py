"""previous_application and the monthly histories of those credits at Home Credit:
POS_CASH_balance, installments_payments and credit_card_balance.

Hard rules of the real data kept here:
- DAYS_FIRST_DRAWING .. DAYS_TERMINATION and NFLAG_INSURED_ON_APPROVAL exist only for approved
  applications, with 365243 meaning "no date" in the real proportions; CODE_REJECT_REASON is
  "XAP" exactly for approved and cancelled applications; XNA/XAP categories follow the
  contract type as in the real file (conditional tables in profile.json);
- histories belong to approved credits: POS/cash loans get POS_CASH rows and instalments,
  revolving loans get credit-card months (and instalments); months run from the first due date
  (or decision) to at most the month before the application (-1) and never further back than 96;
- POS CNT_INSTALMENT is the credit's term, CNT_INSTALMENT_FUTURE counts down to 0;
- instalments are due every 30 days from DAYS_FIRST_DUE; payments land near the due date
  (calibrated delay), later and smaller for risky applicants; SK_DPD_DEF <= SK_DPD.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from shared.tables import DAYS_SENTINEL
from training.synth.counts import PREVIOUS, expand, rows_per_applicant, select_to_target
from training.synth.frames import build_frame
from training.synth.tablegen import Columns, child_rows, table_model

FIRST_ID = 1_000_001
DAYS_PER_MONTH = 30.4375
MAX_MONTHS = 96
DUE_DATES = (
    "DAYS_FIRST_DRAWING",
    "DAYS_FIRST_DUE",
    "DAYS_LAST_DUE_1ST_VERSION",
    "DAYS_LAST_DUE",
    "DAYS_TERMINATION",
)
PREVIOUS_LOADINGS = {"NAME_CONTRACT_STATUS": 0.40}
POS_LOADINGS = {"SK_DPD": 0.45, "SK_DPD_DEF": 0.45}
INSTALMENT_LOADINGS = {"_DELAY": 0.40, "_PAID_SHARE": -0.30}
CARD_LOADINGS = {"AMT_BALANCE": 0.35, "SK_DPD": 0.45, "SK_DPD_DEF": 0.45}

Emit = Callable[[str, pl.DataFrame], None]


@dataclass
class Behaviour:
    """Per-applicant aggregates of the generated histories that feed the default risk."""

    refused_share: np.ndarray
    has_previous: np.ndarray
    late_share: np.ndarray
    has_instalments: np.ndarray
    utilisation: np.ndarray
    has_card: np.ndarray


def _per_applicant(applicant: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    count = np.bincount(applicant, minlength=n)
    return np.bincount(applicant, values, minlength=n) / np.maximum(count, 1), count > 0


@dataclass
class _Credits:
    """The approved previous credits that own monthly histories."""

    applicant: np.ndarray
    prev_id: np.ndarray
    first_month: np.ndarray
    first_due_day: np.ndarray
    term: np.ndarray
    revolving: np.ndarray
    consumer_or_cash: np.ndarray


def generate_previous(
    rng: np.random.Generator, ids: np.ndarray, behaviour: np.ndarray, emit: Emit
) -> Behaviour:
    """Writes previous_application and its three histories through `emit`, returns aggregates."""
    model = table_model("previous_application")
    counts = PREVIOUS.sample(rng, ids.size)
    applicant = np.repeat(np.arange(ids.size), counts)
    rows = applicant.size
    cols: Columns = child_rows(model, rng, applicant, 0.2, behaviour[applicant], PREVIOUS_LOADINGS)
    # a credit's dates follow its decision: where the copula drew a first date before the
    # decision, decision and dates meet half-way, sharing the distortion of their quantiles
    dates = np.column_stack([cols[c] for c in DUE_DATES])
    earliest = np.min(np.where(np.isnan(dates) | (dates == DAYS_SENTINEL), np.inf, dates), axis=1)
    halfway = np.floor((earliest + cols["DAYS_DECISION"]) / 2)
    cols["DAYS_DECISION"] = np.where(
        earliest < cols["DAYS_DECISION"], halfway, cols["DAYS_DECISION"]
    )
    decision = cols["DAYS_DECISION"]
    for column in DUE_DATES:
        values = cols[column]
        dated = ~np.isnan(values) & (values != DAYS_SENTINEL)
        cols[column] = np.where(dated, np.maximum(values, decision), values)
    cols["SK_ID_CURR"] = ids[applicant]
    cols["SK_ID_PREV"] = FIRST_ID + np.arange(rows)
    status = cols["NAME_CONTRACT_STATUS"]
    refused = status == model.code("NAME_CONTRACT_STATUS", "Refused")
    refused_share, has_previous = _per_applicant(applicant, refused, ids.size)

    contract = cols["NAME_CONTRACT_TYPE"]
    approved = status == model.code("NAME_CONTRACT_STATUS", "Approved")
    first_due = cols["DAYS_FIRST_DUE"]
    has_due = ~np.isnan(first_due) & (first_due != DAYS_SENTINEL)
    first_day = np.where(has_due, first_due, decision + 30).astype(np.int64)
    term = cols["CNT_PAYMENT"]
    credits = _Credits(
        applicant=applicant,
        prev_id=cols["SK_ID_PREV"],
        first_month=np.maximum(np.floor(first_day / DAYS_PER_MONTH), -MAX_MONTHS).astype(np.int64),
        first_due_day=first_day,
        term=np.where(np.isnan(term) | (term < 1), 12, term).astype(np.int64),
        revolving=approved & (contract == model.code("NAME_CONTRACT_TYPE", "Revolving loans")),
        consumer_or_cash=approved
        & np.isin(
            contract,
            [model.code("NAME_CONTRACT_TYPE", t) for t in ("Consumer loans", "Cash loans")],
        ),
    )
    emit("previous_application", build_frame("previous_application", cols, model.text_labels()))
    del cols

    emit("POS_CASH_balance", _pos_cash(rng, credits, ids, behaviour))
    late_share, has_instalments, frame = _instalments(rng, credits, ids, behaviour)
    emit("installments_payments", frame)
    del frame
    utilisation, has_card, frame = _credit_card(rng, credits, ids, behaviour)
    emit("credit_card_balance", frame)
    return Behaviour(
        refused_share, has_previous, late_share, has_instalments, utilisation, has_card
    )


def _history(
    rng: np.random.Generator,
    credits: _Credits,
    eligible: np.ndarray,
    length: np.ndarray,
    table: str,
    applicants: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(credit index, position, month) of each row, sized to the full-scale rows per applicant."""
    eligible = eligible & (length >= 1)  # credits whose first due month is still to come
    length = np.clip(length, 1, MAX_MONTHS)
    keep = select_to_target(rng, length, eligible, rows_per_applicant(table) * applicants)
    chosen = np.nonzero(keep)[0]
    parent, position = expand(credits.first_month[chosen], length[chosen])
    credit = chosen[parent]
    return credit, position, credits.first_month[credit] + position


def _ids(credits: _Credits, credit: np.ndarray, ids: np.ndarray) -> dict[str, np.ndarray]:
    return {"SK_ID_PREV": credits.prev_id[credit], "SK_ID_CURR": ids[credits.applicant[credit]]}


def _pos_cash(
    rng: np.random.Generator, credits: _Credits, ids: np.ndarray, behaviour: np.ndarray
) -> pl.DataFrame:
    model = table_model("POS_CASH_balance")
    months_to_now = -credits.first_month  # months from the first due month to -1
    length = np.minimum(credits.term + 1, months_to_now)
    credit, position, month = _history(
        rng, credits, credits.consumer_or_cash, length, "POS_CASH_balance", ids.size
    )
    cols = child_rows(model, rng, credit, 0.6, behaviour[credits.applicant[credit]], POS_LOADINGS)
    term = credits.term[credit].astype(np.float64)
    cols["CNT_INSTALMENT"] = np.where(np.isnan(cols["CNT_INSTALMENT"]), np.nan, term)
    cols["CNT_INSTALMENT_FUTURE"] = np.where(
        np.isnan(cols["CNT_INSTALMENT"]), np.nan, np.maximum(term - position, 0)
    )
    completed = model.code("NAME_CONTRACT_STATUS", "Completed")
    active = model.code("NAME_CONTRACT_STATUS", "Active")
    status = cols["NAME_CONTRACT_STATUS"]
    finished = cols["CNT_INSTALMENT_FUTURE"] == 0
    status[finished] = completed
    status[~finished & (status == completed)] = active
    cols["SK_DPD_DEF"] = np.minimum(cols["SK_DPD_DEF"], cols["SK_DPD"])
    cols["MONTHS_BALANCE"] = month
    cols.update(_ids(credits, credit, ids))
    return build_frame("POS_CASH_balance", cols, model.text_labels())


def _instalments(
    rng: np.random.Generator, credits: _Credits, ids: np.ndarray, behaviour: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
    model = table_model("installments_payments")
    due_so_far = np.floor((-1 - credits.first_due_day) / 30).astype(np.int64) + 1
    length = np.where(credits.revolving, due_so_far, np.minimum(credits.term, due_so_far))
    eligible = (credits.revolving | credits.consumer_or_cash) & (due_so_far >= 1)
    credit, position, _ = _history(
        rng, credits, eligible, length, "installments_payments", ids.size
    )
    applicant = credits.applicant[credit]
    cols = child_rows(model, rng, credit, 0.8, behaviour[applicant], INSTALMENT_LOADINGS)
    due = (credits.first_due_day[credit] + 30 * position).astype(np.float64)
    paid = np.minimum(due + cols.pop("_DELAY"), -1)
    share = cols.pop("_PAID_SHARE")
    cols["NUM_INSTALMENT_NUMBER"] = position + 1
    cols["DAYS_INSTALMENT"] = due
    cols["DAYS_ENTRY_PAYMENT"] = paid
    cols["AMT_PAYMENT"] = np.round(cols["AMT_INSTALMENT"] * share, 3)
    late = np.nan_to_num(paid - due) > 0
    cols.update(_ids(credits, credit, ids))
    late_share, has = _per_applicant(applicant, late, ids.size)
    return late_share, has, build_frame("installments_payments", cols, model.text_labels())


def _credit_card(
    rng: np.random.Generator, credits: _Credits, ids: np.ndarray, behaviour: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
    model = table_model("credit_card_balance")
    length = -credits.first_month
    credit, _, month = _history(
        rng, credits, credits.revolving, length, "credit_card_balance", ids.size
    )
    applicant = credits.applicant[credit]
    cols = child_rows(model, rng, credit, 0.7, behaviour[applicant], CARD_LOADINGS)
    cols["SK_DPD_DEF"] = np.minimum(cols["SK_DPD_DEF"], cols["SK_DPD"])
    cols["MONTHS_BALANCE"] = month
    cols.update(_ids(credits, credit, ids))
    limit = cols["AMT_CREDIT_LIMIT_ACTUAL"]
    use = np.where(limit > 0, np.clip(cols["AMT_BALANCE"] / np.maximum(limit, 1), 0, 2), 0.0)
    utilisation, has = _per_applicant(applicant, use, ids.size)
    return utilisation, has, build_frame("credit_card_balance", cols, model.text_labels())
