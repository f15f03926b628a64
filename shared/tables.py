"""The Home Credit data contract: the one place that declares the eight Kaggle tables.

Every reader, validator, generator and feature family takes names, types and keys from here,
so a renamed column or a new table is a change in one file rather than a hunt through the code.
Types are logical (int, float, text): the storage type is the reader's decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources


class Kind(StrEnum):
    """Logical type of a column, as the Kaggle CSV files write it."""

    INT = "int"  # written without a decimal point
    FLOAT = "float"  # written with one ("2.0"), may be empty
    TEXT = "text"  # a category label, may be empty


INT, FLOAT, TEXT = Kind.INT, Kind.FLOAT, Kind.TEXT

#: DAYS_* columns use this value for "no date" (pensioners' DAYS_EMPLOYED, open-ended credits).
DAYS_SENTINEL = 365243
#: Category labels that Home Credit uses for "not available" and "not applicable".
#: They are missing-value markers, not levels: every TEXT column declares them in
#: `Column.missing_labels` (see there for why every one), and the feature path reads them as
#: missing, so no fitted level, share column or catalogue entry is ever "XNA" or "XAP".
MISSING_CATEGORIES: tuple[str, ...] = ("XNA", "XAP")
CLIENT_ID = "SK_ID_CURR"
TARGET = "TARGET"

#: Application fields that are never model inputs, whatever the data: no feature, categorical
#: code, derived ratio, reason, waterfall bar, business group or what-if field is built on them.
#:
#: Why: deciding credit on sex is unlawful in the EU. The Gender Directive 2004/113/EC, read with
#: the Test-Achats ruling of the Court of Justice (C-236/09, 2011), forbids sex as a factor in
#: the price or grant of financial services; the Consumer Credit Directive (EU) 2023/2225
#: (art. 6 and 18) forbids discrimination in access to credit and requires the creditworthiness
#: assessment to rest on relevant financial information; and the AI Act (EU) 2024/1689 lists
#: creditworthiness scoring as a high-risk system (Annex III, point 5(b)) whose data governance
#: (art. 10) must examine and mitigate possible biases. The attributes stay in the client store's
#: raw fields (RAW_CODE_GENDER) and in the client card, because auditing the model's fairness
#: (the fairness report) needs them. `scoring train --exclude-attribute NAME` adds others (age,
#: family status, ...); the default list cannot be removed. See docs/protected-attributes.md.
PROTECTED_ATTRIBUTES: tuple[str, ...] = ("CODE_GENDER",)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str = ""
    special: str = ""
    #: Labels that mean "no value" in this column. Every TEXT column declares
    #: MISSING_CATEGORIES: Home Credit writes XNA ("not available") and XAP ("not applicable")
    #: with that one meaning in every table (on the real rows: application ORGANIZATION_TYPE,
    #: XNA for pensioners and the unemployed; CODE_GENDER on 4 rows of the full file;
    #: previous_application NAME_CONTRACT_TYPE, NAME_CASH_LOAN_PURPOSE, NAME_PAYMENT_TYPE,
    #: CODE_REJECT_REASON, NAME_CLIENT_TYPE, NAME_GOODS_CATEGORY, NAME_PORTFOLIO,
    #: NAME_PRODUCT_TYPE, NAME_SELLER_INDUSTRY, NAME_YIELD_GROUP; POS_CASH_balance
    #: NAME_CONTRACT_STATUS on a few rows of the full file), and no column uses them as a genuine
    #: level. Declaring them for every text column, rather than for the columns where they
    #: happen to occur in one extract, keeps a marker that appears elsewhere in new data from
    #: silently becoming a category. What "not applicable" said is not lost: XAP reject reasons
    #: are the approved applications (NAME_CONTRACT_STATUS), XAP loan purposes the non-cash
    #: loans (NAME_CONTRACT_TYPE), and such rows still count in every share's denominator.
    #: bureau_balance STATUS "X" is not among them: the contract describes it as a status class
    #: of its own ("status unknown"), reported by the bureau.
    missing_labels: tuple[str, ...] = ()

    @property
    def holds_days(self) -> bool:
        """DAYS_* columns are relative to the application date and may carry DAYS_SENTINEL."""
        return self.name.startswith("DAYS_")


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    #: Rows are about one client (SK_ID_CURR) directly; bureau_balance reaches it through bureau.
    client_key: str | None = CLIENT_ID
    description_table: str = ""
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def missing_labels(self) -> dict[str, tuple[str, ...]]:
        """Column -> labels that mean "no value" in it (only columns that declare some)."""
        return {c.name: c.missing_labels for c in self.columns if c.missing_labels}


_APPLICATION_TRAIN_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_CURR", INT),
    ("TARGET", INT),
    ("NAME_CONTRACT_TYPE", TEXT),
    ("CODE_GENDER", TEXT),
    ("FLAG_OWN_CAR", TEXT),
    ("FLAG_OWN_REALTY", TEXT),
    ("CNT_CHILDREN", INT),
    ("AMT_INCOME_TOTAL", FLOAT),
    ("AMT_CREDIT", FLOAT),
    ("AMT_ANNUITY", FLOAT),
    ("AMT_GOODS_PRICE", FLOAT),
    ("NAME_TYPE_SUITE", TEXT),
    ("NAME_INCOME_TYPE", TEXT),
    ("NAME_EDUCATION_TYPE", TEXT),
    ("NAME_FAMILY_STATUS", TEXT),
    ("NAME_HOUSING_TYPE", TEXT),
    ("REGION_POPULATION_RELATIVE", FLOAT),
    ("DAYS_BIRTH", INT),
    ("DAYS_EMPLOYED", INT),
    ("DAYS_REGISTRATION", FLOAT),
    ("DAYS_ID_PUBLISH", INT),
    ("OWN_CAR_AGE", FLOAT),
    ("FLAG_MOBIL", INT),
    ("FLAG_EMP_PHONE", INT),
    ("FLAG_WORK_PHONE", INT),
    ("FLAG_CONT_MOBILE", INT),
    ("FLAG_PHONE", INT),
    ("FLAG_EMAIL", INT),
    ("OCCUPATION_TYPE", TEXT),
    ("CNT_FAM_MEMBERS", FLOAT),
    ("REGION_RATING_CLIENT", INT),
    ("REGION_RATING_CLIENT_W_CITY", INT),
    ("WEEKDAY_APPR_PROCESS_START", TEXT),
    ("HOUR_APPR_PROCESS_START", INT),
    ("REG_REGION_NOT_LIVE_REGION", INT),
    ("REG_REGION_NOT_WORK_REGION", INT),
    ("LIVE_REGION_NOT_WORK_REGION", INT),
    ("REG_CITY_NOT_LIVE_CITY", INT),
    ("REG_CITY_NOT_WORK_CITY", INT),
    ("LIVE_CITY_NOT_WORK_CITY", INT),
    ("ORGANIZATION_TYPE", TEXT),
    ("EXT_SOURCE_1", FLOAT),
    ("EXT_SOURCE_2", FLOAT),
    ("EXT_SOURCE_3", FLOAT),
    ("APARTMENTS_AVG", FLOAT),
    ("BASEMENTAREA_AVG", FLOAT),
    ("YEARS_BEGINEXPLUATATION_AVG", FLOAT),
    ("YEARS_BUILD_AVG", FLOAT),
    ("COMMONAREA_AVG", FLOAT),
    ("ELEVATORS_AVG", FLOAT),
    ("ENTRANCES_AVG", FLOAT),
    ("FLOORSMAX_AVG", FLOAT),
    ("FLOORSMIN_AVG", FLOAT),
    ("LANDAREA_AVG", FLOAT),
    ("LIVINGAPARTMENTS_AVG", FLOAT),
    ("LIVINGAREA_AVG", FLOAT),
    ("NONLIVINGAPARTMENTS_AVG", FLOAT),
    ("NONLIVINGAREA_AVG", FLOAT),
    ("APARTMENTS_MODE", FLOAT),
    ("BASEMENTAREA_MODE", FLOAT),
    ("YEARS_BEGINEXPLUATATION_MODE", FLOAT),
    ("YEARS_BUILD_MODE", FLOAT),
    ("COMMONAREA_MODE", FLOAT),
    ("ELEVATORS_MODE", FLOAT),
    ("ENTRANCES_MODE", FLOAT),
    ("FLOORSMAX_MODE", FLOAT),
    ("FLOORSMIN_MODE", FLOAT),
    ("LANDAREA_MODE", FLOAT),
    ("LIVINGAPARTMENTS_MODE", FLOAT),
    ("LIVINGAREA_MODE", FLOAT),
    ("NONLIVINGAPARTMENTS_MODE", FLOAT),
    ("NONLIVINGAREA_MODE", FLOAT),
    ("APARTMENTS_MEDI", FLOAT),
    ("BASEMENTAREA_MEDI", FLOAT),
    ("YEARS_BEGINEXPLUATATION_MEDI", FLOAT),
    ("YEARS_BUILD_MEDI", FLOAT),
    ("COMMONAREA_MEDI", FLOAT),
    ("ELEVATORS_MEDI", FLOAT),
    ("ENTRANCES_MEDI", FLOAT),
    ("FLOORSMAX_MEDI", FLOAT),
    ("FLOORSMIN_MEDI", FLOAT),
    ("LANDAREA_MEDI", FLOAT),
    ("LIVINGAPARTMENTS_MEDI", FLOAT),
    ("LIVINGAREA_MEDI", FLOAT),
    ("NONLIVINGAPARTMENTS_MEDI", FLOAT),
    ("NONLIVINGAREA_MEDI", FLOAT),
    ("FONDKAPREMONT_MODE", TEXT),
    ("HOUSETYPE_MODE", TEXT),
    ("TOTALAREA_MODE", FLOAT),
    ("WALLSMATERIAL_MODE", TEXT),
    ("EMERGENCYSTATE_MODE", TEXT),
    ("OBS_30_CNT_SOCIAL_CIRCLE", FLOAT),
    ("DEF_30_CNT_SOCIAL_CIRCLE", FLOAT),
    ("OBS_60_CNT_SOCIAL_CIRCLE", FLOAT),
    ("DEF_60_CNT_SOCIAL_CIRCLE", FLOAT),
    ("DAYS_LAST_PHONE_CHANGE", FLOAT),
    ("FLAG_DOCUMENT_2", INT),
    ("FLAG_DOCUMENT_3", INT),
    ("FLAG_DOCUMENT_4", INT),
    ("FLAG_DOCUMENT_5", INT),
    ("FLAG_DOCUMENT_6", INT),
    ("FLAG_DOCUMENT_7", INT),
    ("FLAG_DOCUMENT_8", INT),
    ("FLAG_DOCUMENT_9", INT),
    ("FLAG_DOCUMENT_10", INT),
    ("FLAG_DOCUMENT_11", INT),
    ("FLAG_DOCUMENT_12", INT),
    ("FLAG_DOCUMENT_13", INT),
    ("FLAG_DOCUMENT_14", INT),
    ("FLAG_DOCUMENT_15", INT),
    ("FLAG_DOCUMENT_16", INT),
    ("FLAG_DOCUMENT_17", INT),
    ("FLAG_DOCUMENT_18", INT),
    ("FLAG_DOCUMENT_19", INT),
    ("FLAG_DOCUMENT_20", INT),
    ("FLAG_DOCUMENT_21", INT),
    ("AMT_REQ_CREDIT_BUREAU_HOUR", FLOAT),
    ("AMT_REQ_CREDIT_BUREAU_DAY", FLOAT),
    ("AMT_REQ_CREDIT_BUREAU_WEEK", FLOAT),
    ("AMT_REQ_CREDIT_BUREAU_MON", FLOAT),
    ("AMT_REQ_CREDIT_BUREAU_QRT", FLOAT),
    ("AMT_REQ_CREDIT_BUREAU_YEAR", FLOAT),
)

_BUREAU_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_CURR", INT),
    ("SK_ID_BUREAU", INT),
    ("CREDIT_ACTIVE", TEXT),
    ("CREDIT_CURRENCY", TEXT),
    ("DAYS_CREDIT", INT),
    ("CREDIT_DAY_OVERDUE", INT),
    ("DAYS_CREDIT_ENDDATE", FLOAT),
    ("DAYS_ENDDATE_FACT", FLOAT),
    ("AMT_CREDIT_MAX_OVERDUE", FLOAT),
    ("CNT_CREDIT_PROLONG", INT),
    ("AMT_CREDIT_SUM", FLOAT),
    ("AMT_CREDIT_SUM_DEBT", FLOAT),
    ("AMT_CREDIT_SUM_LIMIT", FLOAT),
    ("AMT_CREDIT_SUM_OVERDUE", FLOAT),
    ("CREDIT_TYPE", TEXT),
    ("DAYS_CREDIT_UPDATE", INT),
    ("AMT_ANNUITY", FLOAT),
)

_BUREAU_BALANCE_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_BUREAU", INT),
    ("MONTHS_BALANCE", INT),
    ("STATUS", TEXT),
)

_PREVIOUS_APPLICATION_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_PREV", INT),
    ("SK_ID_CURR", INT),
    ("NAME_CONTRACT_TYPE", TEXT),
    ("AMT_ANNUITY", FLOAT),
    ("AMT_APPLICATION", FLOAT),
    ("AMT_CREDIT", FLOAT),
    ("AMT_DOWN_PAYMENT", FLOAT),
    ("AMT_GOODS_PRICE", FLOAT),
    ("WEEKDAY_APPR_PROCESS_START", TEXT),
    ("HOUR_APPR_PROCESS_START", INT),
    ("FLAG_LAST_APPL_PER_CONTRACT", TEXT),
    ("NFLAG_LAST_APPL_IN_DAY", INT),
    ("RATE_DOWN_PAYMENT", FLOAT),
    ("RATE_INTEREST_PRIMARY", FLOAT),
    ("RATE_INTEREST_PRIVILEGED", FLOAT),
    ("NAME_CASH_LOAN_PURPOSE", TEXT),
    ("NAME_CONTRACT_STATUS", TEXT),
    ("DAYS_DECISION", INT),
    ("NAME_PAYMENT_TYPE", TEXT),
    ("CODE_REJECT_REASON", TEXT),
    ("NAME_TYPE_SUITE", TEXT),
    ("NAME_CLIENT_TYPE", TEXT),
    ("NAME_GOODS_CATEGORY", TEXT),
    ("NAME_PORTFOLIO", TEXT),
    ("NAME_PRODUCT_TYPE", TEXT),
    ("CHANNEL_TYPE", TEXT),
    ("SELLERPLACE_AREA", INT),
    ("NAME_SELLER_INDUSTRY", TEXT),
    ("CNT_PAYMENT", FLOAT),
    ("NAME_YIELD_GROUP", TEXT),
    ("PRODUCT_COMBINATION", TEXT),
    ("DAYS_FIRST_DRAWING", FLOAT),
    ("DAYS_FIRST_DUE", FLOAT),
    ("DAYS_LAST_DUE_1ST_VERSION", FLOAT),
    ("DAYS_LAST_DUE", FLOAT),
    ("DAYS_TERMINATION", FLOAT),
    ("NFLAG_INSURED_ON_APPROVAL", FLOAT),
)

_POS_CASH_BALANCE_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_PREV", INT),
    ("SK_ID_CURR", INT),
    ("MONTHS_BALANCE", INT),
    ("CNT_INSTALMENT", FLOAT),
    ("CNT_INSTALMENT_FUTURE", FLOAT),
    ("NAME_CONTRACT_STATUS", TEXT),
    ("SK_DPD", INT),
    ("SK_DPD_DEF", INT),
)

_INSTALLMENTS_PAYMENTS_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_PREV", INT),
    ("SK_ID_CURR", INT),
    ("NUM_INSTALMENT_VERSION", FLOAT),
    ("NUM_INSTALMENT_NUMBER", INT),
    ("DAYS_INSTALMENT", FLOAT),
    ("DAYS_ENTRY_PAYMENT", FLOAT),
    ("AMT_INSTALMENT", FLOAT),
    ("AMT_PAYMENT", FLOAT),
)

_CREDIT_CARD_BALANCE_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("SK_ID_PREV", INT),
    ("SK_ID_CURR", INT),
    ("MONTHS_BALANCE", INT),
    ("AMT_BALANCE", FLOAT),
    ("AMT_CREDIT_LIMIT_ACTUAL", INT),
    ("AMT_DRAWINGS_ATM_CURRENT", FLOAT),
    ("AMT_DRAWINGS_CURRENT", FLOAT),
    ("AMT_DRAWINGS_OTHER_CURRENT", FLOAT),
    ("AMT_DRAWINGS_POS_CURRENT", FLOAT),
    ("AMT_INST_MIN_REGULARITY", FLOAT),
    ("AMT_PAYMENT_CURRENT", FLOAT),
    ("AMT_PAYMENT_TOTAL_CURRENT", FLOAT),
    ("AMT_RECEIVABLE_PRINCIPAL", FLOAT),
    ("AMT_RECIVABLE", FLOAT),
    ("AMT_TOTAL_RECEIVABLE", FLOAT),
    ("CNT_DRAWINGS_ATM_CURRENT", FLOAT),
    ("CNT_DRAWINGS_CURRENT", INT),
    ("CNT_DRAWINGS_OTHER_CURRENT", FLOAT),
    ("CNT_DRAWINGS_POS_CURRENT", FLOAT),
    ("CNT_INSTALMENT_MATURE_CUM", FLOAT),
    ("NAME_CONTRACT_STATUS", TEXT),
    ("SK_DPD", INT),
    ("SK_DPD_DEF", INT),
)


DESCRIPTION_FILE = "HomeCredit_columns_description.csv"
# The description file names a few keys differently from the tables themselves.
_DESCRIPTION_ALIASES = {"SK_BUREAU_ID": "SK_ID_BUREAU"}


@cache
def description_rows() -> tuple[tuple[str, str, str, str], ...]:
    """Rows of Kaggle's HomeCredit_columns_description.csv (Table, Row, Description, Special).

    Shipped as metadata (no data rows) so the generator can write the file and every column
    has a description even when the user has no copy of the original.
    """
    text = resources.files("shared").joinpath("column_descriptions.json").read_text("utf-8")
    return tuple(tuple(row) for row in json.loads(text))  # type: ignore[misc]


def _described(
    table: str, description_table: str, spec: tuple[tuple[str, Kind], ...]
) -> tuple[Column, ...]:
    notes = {
        _DESCRIPTION_ALIASES.get(row.strip(), row.strip()): (text, special)
        for tab, row, text, special in description_rows()
        if tab == description_table
    }
    return tuple(
        Column(
            name,
            kind,
            *notes.get(name, ("", "")),
            missing_labels=MISSING_CATEGORIES if kind is Kind.TEXT else (),
        )
        for name, kind in spec
    )


def _table(
    name: str,
    spec: tuple[tuple[str, Kind], ...],
    description_table: str,
    **keys: object,
) -> Table:
    return Table(
        name=name,
        columns=_described(name, description_table, spec),
        description_table=description_table,
        **keys,  # type: ignore[arg-type]
    )


_APP = "application_{train|test}.csv"
_TO_CLIENT = (ForeignKey(CLIENT_ID, "application_train", CLIENT_ID),)
_TO_PREVIOUS = (
    ForeignKey("SK_ID_PREV", "previous_application", "SK_ID_PREV"),
    *_TO_CLIENT,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _table("application_train", _APPLICATION_TRAIN_COLUMNS, _APP, primary_key=(CLIENT_ID,)),
        _table(
            "application_test",
            tuple(c for c in _APPLICATION_TRAIN_COLUMNS if c[0] != TARGET),
            _APP,
            primary_key=(CLIENT_ID,),
        ),
        _table(
            "bureau",
            _BUREAU_COLUMNS,
            "bureau.csv",
            primary_key=("SK_ID_BUREAU",),
            foreign_keys=_TO_CLIENT,
        ),
        _table(
            "bureau_balance",
            _BUREAU_BALANCE_COLUMNS,
            "bureau_balance.csv",
            primary_key=("SK_ID_BUREAU", "MONTHS_BALANCE"),
            foreign_keys=(ForeignKey("SK_ID_BUREAU", "bureau", "SK_ID_BUREAU"),),
            client_key=None,
        ),
        _table(
            "previous_application",
            _PREVIOUS_APPLICATION_COLUMNS,
            "previous_application.csv",
            primary_key=("SK_ID_PREV",),
            foreign_keys=_TO_CLIENT,
        ),
        _table(
            "POS_CASH_balance",
            _POS_CASH_BALANCE_COLUMNS,
            "POS_CASH_balance.csv",
            primary_key=("SK_ID_PREV", "MONTHS_BALANCE"),
            foreign_keys=_TO_PREVIOUS,
        ),
        _table(
            "installments_payments",
            _INSTALLMENTS_PAYMENTS_COLUMNS,
            "installments_payments.csv",
            # Several payments may settle one instalment: the real file has no unique key.
            primary_key=(),
            foreign_keys=_TO_PREVIOUS,
        ),
        _table(
            "credit_card_balance",
            _CREDIT_CARD_BALANCE_COLUMNS,
            "credit_card_balance.csv",
            primary_key=("SK_ID_PREV", "MONTHS_BALANCE"),
            foreign_keys=_TO_PREVIOUS,
        ),
    )
}

#: The seven sources of per-client features (application_test shares application_train's).
APPLICATION_TABLES = ("application_train", "application_test")
SIDE_TABLES = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
