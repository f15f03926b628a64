"""Hand-written API answers for the dashboard's tests (shaped by shared.contract, values chosen
here so each test knows what the page must show)."""

from __future__ import annotations

from typing import Any

from shared.loan_terms import LoanTerms

API = "http://api.test"
KEY = "test-key-123456"
CLIENT = 100002


def prediction(
    probability: float = 0.43, threshold: float = 0.084, model: str = "refit"
) -> dict[str, Any]:
    return {
        "client_id": CLIENT,
        "probability": probability,
        "decision": "refuse" if probability >= threshold else "grant",
        "threshold": threshold,
        "distance": probability - threshold,
        "model_version": "v-test-1",
        "model": model,
    }


def reason(feature: str, contribution: float, sentence: str) -> dict[str, Any]:
    return {
        "feature": feature,
        "label_fr": f"{feature} fr",
        "label_en": f"{feature} en",
        "group": "external_scores",
        "value": 0.2,
        "display_fr": "0,2",
        "display_en": "0.2",
        "percentile": 10.0,
        "contribution": contribution,
        "direction": "raises" if contribution > 0 else "lowers",
        "sentence_fr": f"FR: {sentence}",
        "sentence_en": f"EN: {sentence}",
    }


def contribution(
    name: str, value: float, group: str = "income_and_loan", factor: float = 0.0
) -> dict[str, Any]:
    return {
        "name": name,
        "label_fr": f"Libellé {name}",
        "label_en": f"Label {name}",
        "group": group,
        "unit": "ratio",
        "value": 1.5,
        "display_fr": "1,5",
        "display_en": "1.5",
        "contribution": value,
        "probability_points": value * factor,
    }


#: Contributions chosen so that base + all of them + other == raw_output exactly.
CONTRIBUTIONS = [0.8, -0.5, 0.3, -0.25, 0.2, 0.15, -0.1, 0.08, 0.05, -0.04, 0.03, 0.02]
BASE_VALUE = -2.5
OTHER = 0.06
#: The average client's probability, the start of the chart in probability points.
BASE_PROBABILITY = 0.0759
RAW_OUTPUT = BASE_VALUE + sum(CONTRIBUTIONS) + OTHER


def points_factor(probability: float) -> float:
    """The API's conversion of log-odds into probability (api/scorer.py points_scale)."""
    return (probability - BASE_PROBABILITY) / (RAW_OUTPUT - BASE_VALUE)


def explanation(probability: float = 0.43) -> dict[str, Any]:
    factor = points_factor(probability)
    contributions = [contribution(f"F{i}", v, factor=factor) for i, v in enumerate(CONTRIBUTIONS)]
    groups = [
        ("external_scores", "Scores externes", "External scores", 0.9),
        ("employment", "Emploi", "Employment", -0.3),
        ("cards", "Cartes", "Cards", 0.05),
    ]
    return {
        **prediction(probability),
        "base_value": BASE_VALUE,
        "raw_output": RAW_OUTPUT,
        "base_probability": BASE_PROBABILITY,
        "points_per_log_odds": factor,
        "contributions": contributions,
        "other_contribution": OTHER,
        "other_points": OTHER * factor,
        "groups": [
            {
                "group": group,
                "label_fr": label_fr,
                "label_en": label_en,
                "contribution": value,
                "probability_points": value * factor,
            }
            for group, label_fr, label_en, value in groups
        ],
        "reasons": {
            "raises": [reason("EXT_SOURCE_2", 0.8, "external score low")],
            "lowers": [reason("DAYS_BIRTH", -0.5, "age lowers"), reason("X", -0.1, "x lowers")],
        },
    }


def client_info() -> dict[str, Any]:
    return {
        "client_id": CLIENT,
        "profile": {"age_years": 25.9, "income": 202500.0},
        "fields": [
            {
                "name": "age_years",
                "label_fr": "Âge",
                "label_en": "Age",
                "value": 25.9,
                "unit": "years",
                "display_fr": "25,9 ans",
                "display_en": "25.9 years",
            },
            {
                "name": "income",
                "label_fr": "Revenu annuel",
                "label_en": "Annual income",
                "value": 202500.0,
                "unit": "EUR",
                "display_fr": "202 500 €",
                "display_en": "€202,500",
            },
        ],
    }


#: The loan of the what-if payloads: 406,597.50 repaid 24,700.50 a month, 18 months at the rate
#: shared/loan_terms.py implies (as the API computes it).
LOAN = LoanTerms.of_application(406597.5, 24700.5)


