"""Which columns each table's copula models, and which ones the generator derives by rule.

Calibration and generation both read this, so a column moved from "modelled" to "derived" is a
change in one place. Derived columns still get a stored marginal (their own quantile function is
used, e.g. for the MODE/MEDI building columns) but no dimension of their own in the copula.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from shared.tables import DAYS_SENTINEL, TABLES

BUILDING_STATS = (
    "APARTMENTS",
    "BASEMENTAREA",
    "YEARS_BEGINEXPLUATATION",
    "YEARS_BUILD",
    "COMMONAREA",
    "ELEVATORS",
    "ENTRANCES",
    "FLOORSMAX",
    "FLOORSMIN",
    "LANDAREA",
    "LIVINGAPARTMENTS",
    "LIVINGAREA",
    "NONLIVINGAPARTMENTS",
    "NONLIVINGAREA",
)
PENSIONER = "Pensioner"
KEYS = ("SK_ID_CURR", "SK_ID_BUREAU", "SK_ID_PREV", "TARGET")


@dataclass(frozen=True)
class TableSpec:
    name: str
    #: columns produced by rules in the table's module rather than by the copula
    derived: tuple[str, ...] = ()
    #: extra modelled quantities (e.g. ratios) computed on the sample as Polars expressions
    pseudo: dict[str, pl.Expr] = field(default_factory=dict)
    #: rows used to fit a column's marginal (e.g. DAYS_EMPLOYED without the pensioners' sentinel)
    fit_on: dict[str, pl.Expr] = field(default_factory=dict)
    #: category order on the copula's ordinal scale (first = lowest score)
    order: dict[str, list[str]] = field(default_factory=dict)
    #: parent category -> children whose missing rate (and categories) depend on its value
    conditional: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def copula_columns(self) -> tuple[str, ...]:
        cols = [
            c for c in TABLES[self.name].column_names if c not in KEYS and c not in self.derived
        ]
        return (*cols, *self.pseudo)


_BUILDING_DERIVED = tuple(f"{s}_{k}" for s in BUILDING_STATS for k in ("MODE", "MEDI"))

SPECS: dict[str, TableSpec] = {
    s.name: s
    for s in (
        TableSpec(
            "application_train",
            derived=(
                "AMT_GOODS_PRICE",
                "AMT_ANNUITY",
                "CNT_FAM_MEMBERS",
                "FLAG_EMP_PHONE",
                "FLAG_MOBIL",
                *_BUILDING_DERIVED,
            ),
            pseudo={
                "_GOODS_RATIO": pl.col("AMT_GOODS_PRICE") / pl.col("AMT_CREDIT"),
                "_ANNUITY_RATIO": pl.col("AMT_ANNUITY") / pl.col("AMT_CREDIT"),
            },
            fit_on={
                "DAYS_EMPLOYED": pl.col("DAYS_EMPLOYED") != DAYS_SENTINEL,
                "ORGANIZATION_TYPE": pl.col("ORGANIZATION_TYPE") != "XNA",
                "OWN_CAR_AGE": pl.col("FLAG_OWN_CAR") == "Y",
            },
            conditional={"NAME_INCOME_TYPE": ("OCCUPATION_TYPE",)},
            order={
                "NAME_INCOME_TYPE": [
                    "Pensioner",
                    "State servant",
                    "Commercial associate",
                    "Working",
                    "Unemployed",
                    "Student",
                    "Businessman",
                    "Maternity leave",
                ],
            },
        ),
        TableSpec("bureau", conditional={"CREDIT_ACTIVE": ("DAYS_ENDDATE_FACT",)}),
        TableSpec("bureau_balance", derived=("MONTHS_BALANCE", "STATUS")),
        TableSpec(
            "previous_application",
            order={"NAME_CONTRACT_STATUS": ["Approved", "Unused offer", "Canceled", "Refused"]},
            conditional={
                "NAME_CONTRACT_STATUS": (
                    "CODE_REJECT_REASON",
                    "AMT_ANNUITY",
                    "CNT_PAYMENT",
                    "DAYS_FIRST_DRAWING",
                    "DAYS_FIRST_DUE",
                    "DAYS_LAST_DUE_1ST_VERSION",
                    "DAYS_LAST_DUE",
                    "DAYS_TERMINATION",
                    "NFLAG_INSURED_ON_APPROVAL",
                ),
                "NAME_CONTRACT_TYPE": (
                    "NAME_CASH_LOAN_PURPOSE",
                    "NAME_GOODS_CATEGORY",
                    "NAME_PORTFOLIO",
                    "NAME_PRODUCT_TYPE",
                    "PRODUCT_COMBINATION",
                    "NAME_YIELD_GROUP",
                    "NAME_SELLER_INDUSTRY",
                    "AMT_DOWN_PAYMENT",
                    "RATE_DOWN_PAYMENT",
                    "AMT_GOODS_PRICE",
                ),
            },
        ),
        TableSpec(
            "POS_CASH_balance",
            derived=("MONTHS_BALANCE", "CNT_INSTALMENT_FUTURE"),
        ),
        TableSpec(
            "installments_payments",
            derived=(
                "NUM_INSTALMENT_NUMBER",
                "DAYS_INSTALMENT",
                "DAYS_ENTRY_PAYMENT",
                "AMT_PAYMENT",
            ),
            pseudo={
                "_DELAY": pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT"),
                "_PAID_SHARE": pl.col("AMT_PAYMENT") / pl.col("AMT_INSTALMENT"),
            },
        ),
        TableSpec("credit_card_balance", derived=("MONTHS_BALANCE",)),
    )
}

# Kaggle's test applicants differ a little from the train ones (fewer revolving loans, more
# external scores, more bureau enquiries): same model, own calibration.
SPECS["application_test"] = replace(SPECS["application_train"], name="application_test")
