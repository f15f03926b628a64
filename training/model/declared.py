"""Every feature's declaration (spec and source columns), looked up by name without a state.

The model code receives feature names (the matrix's columns, possibly pruned); some modelling
choices need what a name stands for: its source column, aggregation and raw inputs (monotone
constraints, the plain baseline's column set). The registry declares every feature from the
specs of its family; declared here once with no fitted category levels, which only add one
share column per level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from training.features.spec import FeatureSpec


@dataclass(frozen=True)
class Declared:
    """What a feature is, as its family declares it."""

    spec: FeatureSpec
    #: Raw columns its expressions read (as the protected-attribute policy finds them).
    inputs: frozenset[str]


@cache
def declared_features() -> dict[str, Declared]:
    """Every feature the registry declares without fitted levels, by name.

    Absent: the level-dependent columns (one share per fitted category level, reading category
    columns only) and the features of the protected attributes, which no state serves.
    """
    from training.features import registry
    from training.features.protected import feature_inputs
    from training.features.state import FeatureState

    state = FeatureState(
        families=[f.name for f in registry.FAMILIES],
        feature_names=[],
        categorical={},
        levels={},
    )
    return {
        feature.spec.name: Declared(feature.spec, frozenset(feature_inputs(feature)))
        for _, blocks in registry.declared(state)
        for block in blocks
        for feature in block
    }