def what_if_fields() -> dict[str, Any]:
    assert LOAN is not None
    field = {"minimum_exclusive": 0, "step": None, "changeable": True}
    return {
        "fields": [
            {
                **field,
                "name": "AMT_CREDIT",
                "label_fr": "Montant du crédit",
                "label_en": "Credit amount",
                "unit": "EUR",
                "minimum": 121980.0,
                "maximum": 406597.5,
                "current": 406597.5,
            },
            {
                **field,
                "name": "TERM_MONTHS",
                "label_fr": "Durée (mois)",
                "label_en": "Term (months)",
                "unit": "months",
                "minimum": 6.0,
                "maximum": 60.0,
                "step": 1.0,
                "current": 18.0,
            },
            {
                **field,
                "name": "AMT_ANNUITY",
                "label_fr": "Mensualité",
                "label_en": "Monthly instalment",
                "unit": "EUR",
                "minimum": LOAN.min_annuity(),
                "maximum": LOAN.max_annuity(),
                "current": 24700.5,
            },
            {
                **field,
                "name": "AMT_GOODS_PRICE",
                "label_fr": "Prix du bien",
                "label_en": "Goods price",
                "unit": "EUR",
                "minimum": 105300.0,
                "maximum": 351000.0,
                "current": 351000.0,
            },
        ],
        "loan": {
            "credit": LOAN.credit,
            "annuity": LOAN.annuity,
            "term_months": LOAN.term_months,
            "monthly_rate": LOAN.monthly_rate,
            "annual_rate": LOAN.annual_rate,
            "min_term": LOAN.min_term,
            "max_term": LOAN.max_term,
        },
    }


def recourse(status: str = "options") -> dict[str, Any]:
    """A refused client's recourse answer with two options (or none)."""
    options = [
        {
            "changes": {"AMT_CREDIT": 300000.0},
            "probability": 0.071,
            "decision": "grant",
            "credit_amount": 300000.0,
            "term_months": 18,
            "annuity": 18225.0,
            "goods_price": 351000.0,
            "change_size": 0.26,
            "sentence_fr": "FR: emprunter 300 000 €",
            "sentence_en": "EN: borrow €300,000",
        },
        {
            "changes": {"TERM_MONTHS": 36.0},
            "probability": 0.08,
            "decision": "grant",
            "credit_amount": 406597.5,
            "term_months": 36,
            "annuity": 13500.0,
            "goods_price": 351000.0,
            "change_size": 1.0,
            "sentence_fr": "FR: sur 36 mois",
            "sentence_en": "EN: over 36 months",
        },
    ]
    return {
        "client_id": CLIENT,
        "status": status,
        "current": prediction(0.43),
        "options": options if status == "options" else [],
        "fields": what_if_fields()["fields"],
        "searched": 318,
        "message_fr": f"FR message {status}",
        "message_en": f"EN message {status}",
    }


def what_if_result(before: float = 0.43, after: float = 0.05) -> dict[str, Any]:
    reasons = explanation()["reasons"]
    return {
        "client_id": CLIENT,
        "changes": [{"field": "AMT_CREDIT", "before": 406597.5, "after": 200000.0}],
        "before": prediction(before),
        "after": prediction(after),
        "probability_change": after - before,
        "decision_changed": (before >= 0.084) != (after >= 0.084),
        "reasons_before": reasons,
        "reasons_after": reasons,
        "reason_changes": [
            {
                "feature": "AMT_CREDIT",
                "label_fr": "Montant du crédit",
                "label_en": "Credit amount",
                "before": 0.2,
                "after": -0.3,
                "status": "kept",
                "direction": "lowers",
            },
            {
                "feature": "Y",
                "label_fr": "Y fr",
                "label_en": "Y en",
                "before": None,
                "after": 0.1,
                "status": "new",
                "direction": "raises",
            },
        ],
    }


def feature(name: str, rank: int, importance: float, categorical: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "label_fr": f"{name} fr",
        "label_en": f"{name} en",
        "unit": "ratio",
        "group": "external_scores",
        "group_label_fr": "Scores externes",
        "group_label_en": "External scores",
        "family": "application",
        "categorical": categorical,
        "importance": importance,
        "rank": rank,
        "has_distribution": name != "NO_DIST",
    }


def feature_list() -> dict[str, Any]:
    return {
        "features": [
            feature("SECOND", 2, 0.2),
            feature("CAT", 3, 0.1, categorical=True),
            feature("TOP", 1, 0.5),
            feature("NO_DIST", 4, 0.05),
            feature("FOURTH", 5, 0.01),
        ],
        "groups": [
            {
                "group": "external_scores",
                "label_fr": "Scores externes",
                "label_en": "External scores",
                "importance": 0.7,
            },
            {
                "group": "employment",
                "label_fr": "Emploi",
                "label_en": "Employment",
                "importance": 0.1,
            },
        ],
    }


