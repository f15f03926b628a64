"""What the feature computation learns from the training data, stored as JSON beside the model.

Everything that would otherwise depend on "the data we happened to see" is fixed here once, on
application_train: the codes of application categoricals and the levels of side-table categories
that get one-hot shares. Scoring one applicant then needs only this state and that applicant's
rows, so a client's features never depend on other clients.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

#: Bumped when the meaning of a stored state changes; a model trained on another version is refused.
STATE_VERSION = 1


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
    #: Per-process memo of what is derived from the state (the declared expressions): building
    #: 700 Polars expressions costs ~10 ms, too much to repeat for every online applicant.
    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)

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
