"""Turns each FeatureSpec into a FeatureInfo: a label in French and English, a unit and a group.

Why composed rather than written by hand: a label is generated from the same definition that
computes the column, so adding a feature labels it and a label cannot drift from what the model
actually sees. Wording rules, for labels read to clients inside a sentence ("Vos <label> ...
augmente le risque"): short noun phrases, sentence case, no jargon, French adjectives agreeing
with their noun.

An unknown column, derived key, subset or aggregation never stops training: it gets a readable
fallback (the key humanised) and a message in `problems`, and tests assert the real registry
produces none.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from shared.catalogue import BusinessGroup, FeatureCatalogue, FeatureInfo
from shared.tables import TABLES
from training.features.spec import FeatureSpec
from training.features.vocabulary import (
    APPLICATION_TABLES,
    Entity,
    Noun,
    Subset,
    Term,
    column_term,
    derived_term,
    distinct_words,
    entity,
    humanise,
    level_words,
    subset_words,
    table_group,
)


class FallbackLabelWarning(UserWarning):
    """A feature was labelled from its raw key because the vocabulary lacks a word for it."""


# --------------------------------------------------------------------------------------------
# French grammar: articles and agreement, just what the labels need.
# --------------------------------------------------------------------------------------------

_VOWEL_START = re.compile(r"^[aàâäeéèêëiîïoôöuùûüyœh]", re.IGNORECASE)


def _elides(word: str) -> bool:
    """ "le" + "âge" -> "l'âge". Mute h is the rule in our vocabulary (l'heure, l'historique)."""
    return bool(_VOWEL_START.match(word))


def _article(noun: Noun) -> str:
    """Definite article: "le ", "la ", "l'", "les "."""
    if noun.plural:
        return "les "
    if _elides(noun.fr):
        return "l'"
    return "le " if noun.gender == "m" else "la "


def _of_the(noun: Noun) -> str:
    """ "de" + definite article: "du ", "de la ", "de l'", "des "."""
    if noun.plural:
        return "des "
    if _elides(noun.fr):
        return "de l'"
    return "du " if noun.gender == "m" else "de la "


def _of(word: str) -> str:
    """ "de" before a bare plural noun: "Nombre de crédits", "Nombre d'échéances"."""
    return "d'" if _elides(word) else "de "


def _agree(forms: tuple[str, str, str, str], noun: Noun) -> str:
    """Pick masculine/feminine, singular/plural from (m, f, m pl, f pl)."""
    return forms[(2 if noun.plural else 0) + (1 if noun.gender == "f" else 0)]


def _known(noun: Noun) -> tuple[str, str, str, str]:
    return ("connu", "connue", "connus", "connues")


def _cap(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# Aggregation words.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Adjective:
    """An aggregation read as an adjective on the quantity: "Average debt", "Dette moyenne"."""

    en: str
    fr: tuple[str, str, str, str]
    #: French adjective goes before the noun ("Dernière dette") instead of after it.
    before: bool = False


_ADJECTIVES: dict[str, _Adjective] = {
    "mean": _Adjective("average", ("moyen", "moyenne", "moyens", "moyennes")),
    "median": _Adjective("median", ("médian", "médiane", "médians", "médianes")),
    "min": _Adjective("minimum", ("minimal", "minimale", "minimaux", "minimales")),
    "max": _Adjective("maximum", ("maximal", "maximale", "maximaux", "maximales")),
    "sum": _Adjective("total", ("total", "totale", "totaux", "totales")),
    "last": _Adjective("last", ("dernier", "dernière", "derniers", "dernières"), before=True),
    "first": _Adjective("first", ("premier", "première", "premiers", "premières"), before=True),
}

#: min/max of a position in time: the earliest date, not the "smallest" one.
_TEMPORAL: dict[str, _Adjective] = {
    "min": _Adjective(
        "earliest",
        ("le plus ancien", "la plus ancienne", "les plus anciens", "les plus anciennes"),
    ),
    "max": _Adjective(
        "latest",
        ("le plus récent", "la plus récente", "les plus récents", "les plus récentes"),
    ),
}

#: Aggregations worded "<Statistic> of the <quantity>".
_OF_STATISTICS: dict[str, tuple[str, str]] = {
    "var": ("variance", "variance"),
    "std": ("spread", "dispersion"),
}

#: Weighted mean where recent rows weigh more (installments' e^(days/365) weights).
_RECENCY = "recency_weighted_mean"
_RECENCY_FR = (
    "moyen pondéré par la récence",
    "moyenne pondérée par la récence",
    "moyens pondérés par la récence",
    "moyennes pondérées par la récence",
)
_COUNTS = frozenset({"count", "size", "len"})
_SHARES = frozenset({"share", "ratio_of_rows"})
#: Aggregations whose value is a fraction of rows, hence unit "%".
_FRACTIONS = _SHARES | {"mean_share"}
_SQUARED = {"EUR": "EUR²", "days": "days²", "months": "months²", "years": "years²"}

#: Aggregation -> (English, French) words for descriptions.
_DESCRIPTION_WORDS: dict[str, tuple[str, str]] = {
    "mean": ("mean", "moyenne"),
    "median": ("median", "médiane"),
    "min": ("minimum", "minimum"),
    "max": ("maximum", "maximum"),
    "sum": ("sum", "somme"),
    "last": ("last value", "dernière valeur"),
    "first": ("first value", "première valeur"),
    "var": ("variance", "variance"),
    "std": ("standard deviation", "écart type"),
    "count": ("number of rows", "nombre de lignes"),
    "size": ("number of rows", "nombre de lignes"),
    "nunique": ("number of distinct values", "nombre de valeurs distinctes"),
    "share": ("share of rows", "part des lignes"),
    "mean_share": ("mean per-row share", "moyenne des parts par ligne"),
    _RECENCY: ("recency-weighted mean", "moyenne pondérée par la récence"),
}


# --------------------------------------------------------------------------------------------
# Composition.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """The rows a statistic runs over, as phrases: "active bureau credits"."""

    en: str
    #: Bare French plural phrase (no article): "crédits actifs au bureau de crédit".
    fr: str
    #: Set when the subset is a suffix: it then ends the whole label ("(12 derniers mois)").
    en_suffix: str = ""
    fr_suffix: str = ""


def _rows(ent: Entity, subset: Subset | None) -> _Rows:
    if subset is None:
        return _Rows(ent.en, f"{ent.fr} {ent.fr_tail}")
    if subset.placement == "suffix":
        return _Rows(ent.en, f"{ent.fr} {ent.fr_tail}", subset.en, subset.fr(ent.gender))
    return _Rows(f"{subset.en} {ent.en}", f"{ent.fr} {subset.fr(ent.gender)} {ent.fr_tail}")


@dataclass
class _Context:
    spec: FeatureSpec
    problems: list[str]

    def note(self, message: str) -> None:
        self.problems.append(f"{self.spec.name}: {message}")


def _guess_unit(key: str) -> str:
    """Unit of a column the vocabulary lacks, from the contract's naming habits."""
    prefixes = (
        ("AMT_", "EUR"),
        ("DAYS_", "days"),
        ("MONTHS_", "months"),
        ("CNT_", "count"),
        ("FLAG_", "flag"),
        ("NFLAG_", "flag"),
        ("EXT_SOURCE", "score"),
        ("RATE_", "ratio"),
        ("SK_ID_", "id"),
    )
    upper = key.upper()
    return next((unit for prefix, unit in prefixes if upper.startswith(prefix)), "ratio")


