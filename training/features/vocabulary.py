"""Words for every contract column, aggregation, subset and derived quantity, in French and English.

Why a vocabulary rather than finished labels: the model has hundreds of features built from a
few dozen source columns, aggregations and row subsets. Naming each piece once and composing
labels from the FeatureSpec (see catalogue.py) keeps wording consistent across the dashboard
and the reasons read to clients, and makes a new feature labelled the moment it is declared.

French nouns are split into a head and a tail ("montant" + "accordé") because French puts
adjectives after the head noun and makes them agree with its gender: "Dette moyenne",
"Montant moyen accordé". English phrases are plain strings written in lower case.

Units are the raw ones (DAYS_* stays "days", negative in the past): converting days to years
is presentation, done by whoever displays the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared.catalogue import BusinessGroup as G
from shared.category_labels import level_label

Gender = Literal["m", "f"]

#: Every unit a FeatureInfo may carry. "%" marks a share stored as a fraction in [0, 1].
UNITS: frozenset[str] = frozenset(
    {
        "EUR",
        "EUR²",
        "days",
        "days²",
        "months",
        "months²",
        "years",
        "years²",
        "hour",
        "score",
        "flag",
        "count",
        "ratio",
        "%",
        "rating",
        "category",
        "id",
    }
)


@dataclass(frozen=True)
class Noun:
    """A noun phrase in both languages, in lower case, ready to be composed into a label."""

    #: English phrase: "amount granted".
    en: str
    #: French head noun phrase that adjectives follow: "montant".
    fr: str
    #: Grammatical gender of the French head.
    gender: Gender = "m"
    #: French complement placed after any adjective: "accordé" -> "montant moyen accordé".
    fr_tail: str = ""
    #: The French head is plural ("relevés mensuels"): adjectives take the plural form.
    plural: bool = False
    #: Values are positions in time (negative days before the application, months of a
    #: statement): "min" then reads "earliest", not "lowest", so the label never inverts.
    temporal: bool = False
    #: For yes/no quantities: how a row having it reads after an entity, e.g. "with insurance"
    #: -> "Share of previous applications with insurance". Empty when not a flag.
    en_with: str = ""
    fr_with: str = ""

    @property
    def fr_full(self) -> str:
        return f"{self.fr} {self.fr_tail}".strip()


@dataclass(frozen=True)
class Term:
    """How one column (or derived quantity) reads, what unit its values have, where it belongs."""

    noun: Noun
    unit: str
    #: Business group; None means "the group of the table it comes from".
    group: G | None = None


@dataclass(frozen=True)
class Entity:
    """What the rows of a side table are, plural: "bureau credits", "past instalments"."""

    en: str
    #: French head, plural: "crédits". Subset adjectives go right after it.
    fr: str
    gender: Gender
    fr_tail: str = ""
    #: English preposition linking an aggregated quantity to the rows: "on", "over".
    en_prep: str = "on"
    #: When each row summarises finer rows (a bureau credit's months), what those are, for
    #: "mean_share": "Average share of months whose status is ...". Plural, French masculine
    #: unless `sub_gender` says otherwise.
    sub_en: str = ""
    sub_fr: str = ""
    sub_gender: Gender = "m"


@dataclass(frozen=True)
class Subset:
    """A row filter applied before aggregating."""

    #: English adjective placed before the entity ("active"), or a suffix ("(last 12 months)").
    en: str
    #: French forms for a masculine and a feminine plural entity ("actifs", "actives").
    fr_m: str
    fr_f: str
    #: "adjective": qualifies the entity; "suffix": appended to the whole entity phrase.
    placement: Literal["adjective", "suffix"] = "adjective"

    def fr(self, gender: Gender) -> str:
        return self.fr_f if gender == "f" else self.fr_m


def N(
    en: str,
    fr: str,
    gender: Gender = "m",
    tail: str = "",
    *,
    plural: bool = False,
    temporal: bool = False,
    en_with: str = "",
    fr_with: str = "",
) -> Noun:
    """Short constructor so the tables below stay one line per column."""
    return Noun(en, fr, gender, tail, plural, temporal, en_with, fr_with)


def T(noun: Noun, unit: str, group: G | None = None) -> Term:
    return Term(noun, unit, group)


# --------------------------------------------------------------------------------------------
# Tables: their group, and what one row is.
# --------------------------------------------------------------------------------------------

#: Group of every feature computed from a side table; application columns carry their own.
TABLE_GROUPS: dict[str, G] = {
    "bureau": G.CREDIT_BUREAU,
    "bureau_balance": G.CREDIT_BUREAU,
    "previous_application": G.PREVIOUS_LOANS,
    "POS_CASH_balance": G.REPAYMENT_BEHAVIOUR,
    "installments_payments": G.REPAYMENT_BEHAVIOUR,
    "credit_card_balance": G.CARDS,
}

ENTITIES: dict[str, Entity] = {
    "bureau": Entity("bureau credits", "crédits", "m", "au bureau de crédit"),
    # The bureau_balance family summarises each credit's months first, then aggregates the
    # credits: its rows are bureau credits that have a monthly history.
    "bureau_balance": Entity(
        "bureau credits with a monthly history",
        "crédits",
        "m",
        "avec historique mensuel au bureau de crédit",
        sub_en="months",
        sub_fr="mois",
    ),
    "previous_application": Entity("previous applications", "demandes précédentes", "f"),
    "POS_CASH_balance": Entity(
        "monthly records of previous loans", "relevés mensuels", "m", "des prêts précédents", "over"
    ),
    "installments_payments": Entity("past instalments", "échéances passées", "f"),
    "credit_card_balance": Entity(
        "monthly card statements", "relevés mensuels", "m", "de carte de crédit", "over"
    ),
}

#: The application tables (train and test share their columns and words).
APPLICATION_TABLES: frozenset[str] = frozenset({"application_train", "application_test"})


# --------------------------------------------------------------------------------------------
# Application columns.
# --------------------------------------------------------------------------------------------

_INCOME, _JOB, _FAMILY = G.INCOME_AND_LOAN, G.EMPLOYMENT, G.AGE_AND_FAMILY
_HOUSING, _DOCS, _SCORES = G.HOUSING_AND_REGION, G.DOCUMENTS_AND_CONTACT, G.EXTERNAL_SCORES

_APPLICATION_EXPLICIT: dict[str, Term] = {
    "SK_ID_CURR": T(N("client ID", "identifiant", "m", "du client"), "id", _DOCS),
    "TARGET": T(
        N("repayment difficulties", "difficultés", "f", "de remboursement", plural=True),
        "flag",
        _INCOME,
    ),
    "NAME_CONTRACT_TYPE": T(
        N("loan type (cash or revolving)", "type", "m", "de prêt (espèces ou renouvelable)"),
        "category",
        _INCOME,
    ),
    "CODE_GENDER": T(N("gender", "sexe"), "category", _FAMILY),
    "FLAG_OWN_CAR": T(N("car ownership", "possession", "f", "d'une voiture"), "flag", _INCOME),
    "FLAG_OWN_REALTY": T(N("home ownership", "propriété", "f", "du logement"), "flag", _HOUSING),
    "CNT_CHILDREN": T(N("number of children", "nombre", "m", "d'enfants"), "count", _FAMILY),
    "AMT_INCOME_TOTAL": T(N("total income", "revenu total"), "EUR", _INCOME),
    "AMT_CREDIT": T(N("loan amount", "montant", "m", "du prêt"), "EUR", _INCOME),
    "AMT_ANNUITY": T(N("loan annuity", "annuité", "f", "du prêt"), "EUR", _INCOME),
    "AMT_GOODS_PRICE": T(N("price of the goods", "prix", "m", "du bien financé"), "EUR", _INCOME),
    "NAME_TYPE_SUITE": T(
        N("accompanying person", "accompagnant", "m", "lors de la demande"), "category", _FAMILY
    ),
    "NAME_INCOME_TYPE": T(N("income type", "type", "m", "de revenu"), "category", _JOB),
    "NAME_EDUCATION_TYPE": T(N("education level", "niveau", "m", "d'études"), "category", _FAMILY),
    "NAME_FAMILY_STATUS": T(N("family status", "situation familiale", "f"), "category", _FAMILY),
    "NAME_HOUSING_TYPE": T(
        N("housing situation", "type", "m", "de logement"), "category", _HOUSING
    ),
    "REGION_POPULATION_RELATIVE": T(
        N("population density of the region", "densité", "f", "de population de la région"),
        "ratio",
        _HOUSING,
    ),
    "DAYS_BIRTH": T(N("age", "âge"), "days", _FAMILY),
    "DAYS_EMPLOYED": T(
        N("time in current job", "ancienneté", "f", "dans l'emploi actuel"), "days", _JOB
    ),
    "DAYS_REGISTRATION": T(
        N("time since registration change", "ancienneté", "f", "de l'enregistrement"),
        "days",
        _DOCS,
    ),
    "DAYS_ID_PUBLISH": T(
        N("time since ID document change", "ancienneté", "f", "de la pièce d'identité"),
        "days",
        _DOCS,
    ),
    "OWN_CAR_AGE": T(N("age of the car", "âge", "m", "de la voiture"), "years", _INCOME),
    "FLAG_MOBIL": T(N("mobile phone provided", "téléphone portable", "m", "fourni"), "flag", _DOCS),
    "FLAG_EMP_PHONE": T(
        N("employer phone provided", "téléphone", "m", "de l'employeur fourni"), "flag", _DOCS
    ),
    "FLAG_WORK_PHONE": T(
        N("work phone provided", "téléphone professionnel", "m", "fourni"), "flag", _DOCS
    ),
    "FLAG_CONT_MOBILE": T(
        N("mobile phone reachable", "téléphone portable", "m", "joignable"), "flag", _DOCS
    ),
    "FLAG_PHONE": T(N("home phone provided", "téléphone fixe", "m", "fourni"), "flag", _DOCS),
    "FLAG_EMAIL": T(N("email provided", "adresse e-mail", "f", "fournie"), "flag", _DOCS),
    "OCCUPATION_TYPE": T(N("occupation", "profession"), "category", _JOB),
    "CNT_FAM_MEMBERS": T(N("household size", "taille", "f", "du foyer"), "count", _FAMILY),
    "REGION_RATING_CLIENT": T(
        N("rating of the home region", "note", "f", "de la région de résidence"), "rating", _HOUSING
    ),
    "REGION_RATING_CLIENT_W_CITY": T(
        N(
            "rating of the home region and city",
            "note",
            "f",
            "de la région et de la ville de résidence",
        ),
        "rating",
        _HOUSING,
    ),
    "WEEKDAY_APPR_PROCESS_START": T(
        N("application weekday", "jour", "m", "de la semaine de la demande"), "category", _DOCS
    ),
    "HOUR_APPR_PROCESS_START": T(
        N("application hour", "heure", "f", "de la demande"), "hour", _DOCS
    ),
    "REG_REGION_NOT_LIVE_REGION": T(
        N(
            "home region differs from registered region",
            "région",
            "f",
            "de résidence différente de la région déclarée",
        ),
        "flag",
        _HOUSING,
    ),
    "REG_REGION_NOT_WORK_REGION": T(
        N(
            "work region differs from registered region",
            "région",
            "f",
            "de travail différente de la région déclarée",
        ),
        "flag",
        _HOUSING,
    ),
    "LIVE_REGION_NOT_WORK_REGION": T(
        N(
            "work region differs from home region",
            "région",
            "f",
            "de travail différente de la région de résidence",
        ),
        "flag",
        _HOUSING,
    ),
    "REG_CITY_NOT_LIVE_CITY": T(
        N(
            "home city differs from registered city",
            "ville",
            "f",
            "de résidence différente de la ville déclarée",
        ),
        "flag",
        _HOUSING,
    ),
    "REG_CITY_NOT_WORK_CITY": T(
        N(
            "work city differs from registered city",
            "ville",
            "f",
            "de travail différente de la ville déclarée",
        ),
        "flag",
        _HOUSING,
    ),
    "LIVE_CITY_NOT_WORK_CITY": T(
        N(
            "work city differs from home city",
            "ville",
            "f",
            "de travail différente de la ville de résidence",
        ),
        "flag",
        _HOUSING,
    ),
    "ORGANIZATION_TYPE": T(
        N("employer's sector", "secteur", "m", "de l'employeur"), "category", _JOB
    ),
    "FONDKAPREMONT_MODE": T(
        N("building repair fund", "fonds", "m", "de rénovation de l'immeuble"), "category", _HOUSING
    ),
    "HOUSETYPE_MODE": T(N("type of dwelling", "type", "m", "d'habitation"), "category", _HOUSING),
    "TOTALAREA_MODE": T(
        N("total area of the building", "surface totale", "f", "de l'immeuble"), "ratio", _HOUSING
    ),
    "WALLSMATERIAL_MODE": T(N("wall material", "matériau", "m", "des murs"), "category", _HOUSING),
    "EMERGENCYSTATE_MODE": T(
        N("building in emergency state", "immeuble", "m", "en état d'urgence"), "category", _HOUSING
    ),
    "OBS_30_CNT_SOCIAL_CIRCLE": T(
        N(
            "acquaintances observed 30 days late",
            "proches",
            "m",
            "observés avec 30 jours de retard",
            plural=True,
        ),
        "count",
        _FAMILY,
    ),
    "DEF_30_CNT_SOCIAL_CIRCLE": T(
        N(
            "acquaintances in default after 30 days late",
            "proches",
            "m",
            "en défaut après 30 jours de retard",
            plural=True,
        ),
        "count",
        _FAMILY,
    ),
    "OBS_60_CNT_SOCIAL_CIRCLE": T(
        N(
            "acquaintances observed 60 days late",
            "proches",
            "m",
            "observés avec 60 jours de retard",
            plural=True,
        ),
        "count",
        _FAMILY,
    ),
    "DEF_60_CNT_SOCIAL_CIRCLE": T(
        N(
            "acquaintances in default after 60 days late",
            "proches",
            "m",
            "en défaut après 60 jours de retard",
            plural=True,
        ),
        "count",
        _FAMILY,
    ),
    "DAYS_LAST_PHONE_CHANGE": T(
        N("time since phone number change", "ancienneté", "f", "du numéro de téléphone"),
        "days",
        _DOCS,
    ),
}

for _i in (1, 2, 3):
    _APPLICATION_EXPLICIT[f"EXT_SOURCE_{_i}"] = T(
        N(f"external score {_i}", "score externe", "m", str(_i)), "score", _SCORES
    )

#: AMT_REQ_CREDIT_BUREAU_<window>: how many times the bureau was queried about the client.
_ENQUIRY_WINDOWS: dict[str, tuple[str, str]] = {
    "HOUR": ("in the last hour", "dans l'heure précédente"),
    "DAY": ("in the last day", "dans la journée précédente"),
    "WEEK": ("in the last week", "dans la semaine précédente"),
    "MON": ("in the last month", "dans le mois précédent"),
    "QRT": ("in the last 3 months", "dans les 3 mois précédents"),
    "YEAR": ("in the last year", "dans l'année précédente"),
}
for _key, (_en, _fr) in _ENQUIRY_WINDOWS.items():
    _APPLICATION_EXPLICIT[f"AMT_REQ_CREDIT_BUREAU_{_key}"] = T(
        N(
            f"credit bureau enquiries {_en}",
            "consultations",
            "f",
            f"du bureau de crédit {_fr}",
            plural=True,
        ),
        "count",
        G.CREDIT_BUREAU,
    )

#: The regular "normalised information about the building" block: <MEASURE>_<STATISTIC>.
_BUILDING_MEASURES: dict[str, Noun] = {
    "APARTMENTS": N("apartment size", "taille", "f", "des appartements"),
    "BASEMENTAREA": N("basement area", "surface", "f", "du sous-sol"),
    "YEARS_BEGINEXPLUATATION": N("time in use", "ancienneté", "f", "de mise en service"),
    "YEARS_BUILD": N("age", "âge"),
    "COMMONAREA": N("common area", "surface", "f", "des parties communes"),
    "ELEVATORS": N("number of elevators", "nombre", "m", "d'ascenseurs"),
    "ENTRANCES": N("number of entrances", "nombre", "m", "d'entrées"),
    "FLOORSMAX": N("highest floor count", "nombre", "m", "d'étages maximal"),
    "FLOORSMIN": N("lowest floor count", "nombre", "m", "d'étages minimal"),
    "LANDAREA": N("land area", "surface", "f", "du terrain"),
    "LIVINGAPARTMENTS": N("living apartments", "logements habités", "m", plural=True),
    "LIVINGAREA": N("living area", "surface habitable", "f"),
    "NONLIVINGAPARTMENTS": N("non-residential apartments", "locaux non habités", "m", plural=True),
    "NONLIVINGAREA": N("non-living area", "surface non habitable", "f"),
}
_BUILDING_STATISTICS: dict[str, tuple[str, str]] = {
    "AVG": ("average", "moyenne"),
    "MODE": ("most common", "valeur la plus fréquente"),
    "MEDI": ("median", "médiane"),
}
_BUILDING_PATTERN = re.compile(
    rf"^({'|'.join(_BUILDING_MEASURES)})_({'|'.join(_BUILDING_STATISTICS)})$"
)
_DOCUMENT_PATTERN = re.compile(r"^FLAG_DOCUMENT_(\d+)$")


def _application_term(column: str) -> Term | None:
    if column in _APPLICATION_EXPLICIT:
        return _APPLICATION_EXPLICIT[column]
    if match := _BUILDING_PATTERN.match(column):
        measure = _BUILDING_MEASURES[match.group(1)]
        stat_en, stat_fr = _BUILDING_STATISTICS[match.group(2)]
        noun = N(
            f"building {measure.en} ({stat_en})",
            measure.fr,
            measure.gender,
            f"{measure.fr_tail} de l'immeuble ({stat_fr})".strip(),
            plural=measure.plural,
        )
        return T(noun, "ratio", _HOUSING)
    if match := _DOCUMENT_PATTERN.match(column):
        number = match.group(1)
        return T(
            N(f"document {number} provided", "document", "m", f"{number} fourni"), "flag", _DOCS
        )
    return None


# --------------------------------------------------------------------------------------------
# Side-table columns (their group is their table's).
# --------------------------------------------------------------------------------------------

_CLIENT_ID = T(N("client ID", "identifiant", "m", "du client"), "id")
_PREVIOUS_ID = T(N("previous loan ID", "identifiant", "m", "du prêt précédent"), "id")
_STATEMENT_MONTH = T(N("statement month", "mois de relevé", temporal=True), "months")
_DAYS_PAST_DUE = T(N("days past due", "retard", "m", "de paiement"), "days")
_DAYS_PAST_DUE_TOLERANCE = T(
    N("days past due beyond tolerance", "retard", "m", "de paiement au-delà de la tolérance"),
    "days",
)

_SIDE_COLUMNS: dict[str, dict[str, Term]] = {
    "bureau": {
        "SK_ID_CURR": _CLIENT_ID,
        "SK_ID_BUREAU": T(N("bureau credit ID", "identifiant", "m", "du crédit au bureau"), "id"),
        "CREDIT_ACTIVE": T(N("credit status", "statut", "m", "du crédit"), "category"),
        "CREDIT_CURRENCY": T(N("credit currency", "devise", "f", "du crédit"), "category"),
        "DAYS_CREDIT": T(N("opening date", "date", "f", "d'ouverture", temporal=True), "days"),
        "CREDIT_DAY_OVERDUE": T(N("current days overdue", "retard actuel"), "days"),
        "DAYS_CREDIT_ENDDATE": T(
            N("planned end date", "date", "f", "de fin prévue", temporal=True), "days"
        ),
        "DAYS_ENDDATE_FACT": T(
            N("actual end date", "date", "f", "de fin effective", temporal=True), "days"
        ),
        "AMT_CREDIT_MAX_OVERDUE": T(N("peak overdue amount", "pic", "m", "d'impayé"), "EUR"),
        "CNT_CREDIT_PROLONG": T(
            N("number of extensions", "nombre", "m", "de prolongations"), "count"
        ),
        "AMT_CREDIT_SUM": T(N("amount granted", "montant", "m", "accordé"), "EUR"),
        "AMT_CREDIT_SUM_DEBT": T(N("debt", "dette", "f"), "EUR"),
        "AMT_CREDIT_SUM_LIMIT": T(N("credit limit", "limite", "f", "de crédit"), "EUR"),
        "AMT_CREDIT_SUM_OVERDUE": T(N("amount overdue", "montant", "m", "en retard"), "EUR"),
        "CREDIT_TYPE": T(N("credit type", "type", "m", "de crédit"), "category"),
        "DAYS_CREDIT_UPDATE": T(
            N("last update date", "date", "f", "de dernière mise à jour", temporal=True), "days"
        ),
        "AMT_ANNUITY": T(N("annuity", "annuité", "f"), "EUR"),
    },
    "bureau_balance": {
        "SK_ID_BUREAU": T(N("bureau credit ID", "identifiant", "m", "du crédit au bureau"), "id"),
        "MONTHS_BALANCE": _STATEMENT_MONTH,
        "STATUS": T(N("monthly status", "statut mensuel"), "category"),
    },
    "previous_application": {
        "SK_ID_PREV": _PREVIOUS_ID,
        "SK_ID_CURR": _CLIENT_ID,
        "NAME_CONTRACT_TYPE": T(N("contract type", "type", "m", "de contrat"), "category"),
        "AMT_ANNUITY": T(N("annuity", "annuité", "f"), "EUR"),
        "AMT_APPLICATION": T(N("amount asked", "montant", "m", "demandé"), "EUR"),
        "AMT_CREDIT": T(N("amount granted", "montant", "m", "accordé"), "EUR"),
        "AMT_DOWN_PAYMENT": T(N("down payment", "apport personnel"), "EUR"),
        "AMT_GOODS_PRICE": T(N("price of the goods", "prix", "m", "du bien"), "EUR"),
        "WEEKDAY_APPR_PROCESS_START": T(
            N("application weekday", "jour", "m", "de la semaine de la demande"), "category"
        ),
        "HOUR_APPR_PROCESS_START": T(N("application hour", "heure", "f", "de la demande"), "hour"),
        "FLAG_LAST_APPL_PER_CONTRACT": T(
            N(
                "last application for the contract",
                "dernière demande",
                "f",
                "pour le contrat",
                en_with="that were the last for their contract",
                fr_with="qui étaient les dernières pour leur contrat",
            ),
            "flag",
        ),
        "NFLAG_LAST_APPL_IN_DAY": T(
            N(
                "last application of the day",
                "dernière demande",
                "f",
                "de la journée",
                en_with="that were the last of their day",
                fr_with="qui étaient les dernières de leur journée",
            ),
            "flag",
        ),
        "RATE_DOWN_PAYMENT": T(N("down payment rate", "taux d'apport"), "ratio"),
        "RATE_INTEREST_PRIMARY": T(N("interest rate", "taux d'intérêt"), "ratio"),
        "RATE_INTEREST_PRIVILEGED": T(
            N("preferential interest rate", "taux d'intérêt préférentiel"), "ratio"
        ),
        "NAME_CASH_LOAN_PURPOSE": T(N("cash loan purpose", "objet", "m", "du prêt"), "category"),
        "NAME_CONTRACT_STATUS": T(N("decision", "décision", "f"), "category"),
        "DAYS_DECISION": T(N("decision date", "date", "f", "de décision", temporal=True), "days"),
        "NAME_PAYMENT_TYPE": T(N("payment method", "mode", "m", "de paiement"), "category"),
        "CODE_REJECT_REASON": T(N("rejection reason", "motif", "m", "de refus"), "category"),
        "NAME_TYPE_SUITE": T(N("accompanying person", "accompagnant"), "category"),
        "NAME_CLIENT_TYPE": T(
            N("client type (new or returning)", "type", "m", "de client"), "category"
        ),
        "NAME_GOODS_CATEGORY": T(N("goods category", "catégorie", "f", "du bien"), "category"),
        "NAME_PORTFOLIO": T(N("product range", "gamme", "f", "de produit"), "category"),
        "NAME_PRODUCT_TYPE": T(N("sale type", "type", "m", "de vente"), "category"),
        "CHANNEL_TYPE": T(N("sales channel", "canal", "m", "de vente"), "category"),
        "SELLERPLACE_AREA": T(N("seller area", "zone", "f", "du vendeur"), "category"),
        "NAME_SELLER_INDUSTRY": T(N("seller industry", "secteur", "m", "du vendeur"), "category"),
        "CNT_PAYMENT": T(N("number of instalments", "nombre", "m", "d'échéances"), "count"),
        "NAME_YIELD_GROUP": T(N("interest rate band", "tranche", "f", "de taux"), "category"),
        "PRODUCT_COMBINATION": T(
            N("product combination", "combinaison", "f", "de produits"), "category"
        ),
        "DAYS_FIRST_DRAWING": T(
            N("first disbursement date", "date", "f", "du premier versement", temporal=True),
            "days",
        ),
        "DAYS_FIRST_DUE": T(
            N("first due date", "date", "f", "de première échéance", temporal=True), "days"
        ),
        "DAYS_LAST_DUE_1ST_VERSION": T(
            N("originally planned end date", "date", "f", "de fin initiale", temporal=True),
            "days",
        ),
        "DAYS_LAST_DUE": T(
            N("last due date", "date", "f", "de dernière échéance", temporal=True), "days"
        ),
        "DAYS_TERMINATION": T(
            N("termination date", "date", "f", "de clôture", temporal=True), "days"
        ),
        "NFLAG_INSURED_ON_APPROVAL": T(
            N(
                "insurance requested",
                "assurance",
                "f",
                "demandée",
                en_with="with insurance requested",
                fr_with="avec assurance demandée",
            ),
            "flag",
        ),
    },
    "POS_CASH_balance": {
        "SK_ID_PREV": _PREVIOUS_ID,
        "SK_ID_CURR": _CLIENT_ID,
        "MONTHS_BALANCE": _STATEMENT_MONTH,
        "CNT_INSTALMENT": T(
            N("loan term in instalments", "nombre", "m", "d'échéances du prêt"), "count"
        ),
        "CNT_INSTALMENT_FUTURE": T(
            N("instalments left to pay", "nombre", "m", "d'échéances restantes"), "count"
        ),
        "NAME_CONTRACT_STATUS": T(N("contract status", "statut", "m", "du contrat"), "category"),
        "SK_DPD": _DAYS_PAST_DUE,
        "SK_DPD_DEF": _DAYS_PAST_DUE_TOLERANCE,
    },
    "installments_payments": {
        "SK_ID_PREV": _PREVIOUS_ID,
        "SK_ID_CURR": _CLIENT_ID,
        "NUM_INSTALMENT_VERSION": T(
            N("payment schedule version", "version", "f", "du calendrier de paiement"), "count"
        ),
        "NUM_INSTALMENT_NUMBER": T(N("instalment number", "numéro", "m", "d'échéance"), "count"),
        "DAYS_INSTALMENT": T(N("due date", "date", "f", "d'échéance", temporal=True), "days"),
        "DAYS_ENTRY_PAYMENT": T(
            N("payment date", "date", "f", "de paiement", temporal=True), "days"
        ),
        "AMT_INSTALMENT": T(N("amount due", "montant", "m", "dû"), "EUR"),
        "AMT_PAYMENT": T(N("amount paid", "montant", "m", "payé"), "EUR"),
    },
    "credit_card_balance": {
        "SK_ID_PREV": _PREVIOUS_ID,
        "SK_ID_CURR": _CLIENT_ID,
        "MONTHS_BALANCE": _STATEMENT_MONTH,
        "AMT_BALANCE": T(N("balance", "solde"), "EUR"),
        "AMT_CREDIT_LIMIT_ACTUAL": T(N("card limit", "plafond", "m", "de la carte"), "EUR"),
        "AMT_DRAWINGS_ATM_CURRENT": T(
            N("amount withdrawn at cash machines", "montant", "m", "retiré au distributeur"), "EUR"
        ),
        "AMT_DRAWINGS_CURRENT": T(N("amount used", "montant", "m", "utilisé"), "EUR"),
        "AMT_DRAWINGS_OTHER_CURRENT": T(
            N("amount of other uses", "montant", "m", "des autres utilisations"), "EUR"
        ),
        "AMT_DRAWINGS_POS_CURRENT": T(
            N("amount spent in shops", "montant", "m", "dépensé en magasin"), "EUR"
        ),
        "AMT_INST_MIN_REGULARITY": T(
            N("minimum payment due", "paiement minimum", "m", "exigé"), "EUR"
        ),
        "AMT_PAYMENT_CURRENT": T(
            N("amount paid in the month", "montant", "m", "payé dans le mois"), "EUR"
        ),
        "AMT_PAYMENT_TOTAL_CURRENT": T(
            N(
                "amount paid in the month (all payments)",
                "montant",
                "m",
                "payé dans le mois (tous paiements)",
            ),
            "EUR",
        ),
        "AMT_RECEIVABLE_PRINCIPAL": T(
            N("principal outstanding", "capital", "m", "restant dû"), "EUR"
        ),
        "AMT_RECIVABLE": T(N("amount receivable", "montant", "m", "à recevoir"), "EUR"),
        "AMT_TOTAL_RECEIVABLE": T(
            N("overall amount receivable", "montant", "m", "global à recevoir"), "EUR"
        ),
        "CNT_DRAWINGS_ATM_CURRENT": T(
            N("number of cash withdrawals", "nombre", "m", "de retraits au distributeur"), "count"
        ),
        "CNT_DRAWINGS_CURRENT": T(N("number of uses", "nombre", "m", "d'utilisations"), "count"),
        "CNT_DRAWINGS_OTHER_CURRENT": T(
            N("number of other uses", "nombre", "m", "d'autres utilisations"), "count"
        ),
        "CNT_DRAWINGS_POS_CURRENT": T(
            N("number of shop purchases", "nombre", "m", "d'achats en magasin"), "count"
        ),
        "CNT_INSTALMENT_MATURE_CUM": T(
            N("number of instalments paid", "nombre", "m", "d'échéances payées"), "count"
        ),
        "NAME_CONTRACT_STATUS": T(N("contract status", "statut", "m", "du contrat"), "category"),
        "SK_DPD": _DAYS_PAST_DUE,
        "SK_DPD_DEF": _DAYS_PAST_DUE_TOLERANCE,
    },
}


def column_term(table: str, column: str) -> Term | None:
    """Words for a contract column, or None when the vocabulary does not know it."""
    if table in APPLICATION_TABLES or table == "application":
        return _application_term(column)
    return _SIDE_COLUMNS.get(table, {}).get(column)


#: nunique of an id column counts things: "Number of cards" reads better than "Number of
#: distinct values of the previous loan ID". (table, column) -> (English, French) plurals.
_DISTINCT_IDS: dict[tuple[str, str], tuple[str, str]] = {
    ("bureau", "SK_ID_BUREAU"): ("bureau credits", "crédits au bureau de crédit"),
    ("bureau_balance", "SK_ID_BUREAU"): (
        "bureau credits with a monthly history",
        "crédits avec historique mensuel au bureau de crédit",
    ),
    ("previous_application", "SK_ID_PREV"): ("previous applications", "demandes précédentes"),
    ("POS_CASH_balance", "SK_ID_PREV"): (
        "previous shop and cash loans",
        "prêts précédents (magasin et espèces)",
    ),
    ("installments_payments", "SK_ID_PREV"): (
        "previous loans with instalments",
        "prêts précédents avec échéances",
    ),
    ("credit_card_balance", "SK_ID_PREV"): ("credit cards", "cartes de crédit"),
}


def distinct_words(table: str, column: str) -> tuple[str, str] | None:
    """What counting the distinct values of an id column counts, or None for other columns."""
    return _DISTINCT_IDS.get((table, column))


def table_group(table: str) -> G | None:
    return TABLE_GROUPS.get(table)


def entity(table: str) -> Entity | None:
    return ENTITIES.get(table)


# --------------------------------------------------------------------------------------------
# Category levels: worded by shared/category_labels.py, which the API's client card also uses.
# --------------------------------------------------------------------------------------------


def level_words(column: str | None, level: str, table: str | None = None) -> tuple[str, str]:
    """(English, French) text for a category level: English keeps the source text (bare codes
    get a gloss), French is the shared translation table's, or the source text if it lacks one."""
    name = column or ""
    return level_label(table, name, level, "en"), level_label(table, name, level, "fr")


