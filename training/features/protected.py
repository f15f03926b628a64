"""Protected attributes: which application fields no feature may be built on, and the check.

The policy is `shared.tables.PROTECTED_ATTRIBUTES` (CODE_GENDER, for the legal reasons given
there) plus whatever the user adds with `scoring train --exclude-attribute NAME`. The result is
stored in the fitted FeatureState (`FeatureState.excluded`), and the registry drops every
feature whose inputs touch one of them, so batch training, the catalogue and online scoring of a
JSON applicant follow one policy through one code path.

"Built on" is decided from the feature's own Polars expressions (`Expr.meta.root_names`), not
from its name or spec: a direct field, its categorical code and a derived ratio such as
DAYS_EMPLOYED / DAYS_BIRTH are all caught, and a feature added later is caught without anyone
remembering to list it. As a second guard, the application rows lose the excluded columns
before any feature is computed, so an expression that still read one would fail, not leak.

Only families that read an application table are concerned: the attributes are the applicant's
own fields. A side-table column with the same name (previous_application NAME_CONTRACT_TYPE is
the type of a *previous* loan) is a different quantity and is not excluded by it.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.tables import APPLICATION_TABLES, CLIENT_ID, PROTECTED_ATTRIBUTES, TABLES, TARGET
from training.errors import UserFacingError
from training.features.family import Family, Feature

#: Application fields a user may exclude (everything but the key and the label).
EXCLUDABLE: tuple[str, ...] = tuple(
    c.name for c in TABLES["application_train"].columns if c.name not in (CLIENT_ID, TARGET)
)


def excluded_attributes(extra: Iterable[str] = ()) -> list[str]:
    """The default policy plus `extra`, in contract order; an unknown name is a clear error."""
    wanted = list(extra)
    unknown = [name for name in wanted if name not in EXCLUDABLE]
    if unknown:
        raise UserFacingError(
            f"--exclude-attribute {unknown[0]!r} is not an application column; expected one of "
            f"the fields of application_train.csv: {', '.join(EXCLUDABLE)}"
        )
    chosen = set(PROTECTED_ATTRIBUTES) | set(wanted)
    return [name for name in EXCLUDABLE if name in chosen]


def feature_inputs(feature: Feature) -> set[str]:
    """Source columns a feature reads: the roots of its expressions, minus the intermediate
    columns the pipeline itself names (`__...`)."""
    expressions = [feature.expr, *(e for _, e in feature.rows), *(e for _, e in feature.reductions)]
    roots = {name for e in expressions for name in e.meta.root_names()}
    return {name for name in roots if not name.startswith("__")}


def reads_application(family: Family) -> bool:
    return any(name in APPLICATION_TABLES for name in family.tables)


def allowed(family: Family, features: list[Feature], excluded: Iterable[str]) -> list[Feature]:
    """The features of one block that touch no excluded attribute."""
    banned = set(excluded)
    if not banned or not reads_application(family):
        return features
    return [f for f in features if not feature_inputs(f) & banned]
