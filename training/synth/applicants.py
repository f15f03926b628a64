"""application_train / application_test rows: copula-sampled fields plus the real hard rules.

Rules the real file obeys exactly and the copula alone would only approximate:
- pensioners (NAME_INCOME_TYPE == "Pensioner") and only they have DAYS_EMPLOYED == 365243,
  ORGANIZATION_TYPE "XNA", FLAG_EMP_PHONE 0 and no OCCUPATION_TYPE;
- OWN_CAR_AGE is present exactly when FLAG_OWN_CAR == "Y";
- AMT_GOODS_PRICE = AMT_CREDIT x (goods/credit ratio) rounded to the real 4,500 steps, and
  AMT_ANNUITY = AMT_CREDIT x (annuity/credit ratio): the ratio's real range 0.024-0.124 is the
  annuity factor of 10-60 month terms at usual consumer-credit rates;
- CNT_FAM_MEMBERS = CNT_CHILDREN + 1 + (1 if married or in a civil marriage);
- building statistics: MODE and MEDI follow the AVG column's rank (closely, not identically)
  and are missing on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shared.tables import DAYS_SENTINEL, TABLES
from training.synth.copula import to_uniform
from training.synth.frames import build_frame
from training.synth.spec import BUILDING_STATS, PENSIONER
from training.synth.tablegen import (
    Columns,
    TableModel,
    latent,
    marginal_values,
    sample,
    table_model,
)

FIRST_ID = 100_001
#: correlation between a building's AVG statistic and its MODE / MEDI companions' latent scores
BUILDING_TIE = 0.98


@dataclass
class Applicants:
    frame: pl.DataFrame  # application_train columns for everyone, TARGET still 0
    is_test: np.ndarray

    @property
    def ids(self) -> np.ndarray:
        return self.frame["SK_ID_CURR"].to_numpy()


def generate_applicants(rng: np.random.Generator, train: int, test: int) -> Applicants:
    """Train applicants from the train calibration, test ones from the test calibration,
    with SK_ID_CURR shuffled between the two like Kaggle's (rows sorted by id)."""
    frames = [
        _people(table_model("application_train"), rng, train),
        _people(table_model("application_test"), rng, test),
    ]
    total = train + test
    frame = pl.concat(frames, how="vertical")
    is_test = np.arange(total) >= train
    ids = FIRST_ID + rng.permutation(total)
    frame = frame.with_columns(pl.Series("SK_ID_CURR", ids, dtype=pl.Int32))
    order = np.argsort(ids)
    frame = frame[order]
    assert frame.columns == list(TABLES["application_train"].column_names)
    return Applicants(frame=frame, is_test=is_test[order])


def _people(model: TableModel, rng: np.random.Generator, total: int) -> pl.DataFrame:
    z = latent(model, rng, total)
    cols: Columns = sample(model, rng, z)
    labels = model.text_labels()
    pensioner = cols["NAME_INCOME_TYPE"] == model.code("NAME_INCOME_TYPE", PENSIONER)
    cols["DAYS_EMPLOYED"] = np.where(pensioner, DAYS_SENTINEL, cols["DAYS_EMPLOYED"])
    labels["ORGANIZATION_TYPE"] = (*model.labels("ORGANIZATION_TYPE"), "XNA")
    cols["ORGANIZATION_TYPE"] = np.where(
        pensioner, len(labels["ORGANIZATION_TYPE"]) - 1, cols["ORGANIZATION_TYPE"]
    ).astype(np.int32)
    cols["FLAG_EMP_PHONE"] = np.where(pensioner, 0, 1)
    cols["OCCUPATION_TYPE"][pensioner] = -1
    cols["FLAG_MOBIL"] = marginal_values(model, "FLAG_MOBIL", rng.random(total))

    no_car = cols["FLAG_OWN_CAR"] == model.code("FLAG_OWN_CAR", "N")
    cols["OWN_CAR_AGE"][no_car] = np.nan

    # real amounts are whole half-units (406597.5, 24700.5)
    credit = cols["AMT_CREDIT"] = np.round(cols["AMT_CREDIT"] * 2) / 2
    goods = np.round(credit * cols["_GOODS_RATIO"] / 4500.0) * 4500.0
    cols["AMT_GOODS_PRICE"] = np.where(goods < 4500, np.round(credit, 0), goods)
    cols["AMT_ANNUITY"] = np.round(credit * cols["_ANNUITY_RATIO"] * 2) / 2

    married = np.isin(
        cols["NAME_FAMILY_STATUS"],
        [model.code("NAME_FAMILY_STATUS", s) for s in ("Married", "Civil marriage")],
    )
    cols["CNT_FAM_MEMBERS"] = cols["CNT_CHILDREN"] + 1 + married

    for stat in BUILDING_STATS:
        avg = f"{stat}_AVG"
        base = z[:, model.columns.index(avg)].astype(np.float64)
        missing = np.isnan(cols[avg])
        for suffix in ("MODE", "MEDI"):
            tied = BUILDING_TIE * base + np.sqrt(1 - BUILDING_TIE**2) * rng.standard_normal(total)
            values = marginal_values(model, f"{stat}_{suffix}", to_uniform(tied))
            values[missing] = np.nan
            cols[f"{stat}_{suffix}"] = values

    cols["SK_ID_CURR"] = np.zeros(total)
    cols["TARGET"] = np.zeros(total)
    return build_frame("application_train", cols, labels)