# --------------------------------------------------------------------------------------------
# Row subsets.
# --------------------------------------------------------------------------------------------

SUBSETS: dict[str, Subset] = {
    "active": Subset("active", "actifs", "actives"),
    "closed": Subset("closed", "clôturés", "clôturées"),
    "sold": Subset("sold", "cédés", "cédées"),
    "bad_debt": Subset("bad-debt", "en créance douteuse", "en créance douteuse"),
    "approved": Subset("approved", "acceptés", "acceptées"),
    "refused": Subset("refused", "refusés", "refusées"),
    "canceled": Subset("cancelled", "annulés", "annulées"),
    "cancelled": Subset("cancelled", "annulés", "annulées"),
    "unused": Subset("unused", "non utilisés", "non utilisées"),
    "running": Subset("ongoing", "en cours", "en cours"),
    "completed": Subset("completed", "terminés", "terminées"),
    "late": Subset("late", "en retard", "en retard"),
    "overdue": Subset("overdue", "en retard", "en retard"),
    "consumer": Subset(
        "consumer-loan", "de crédit à la consommation", "de crédit à la consommation"
    ),
    "cash": Subset("cash-loan", "de prêt en espèces", "de prêt en espèces"),
    "revolving": Subset("revolving-loan", "de crédit renouvelable", "de crédit renouvelable"),
    "credit_card": Subset("credit card", "de carte de crédit", "de carte de crédit"),
    "car_loan": Subset("car-loan", "de prêt automobile", "de prêt automobile"),
    "mortgage": Subset("mortgage", "de prêt immobilier", "de prêt immobilier"),
    "microloan": Subset("microloan", "de microcrédit", "de microcrédit"),
}