def distribution(categorical: bool = False) -> dict[str, Any]:
    common = {
        "name": "TOP",
        "label_fr": "Top fr",
        "label_en": "Top en",
        "unit": "ratio",
        "categorical": categorical,
        "all": [10, 30, 60],
        "repaid": [5, 25, 55],
        "defaulted": [5, 5, 5],
        "similar": [1, 2, 1],
        "similar_group": {
            "age_band": "25-35",
            "income_band": "150-250k",
            "contract_type": "Cash loans",
            "size": 4,
        },
        "client_id": CLIENT,
        "client_value": 1.0 if categorical else 0.25,
        "client_display_fr": "B" if categorical else "0,25",
        "client_display_en": "B" if categorical else "0.25",
        "client_percentile": 37.0,
    }
    if categorical:
        return {**common, "categories": ["A", "B", "C"]}
    return {**common, "bin_edges": [0.0, 0.2, 0.4, 0.6]}


def bivariate() -> dict[str, Any]:
    return {
        "x_axis": {"name": "TOP", "label_fr": "Top fr", "label_en": "Top en", "unit": "ratio"},
        "y_axis": {
            "name": "SECOND",
            "label_fr": "Second fr",
            "label_en": "Second en",
            "unit": "EUR",
        },
        "x": [0.1, 0.2, 0.3, 0.4, None],
        "y": [1000.0, 2000.0, 3000.0, None, 5000.0],
        "outcome": [0, 1, None, 0, 1],
        "probability": [0.05, 0.4, 0.1, 0.02, 0.3],
        "sample_size": 5,
        "population_size": 100,
        "threshold": 0.084,
        "client": {"client_id": CLIENT, "x": 0.25, "y": 2500.0, "probability": 0.43},
    }


#: The honest protocol as a bundle states it (words chosen here so tests can find them).
EVALUATION = {
    "name": "nested-cross-fitting",
    "description_fr": "Validation croisée imbriquée : aucun chiffre ne vient d'un client vu.",
    "description_en": "Nested cross-fitting: no figure comes from a client the model saw.",
    "outer_folds": 5,
    "early_stopping": "inner split of each fold's training rows",
    "bootstrap_resamples": 1000,
    "seed": 7,
}


def model_info(evaluation: bool = True) -> dict[str, Any]:
    metrics = {
        "roc_auc": 0.76,
        "pr_auc": 0.24,
        "brier": 0.068,
        "log_loss": 0.25,
        "threshold": 0.084,
        "cost_at_threshold": 5300.0,
        "cost_at_half": 8300.0,
        "recall_at_threshold": 0.66,
        "precision_at_threshold": 0.18,
        "true_positives": 540,
        "false_positives": 2460,
        "true_negatives": 6480,
        "false_negatives": 282,
        "roc_auc_ci": {"low": 0.745, "high": 0.776, "level": 0.95, "resamples": 1000},
        "cost_ci": {"low": 5010.0, "high": 5590.0, "level": 0.95, "resamples": 1000},
    }
    dummy = {**metrics, "roc_auc": 0.5, "roc_auc_ci": None, "cost_ci": None}
    return {
        "version": "v-test-1",
        "created_at": "2026-11-27T21:28:18Z",
        "threshold": 0.084,
        "costs": {"false_negative": 10.0, "false_positive": 1.0},
        "metrics": {
            "model": metrics,
            "logistic": {**metrics, "roc_auc": 0.72},
            "dummy": dummy,
        },
        "evaluation": EVALUATION if evaluation else None,
        "fold_models": 5 if evaluation else 0,
        "feature_count": 5,
        "calibration_method": "none",
        "n_train": 9762,
        "cost_curve_thresholds": [0.0, 0.084, 0.5, 1.0],
        "cost_curve_costs": [9000.0, 5300.0, 8300.0, 8300.0],
    }


# --------------------------------------------------------------------------- component helpers


def walk(node: Any):
    """Every component and string in a Dash component tree (depth first)."""
    yield node
    children = getattr(node, "children", None) if hasattr(node, "to_plotly_json") else None
    if isinstance(node, list | tuple):
        children = node
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        yield from walk(child)


def text_of(node: Any) -> str:
    """All visible strings of a tree, joined by spaces."""
    return " ".join(str(n) for n in walk(node) if isinstance(n, str | int | float))


def find(node: Any, component_id: Any) -> Any:
    for n in walk(node):
        if getattr(n, "id", None) == component_id:
            return n
    raise AssertionError(f"no component with id {component_id!r}")


def attribute(node: Any, name: str) -> Any:
    """An aria-* or data-* attribute (Dash keeps wildcard props in to_plotly_json)."""
    if not hasattr(node, "to_plotly_json"):
        return None
    return node.to_plotly_json()["props"].get(name)


def figure_of(node: Any, graph_id: str) -> Any:
    return find(node, graph_id).figure