def _term(ctx: _Context) -> Term | None:
    """Words for the quantity the spec aggregates; None for a plain row count."""
    spec = ctx.spec
    if spec.derived:
        term = derived_term(spec.derived)
        if term is None:
            ctx.note(f"no words for derived key {spec.derived!r}")
            return Term(Noun(humanise(spec.derived), humanise(spec.derived)), "ratio")
        return term
    if spec.column is None:
        return None
    term = column_term(spec.table, spec.column)
    if term is None:
        ctx.note(f"no words for column {spec.table}.{spec.column}")
        unit = _guess_unit(spec.column)
        if spec.categorical:
            unit = "category"
        return Term(Noun(humanise(spec.column), humanise(spec.column)), unit)
    return term


def _subset(ctx: _Context) -> Subset | None:
    key = ctx.spec.subset
    if key is None:
        return None
    words = subset_words(key)
    if words is None:
        ctx.note(f"no words for subset {key!r}")
        text = f"({humanise(key)})"
        return Subset(text, text, text, "suffix")
    return words


def _entity(ctx: _Context) -> Entity | None:
    table = ctx.spec.table
    if table in APPLICATION_TABLES or table == "application":
        return None
    ent = entity(table)
    if ent is None:
        ctx.note(f"no words for table {table!r}")
        return Entity(f"{humanise(table)} rows", "lignes", "f", humanise(table))
    return ent