_TIME_UNITS: dict[str, tuple[str, str, str, str]] = {
    # suffix: (English singular, English plural, French singular, French plural)
    "d": ("day", "days", "jour", "jours"),
    "w": ("week", "weeks", "semaine", "semaines"),
    "m": ("month", "months", "mois", "mois"),
    "y": ("year", "years", "an", "ans"),
}
_WINDOW = re.compile(r"^last_(\d+)([dwmy])$")
_MOST_RECENT = re.compile(r"^last_(\d+)$")
_OLDEST = re.compile(r"^first_(\d+)$")


def subset_words(key: str) -> Subset | None:
    """Words for a subset key; time windows and "last_N" are understood for any N."""
    if key in SUBSETS:
        return SUBSETS[key]
    if match := _WINDOW.match(key):
        count, unit = int(match.group(1)), match.group(2)
        en_one, en_many, fr_one, fr_many = _TIME_UNITS[unit]
        if count == 1:
            feminine = fr_one == "semaine"
            last = "dernière" if feminine else "dernier"
            return Subset(f"(last {en_one})", f"({last} {fr_one})", f"({last} {fr_one})", "suffix")
        last = "dernières" if fr_many == "semaines" else "derniers"
        text = f"({count} {last} {fr_many})"
        return Subset(f"(last {count} {en_many})", text, text, "suffix")
    if match := _MOST_RECENT.match(key):
        count = int(match.group(1))
        return Subset(
            f"({count} most recent)",
            f"({count} plus récents)",
            f"({count} plus récentes)",
            "suffix",
        )
    if match := _OLDEST.match(key):
        count = int(match.group(1))
        return Subset(
            f"({count} oldest)", f"({count} plus anciens)", f"({count} plus anciennes)", "suffix"
        )
    return None


