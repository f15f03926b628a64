"""The top reasons of a decision, each as one sentence an advisor can read to the client.

A SHAP contribution says how much a feature moved this client's score; on its own it means
nothing to a client. A reason names the factor in words, gives the client's value, and places it
in the population ("lower than that of 80 % of clients", from the training percentiles stored in
reference.json), then says which way it moved the estimated risk. French sentences avoid gender
agreement with the (unknown) gender of the label's noun by agreeing with "valeur" instead; each
language writes its own numbers ("80 %" with a narrow no-break space in French, "80%" in
English). A value that cannot be compared (a flag, a category, an unknown) reads as
"Label: value" in both languages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from api.formatting import NBSP, NNBSP, format_value, percent
from shared.contract import Reason, Reasons

MAX_REASONS = 4
#: Percentiles this close to 50 are described as "close to the median" rather than higher/lower.
_MEDIAN_BAND = 5.0


@dataclass(frozen=True)
class FeatureText:
    """What the reasons need to know about one feature, prepared once at start-up."""

    name: str
    label_fr: str
    label_en: str
    group: str
    unit: str
    #: Level labels of a categorical feature (code i -> levels[i]).
    levels: list[str] | None
    #: Population percentiles 0..100 (101 values), or None when not comparable.
    percentiles: np.ndarray | None
    #: French words of `levels` (same order), so French sentences never quote English levels.
    levels_fr: list[str] | None = None

    def display(self, value: float | None, language: str) -> str:
        levels = self.levels_fr if language == "fr" and self.levels_fr else self.levels
        return format_value(value, self.unit, language, levels=levels)


def percentile_of(value: float, percentiles: np.ndarray) -> float:
    """Share of the population (0-100) below `value`, interpolating between stored percentiles.

    Ties (a plateau of equal percentiles, e.g. many zeros) get the middle of the plateau, so a
    client sharing the most common value is not described as higher than half the population.
    """
    lo = int(np.searchsorted(percentiles, value, side="left"))
    hi = int(np.searchsorted(percentiles, value, side="right"))
    if lo != hi:
        return float(np.clip((lo + hi - 1) / 2, 0, 100))
    if lo == 0:
        return 0.0
    if lo >= len(percentiles):
        return 100.0
    below, above = float(percentiles[lo - 1]), float(percentiles[lo])
    fraction = (value - below) / (above - below) if above > below else 0.5
    return float(np.clip(lo - 1 + fraction, 0, 100))


def comparable_percentile(text: FeatureText, value: float | None) -> float | None:
    """The percentile used in sentences, on the scale the value is DISPLAYED on.

    Day counts are negative in the data (days before the application) but shown as positive
    durations, so their percentile is mirrored: an older client has a more negative DAYS_BIRTH.
    """
    if value is None or math.isnan(value) or text.percentiles is None or text.levels:
        return None
    if text.unit == "flag" or len(text.percentiles) < 2:
        return None
    share = percentile_of(value, text.percentiles)
    if text.unit == "days" and float(text.percentiles[-1]) <= 0:
        share = 100.0 - share
    return round(share, 1)


def _lower_first(label: str) -> str:
    """ "External score 2" -> "external score 2", but "EXT_SOURCE" or "TV" stay as written."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def sentences(
    text: FeatureText, value: float | None, share: float | None, raises: bool
) -> tuple[str, str]:
    """(French, English) sentence for one factor."""
    effect_fr = "cela augmente le risque estimé" if raises else "cela diminue le risque estimé"
    effect_en = "this raises the estimated risk" if raises else "this lowers the estimated risk"
    label_en = _lower_first(text.label_en)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (
            f"{text.label_fr}{NBSP}: valeur inconnue{NNBSP}; {effect_fr}.",
            f"{text.label_en}: unknown; {effect_en}.",
        )
    shown_fr, shown_en = text.display(value, "fr"), text.display(value, "en")
    if share is None:
        # "Document 3 provided: no", "Contract type: Revolving loans": the label and the value
        # (a flag or a category) read as a fact; "Your document 3 provided (no)" did not.
        return (
            f"{text.label_fr}{NBSP}: {shown_fr}{NNBSP}; {effect_fr}.",
            f"{text.label_en}: {shown_en}; {effect_en}.",
        )
    if abs(share - 50) <= _MEDIAN_BAND:
        compare_fr = "est proche de la valeur médiane des clients"
        compare_en = "is close to the median client's"
    elif share > 50:
        compare_fr = f"est plus élevée que celle de {percent(share, 'fr')} des clients"
        compare_en = f"is higher than that of {percent(share, 'en')} of clients"
    else:
        compare_fr = f"est plus basse que celle de {percent(100 - share, 'fr')} des clients"
        compare_en = f"is lower than that of {percent(100 - share, 'en')} of clients"
    return (
        f"{text.label_fr}{NBSP}: votre valeur ({shown_fr}) {compare_fr}{NNBSP}; {effect_fr}.",
        f"Your {label_en} ({shown_en}) {compare_en}; {effect_en}.",
    )


def reason_for(text: FeatureText, value: float | None, contribution: float) -> Reason:
    value = None if value is None or math.isnan(value) else float(value)
    share = comparable_percentile(text, value)
    raises = contribution > 0
    sentence_fr, sentence_en = sentences(text, value, share, raises)
    return Reason(
        feature=text.name,
        label_fr=text.label_fr,
        label_en=text.label_en,
        group=text.group,
        value=value,
        display_fr=text.display(value, "fr"),
        display_en=text.display(value, "en"),
        percentile=share,
        contribution=float(contribution),
        direction="raises" if raises else "lowers",
        sentence_fr=sentence_fr,
        sentence_en=sentence_en,
    )


def top_reasons(
    texts: Sequence[FeatureText],
    values: np.ndarray,
    contributions: np.ndarray,
    limit: int = MAX_REASONS,
) -> Reasons:
    """The `limit` strongest factors each way (contributions exactly zero are not reasons)."""
    order = np.argsort(contributions, kind="stable")
    up = [int(i) for i in order[::-1][:limit] if contributions[i] > 0]
    down = [int(i) for i in order[:limit] if contributions[i] < 0]
    return Reasons(
        raises=[reason_for(texts[i], float(values[i]), float(contributions[i])) for i in up],
        lowers=[reason_for(texts[i], float(values[i]), float(contributions[i])) for i in down],
    )
