"""The HTTP contract between the scoring API and its callers (the dashboard, other services).

These pydantic models ARE the API's request and response bodies: FastAPI validates requests and
renders OpenAPI from them, and the dashboard parses responses with the same classes, so a change
here is a change of the public interface and shows in both test suites at once. They depend on
pydantic only: no numpy, no lightgbm, so the dashboard can import them without the model stack.

Conventions: probabilities are probabilities of DEFAULT in [0, 1]; `decision` is "grant" when the
probability is strictly below the bundle's threshold and "refuse" otherwise; every human-readable
text comes in French and English (`*_fr`, `*_en`); feature names are the model's column names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.levels import known_levels
from shared.tables import TABLES, Kind

Decision = Literal["grant", "refuse"]
#: SK_ID_CURR is stored as a 32-bit integer everywhere (contract, client store, features).
MAX_CLIENT_ID = 2_147_483_647
#: A client ID in a JSON body: a JSON integer written as one, nothing else (`true`, `"100002"`
#: and `100002.0` are refused rather than read as 1 or 100002: an ID is never guessed from
#: another type). JSON Schema cannot say "not 100002.0" (to it 100002.0 IS an integer), so the
#: schema's description says it and the API enforces it.
ClientIdValue = Annotated[
    int,
    Strict(),
    Field(
        ge=0,
        le=MAX_CLIENT_ID,
        description='SK_ID_CURR, written as a JSON integer (100002, not 100002.0 or "100002")',
    ),
]


def _whole_number(value: object) -> object:
    """JSON Schema's integer: 12 or 12.0 (the same number), as an int; the strict int schema
    behind this then refuses `true`, `"12"` and 12.5, which pydantic's lax mode would take."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: An integer field of a request that is not an ID (counts, days, options): a JSON number with
#: no fractional part. Bounds go between the type and the validator (see ClientIdText).
def json_integer(ge: int, le: int) -> Any:
    return Annotated[int, Strict(), Ge(ge), Le(le), BeforeValidator(_whole_number)]


def _decimal_digits(value: object) -> object:
    """Query and path values arrive as text: only plain decimal digits are an integer there
    ("100002.0", "+1", " 1", "1e5" and "１" are not, although pydantic's lax parsing reads some)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) < 40):
        raise PydanticCustomError(
            "int_parsing", "Input should be a whole number written with decimal digits only"
        )
    return value


#: A client ID in a query string or a path (see `_decimal_digits`). The bounds come BEFORE the
#: validator: after it, pydantic cannot fold them into the integer's schema and OpenAPI would
#: show unknown "ge"/"le" keywords instead of minimum/maximum. The validator, last, runs first.
ClientIdText = Annotated[int, Ge(0), Le(MAX_CLIENT_ID), BeforeValidator(_decimal_digits)]
Scalar = float | int | str | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class ErrorItem(_Model):
    """One precise problem: which field, which value, what was expected."""

    field: str | None = None
    value: Any = None
    expected: str | None = None
    message: str


class ErrorInfo(_Model):
    #: Stable machine code: "unauthorized", "forbidden", "not_found", "validation_error",
    #: "payload_too_large", "not_ready", "bad_request", "internal_error", ...
    code: str
    message: str
    details: list[ErrorItem] = Field(default_factory=list)


class ErrorResponse(_Model):
    """The single error shape of every endpoint, including validation and unexpected errors."""

    error: ErrorInfo


# --------------------------------------------------------------------------- health and model


class Health(_Model):
    status: Literal["ok"] = "ok"


class Readiness(_Model):
    status: Literal["ready", "not_ready"]
    model_version: str | None = None
    reason: str | None = None


class Costs(_Model):
    false_negative: float
    false_positive: float


class MetricInterval(_Model):
    """A bootstrap confidence interval (percentile method) around a metric."""

    low: float
    high: float
    level: float = 0.95
    #: Bootstrap resamples it was computed from.
    resamples: int = 0


class CalibrationRow(_Model):
    """One decile of predicted probability: what the model said versus what happened."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


