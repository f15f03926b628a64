"""THE list of feature families, in the order their columns appear in the matrix.

Batch training, the `features` command, the online path and the catalogue all read this list,
so adding a family here is the only step needed for it to be computed, served and labelled.
"""

from __future__ import annotations

from collections.abc import Iterable

from training.features import credit_card, installments, pos_cash, previous, protected
from training.features.application import APPLICATION
from training.features.bureau import BALANCE_FAMILY, BUREAU_FAMILY
from training.features.family import Family, Feature
from training.features.spec import FeatureSpec
from training.features.state import FeatureState

FAMILIES: tuple[Family, ...] = (
    APPLICATION,
    BUREAU_FAMILY,
    BALANCE_FAMILY,
    previous.FAMILY,
    pos_cash.FAMILY,
    installments.FAMILY,
    credit_card.FAMILY,
)

BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def select(names: Iterable[str] | None = None) -> tuple[Family, ...]:
    """Families by name in registry order; the application family is always included because
    it defines the rows (one per applicant) every other family joins onto."""
    if names is None:
        return FAMILIES
    wanted = set(names) | {APPLICATION.name}
    unknown = wanted - set(BY_NAME)
    if unknown:
        from training.errors import UserFacingError

        raise UserFacingError(
            f"unknown feature families {sorted(unknown)}; expected some of {list(BY_NAME)}"
        )
    return tuple(f for f in FAMILIES if f.name in wanted)


def declared(state: FeatureState) -> list[tuple[Family, list[list[Feature]]]]:
    """Each family with its blocks' features, built once per state (see FeatureState.memo).

    Features built on an excluded (protected) attribute are dropped here, the one place every
    consumer goes through: the fitted names, the batch matrix, the online path, the catalogue.
    """

    def make() -> list[tuple[Family, list[list[Feature]]]]:
        return [
            (
                family,
                [
                    protected.allowed(family, block.features(state), state.excluded)
                    for block in family.blocks
                ],
            )
            for family in select(state.families)
        ]

    return state.memo("declared", make)  # type: ignore[no-any-return]


def feature_specs(state: FeatureState) -> list[FeatureSpec]:
    """One spec per feature, in the matrix's column order."""
    return [f.spec for _, blocks in declared(state) for block in blocks for f in block]