def _compose(
    ctx: _Context, term: Term | None, ent: Entity | None, subset: Subset | None
) -> tuple[str, str]:
    """(English, French) label, before capitalisation."""
    spec = ctx.spec
    agg = spec.aggregation
    rows = _rows(ent, subset) if ent is not None else None
    if rows is None and subset is not None:
        # A subset on application rows (no entity): keep it visible as a suffix.
        rows_suffix = (subset.en, subset.fr("m"))
    else:
        rows_suffix = (rows.en_suffix, rows.fr_suffix) if rows else ("", "")

    def on(en: str, fr: str) -> tuple[str, str]:
        """Append "on <rows>" / "sur les <rows>" and any suffix subset."""
        if rows is not None:
            prep = ent.en_prep if ent else "on"
            en, fr = f"{en} {prep} {rows.en}", f"{fr} sur les {rows.fr}"
        return f"{en} {rows_suffix[0]}", f"{fr} {rows_suffix[1]}"

    def of_rows(
        en_lead: str, fr_lead: str, en_rest: str = "", fr_rest: str = ""
    ) -> tuple[str, str]:
        """ "Number of <rows> ...", "Nombre de <rows> ..." (rows are the object, no "on")."""
        if rows is None:
            return f"{en_lead} {en_rest}", f"{fr_lead} {fr_rest}"
        # "Part des crédits" (of the rows), "Nombre de crédits" (a count of rows).
        fr_link = _of(rows.fr) if fr_lead.startswith("Nombre") else "des "
        return (
            f"{en_lead} {rows.en} {en_rest} {rows_suffix[0]}",
            f"{fr_lead} {fr_link}{rows.fr} {fr_rest} {rows_suffix[1]}",
        )

    # Plain row count: "Number of active bureau credits".
    if term is None:
        if agg not in _COUNTS and agg is not None:
            ctx.note(f"aggregation {agg!r} without a column")
        if rows is None:
            ctx.note("a row count needs a side table")
            return "Number of rows", "Nombre de lignes"
        return of_rows("Number of", "Nombre")

    noun = term.noun
    level = spec.level
    if level is not None:
        level_en, level_fr = level_words(spec.column, level, spec.table)
        whose_en = f"whose {noun.en} is “{level_en}”"
        whose_fr = f"dont {_article(noun)}{noun.fr_full} est « {level_fr} »"
        if agg is None:
            if rows is None:
                return f"{noun.en}: {level_en}", f"{noun.fr_full} : {level_fr}"
            return on(f"{noun.en}: {level_en}", f"{noun.fr_full} : {level_fr}")
        if agg in _SHARES or agg == "mean":
            return of_rows("Share of", "Part", whose_en, whose_fr)
        if agg == "mean_share" and ent is not None and ent.sub_en:
            # Each row is itself a share of finer rows (a credit's months with this status).
            return on(
                f"average share of {ent.sub_en} {whose_en}",
                f"part moyenne des {ent.sub_fr} {whose_fr}",
            )
        if agg in _COUNTS or agg == "sum":
            return of_rows("Number of", "Nombre", whose_en, whose_fr)
        ctx.note(f"aggregation {agg!r} of a category level")
        return on(f"{agg} of {noun.en} “{level_en}”", f"{agg} de {noun.fr_full} « {level_fr} »")

    if agg is None:
        return on(noun.en, noun.fr_full)

    is_flag = term.unit == "flag"
    if is_flag and rows is not None:
        # The mean of a yes/no quantity is a share of rows: "Share of ... with insurance".
        en_with = noun.en_with or f"with {noun.en}"
        fr_with = noun.fr_with or f"avec {noun.fr_full}"
        if agg in _SHARES or agg == "mean":
            return of_rows("Share of", "Part", en_with, fr_with)
        if agg == "sum":
            return of_rows("Number of", "Nombre", en_with, fr_with)
        if agg == _RECENCY:
            return of_rows(
                "Recency-weighted share of", "Part pondérée par la récence", en_with, fr_with
            )

    if agg == _RECENCY:
        form = _agree(_RECENCY_FR, noun)
        return on(f"recency-weighted average {noun.en}", f"{noun.fr_full} {form}")

    if noun.temporal and agg == "sum":
        # Dates do not add up into a date: say plainly that the values were summed.
        return on(
            f"sum of the {noun.en} values",
            f"somme des valeurs {_of_the(noun)}{noun.fr_full}",
        )

    adjective = (_TEMPORAL if noun.temporal else {}).get(agg) or _ADJECTIVES.get(agg)
    if adjective is not None:
        form = _agree(adjective.fr, noun)
        en = f"{adjective.en} {noun.en}"
        if adjective.before:
            fr = f"{form} {noun.fr_full}"
        elif agg in _TEMPORAL and noun.temporal:
            fr = f"{noun.fr_full} {form}"
        else:
            fr = f"{noun.fr} {form} {noun.fr_tail}"
        return on(en, fr)

    if agg in _OF_STATISTICS:
        stat_en, stat_fr = _OF_STATISTICS[agg]
        return on(f"{stat_en} of the {noun.en}", f"{stat_fr} {_of_the(noun)}{noun.fr_full}")

    if agg == "nunique" and spec.column is not None:
        distinct = distinct_words(spec.table, spec.column)
        if distinct is not None:
            en_things, fr_things = distinct
            return f"Number of {en_things} {rows_suffix[0]}", (
                f"Nombre {_of(fr_things)}{fr_things} {rows_suffix[1]}"
            )
    if agg == "nunique":
        return on(
            f"number of distinct values of the {noun.en}",
            f"nombre de valeurs distinctes {_of_the(noun)}{noun.fr_full}",
        )

    if agg in _COUNTS:
        known = _agree(_known(noun), noun)
        return of_rows(
            "Number of",
            "Nombre",
            f"with a known {noun.en}",
            f"dont {_article(noun)}{noun.fr_full} est {known}",
        )

    if agg in _SHARES:
        return of_rows("Share of", "Part", f"with {noun.en}", f"avec {noun.fr_full}")

    ctx.note(f"no words for aggregation {agg!r}")
    return on(f"{humanise(agg)} of the {noun.en}", f"{humanise(agg)} {_of_the(noun)}{noun.fr_full}")