class ModelMetricsInfo(_Model):
    """Honest metrics of one model (the served model or a baseline), as stored at training:
    measured on predictions that influenced neither the model nor its threshold (see
    ModelInfo.evaluation). Positive = default = refused."""

    roc_auc: float
    pr_auc: float
    brier: float
    log_loss: float
    threshold: float
    cost_at_threshold: float
    cost_at_half: float
    recall_at_threshold: float
    precision_at_threshold: float
    calibration_table: list[CalibrationRow] = Field(default_factory=list)
    true_positives: int | None = None
    false_positives: int | None = None
    true_negatives: int | None = None
    false_negatives: int | None = None
    roc_auc_ci: MetricInterval | None = None
    cost_ci: MetricInterval | None = None


class EvaluationInfo(_Model):
    """How the reported metrics were obtained, in words for each language."""

    #: Short machine name, e.g. "nested-cross-fitting".
    name: str
    description_fr: str
    description_en: str
    outer_folds: int
    #: How early stopping avoided looking at the scored predictions (technical, English).
    early_stopping: str
    bootstrap_resamples: int
    seed: int


class ModelInfo(_Model):
    version: str
    created_at: str
    threshold: float
    costs: Costs
    #: {"model": ..., "logistic": ..., "dummy": ...}: the served model, then the baselines
    #: trained and measured the same way.
    metrics: dict[str, ModelMetricsInfo]
    #: The evaluation protocol behind `metrics` (None for a bundle that does not state one).
    evaluation: EvaluationInfo | None = None
    #: Cross-fitting models served beside the refit model (a training client is scored by the
    #: one that never saw it; see Prediction.model).
    fold_models: int = 0
    feature_count: int
    calibration_method: str
    n_train: int | None = None
    default_rate: float | None = None
    library_versions: dict[str, str] = Field(default_factory=dict)
    #: The cost curve used to choose the threshold (same length lists), for the model page.
    cost_curve_thresholds: list[float] = Field(default_factory=list)
    cost_curve_costs: list[float] = Field(default_factory=list)


# --------------------------------------------------------------------------- clients


class ClientIdPage(_Model):
    """IDs matching a prefix (or all IDs), in increasing order, one page at a time."""

    client_ids: list[int]
    total: int
    offset: int
    limit: int
    prefix: str | None = None


class ClientField(_Model):
    """One readable piece of a client's file, with its value formatted for each language."""

    name: str
    label_fr: str
    label_en: str
    value: Scalar
    unit: str
    display_fr: str
    display_en: str


class ClientProfile(_Model):
    """The client card: the application's main facts in the units an advisor uses."""

    age_years: float | None = None
    gender: str | None = None
    income: float | None = None
    credit_amount: float | None = None
    annuity: float | None = None
    term_months: float | None = Field(
        None,
        description="whole months: the shortest standard term the instalment fits "
        "(shared/loan_terms.py)",
    )
    goods_price: float | None = None
    #: None for pensioners and unemployed (DAYS_EMPLOYED sentinel) or when unknown.
    employment_years: float | None = None
    family_status: str | None = None
    children: int | None = None
    housing: str | None = None
    contract_type: str | None = None
    education: str | None = None
    occupation: str | None = None
    income_type: str | None = None
    owns_car: bool | None = None
    owns_realty: bool | None = None


class ClientInfo(_Model):
    client_id: int
    profile: ClientProfile
    #: The same facts (and a few more) labelled and formatted for display, in card order.
    fields: list[ClientField]


# --------------------------------------------------------------------------- scoring requests


def _drop_null(schema: dict[str, Any]) -> None:
    """Documents an optional field as "omit it" rather than "send null": the property keeps the
    non-null type only (Python still sees None when it is absent)."""
    options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)


#: Default of an optional field that callers omit rather than set to null.
_OMIT_NOT_NULL: Any = Field(None, json_schema_extra=_drop_null)


