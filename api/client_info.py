"""A client's application, as a card an advisor reads: years, euros, months, words.

The raw fields come from the client store exactly as the application file wrote them; this module
turns the handful an advisor talks about into readable values (age from DAYS_BIRTH, employment
length with the pensioners' 365243 sentinel as "none", the term in whole months as
shared/loan_terms.py infers it from the amount and the instalment). Category
values stay as the source text in `value` and `profile` (what the data says, for programs) and
are worded per language in the displays, French from shared/category_labels.py.
"""

from __future__ import annotations

import math

from api.formatting import DAYS_PER_YEAR, format_value
from shared.category_labels import level_label
from shared.contract import ClientField, ClientInfo, ClientProfile
from shared.loan_terms import LoanTerms
from shared.tables import DAYS_SENTINEL

SOURCE = "application_train"

#: Card field -> application column of a category, so its value can be worded per language.
CATEGORY_COLUMNS: dict[str, str] = {
    "gender": "CODE_GENDER",
    "family_status": "NAME_FAMILY_STATUS",
    "education": "NAME_EDUCATION_TYPE",
    "income_type": "NAME_INCOME_TYPE",
    "occupation": "OCCUPATION_TYPE",
    "contract_type": "NAME_CONTRACT_TYPE",
    "housing": "NAME_HOUSING_TYPE",
}

#: (field, label_fr, label_en, unit) in card order; unit drives formatting.
CARD: tuple[tuple[str, str, str, str], ...] = (
    ("age_years", "Âge", "Age", "years"),
    ("gender", "Genre", "Gender", "category"),
    ("family_status", "Situation familiale", "Family status", "category"),
    ("children", "Enfants", "Children", "count"),
    ("education", "Études", "Education", "category"),
    ("income_type", "Type de revenu", "Income type", "category"),
    ("occupation", "Profession", "Occupation", "category"),
    ("employment_years", "Ancienneté dans l'emploi", "Time in current job", "years"),
    ("income", "Revenu annuel", "Annual income", "EUR"),
    ("contract_type", "Type de contrat", "Contract type", "category"),
    ("credit_amount", "Montant du crédit", "Credit amount", "EUR"),
    ("annuity", "Mensualité", "Monthly instalment", "EUR"),
    ("term_months", "Durée estimée", "Estimated term", "months"),
    ("goods_price", "Prix du bien", "Goods price", "EUR"),
    ("housing", "Logement", "Housing", "category"),
    ("owns_car", "Possède une voiture", "Owns a car", "flag"),
    ("owns_realty", "Propriétaire d'un bien immobilier", "Owns real estate", "flag"),
)


def _number(value: object) -> float | None:
    if value is None or isinstance(value, str):
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _yes_no(value: object) -> bool | None:
    return {"Y": True, "N": False}.get(str(value)) if value is not None else None


def profile_from(record: dict[str, object]) -> ClientProfile:
    days_birth = _number(record.get("DAYS_BIRTH"))
    days_employed = _number(record.get("DAYS_EMPLOYED"))
    employed = (
        -days_employed / DAYS_PER_YEAR
        if days_employed is not None and days_employed != DAYS_SENTINEL and days_employed <= 0
        else None
    )
    credit, annuity = _number(record.get("AMT_CREDIT")), _number(record.get("AMT_ANNUITY"))
    children = _number(record.get("CNT_CHILDREN"))
    terms = LoanTerms.of_application(credit, annuity)
    return ClientProfile(
        age_years=round(-days_birth / DAYS_PER_YEAR, 1) if days_birth is not None else None,
        gender=_text(record.get("CODE_GENDER")),
        income=_number(record.get("AMT_INCOME_TOTAL")),
        credit_amount=credit,
        annuity=annuity,
        term_months=float(terms.term_months) if terms is not None else None,
        goods_price=_number(record.get("AMT_GOODS_PRICE")),
        employment_years=round(employed, 1) if employed is not None else None,
        family_status=_text(record.get("NAME_FAMILY_STATUS")),
        children=int(children) if children is not None else None,
        housing=_text(record.get("NAME_HOUSING_TYPE")),
        contract_type=_text(record.get("NAME_CONTRACT_TYPE")),
        education=_text(record.get("NAME_EDUCATION_TYPE")),
        occupation=_text(record.get("OCCUPATION_TYPE")),
        income_type=_text(record.get("NAME_INCOME_TYPE")),
        owns_car=_yes_no(record.get("FLAG_OWN_CAR")),
        owns_realty=_yes_no(record.get("FLAG_OWN_REALTY")),
    )


def display(name: str, value: float | str | bool | None, unit: str, language: str) -> str:
    """A card value as read in `language`; category levels come out of the translation table."""
    column = CATEGORY_COLUMNS.get(name)
    if column is not None and isinstance(value, str):
        return level_label(SOURCE, column, value, language)
    return format_value(value, unit, language)


def client_info(client_id: int, record: dict[str, object]) -> ClientInfo:
    profile = profile_from(record)
    values = profile.model_dump()
    fields = [
        ClientField(
            name=name,
            label_fr=label_fr,
            label_en=label_en,
            value=values[name],
            unit=unit,
            display_fr=display(name, values[name], unit, "fr"),
            display_en=display(name, values[name], unit, "en"),
        )
        for name, label_fr, label_en, unit in CARD
    ]
    return ClientInfo(client_id=client_id, profile=profile, fields=fields)