def _unit(spec: FeatureSpec, term: Term | None) -> str:
    agg = spec.aggregation
    if term is None or agg in _COUNTS or agg == "nunique":
        return "count"
    if spec.level is not None:
        if agg is None:
            return "flag"
        return "count" if agg == "sum" else "%"
    if agg in _FRACTIONS:
        return "%"
    if term.unit == "flag" and agg in ("mean", _RECENCY):
        return "%"
    if term.unit == "flag" and agg == "sum":
        return "count"
    if agg == "var":
        return _SQUARED.get(term.unit, term.unit)
    if spec.categorical:
        return "category"
    return term.unit


def _group(ctx: _Context, term: Term | None) -> BusinessGroup:
    spec = ctx.spec
    from_table = table_group(spec.table)
    if from_table is not None:
        return from_table
    if term is not None and term.group is not None:
        return term.group
    ctx.note(f"no business group for table {spec.table!r}")
    return BusinessGroup.INCOME_AND_LOAN


def _descriptions(spec: FeatureSpec) -> tuple[str, str]:
    """A technical note for the dashboard's tooltips: how the value is computed, from what."""
    quantity = spec.derived or spec.column or "rows"
    en_parts: list[str] = []
    fr_parts: list[str] = []
    if spec.aggregation:
        agg_en, agg_fr = _DESCRIPTION_WORDS.get(spec.aggregation, (spec.aggregation,) * 2)
        en_parts.append(f"{agg_en} of {quantity} over the client's {spec.table} rows")
        fr_parts.append(f"{agg_fr} de {quantity} sur les lignes {spec.table} du client")
    else:
        en_parts.append(f"{quantity} from {spec.table}")
        fr_parts.append(f"{quantity} issu de {spec.table}")
    if spec.subset:
        en_parts.append(f"subset: {spec.subset}")
        fr_parts.append(f"sous-ensemble : {spec.subset}")
    if spec.level is not None:
        # The source text stays in the French note (it is what the data files contain).
        level_fr = level_words(spec.column, spec.level, spec.table)[1]
        shown = level_fr if level_fr == spec.level else f"{level_fr} ({spec.level})"
        en_parts.append(f"level: {spec.level}")
        fr_parts.append(f"modalité : {shown}")
    en, fr = "; ".join(en_parts) + ".", "; ".join(fr_parts) + "."
    table = TABLES.get(spec.table)
    if table is not None and spec.column in table and not spec.derived:
        source = table.column(spec.column).description.strip()
        if source:
            en += f" Source: {source}"
    return _cap(en), _cap(fr)


