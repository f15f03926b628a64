"""What the feature computation learns from the training data, stored as JSON beside the model.

Everything that would otherwise depend on "the data we happened to see" is fixed here once, on
application_train: the codes of application categoricals and the levels of side-table categories
that get one-hot shares. Scoring one applicant then needs only this state and that applicant's
rows, so a client's features never depend on other clients. The state also carries the policy
the features were built under (the protected attributes no feature may use), so the online path
applies exactly the policy of training.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from shared.tables import APPLICATION_TABLES, CLIENT_ID, PROTECTED_ATTRIBUTES, TABLES, TARGET

#: Bumped when the meaning of a stored state changes; a model trained on another version is refused.
#: 2: protected attributes excluded (`excluded`), XNA/XAP read as missing (no longer levels).
STATE_VERSION = 2


class FeatureState(BaseModel):
    """Fitted on training data only; JSON-serialisable, no pickles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = STATE_VERSION
    #: Families computed, in registry order (a subset when measuring what each family adds).
    families: list[str]
    #: Final column order of the matrix (without SK_ID_CURR).
    feature_names: list[str]
    #: Categorical feature -> ordered levels; the feature's value is the level's index.
    categorical: dict[str, list[str]]
    #: Side table -> category column -> levels that get a share column, most frequent first.
    levels: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    #: Application fields no feature is built on (shared.tables.PROTECTED_ATTRIBUTES plus the
    #: user's --exclude-attribute), in contract order. See training.features.protected.
    excluded: list[str] = Field(default_factory=lambda: list(PROTECTED_ATTRIBUTES))
    #: Per-process memo of what is derived from the state (the declared expressions): building
    #: 700 Polars expressions costs ~10 ms, too much to repeat for every online applicant.
    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("excluded")
    @classmethod
    def _keeps_the_policy(cls, names: list[str]) -> list[str]:
        """A state (hand-edited, or from a bundle) may add exclusions, never drop the default."""
        dropped = [name for name in PROTECTED_ATTRIBUTES if name not in names]
        if dropped:
            raise ValueError(
                f"excluded attributes {names} leave out {dropped}, which are never model inputs "
                "(shared.tables.PROTECTED_ATTRIBUTES)"
            )
        fields = TABLES[APPLICATION_TABLES[0]]
        unknown = [n for n in names if n not in fields or n in (CLIENT_ID, TARGET)]
        if unknown:
            raise ValueError(f"excluded attribute {unknown[0]!r} is not an application field")
        return names

    def __eq__(self, other: object) -> bool:
        # The memo is a cache, not part of what was fitted.
        return isinstance(other, FeatureState) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside: not hashable

    def to_json(self) -> str:
        return self.model_dump_json(indent=1)

    @classmethod
    def from_json(cls, text: str | bytes) -> FeatureState:
        state = cls.model_validate_json(text)
        if state.version != STATE_VERSION:
            from training.errors import UserFacingError

            raise UserFacingError(
                f"feature state version {state.version} is not supported; "
                f"expected {STATE_VERSION} (re-run `scoring features` or retrain)"
            )
        return state

    def memo(self, key: str, make: Any) -> Any:
        """`make()` computed once per state object and key."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def side_levels(self, table: str, column: str) -> list[str]:
        """Fitted levels of a side-table category (empty when the family was not fitted)."""
        return self.levels.get(table, {}).get(column, [])
