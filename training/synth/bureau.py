"""bureau (other institutions' credits) and bureau_balance (their monthly status history).

Row counts follow the full Kaggle tables (counts.py); values come from the bureau copula with
the applicant's latent payment behaviour loading on the overdue columns, so risky applicants
carry overdue days and amounts. Hard rules of the real data:
- DAYS_ENDDATE_FACT (actual end) is present for Closed credits and missing for Active ones
  (conditional missingness calibrated per CREDIT_ACTIVE) and never precedes DAYS_CREDIT;
- a closed credit has no current overdue (CREDIT_DAY_OVERDUE, AMT_CREDIT_SUM_OVERDUE = 0);
- bureau_balance months run from the credit's opening month (at most 96 months back) to 0,
  STATUS "C" after the actual end of a closed credit, otherwise X/0/1..5 with late statuses
  more frequent for risky applicants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import ndtr

from training.synth.counts import BUREAU, expand, rows_per_applicant
from training.synth.frames import build_frame
from training.synth.tablegen import Columns, child_rows, table_model

FIRST_ID = 5_000_000
DAYS_PER_MONTH = 30.4375
LOADINGS = {
    "CREDIT_DAY_OVERDUE": 0.45,
    "AMT_CREDIT_MAX_OVERDUE": 0.35,
    "AMT_CREDIT_SUM_OVERDUE": 0.45,
    "CNT_CREDIT_PROLONG": 0.10,
}
#: loading of behaviour on the late bureau_balance statuses
BALANCE_LOADING = 0.5


@dataclass
class Bureau:
    frame: pl.DataFrame
    applicant: np.ndarray  # row -> applicant index
    overdue_share: np.ndarray  # per applicant
    has_rows: np.ndarray  # per applicant


def generate_bureau(rng: np.random.Generator, ids: np.ndarray, behaviour: np.ndarray) -> Bureau:
    model = table_model("bureau")
    counts = BUREAU.sample(rng, ids.size)
    applicant = np.repeat(np.arange(ids.size), counts)
    rows = applicant.size
    cols: Columns = child_rows(model, rng, applicant, 0.3, behaviour[applicant], LOADINGS)
    closed = cols["CREDIT_ACTIVE"] == model.code("CREDIT_ACTIVE", "Closed")
    fact = cols["DAYS_ENDDATE_FACT"]
    cols["DAYS_ENDDATE_FACT"] = np.where(
        np.isnan(fact), fact, np.maximum(fact, cols["DAYS_CREDIT"])
    )
    cols["DAYS_CREDIT_UPDATE"] = np.maximum(cols["DAYS_CREDIT_UPDATE"], cols["DAYS_CREDIT"])
    cols["CREDIT_DAY_OVERDUE"] = np.where(closed, 0, cols["CREDIT_DAY_OVERDUE"])
    cols["AMT_CREDIT_SUM_OVERDUE"] = np.where(closed, 0.0, cols["AMT_CREDIT_SUM_OVERDUE"])
    cols["SK_ID_CURR"] = ids[applicant]
    cols["SK_ID_BUREAU"] = FIRST_ID + np.arange(rows)

    overdue = (cols["CREDIT_DAY_OVERDUE"] > 0) | (np.nan_to_num(cols["AMT_CREDIT_MAX_OVERDUE"]) > 0)
    n = np.bincount(applicant, minlength=ids.size)
    share = np.bincount(applicant, overdue, minlength=ids.size) / np.maximum(n, 1)
    frame = build_frame("bureau", cols, model.text_labels())
    return Bureau(frame=frame, applicant=applicant, overdue_share=share, has_rows=n > 0)


def generate_bureau_balance(
    rng: np.random.Generator, bureau: Bureau, behaviour: np.ndarray
) -> pl.DataFrame:
    model = table_model("bureau_balance")
    frame = bureau.frame
    opened = np.clip(np.floor(frame["DAYS_CREDIT"].to_numpy() / DAYS_PER_MONTH), -96, 0).astype(
        np.int64
    )
    length = 1 - opened
    target = rows_per_applicant("bureau_balance") / rows_per_applicant("bureau") * frame.height
    keep = rng.random(frame.height) < min(1.0, target / max(length.sum(), 1))
    credit = np.nonzero(keep)[0]
    parent, position = expand(opened[credit], length[credit])
    month = opened[credit][parent] + position
    row_credit = credit[parent]
    del parent, position

    fact = frame["DAYS_ENDDATE_FACT"].fill_null(np.inf).to_numpy()
    end_month = np.floor(fact / DAYS_PER_MONTH)
    after_end = month > end_month[row_credit]

    labels = model.text_labels()["STATUS"]
    open_labels = [s for s in ("X", "0", "1", "2", "3", "4", "5") if s in labels]
    status_marginal = model.marginals["STATUS"]
    probs = np.array([status_marginal.probs[labels.index(s)] for s in open_labels])  # type: ignore[union-attr]
    cum = np.cumsum(probs) / probs.sum()
    d = behaviour[bureau.applicant[row_credit]]
    u = ndtr(BALANCE_LOADING * d + np.sqrt(1 - BALANCE_LOADING**2) * rng.standard_normal(d.size))
    open_codes = np.array([labels.index(s) for s in open_labels], dtype=np.int32)
    status = open_codes[np.minimum(np.searchsorted(cum, u, side="right"), len(open_labels) - 1)]
    status[after_end] = labels.index("C")
    return build_frame(
        "bureau_balance",
        {
            "SK_ID_BUREAU": frame["SK_ID_BUREAU"].to_numpy()[row_credit],
            "MONTHS_BALANCE": month,
            "STATUS": status,
        },
        {"STATUS": labels},
    )