def describe(spec: FeatureSpec, problems: list[str] | None = None) -> FeatureInfo:
    """The FeatureInfo of one spec; vocabulary gaps go to `problems` (or a warning if None)."""
    ctx = _Context(spec, [])
    term = _term(ctx)
    ent = _entity(ctx)
    subset = _subset(ctx)
    en, fr = _compose(ctx, term, ent, subset)
    description_en, description_fr = _descriptions(spec)
    info = FeatureInfo(
        name=spec.name,
        label_fr=_cap(fr),
        label_en=_cap(en),
        unit=_unit(spec, term),
        group=_group(ctx, term),
        family=spec.family,
        categorical=spec.categorical,
        description_en=description_en,
        description_fr=description_fr,
    )
    if problems is not None:
        problems.extend(ctx.problems)
    else:
        for message in ctx.problems:
            warnings.warn(message, FallbackLabelWarning, stacklevel=2)
    return info


def _disambiguate(
    infos: list[FeatureInfo], attribute: str, problems: list[str]
) -> list[FeatureInfo]:
    """Make labels unique in one language by appending the feature name to repeated ones."""
    counts = Counter(getattr(info, attribute) for info in infos)
    if all(n == 1 for n in counts.values()):
        return infos
    out: list[FeatureInfo] = []
    seen: dict[str, list[str]] = defaultdict(list)
    for info in infos:
        label = getattr(info, attribute)
        if counts[label] > 1:
            seen[label].append(info.name)
            info = info.model_copy(update={attribute: f"{label} ({info.name})"})
        out.append(info)
    for label, names in seen.items():
        problems.append(f"{attribute} {label!r} shared by {', '.join(names)}")
    return out


def build_catalogue(
    specs: Iterable[FeatureSpec], problems: list[str] | None = None
) -> FeatureCatalogue:
    """Catalogue of every spec, labels unique per language.

    Vocabulary gaps and repeated labels are appended to `problems` (a FallbackLabelWarning each
    when it is None). Two specs with one name are a registry bug and raise ValueError.
    """
    collected: list[str] = []
    infos: list[FeatureInfo] = []
    names: set[str] = set()
    for spec in specs:
        if spec.name in names:
            raise ValueError(f"feature {spec.name!r} is declared twice")
        names.add(spec.name)
        infos.append(describe(spec, collected))
    infos = _disambiguate(infos, "label_en", collected)
    infos = _disambiguate(infos, "label_fr", collected)
    if problems is not None:
        problems.extend(collected)
    else:
        for message in collected:
            warnings.warn(message, FallbackLabelWarning, stacklevel=2)
    return FeatureCatalogue(features=infos)