def humanise(key: str) -> str:
    """Readable stand-in for a key the vocabulary lacks: "AMT_FOO_BAR" -> "amt foo bar"."""
    return re.sub(r"[_\s]+", " ", key).strip().lower()


# --------------------------------------------------------------------------------------------
# Derived quantities (keys listed by the features engineer in derived_keys.md).
# --------------------------------------------------------------------------------------------

#: Derived key -> words. A group set here wins over the table's (application-level ratios).
DERIVED: dict[str, Term] = {
    # application ratios (public LightGBM recipe)
    "credit_to_income": T(
        N("loan amount relative to income", "montant", "m", "du prêt rapporté au revenu"),
        "ratio",
        _INCOME,
    ),
    "income_to_credit": T(
        N("income relative to loan amount", "revenu", "m", "rapporté au montant du prêt"),
        "ratio",
        _INCOME,
    ),
    "annuity_to_income": T(
        N("annuity relative to income", "annuité", "f", "rapportée au revenu"), "ratio", _INCOME
    ),
    "annuity_to_credit": T(
        N("repayment rate (annuity relative to loan)", "taux", "m", "de remboursement du prêt"),
        "ratio",
        _INCOME,
    ),
    "credit_to_annuity": T(
        N("loan length in annuities", "durée", "f", "du prêt en annuités"), "ratio", _INCOME
    ),
    "employment_to_age": T(
        N(
            "share of life spent in current job",
            "part",
            "f",
            "de la vie passée dans l'emploi actuel",
        ),
        "ratio",
        _JOB,
    ),
    "income_per_family_member": T(
        N("income per household member", "revenu", "m", "par membre du foyer"), "EUR", _INCOME
    ),
    "goods_to_credit": T(
        N(
            "price of the goods relative to loan",
            "prix",
            "m",
            "du bien rapporté au montant du prêt",
        ),
        "ratio",
        _INCOME,
    ),
    "credit_to_goods": T(
        N(
            "loan amount relative to price of the goods",
            "montant",
            "m",
            "du prêt rapporté au prix du bien",
        ),
        "ratio",
        _INCOME,
    ),
    "children_share_of_family": T(
        N("share of children in the household", "part", "f", "d'enfants dans le foyer"),
        "ratio",
        _FAMILY,
    ),
    "document_count": T(
        N("number of documents provided", "nombre", "m", "de documents fournis"), "count", _DOCS
    ),
    "credit_minus_goods": T(
        N(
            "loan amount above the price of the goods",
            "montant",
            "m",
            "du prêt au-delà du prix du bien",
        ),
        "EUR",
        _INCOME,
    ),
    "credit_to_income_per_family_member": T(
        N(
            "loan amount relative to income per household member",
            "montant",
            "m",
            "du prêt rapporté au revenu par membre du foyer",
        ),
        "ratio",
        _INCOME,
    ),
    "phone_change_to_age": T(
        N(
            "time with current phone number relative to age",
            "ancienneté",
            "f",
            "du numéro de téléphone rapportée à l'âge",
        ),
        "ratio",
        _DOCS,
    ),
    "social_circle_default_rate_60": T(
        N(
            "default rate among acquaintances (60 days late)",
            "taux",
            "m",
            "de défaut dans l'entourage (60 jours de retard)",
        ),
        "ratio",
        _FAMILY,
    ),
    "ext_source_mean": T(
        N("average of external scores", "moyenne", "f", "des scores externes"), "score", _SCORES
    ),
    "ext_source_std": T(
        N("spread of external scores", "dispersion", "f", "des scores externes"), "score", _SCORES
    ),
    "ext_source_min": T(
        N("lowest external score", "score externe", "m", "le plus bas"), "score", _SCORES
    ),
    "ext_source_max": T(
        N("highest external score", "score externe", "m", "le plus haut"), "score", _SCORES
    ),
    "ext_source_product": T(
        N("product of external scores", "produit", "m", "des scores externes"), "score", _SCORES
    ),
    "ext_source_sum": T(
        N("sum of external scores", "somme", "f", "des scores externes"), "score", _SCORES
    ),
    "ext_source_weighted": T(
        N("weighted external score", "score externe", "m", "pondéré"), "score", _SCORES
    ),
    "ext_source_missing_count": T(
        N("number of missing external scores", "nombre", "m", "de scores externes manquants"),
        "count",
        _SCORES,
    ),
    # previous applications
    "app_credit_ratio": T(
        N(
            "ratio of amount asked to amount granted",
            "rapport",
            "m",
            "entre montant demandé et montant accordé",
        ),
        "ratio",
    ),
    # installments
    "payment_ratio": T(
        N("share of the instalment paid", "part", "f", "de l'échéance payée"), "ratio"
    ),
    "payment_difference": T(N("unpaid amount", "montant", "m", "impayé"), "EUR"),
    "days_past_due": T(N("payment delay", "retard", "m", "de paiement"), "days"),
    "days_before_due": T(N("days paid early", "avance", "f", "de paiement"), "days"),
    # credit cards
    "card_utilisation": T(
        N("share of the card limit used", "part", "f", "du plafond utilisée"), "ratio"
    ),
    # bureau
    "credit_duration": T(N("planned credit length", "durée", "f", "prévue du crédit"), "days"),
    "end_date_gap": T(
        N("gap between actual and planned end", "écart", "m", "entre fin effective et fin prévue"),
        "days",
    ),
    "overdue_flag": T(
        N(
            "currently overdue",
            "retard",
            "m",
            "en cours",
            en_with="currently overdue",
            fr_with="actuellement en retard",
        ),
        "flag",
    ),
    # bureau_balance: one summary per credit, then aggregated per client
    "credit_first_month": T(
        N("first month of history", "premier mois", "m", "d'historique", temporal=True), "months"
    ),
    "credit_last_month": T(
        N("last month of history", "dernier mois", "m", "d'historique", temporal=True), "months"
    ),
    "credit_history_months": T(N("history length", "durée", "f", "de l'historique"), "months"),
    "credit_worst_status": T(
        N("delay level reached (0 to 5)", "niveau", "m", "de retard atteint (0 à 5)"), "rating"
    ),
    "credit_late_months": T(
        N("number of late months", "nombre", "m", "de mois en retard"), "count"
    ),
    "credit_late_share_12m": T(
        N(
            "share of late months (last 12 months)",
            "part",
            "f",
            "de mois en retard (12 derniers mois)",
        ),
        "ratio",
    ),
    # previous applications
    "credit_minus_application": T(
        N(
            "amount granted minus amount asked",
            "écart",
            "m",
            "entre montant accordé et montant demandé",
        ),
        "EUR",
    ),
    "simple_interest_rate": T(
        N("implied yearly interest rate", "taux d'intérêt annuel implicite"), "ratio"
    ),
    "last_due_shift": T(
        N("shift of the last due date", "décalage", "m", "de la dernière échéance"), "days"
    ),
    "refused_flag": T(
        N("refusal", "refus", en_with="refused", fr_with="refusées"),
        "flag",
    ),
    # monthly balances and instalments (POS/cash, installments, cards)
    "remaining_instalment_share": T(
        N("share of instalments left to pay", "part", "f", "d'échéances restant à payer"), "ratio"
    ),
    "late_flag": T(
        N(
            "payment delay",
            "retard",
            "m",
            "de paiement",
            en_with="with a payment delay",
            fr_with="avec retard de paiement",
        ),
        "flag",
    ),
    "underpaid_flag": T(
        N(
            "partial payment",
            "paiement partiel",
            en_with="not paid in full",
            fr_with="non payées en totalité",
        ),
        "flag",
    ),
    "drawings_to_limit": T(
        N(
            "ratio of amount used to card limit",
            "rapport",
            "m",
            "entre montant utilisé et plafond",
        ),
        "ratio",
    ),
    "payment_to_minimum": T(
        N(
            "ratio of payment to minimum due",
            "rapport",
            "m",
            "entre paiement et minimum exigé",
        ),
        "ratio",
    ),
    "debt_to_credit": T(
        N("share of the credit still to repay", "part", "f", "du crédit restant à rembourser"),
        "ratio",
    ),
    "overdue_to_debt": T(
        N("share of the debt overdue", "part", "f", "de la dette en retard"), "ratio"
    ),
}

#: Other spellings of the same quantity, so either key the features engineer picks is worded.
DERIVED_ALIASES: dict[str, str] = {
    "payment_rate": "annuity_to_credit",
    "employed_to_age": "employment_to_age",
    "days_employed_perc": "employment_to_age",
    "income_per_person": "income_per_family_member",
    "children_ratio": "children_share_of_family",
    "ext_source_prod": "ext_source_product",
    "income_credit_perc": "income_to_credit",
    "annuity_income_perc": "annuity_to_income",
    "payment_perc": "payment_ratio",
    "payment_diff": "payment_difference",
    "dpd": "days_past_due",
    "dbd": "days_before_due",
    "app_credit_perc": "app_credit_ratio",
    "card_utilization": "card_utilisation",
    "balance_to_limit": "card_utilisation",
}


def derived_term(key: str) -> Term | None:
    return DERIVED.get(DERIVED_ALIASES.get(key, key))