class _Request(BaseModel):
    """Base of every request body: unknown fields refused, and refused at the FIRST one; an
    explicit null refused where the schema says "omit the field" (`_OMIT_NOT_NULL`).

    pydantic's `extra="forbid"` reports every unknown key of a record, so a 1 MB body of 60,000
    made-up keys cost seconds of CPU and a 7 MB error; this check runs before the fields are
    validated, costs one set difference, and names the first unknown key only (with the number
    of others and, when one is close, the field that was probably meant). `extra="forbid"` stays
    so that OpenAPI says `additionalProperties: false`.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            fields = cls.model_fields
            unknown = data.keys() - fields.keys()
            if unknown:
                first = next(key for key in data if key in unknown)
                raise _unknown_field(first, len(unknown), fields)
            for name, value in data.items():
                if value is None and fields[name].json_schema_extra is _drop_null:
                    # The schema says "omit it" (an exactly-one-of choice counts a present
                    # key as given): an explicit null would be read as absent, so refuse it.
                    raise PydanticCustomError(
                        "null_forbidden",
                        "null is not a value here: omit the field instead",
                        {"field": name, "expected": "the field omitted, or a value"},
                    )
        return data


def _unknown_field(name: object, count: int, fields: dict[str, Any]) -> PydanticCustomError:
    import difflib  # only on this error path

    text = str(name)[:100]
    close = difflib.get_close_matches(text, list(fields), n=1)
    expected = f"'{close[0]}'?" if close else "a field listed in the OpenAPI schema"
    others = f" (and {count - 1} other unknown fields)" if count > 1 else ""
    return PydanticCustomError(
        "extra_forbidden",
        "unknown field '{field}'" + others,
        {"field": text, "expected": expected},
    )


_INT32 = MAX_CLIENT_ID
#: JSON types per contract kind, strict: an integer column takes a JSON integer (12 or 12.0,
#: never `true` or `"12"`), a number column a JSON number, a text column a JSON string.
_KIND_TYPES: dict[Kind, Any] = {
    Kind.INT: json_integer(-_INT32 - 1, _INT32),
    Kind.FLOAT: Annotated[float, Strict(), Field(allow_inf_nan=False)],
    Kind.TEXT: Annotated[str, Strict(), Field(max_length=200)],
}

#: The application fields a JSON applicant MUST give: without them the model cannot decide, so
#: the API answers 422 naming each one missing instead of scoring a blank as an average client.
#: The loan (contract type, credit, annuity, goods price) and the applicant's capacity to repay
#: (income, age, employment length, income type, employer type, education): the facts the model
#: leans on most that every real applicant has. External scores (EXT_SOURCE_*) stay optional:
#: they are often legitimately missing, above all for the thin-file clients this product is
#: for. How the list was chosen, with figures: docs/minimum-applicant-fields.md.
MINIMUM_APPLICATION_FIELDS: tuple[str, ...] = (
    "NAME_CONTRACT_TYPE",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "AMT_INCOME_TOTAL",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "NAME_INCOME_TYPE",
    "ORGANIZATION_TYPE",
    "NAME_EDUCATION_TYPE",
)


def _column_type(table: str, name: str, kind: Kind) -> Any:
    """The column's strict JSON type; a text column with a known vocabulary is one of its levels
    (an `enum` in OpenAPI; anything else gets 422 listing the allowed values)."""
    levels = known_levels(table, name)
    if levels is not None:
        return Literal[levels]  # type: ignore[valid-type]
    return _KIND_TYPES[kind]


def _record_model(table: str, model_name: str, required: tuple[str, ...] = ()) -> type[BaseModel]:
    """One row of a contract table as a pydantic model, generated from shared.tables so OpenAPI
    lists every field: typed by kind, text columns limited to their levels, unknown columns
    refused, every column optional (null = unknown) except the `required` ones."""
    fields: dict[str, Any] = {}
    for column in TABLES[table].columns:
        kind = _column_type(table, column.name, column.kind)
        if column.name in required:
            fields[column.name] = (kind, Field(description="required"))
        else:
            # null is a legitimate "unknown" here (and documented as such in the schema)
            fields[column.name] = (kind | None, None)
    note = f"; required: {', '.join(required)}" if required else ""
    return create_model(  # type: ignore[call-overload, no-any-return]
        model_name,
        __base__=_Request,
        __doc__=f"One row of {table}.csv (null or absent = unknown{note}).",
        **fields,
    )


ApplicationRecord = _record_model(
    "application_test", "ApplicationRecord", required=MINIMUM_APPLICATION_FIELDS
)
BureauRecord = _record_model("bureau", "BureauRecord")
BureauBalanceRecord = _record_model("bureau_balance", "BureauBalanceRecord")
PreviousApplicationRecord = _record_model("previous_application", "PreviousApplicationRecord")
PosCashRecord = _record_model("POS_CASH_balance", "PosCashRecord")
InstallmentRecord = _record_model("installments_payments", "InstallmentRecord")
CreditCardRecord = _record_model("credit_card_balance", "CreditCardRecord")
_MAX_ROWS = 10_000


class Applicant(_Request):
    """A new applicant submitted as JSON: application fields and optional side-table rows.

    Field names and types are those of the Kaggle tables (application_test.csv; SK_ID_CURR
    optional). Every side-table row belongs to this applicant: its SK_ID_CURR, if given, is
    replaced by the applicant's; bureau_balance rows link to bureau rows by SK_ID_BUREAU.
    The fields of MINIMUM_APPLICATION_FIELDS are required; any other missing field is an
    unknown value. Unknown field names, wrongly typed values and category labels outside a
    column's levels (shared/levels.py) are rejected (422). The API also caps the side-table rows
    of one applicant (SCORING_MAX_SIDE_ROWS, 413); the per-list bound below is a hard ceiling.
    """

    application: ApplicationRecord  # type: ignore[valid-type]
    bureau: Annotated[list[BureauRecord], Field(max_length=_MAX_ROWS)] = []  # type: ignore[valid-type]
    bureau_balance: Annotated[list[BureauBalanceRecord], Field(max_length=_MAX_ROWS)] = []  # type: ignore[valid-type]
    previous_application: Annotated[
        list[PreviousApplicationRecord], Field(max_length=_MAX_ROWS)
    ] = []  # type: ignore[valid-type]
    POS_CASH_balance: Annotated[list[PosCashRecord], Field(max_length=_MAX_ROWS)] = []  # type: ignore[valid-type]
    installments_payments: Annotated[list[InstallmentRecord], Field(max_length=_MAX_ROWS)] = []  # type: ignore[valid-type]
    credit_card_balance: Annotated[list[CreditCardRecord], Field(max_length=_MAX_ROWS)] = []  # type: ignore[valid-type]

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """The submitted rows as plain dicts (only the fields the caller gave)."""
        dumped = self.model_dump(exclude_unset=True)
        application = dumped.pop("application", {})
        return {"application": [application], **dumped}


def _exactly_one_of(*names: str) -> dict[str, Any]:
    """JSON Schema for "exactly one of these properties", so OpenAPI states the rule too."""
    return {"oneOf": [{"required": [name]} for name in names]}


class ScoreItem(_Request):
    """Exactly one of a known client's ID or a JSON applicant."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_exactly_one_of("client_id", "applicant")
    )

    client_id: ClientIdValue | None = _OMIT_NOT_NULL
    applicant: Applicant | None = _OMIT_NOT_NULL

    @model_validator(mode="after")
    def _exactly_one(self) -> ScoreItem:
        if (self.client_id is None) == (self.applicant is None):
            raise ValueError("give exactly one of 'client_id' or 'applicant'")
        return self


