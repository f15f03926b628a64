"""The known default probability of every synthetic applicant, and TARGET drawn from it.

logit p = intercept + application effects + side-table behaviour effects.
- Application effects: a logistic regression fitted by calibrate.py on the real sample's
  application_train (standardised handful of fields + EXT_SOURCE_*), so directions and strengths
  are the real ones and a model trained on synthetic rows transfers to real applicants.
- Behaviour effects: realised aggregates of the generated side tables (share of late instalments,
  bureau credits with overdue days, refused previous applications, credit-card utilisation).
  Their signs are those documented for the Kaggle data (each raises risk); sizes are moderate
  assumptions (log-odds per standard deviation below) because the sample's side tables are too
  sparse to fit them.
- The intercept is solved so that the mean probability is the real default rate (8.07 %).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

#: Real mean TARGET of the full Kaggle application_train (24,825 / 307,511).
DEFAULT_RATE = 0.0807
#: log-odds per standard deviation of each behaviour aggregate (applicants without rows get 0).
BEHAVIOUR_EFFECTS: dict[str, float] = {
    "late_instalment_share": 0.30,
    "bureau_overdue_share": 0.15,
    "refused_share": 0.20,
    "card_utilisation": 0.20,
}
#: Correlation between an applicant's latent payment behaviour and their application risk score.
BEHAVIOUR_RHO = 0.35

_C = pl.col


def _flag(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Float64).fill_null(0.0)


#: name -> expression over an application table; the regression's inputs.
FEATURES: dict[str, Callable[[], pl.Expr]] = {
    "ext_source_1": lambda: _C("EXT_SOURCE_1").fill_null(0.5),
    "ext_source_1_missing": lambda: _flag(_C("EXT_SOURCE_1").is_null()),
    "ext_source_2": lambda: _C("EXT_SOURCE_2").fill_null(0.51),
    "ext_source_3": lambda: _C("EXT_SOURCE_3").fill_null(0.51),
    "ext_source_3_missing": lambda: _flag(_C("EXT_SOURCE_3").is_null()),
    "age_years": lambda: -_C("DAYS_BIRTH").cast(pl.Float64) / 365.25,
    "employed_years": lambda: (
        pl.when(_C("DAYS_EMPLOYED") == 365243)
        .then(0.0)
        .otherwise(-_C("DAYS_EMPLOYED").cast(pl.Float64) / 365.25)
        .clip(0, 40)
    ),
    "pensioner": lambda: _flag(_C("DAYS_EMPLOYED") == 365243),
    "credit_to_goods": lambda: (
        (_C("AMT_CREDIT") / _C("AMT_GOODS_PRICE")).fill_null(1.1).clip(0.5, 2)
    ),
    "annuity_to_income": lambda: (
        (_C("AMT_ANNUITY") / _C("AMT_INCOME_TOTAL")).fill_null(0.18).clip(0, 1)
    ),
    "log_credit": lambda: _C("AMT_CREDIT").log(),
    "credit_term": lambda: (_C("AMT_CREDIT") / _C("AMT_ANNUITY")).fill_null(20.0).clip(5, 50),
    "male": lambda: _flag(_C("CODE_GENDER") == "M"),
    "owns_car": lambda: _flag(_C("FLAG_OWN_CAR") == "Y"),
    "higher_education": lambda: _flag(_C("NAME_EDUCATION_TYPE") == "Higher education"),
    "lower_secondary": lambda: _flag(_C("NAME_EDUCATION_TYPE") == "Lower secondary"),
    "married": lambda: _flag(_C("NAME_FAMILY_STATUS") == "Married"),
    "region_rating": lambda: _C("REGION_RATING_CLIENT_W_CITY").cast(pl.Float64),
    "id_publish_years": lambda: -_C("DAYS_ID_PUBLISH").cast(pl.Float64) / 365.25,
    "phone_change_years": lambda: (-_C("DAYS_LAST_PHONE_CHANGE") / 365.25).fill_null(2.0),
    "revolving": lambda: _flag(_C("NAME_CONTRACT_TYPE") == "Revolving loans"),
    "document_3": lambda: _C("FLAG_DOCUMENT_3").cast(pl.Float64),
    "reg_city_not_work": lambda: _C("REG_CITY_NOT_WORK_CITY").cast(pl.Float64),
    "social_defaults": lambda: _C("DEF_30_CNT_SOCIAL_CIRCLE").fill_null(0.0).clip(0, 3),
    "laborer": lambda: _flag(_C("OCCUPATION_TYPE").is_in(["Laborers", "Drivers"])),
    "self_employed": lambda: _flag(_C("ORGANIZATION_TYPE") == "Self-employed"),
}


def design(frame: pl.DataFrame) -> np.ndarray:
    """Unstandardised feature matrix of an application table (rows x FEATURES)."""
    out = frame.select([f().alias(name) for name, f in FEATURES.items()])
    return out.to_numpy().astype(np.float64)


def application_logit(frame: pl.DataFrame, risk: dict) -> np.ndarray:
    """Application part of the log-odds with the coefficients stored in profile.json."""
    x = design(frame)
    mean, std = np.asarray(risk["mean"]), np.asarray(risk["std"])
    return ((x - mean) / std) @ np.asarray(risk["coef"])


def standardise(values: np.ndarray, has: np.ndarray) -> np.ndarray:
    """z-score among applicants who have rows; 0 (average) for those who have none."""
    out = np.zeros_like(values, dtype=np.float64)
    if has.sum() > 1:
        v = values[has]
        out[has] = (v - v.mean()) / (v.std() or 1.0)
    return out


def solve_intercept(logit: np.ndarray, rate: float = DEFAULT_RATE) -> float:
    """Shift such that the mean probability equals `rate` (bisection, monotone)."""
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(logit + mid)))) > rate:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def probability(logit: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-logit))
