"""French (and, for bare codes, English) words for the category levels of the data contract.

Why one table in shared/: Home Credit writes its categories in English ("Single / not married",
"Refused", "Business Entity Type 3"), while the advisor's interface is French first. The feature
catalogue (training) composes labels read to clients from these levels and the API shows them
on the client card and in the reasons, so both must word a level the same way; this module
depends on nothing but the standard library so either side (and the dashboard) may import it.

English keeps the source text so English output never changes, except bare codes that mean
nothing to a client (bureau_balance STATUS digits, Y/N, XNA/XAP), which get a gloss.
A level without a French entry falls back to its source text (`french_label` returns None), so
a new level in the data never breaks anything; tests check the real sample is fully covered.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["fr", "en"]

#: Codes that mean the same in every column: (English, French).
_ANY_COLUMN: dict[str, tuple[str, str]] = {
    "Y": ("yes", "oui"),
    "N": ("no", "non"),
    "XNA": ("not available", "non renseigné"),
    "XAP": ("not applicable", "sans objet"),
}

#: Columns whose levels are bare codes: (English, French) for each.
_CODED: dict[str, dict[str, tuple[str, str]]] = {
    "STATUS": {
        "C": ("closed", "clôturé"),
        "X": ("unknown", "inconnu"),
        "0": ("no payment delay", "sans retard"),
        "1": ("1 to 30 days late", "1 à 30 jours de retard"),
        "2": ("31 to 60 days late", "31 à 60 jours de retard"),
        "3": ("61 to 90 days late", "61 à 90 jours de retard"),
        "4": ("91 to 120 days late", "91 à 120 jours de retard"),
        "5": ("over 120 days late or written off", "plus de 120 jours de retard ou perte"),
    },
}

_CONTRACT_TYPE = {
    "Cash loans": "Prêt en espèces",
    "Consumer loans": "Crédit à la consommation",
    "Revolving loans": "Crédit renouvelable",
}

_WEEKDAYS = {
    "MONDAY": "lundi",
    "TUESDAY": "mardi",
    "WEDNESDAY": "mercredi",
    "THURSDAY": "jeudi",
    "FRIDAY": "vendredi",
    "SATURDAY": "samedi",
    "SUNDAY": "dimanche",
}

#: Column -> source level -> French, for columns that mean the same in every table.
_BY_COLUMN: dict[str, dict[str, str]] = {
    "NAME_CONTRACT_TYPE": _CONTRACT_TYPE,
    "CODE_GENDER": {"F": "Femme", "M": "Homme"},
    "NAME_TYPE_SUITE": {
        "Unaccompanied": "Non accompagné(e)",
        "Family": "Famille",
        "Spouse, partner": "Conjoint(e), partenaire",
        "Children": "Enfants",
        "Other_A": "Autre (A)",
        "Other_B": "Autre (B)",
        "Group of people": "Groupe de personnes",
    },
    "NAME_INCOME_TYPE": {
        "Working": "Salarié(e)",
        "Commercial associate": "Associé(e) commercial(e)",
        "Pensioner": "Retraité(e)",
        "State servant": "Fonctionnaire",
        "Unemployed": "Sans emploi",
        "Student": "Étudiant(e)",
        "Businessman": "Chef d'entreprise",
        "Maternity leave": "Congé maternité",
    },
    "NAME_EDUCATION_TYPE": {
        "Secondary / secondary special": "Secondaire / secondaire professionnel",
        "Higher education": "Études supérieures",
        "Incomplete higher": "Études supérieures inachevées",
        "Lower secondary": "Premier cycle du secondaire",
        "Academic degree": "Diplôme universitaire de haut niveau",
    },
    "NAME_FAMILY_STATUS": {
        "Married": "Marié(e)",
        "Single / not married": "Célibataire",
        "Civil marriage": "Union civile",
        "Separated": "Séparé(e)",
        "Widow": "Veuf / veuve",
        "Unknown": "Non renseignée",
    },
    "NAME_HOUSING_TYPE": {
        "House / apartment": "Maison / appartement",
        "With parents": "Chez les parents",
        "Municipal apartment": "Logement social",
        "Rented apartment": "Appartement en location",
        "Office apartment": "Logement de fonction",
        "Co-op apartment": "Appartement en coopérative",
    },
    "OCCUPATION_TYPE": {
        "Accountants": "Comptable",
        "Cleaning staff": "Personnel de nettoyage",
        "Cooking staff": "Personnel de cuisine",
        "Core staff": "Employé(e)",
        "Drivers": "Chauffeur",
        "HR staff": "Ressources humaines",
        "High skill tech staff": "Technicien(ne) hautement qualifié(e)",
        "IT staff": "Informaticien(ne)",
        "Laborers": "Ouvrier / ouvrière",
        "Low-skill Laborers": "Ouvrier / ouvrière peu qualifié(e)",
        "Managers": "Cadre",
        "Medicine staff": "Personnel médical",
        "Private service staff": "Services aux particuliers",
        "Realty agents": "Agent immobilier",
        "Sales staff": "Personnel de vente",
        "Secretaries": "Secrétaire",
        "Security staff": "Agent de sécurité",
        "Waiters/barmen staff": "Serveur / barman",
    },
    "WEEKDAY_APPR_PROCESS_START": _WEEKDAYS,
    "ORGANIZATION_TYPE": {
        "Advertising": "Publicité",
        "Agriculture": "Agriculture",
        "Bank": "Banque",
        "Cleaning": "Nettoyage",
        "Construction": "Bâtiment",
        "Culture": "Culture",
        "Electricity": "Électricité",
        "Emergency": "Services d'urgence",
        "Government": "Administration publique",
        "Hotel": "Hôtellerie",
        "Housing": "Logement",
        "Insurance": "Assurance",
        "Kindergarten": "École maternelle",
        "Legal Services": "Services juridiques",
        "Medicine": "Santé",
        "Military": "Armée",
        "Mobile": "Téléphonie mobile",
        "Other": "Autre",
        "Police": "Police",
        "Postal": "Poste",
        "Realtor": "Immobilier",
        "Religion": "Religion",
        "Restaurant": "Restauration",
        "School": "École",
        "Security": "Sécurité",
        "Security Ministries": "Ministères de la sécurité",
        "Self-employed": "Travailleur indépendant",
        "Services": "Services",
        "Telecom": "Télécommunications",
        "University": "Université",
    },
    "FONDKAPREMONT_MODE": {
        "not specified": "non précisé",
        "org spec account": "compte spécial d'organisation",
        "reg oper account": "compte d'opérations régional",
        "reg oper spec account": "compte spécial d'opérations régional",
    },
    "HOUSETYPE_MODE": {
        "block of flats": "immeuble collectif",
        "specific housing": "logement spécifique",
        "terraced house": "maison mitoyenne",
    },
    "WALLSMATERIAL_MODE": {
        "Block": "Blocs",
        "Mixed": "Mixte",
        "Monolithic": "Monolithique",
        "Others": "Autres",
        "Panel": "Panneaux",
        "Stone, brick": "Pierre, brique",
        "Wooden": "Bois",
    },
    "EMERGENCYSTATE_MODE": {"No": "Non", "Yes": "Oui"},
    # bureau
    "CREDIT_ACTIVE": {
        "Active": "Actif",
        "Closed": "Clôturé",
        "Sold": "Cédé",
        "Bad debt": "Créance douteuse",
    },
    "CREDIT_TYPE": {
        "Consumer credit": "Crédit à la consommation",
        "Credit card": "Carte de crédit",
        "Car loan": "Prêt automobile",
        "Mortgage": "Prêt hypothécaire",
        "Microloan": "Microcrédit",
        "Loan for business development": "Prêt au développement d'entreprise",
        "Another type of loan": "Autre type de prêt",
        "Unknown type of loan": "Type de prêt inconnu",
        "Loan for working capital replenishment": "Prêt de fonds de roulement",
        "Cash loan (non-earmarked)": "Prêt en espèces (non affecté)",
        "Real estate loan": "Prêt immobilier",
        "Loan for the purchase of equipment": "Prêt pour achat d'équipement",
        "Loan for purchase of shares (margin lending)": "Prêt pour achat d'actions (sur marge)",
        "Interbank credit": "Crédit interbancaire",
        "Mobile operator loan": "Prêt d'opérateur mobile",
    },
    # previous_application
    "CODE_REJECT_REASON": {
        "CLIENT": "Renoncement du client",
        "HC": "Politique de Home Credit",
        "LIMIT": "Plafond dépassé",
        "SCO": "Score insuffisant",
        "SCOFR": "Score de fraude",
        "VERIF": "Échec de la vérification",
        "SYSTEM": "Motif technique",
    },
    "NAME_CLIENT_TYPE": {
        "New": "Nouveau client",
        "Refreshed": "Client réactivé",
        "Repeater": "Client régulier",
    },
    "NAME_PORTFOLIO": {
        "Cards": "Cartes",
        "Cars": "Automobile",
        "Cash": "Espèces",
        "POS": "Point de vente",
    },
    "NAME_PRODUCT_TYPE": {"walk-in": "demande spontanée", "x-sell": "vente croisée"},
    "NAME_YIELD_GROUP": {
        "high": "élevé",
        "middle": "moyen",
        "low_normal": "bas",
        "low_action": "bas (promotion)",
    },
    "NAME_PAYMENT_TYPE": {
        "Cash through the bank": "Espèces par la banque",
        "Cashless from the account of the employer": "Prélèvement sur le compte de l'employeur",
        "Non-cash from your account": "Prélèvement sur le compte du client",
    },
    "CHANNEL_TYPE": {
        "AP+ (Cash loan)": "AP+ (prêt en espèces)",
        "Car dealer": "Concessionnaire automobile",
        "Channel of corporate sales": "Ventes aux entreprises",
        "Contact center": "Centre d'appels",
        "Country-wide": "Réseau national",
        "Credit and cash offices": "Agences de crédit",
        "Regional / Local": "Régional / local",
        "Stone": "Magasin physique",
    },
    "NAME_GOODS_CATEGORY": {
        "Additional Service": "Service supplémentaire",
        "Animals": "Animaux",
        "Audio/Video": "Audio / vidéo",
        "Auto Accessories": "Accessoires automobiles",
        "Clothing and Accessories": "Vêtements et accessoires",
        "Computers": "Informatique",
        "Construction Materials": "Matériaux de construction",
        "Consumer Electronics": "Électronique grand public",
        "Direct Sales": "Vente directe",
        "Education": "Éducation",
        "Fitness": "Remise en forme",
        "Furniture": "Mobilier",
        "Gardening": "Jardinage",
        "Homewares": "Articles de maison",
        "House Construction": "Construction de maison",
        "Insurance": "Assurance",
        "Jewelry": "Bijouterie",
        "Medical Supplies": "Fournitures médicales",
        "Medicine": "Médicaments",
        "Mobile": "Téléphonie mobile",
        "Office Appliances": "Équipement de bureau",
        "Other": "Autre",
        "Photo / Cinema Equipment": "Photo / cinéma",
        "Sport and Leisure": "Sport et loisirs",
        "Tourism": "Tourisme",
        "Vehicles": "Véhicules",
        "Weapon": "Armes",
    },
    "NAME_SELLER_INDUSTRY": {
        "Auto technology": "Automobile",
        "Clothing": "Habillement",
        "Connectivity": "Télécommunications",
        "Construction": "Construction",
        "Consumer electronics": "Électronique grand public",
        "Furniture": "Ameublement",
        "Industry": "Industrie",
        "Jewelry": "Bijouterie",
        "MLM partners": "Vente en réseau",
        "Tourism": "Tourisme",
    },
    "NAME_CASH_LOAN_PURPOSE": {
        "Building a house or an annex": "Construction d'une maison ou d'une annexe",
        "Business development": "Développement d'entreprise",
        "Buying a garage": "Achat d'un garage",
        "Buying a holiday home / land": "Achat d'une résidence secondaire / d'un terrain",
        "Buying a home": "Achat d'un logement",
        "Buying a new car": "Achat d'une voiture neuve",
        "Buying a used car": "Achat d'une voiture d'occasion",
        "Car repairs": "Réparation automobile",
        "Education": "Études",
        "Everyday expenses": "Dépenses courantes",
        "Furniture": "Mobilier",
        "Gasification / water supply": "Raccordement au gaz / à l'eau",
        "Hobby": "Loisirs",
        "Journey": "Voyage",
        "Medicine": "Frais médicaux",
        "Money for a third person": "Argent pour un tiers",
        "Other": "Autre",
        "Payments on other loans": "Remboursement d'autres prêts",
        "Purchase of electronic equipment": "Achat d'équipement électronique",
        "Refusal to name the goal": "Objet non communiqué",
        "Repairs": "Travaux",
        "Urgent needs": "Besoins urgents",
        "Wedding / gift / holiday": "Mariage / cadeau / vacances",
    },
    "PRODUCT_COMBINATION": {
        "Card Street": "Carte (en agence)",
        "Card X-Sell": "Carte (vente croisée)",
        "Cash": "Espèces",
        "Cash Street: high": "Espèces (en agence) : taux élevé",
        "Cash Street: middle": "Espèces (en agence) : taux moyen",
        "Cash Street: low": "Espèces (en agence) : taux bas",
        "Cash X-Sell: high": "Espèces (vente croisée) : taux élevé",
        "Cash X-Sell: middle": "Espèces (vente croisée) : taux moyen",
        "Cash X-Sell: low": "Espèces (vente croisée) : taux bas",
        "POS household with interest": "Point de vente, équipement de la maison, avec intérêts",
        "POS household without interest": "Point de vente, équipement de la maison, sans intérêts",
        "POS industry with interest": "Point de vente, industrie, avec intérêts",
        "POS industry without interest": "Point de vente, industrie, sans intérêts",
        "POS mobile with interest": "Point de vente, téléphonie mobile, avec intérêts",
        "POS mobile without interest": "Point de vente, téléphonie mobile, sans intérêts",
        "POS other with interest": "Point de vente, autres, avec intérêts",
        "POS others without interest": "Point de vente, autres, sans intérêts",
    },
}

#: A previous application is a request (feminine in French); its status reads as a decision.
_APPLICATION_STATUS = {
    "Approved": "Acceptée",
    "Canceled": "Annulée",
    "Refused": "Refusée",
    "Unused offer": "Offre non utilisée",
}
#: POS/cash and card records describe a contract (masculine in French).
_CONTRACT_STATUS = {
    "Active": "Actif",
    "Amortized debt": "Dette amortie",
    "Approved": "Approuvé",
    "Canceled": "Annulé",
    "Completed": "Terminé",
    "Demand": "Mis en demeure",
    "Refused": "Refusé",
    "Returned to the store": "Retourné au magasin",
    "Sent proposal": "Proposition envoyée",
    "Signed": "Signé",
}

#: (table, column) -> level -> French, where one column name means different things per table.
_BY_TABLE: dict[tuple[str, str], dict[str, str]] = {
    ("previous_application", "NAME_CONTRACT_STATUS"): _APPLICATION_STATUS,
    ("POS_CASH_balance", "NAME_CONTRACT_STATUS"): _CONTRACT_STATUS,
    ("credit_card_balance", "NAME_CONTRACT_STATUS"): _CONTRACT_STATUS,
}

#: Numbered families of levels ("Industry: type 7"), worded for any number.
_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "ORGANIZATION_TYPE": (
        (re.compile(r"^Business Entity Type (\d+)$"), r"Entreprise de type \1"),
        (re.compile(r"^Industry: type (\d+)$"), r"Industrie : type \1"),
        (re.compile(r"^Trade: type (\d+)$"), r"Commerce : type \1"),
        (re.compile(r"^Transport: type (\d+)$"), r"Transport : type \1"),
    ),
    "CREDIT_CURRENCY": ((re.compile(r"^currency (\d+)$"), r"devise \1"),),
}


def french_label(table: str | None, column: str, level: str) -> str | None:
    """The French words for a level, or None when the table lacks them (caller falls back)."""
    by_table = _BY_TABLE.get((table or "", column))
    if by_table is not None and level in by_table:
        return by_table[level]
    if level in _BY_COLUMN.get(column, {}):
        return _BY_COLUMN[column][level]
    if table is None:
        # Unknown table: any table's wording of this column beats the English text.
        for (_, other_column), words in _BY_TABLE.items():
            if other_column == column and level in words:
                return words[level]
    if level in _CODED.get(column, {}):
        return _CODED[column][level][1]
    for pattern, replacement in _PATTERNS.get(column, ()):
        if pattern.match(level):
            return pattern.sub(replacement, level)
    if level in _ANY_COLUMN:
        return _ANY_COLUMN[level][1]
    return None


def worded_levels(table: str, column: str) -> tuple[str, ...]:
    """The source levels this module words for `column` of `table` (numbered families such as
    "Industry: type 7" and the XNA/XAP/Y/N codes excluded): the known vocabulary of a column,
    which shared/levels.py turns into the levels the API accepts."""
    by_table = _BY_TABLE.get((table, column))
    if by_table is not None:
        return tuple(by_table)
    return tuple(_BY_COLUMN.get(column, {})) + tuple(_CODED.get(column, {}))


def english_label(column: str, level: str) -> str:
    """The source text, except bare codes that need a gloss ("C" -> "closed", "XNA")."""
    if level in _CODED.get(column, {}):
        return _CODED[column][level][0]
    if level in _ANY_COLUMN:
        return _ANY_COLUMN[level][0]
    return level


def level_label(table: str | None, column: str, level: str, language: str) -> str:
    """How a category level reads in `language` ("fr" or "en"); the source text if unknown.

    `table` disambiguates columns that mean different things per table (NAME_CONTRACT_STATUS of
    a previous application vs of a POS/cash contract); None accepts any table's wording.
    """
    if language == "fr":
        french = french_label(table, column, level)
        return french if french is not None else level
    return english_label(column, level)


def level_labels(table: str | None, column: str, levels: list[str], language: str) -> list[str]:
    """`level_label` of each level, in order (a categorical feature's code -> label list)."""
    return [level_label(table, column, level, language) for level in levels]