class ScoreRequest(_Request):
    """Body of /v1/predict: {"client_id": ...}, {"applicant": {...}} or {"items": [...]}."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_exactly_one_of("client_id", "applicant", "items")
    )

    client_id: ClientIdValue | None = _OMIT_NOT_NULL
    applicant: Applicant | None = _OMIT_NOT_NULL
    items: Annotated[list[ScoreItem], Field(min_length=1)] | None = _OMIT_NOT_NULL

    @model_validator(mode="after")
    def _exactly_one(self) -> ScoreRequest:
        given = sum(x is not None for x in (self.client_id, self.applicant, self.items))
        if given != 1:
            raise ValueError("give exactly one of 'client_id', 'applicant' or 'items'")
        return self

    def as_items(self) -> list[ScoreItem]:
        if self.items is not None:
            return self.items
        # Already validated as part of this request: built without a second validation.
        return [ScoreItem.model_construct(client_id=self.client_id, applicant=self.applicant)]

    @property
    def is_batch(self) -> bool:
        return self.items is not None


class ExplainRequest(ScoreRequest):
    """Body of /v1/explain: as /v1/predict, plus how many single contributions to list."""

    #: The largest contributions (by absolute value) listed one by one; the others are summed in
    #: `other_contribution`. None lists every feature with a non-zero contribution.
    max_features: json_integer(1, 5_000) | None = 30  # type: ignore[valid-type]


# --------------------------------------------------------------------------- scoring responses


class Prediction(_Model):
    #: The client's ID, or None for a JSON applicant (then `payload_sha256` identifies it).
    client_id: int | None = None
    payload_sha256: str | None = None
    probability: float = Field(ge=0, le=1)
    decision: Decision
    threshold: float
    #: probability - threshold: negative means granted, the magnitude says by how much.
    distance: float
    model_version: str
    #: Which model of the bundle answered: "refit" (trained on every training applicant: test
    #: applicants and JSON applicants) or "fold-<k>" (a cross-fitting model that never saw this
    #: training applicant, so its score does not know the applicant's outcome).
    model: str = Field(pattern=r"^(refit|fold-[0-9]+)$")


class PredictionBatch(_Model):
    items: list[Prediction]


class FeatureContribution(_Model):
    name: str
    label_fr: str
    label_en: str
    group: str
    unit: str
    value: float | None
    display_fr: str
    display_en: str
    #: SHAP value in log-odds: positive raises the risk of default.
    contribution: float
    #: The same contribution in probability (0.01 = one percentage point): the log-odds value
    #: times Explanation.points_per_log_odds, so all of them add up to probability minus
    #: base_probability.
    probability_points: float = 0.0


class GroupContribution(_Model):
    group: str
    label_fr: str
    label_en: str
    contribution: float
    #: The group's contribution in probability, converted like FeatureContribution's.
    probability_points: float = 0.0


class Reason(_Model):
    """One factor read to the client in one plain sentence per language."""

    feature: str
    label_fr: str
    label_en: str
    group: str
    value: float | None
    display_fr: str
    display_en: str
    #: Share of the population (0-100) with a lower value; None when not comparable.
    percentile: float | None
    contribution: float
    direction: Literal["raises", "lowers"]
    sentence_fr: str
    sentence_en: str


class Reasons(_Model):
    #: Up to four factors that pushed the risk up, strongest first.
    raises: list[Reason]
    #: Up to four factors that pulled the risk down, strongest first.
    lowers: list[Reason]


class Explanation(Prediction):
    #: Expected raw model output (log-odds) over the training data: where every client starts.
    base_value: float
    #: base_value + all contributions: the model's raw output for this client (log-odds).
    raw_output: float
    #: The probability of a client at base_value (the average client's score), calibrated like
    #: `probability`: the starting point of the explanation read in probability.
    base_probability: float = Field(0.0, ge=0, le=1)
    #: (probability - base_probability) / (raw_output - base_value): every log-odds
    #: contribution times this is its share of the probability difference, so the contributions
    #: in probability add up exactly to probability - base_probability (docs/
    #: client-summary-and-recourse.md). The derivative of the probability at base_value when
    #: raw_output equals base_value.
    points_per_log_odds: float = 0.0
    contributions: list[FeatureContribution]
    #: Sum of the contributions not listed one by one (see ExplainRequest.max_features).
    other_contribution: float
    #: other_contribution in probability.
    other_points: float = 0.0
    groups: list[GroupContribution]
    reasons: Reasons


class ExplanationBatch(_Model):
    items: list[Explanation]


# --------------------------------------------------------------------------- features


class FeatureSummary(_Model):
    name: str
    label_fr: str
    label_en: str
    unit: str
    group: str
    group_label_fr: str
    group_label_en: str
    family: str
    categorical: bool
    description_fr: str = ""
    description_en: str = ""
    #: Mean |SHAP| over the training sample; features are listed by decreasing importance.
    importance: float
    rank: int
    #: True when /v1/features/{name}/distribution has population statistics for it.
    has_distribution: bool


class GroupImportance(_Model):
    group: str
    label_fr: str
    label_en: str
    importance: float


class FeatureList(_Model):
    features: list[FeatureSummary]
    groups: list[GroupImportance]


class SimilarGroup(_Model):
    """Who counts as 'similar' to the client: same age band, income band and contract type."""

    age_band: str
    income_band: str
    contract_type: str
    size: int


class FeatureDistribution(_Model):
    name: str
    label_fr: str
    label_en: str
    unit: str
    categorical: bool
    #: Numeric features: histogram edges (len = counts + 1). Categorical: the level labels.
    bin_edges: list[float] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    #: The same levels in French (same order), for the French interface; empty when unknown.
    categories_fr: list[str] = Field(default_factory=list)
    all: list[int]
    repaid: list[int]
    defaulted: list[int]
    #: Similar clients' histogram on the same bins (only when client_id is given).
    similar: list[int] | None = None
    similar_group: SimilarGroup | None = None
    #: Clients whose value is missing, per population.
    missing_all: int = 0
    missing_repaid: int = 0
    missing_defaulted: int = 0
    missing_similar: int | None = None
    client_id: int | None = None
    client_value: float | None = None
    client_display_fr: str | None = None
    client_display_en: str | None = None
    client_percentile: float | None = None


class BivariateAxis(_Model):
    name: str
    label_fr: str
    label_en: str
    unit: str


class BivariateClient(_Model):
    client_id: int
    x: float | None
    y: float | None
    probability: float


class Bivariate(_Model):
    """A reproducible sample of the population, column-wise (same length lists)."""

    x_axis: BivariateAxis
    y_axis: BivariateAxis
    x: list[float | None]
    y: list[float | None]
    #: 1 defaulted, 0 repaid, None unknown (application_test clients).
    outcome: list[int | None]
    probability: list[float]
    sample_size: int
    population_size: int
    threshold: float
    client: BivariateClient | None = None


# --------------------------------------------------------------------------- what-if


class WhatIfField(_Model):
    """A term of the request an advisor may change, with its allowed range.

    Asked for one client, `minimum` and `maximum` are that client's bounds (inclusive): 30-100 %
    of the amount and goods price requested, the term within the product's limits in whole
    months (`step` 1), the instalment between the smallest amount over the longest term and the
    full amount over the shortest. Without a client only the outer sanity range is known
    (`minimum_exclusive`, `maximum`)."""

    name: str
    label_fr: str
    label_en: str
    unit: str
    minimum_exclusive: float
    maximum: float
    #: Inclusive client-relative lower bound (None without a client).
    minimum: float | None = None
    #: Granularity of the value: 1 for the term (whole months), None for amounts.
    step: float | None = None
    #: False when this client's application lacks the field (no goods price, say).
    changeable: bool = True
    #: The client's current value when asked for one client (the term: the inferred one).
    current: float | None = None


class LoanTermsInfo(_Model):
    """The client's loan as the application implies it (shared/loan_terms.py): the term is the
    shortest standard product term the recorded instalment fits, the rate the one at which that
    term and the amount give exactly the recorded instalment."""

    credit: float
    annuity: float
    term_months: int
    #: Monthly rate implied by the application (0.0125 = 1.25 % a month).
    monthly_rate: float
    #: 12 x monthly_rate, as offers quote it.
    annual_rate: float
    min_term: int
    max_term: int


class WhatIfFields(_Model):
    fields: list[WhatIfField]
    #: The client's loan terms (None without a client, or without amount and instalment).
    loan: LoanTermsInfo | None = None


#: Fields a what-if may change -> outer sanity range (exclusive minimum, inclusive maximum); the
#: API then applies the client-relative bounds of /v1/what-if/fields. "TERM_MONTHS" is the term
#: in whole months: the instalment follows at the client's product rate (so not both at once).
WHAT_IF_RANGES: dict[str, tuple[float, float]] = {
    "AMT_CREDIT": (0, 10_000_000),
    "TERM_MONTHS": (0, 600),
    "AMT_ANNUITY": (0, 1_000_000),
    "AMT_GOODS_PRICE": (0, 10_000_000),
}

_CHANGES_SCHEMA: dict[str, Any] = {
    "properties": {
        name: {"type": "number", "exclusiveMinimum": lo, "maximum": hi}
        | ({"multipleOf": 1} if name == "TERM_MONTHS" else {})
        for name, (lo, hi) in WHAT_IF_RANGES.items()
    },
    "additionalProperties": False,
    "minProperties": 1,
    "not": {"required": ["TERM_MONTHS", "AMT_ANNUITY"]},
}


class WhatIfRequest(_Request):
    client_id: ClientIdValue
    #: Term of the request -> new value, e.g. {"AMT_CREDIT": 300000, "TERM_MONTHS": 24}.
    #: The schema lists the changeable fields; anything else gets a 422 naming the field, the
    #: value and the allowed fields or range (checked by the API, not here, to say why).
    changes: dict[str, Annotated[float, Strict()]] = Field(
        min_length=1, json_schema_extra=_CHANGES_SCHEMA
    )


class AppliedChange(_Model):
    """One field of the request as scored: the instalment appears whenever the amount, the term
    or the instalment itself changed (it is recomputed at the product's rate)."""

    field: str
    before: float | None
    after: float


class ReasonChange(_Model):
    feature: str
    label_fr: str
    label_en: str
    before: float | None
    after: float | None
    #: "new" entered the top reasons, "gone" left them, "kept" in both.
    status: Literal["new", "gone", "kept"]
    direction: Literal["raises", "lowers"]


class WhatIfResult(_Model):
    client_id: int
    changes: list[AppliedChange]
    before: Prediction
    after: Prediction
    #: after.probability - before.probability
    probability_change: float
    decision_changed: bool
    reasons_before: Reasons
    reasons_after: Reasons
    reason_changes: list[ReasonChange]


# --------------------------------------------------------------------------- recourse


class RecourseRequest(_Request):
    client_id: ClientIdValue


class RecourseOption(_Model):
    """An alternative request that would be granted: post `changes` to /v1/what-if and the same
    model answers with the same probability and decision."""

    #: The what-if changes of this option (only the fields that differ from the request).
    changes: dict[str, float]
    probability: float = Field(ge=0, le=1)
    decision: Decision
    #: The request as it would be: amount, whole-month term, instalment, goods price.
    credit_amount: float
    term_months: int
    annuity: float
    goods_price: float | None = None
    #: Size of the change: the sum of the relative changes of amount, term and goods price
    #: (0.1 = ten per cent of the request); options come smallest first.
    change_size: float
    sentence_fr: str
    sentence_en: str


class RecourseResult(_Model):
    client_id: int
    #: "options": alternatives found; "already_granted": the request as it is would be granted;
    #: "none_within_bounds": no request within the bounds would be granted; "not_applicable":
    #: the application has no amount and instalment to vary.
    status: Literal["options", "already_granted", "none_within_bounds", "not_applicable"]
    #: The decision on the request as it is (exactly /v1/predict).
    current: Prediction
    #: Up to three alternatives, smallest change first, of different kinds (term only, amount
    #: only, amount with the goods price, ...).
    options: list[RecourseOption]
    #: What the search could change, as the what-if form shows it (client-relative bounds).
    fields: list[WhatIfField]
    #: How many alternative requests were scored.
    searched: int
    message_fr: str
    message_en: str


# --------------------------------------------------------------------------- audit


class AuditRecord(_Model):
    id: int
    time: datetime
    endpoint: str
    model_version: str
    caller: str
    client_id: int | None
    payload_sha256: str | None
    probability: float
    decision: Decision
    threshold: float
    latency_ms: float
    #: The signed-in person the dashboard spoke for (None: a machine caller, or before 1.1).
    user: str | None = None


class AccessRecord(_Model):
    """One row of the client-access log: who opened which client's file, or exported what."""

    id: int
    time: datetime
    caller: str
    user: str | None
    action: str
    client_id: int | None
    detail: str | None
