"""Governance documents read by the API and the dashboard: fairness report and advisor decisions.

Training writes fairness.json (FairnessReport) and model_card.md into the bundle; the API serves
them and records the advisors' final decisions (DecisionRecord). The models live here, with no
training import, so the API and the dashboard read them without the training stack.

Conventions, as in the manifest: positive = default = refused. The true-positive rate of a group
is the share of its defaulters the model refuses; the false-positive rate the share of its
good payers it refuses (the harm a fairness review looks at first); the approval rate the share
it grants.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from shared.bundle import FAIRNESS_FILE, MODEL_CARD_FILE  # noqa: F401 - re-exported
from shared.contract import ClientIdValue

#: Four-fifths rule: an approval-rate ratio below this between two groups is flagged.
DISPARATE_IMPACT_FLAG = 0.8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------
# Fairness
# ---------------------------------------------------------------------------------------------


class Estimate(_Strict):
    """A point value with its bootstrap 95 % interval (None where undefined, e.g. AUC of a
    group with a single class)."""

    value: float | None
    low: float | None = None
    high: float | None = None


class GroupMetrics(_Strict):
    group: str
    n: int
    defaults: int
    #: Observed default rate (TARGET mean).
    default_rate: Estimate
    #: Share granted at the threshold (probability below it).
    approval_rate: Estimate
    true_positive_rate: Estimate
    false_positive_rate: Estimate
    auc: Estimate
    #: Calibration: mean predicted probability next to default_rate.
    mean_predicted: Estimate
    #: Too few applicants for its ratios to mean anything: left out of the ratio and the gaps.
    small: bool = False


class AttributeFairness(_Strict):
    #: e.g. "CODE_GENDER", "AGE_BAND", "NAME_FAMILY_STATUS", "CODE_GENDER x AGE_BAND".
    attribute: str
    label_fr: str
    label_en: str
    groups: list[GroupMetrics]
    #: Lowest approval rate / highest, among groups that are not small.
    disparate_impact: float | None
    flagged: bool
    lowest_approval_group: str | None = None
    highest_approval_group: str | None = None
    #: Largest difference of true-positive rate between two groups that are not small.
    tpr_gap: float | None
    tpr_gap_groups: list[str] = Field(default_factory=list)
    #: Largest difference of false-positive rate (good payers refused).
    fpr_gap: float | None = None
    fpr_gap_groups: list[str] = Field(default_factory=list)


class FairnessReport(_Strict):
    """Group metrics on the honest out-of-fold predictions of the training applicants."""

    predictions: str = "out-of-fold"
    threshold: float
    n: int
    bootstrap_resamples: int
    seed: int
    confidence_level: float = 0.95
    min_group_size: int
    disparate_impact_flag: float = DISPARATE_IMPACT_FLAG
    library: str
    attributes: list[AttributeFairness]

    def attribute(self, name: str) -> AttributeFairness:
        for item in self.attributes:
            if item.attribute == name:
                return item
        raise KeyError(f"no attribute {name!r} in the fairness report")


# ---------------------------------------------------------------------------------------------
# Human oversight: the advisor's final decision
# ---------------------------------------------------------------------------------------------


class ReasonCode(_Strict):
    code: str
    label_fr: str
    label_en: str


#: Why an advisor departs from the model. Stable codes: exports and statistics group by them.
REASON_CODES: tuple[ReasonCode, ...] = (
    ReasonCode(
        code="additional_income",
        label_fr="Revenus complémentaires justifiés",
        label_en="Additional documented income",
    ),
    ReasonCode(
        code="guarantee",
        label_fr="Garantie ou caution apportée",
        label_en="Collateral or guarantor provided",
    ),
    ReasonCode(
        code="data_error",
        label_fr="Données du dossier erronées ou incomplètes",
        label_en="Application data wrong or incomplete",
    ),
    ReasonCode(
        code="relationship_history",
        label_fr="Historique de la relation client",
        label_en="Customer relationship history",
    ),
    ReasonCode(
        code="recent_incident",
        label_fr="Incident de paiement récent non pris en compte",
        label_en="Recent payment incident not in the data",
    ),
    ReasonCode(
        code="over_indebtedness",
        label_fr="Risque de surendettement",
        label_en="Over-indebtedness risk",
    ),
    ReasonCode(
        code="policy_exception",
        label_fr="Dérogation validée à la politique de crédit",
        label_en="Approved credit-policy exception",
    ),
    ReasonCode(code="other", label_fr="Autre motif (préciser)", label_en="Other (explain)"),
)


class ReasonCodes(RootModel[list[ReasonCode]]):
    """The answer of GET /v1/decisions/reasons (a JSON list)."""


REASON_CODE_VALUES = frozenset(r.code for r in REASON_CODES)
MAX_COMMENT = 2_000

Decision = Literal["grant", "refuse"]


class DecisionRequest(_Strict):
    """The advisor's final decision. Following the model needs nothing more; an override (a
    final decision different from the model's) needs a reason code and a comment."""

    #: Strict like every client ID in a body (shared/contract.py): not `true`, "1" or 1.0.
    client_id: ClientIdValue
    final_decision: Decision
    #: The schema lists the codes, so a caller (and schemathesis) knows "" is not one.
    reason_code: (
        Annotated[str, Field(json_schema_extra={"enum": sorted(REASON_CODE_VALUES)})] | None
    ) = None
    comment: str = Field("", max_length=MAX_COMMENT)

    @model_validator(mode="after")
    def _known_reason(self) -> DecisionRequest:
        if self.reason_code is not None and self.reason_code not in REASON_CODE_VALUES:
            raise ValueError(
                f"unknown reason_code {self.reason_code!r}; expected one of "
                f"{', '.join(sorted(REASON_CODE_VALUES))} (GET /v1/decisions/reasons)"
            )
        return self


class DecisionRecord(_Strict):
    """One recorded final decision, with what the model said at that moment."""

    #: Random identifier given when the decision is recorded (a UUID, hex).
    id: str
    time: datetime
    client_id: int
    final_decision: Decision
    model_decision: Decision
    override: bool
    reason_code: str | None
    comment: str
    probability: float
    threshold: float
    model_version: str
    #: Which model answered ("refit" or "fold-<k>").
    model: str
    #: The API key's name.
    caller: str
    #: The signed-in advisor the dashboard spoke for (None: a machine caller, or older files).
    user: str | None = None


class OverrideCount(_Strict):
    key: str
    count: int


class DecisionSummary(_Strict):
    """Override statistics the governance page shows."""

    total: int
    overrides: int
    override_rate: float | None
    by_reason: list[OverrideCount]
    #: "grant" (the model refused, the advisor granted) and "refuse" (the opposite).
    by_direction: list[OverrideCount]
