"""English texts of the interface (keys shared with fr.py)."""

TEXTS: dict[str, str] = {
    # Frame
    "app.name": "Prêt à dépenser",
    "app.subtitle": "Credit decision assistant",
    "app.skip": "Skip to main content",
    "app.nav": "Main navigation",
    "app.nav.search": "Find a client",
    "app.nav.model": "About the model",
    "app.language": "Language",
    "app.loading": "Loading…",
    "app.footer": (
        "Estimates from a statistical model: a decision aid, to be explained to the client and "
        "reviewed by an advisor."
    ),
    "title.home": "Find a client — Prêt à dépenser",
    "title.client": "Client {client_id} — decision — Prêt à dépenser",
    "title.compare": "Client {client_id} — comparison — Prêt à dépenser",
    "title.model": "About the model — Prêt à dépenser",
    "title.not_found": "Page not found — Prêt à dépenser",
    # Search
    "search.label": "Client ID",
    "search.placeholder": "Type the first digits of the ID…",
    "search.help": "Type at least one digit; the first 20 matching IDs are listed.",
    "search.search_box": "Search IDs",
    "search.no_match": "No client matches.",
    "home.heading": "Find a client",
    "home.intro": (
        "Look a client up by their ID to see the credit decision, the reasons behind it and how "
        "the client compares with others."
    ),
    "notfound.heading": "Page not found",
    "notfound.text": "This address does not match any page. Start again from the client search.",
    # Client page
    "client.heading": "Client {client_id}",
    "client.tabs": "Client views",
    "client.tab.decision": "Decision and reasons",
    "client.tab.compare": "Compare with other clients",
    "decision.heading": "Decision",
    "decision.grant": "Credit granted",
    "decision.refuse": "Credit refused",
    "decision.probability": "Estimated probability of default: {probability}",
    "decision.threshold": "Decision threshold: {threshold}",
    "decision.below": "{points} below the threshold: the risk is acceptable.",
    "decision.above": "{points} above the threshold: the risk is too high.",
    "decision.at": "Exactly at the threshold.",
    "decision.version": "Model version: {version}",
    "decision.model.fold": (
        "Scored by a model that never saw this client's outcome (cross-validation model {fold})."
    ),
    "decision.model.refit": "Scored by the model trained on all past clients.",
    "gauge.axis": "Probability of default",
    "gauge.summary": (
        "Gauge: estimated probability of default {probability}; threshold {threshold}; "
        "decision: {decision}."
    ),
    "gauge.scale": (
        "The scale is stretched around the threshold: probabilities near it get more of the arc."
    ),
    "reasons.heading": "Main reasons",
    "reasons.intro": "In plain words, what weighed most in this client's estimate.",
    "reasons.up": "Raising the risk",
    "reasons.down": "Lowering the risk",
    "reasons.none": "No notable factor.",
    "waterfall.heading": "Contribution of each factor",
    "waterfall.intro": (
        "Starting from the average client, each bar raises the probability of default (to the "
        "right, ▲) or lowers it (to the left, ▼), ending at this client's."
    ),
    "explain.unit": "Chart units",
    "explain.unit.points": "Probability points",
    "explain.unit.logodds": "Log-odds (specialists)",
    "explain.unit.help_points": (
        "In percentage points: the bars add up exactly to the client's probability (every "
        "effect of the model is converted in the same proportion)."
    ),
    "explain.unit.help_logodds": (
        "The model's internal score (log-odds), as TreeSHAP computes it: the bars add up to the "
        "client's raw score."
    ),
    "waterfall.base": "Average client",
    "waterfall.rest": "All other factors",
    "waterfall.total": "This client",
    "waterfall.axis": "Risk score (log-odds)",
    "waterfall.axis_points": "Probability of default",
    "waterfall.summary": (
        "Waterfall chart. Start (average client): {base}. {items}. Final score: {total}."
    ),
    "groups.heading": "Contribution by family of criteria",
    "groups.axis": "Effect on the risk score (log-odds)",
    "groups.axis_points": "Effect on the probability of default (points)",
    "groups.summary": "Bar chart of effects by family: {items}.",
    "groups.item": "{label}: {effect}",
    "card.heading": "Client information",
    "card.empty": "No information recorded.",
    # What-if
    "whatif.heading": "Simulation: what if the application changed?",
    "whatif.intro": (
        "Change the amount, the term, the instalment or the goods price, then run the "
        "simulation: the client's file is not modified. The instalment follows the amount and the "
        "term at the client's product rate; an instalment you type gives a term in whole months."
    ),
    "whatif.rate": (
        "Term and instalment computed at the application's implied rate, the one that gives the "
        "file's instalment over its term ({term})."
    ),
    "whatif.invalid": "“{field}” could not be read: {value}",
    "whatif.applied": "Simulated request",
    # What would change the decision, the client's document
    "recourse.heading": "What would change the decision",
    "recourse.intro": (
        "Nearby requests that would be granted, computed by the same model as the decision. "
        "Only the terms of the credit change (amount from 30 to 100% of the request, the "
        "product's terms, the goods price), never the client's situation."
    ),
    "recourse.option": "Option {number}",
    "recourse.searched": "{count} alternative requests assessed.",
    "summary.heading": "Document for the client",
    "summary.intro": (
        "One page to hand to the client: the decision, its reasons, the information used, what "
        "would change it and their rights (review by a person, contesting the decision)."
    ),
    "summary.pdf": "Download the summary (PDF, English)",
    "summary.pdf_other": "French version (PDF)",
    "summary.html": "Open the web version (English)",
    "whatif.applied_item": "{label}: {before} → {after}",
    "whatif.range": "From {low} to {high}",
    "whatif.current": "In the file: {value}",
    "whatif.submit": "Run the simulation",
    "whatif.none": "Change at least one field before running the simulation.",
    "whatif.result": "Simulated probability of default: {probability} ({change} versus the file).",
    "whatif.reasons_changed": "Factors whose weight changed the most",
    "whatif.reason_change": "{label}: {before} → {after}",
    "whatif.no_reason_change": "The main reasons stay the same.",
    "whatif.same_model": (
        "Simulated with the same model as the decision: only the changed fields move the score."
    ),
    "whatif.summary": "Gauge: simulated probability {probability}; threshold {threshold}.",
    # Compare page
    "compare.heading": "Client {client_id} compared with other clients",
    "compare.feature": "Criterion to compare",
    "compare.feature_help": "Most influential criteria first; type to filter.",
    "dist.heading": "Distribution of the criterion",
    "dist.all": "All clients",
    "dist.repaid": "Clients who repaid",
    "dist.defaulted": "Clients who defaulted",
    "dist.similar": "Similar clients (age, income, contract type)",
    "dist.client": "This client",
    "dist.axis": "Share of clients",
    "dist.percentile": (
        "This client's value ({value}) is higher than that of {percent} of clients."
    ),
    "dist.no_value": "This client has no value for this criterion.",
    "dist.summary": (
        "Distribution chart of {feature}: all clients, repaid, defaulted and similar clients; "
        "this client's value {value}, percentile {percent}."
    ),
    "bivar.heading": "Two criteria together",
    "bivar.x": "Horizontal axis",
    "bivar.y": "Vertical axis",
    "bivar.colour": "Colour clients by",
    "bivar.colour.score": "Estimated probability",
    "bivar.colour.outcome": "Actual outcome",
    "bivar.repaid": "Repaid (○)",
    "bivar.defaulted": "Defaulted (×)",
    "bivar.unknown": "Not known yet (·)",
    "bivar.client": "This client (★)",
    "bivar.summary": (
        "Scatter plot of {count} clients: {x} against {y}. This client (star): {x} = {x_value}, "
        "{y} = {y_value}."
    ),
    # Model page
    "model.heading": "About the model",
    "model.intro": (
        "The estimate comes from a model trained on past loans (gradient-boosted decision trees). "
        "It gives a probability of default; the decision compares it with a threshold."
    ),
    "model.version": "Version {version}, trained on {date} on {count} past loans.",
    "model.importance.heading": "What matters most overall",
    "model.importance.intro": (
        "Average weight of each criterion in the estimates, for all clients (the longer the bar, "
        "the more the criterion counts)."
    ),
    "model.importance.axis": "Average weight (mean |SHAP|)",
    "model.importance.summary": "Bar chart of the most important criteria: {items}.",
    "model.groups.heading": "By family of criteria",
    "model.performance.heading": "How reliable is it?",
    "model.metric": "Measure",
    "model.value": "Model",
    "model.baseline.logistic": "Simple method (logistic)",
    "model.baseline.dummy": "No model (average rate)",
    "model.baseline.scorecard": "Classic scorecard (binned, logistic)",
    "model.baseline.plain_lightgbm": "Same booster, application fields only",
    "model.ci": "{level} CI: {low} to {high}",
    "model.cost": "Cost at the threshold",
    "model.cost.help": (
        "Total cost of the errors over the evaluated past loans, each method at its own best "
        "threshold (lower is better)."
    ),
    "model.confusion.caption": (
        "The model's decisions on the {count} evaluated past loans, at the threshold {threshold}"
    ),
    "model.confusion.refused": "Refused",
    "model.confusion.granted": "Granted",
    "model.confusion.defaulted": "Defaulted",
    "model.confusion.repaid": "Repaid",
    "model.evaluation.heading": "How these figures were measured",
    "model.evaluation.none": (
        "This model does not describe its evaluation protocol: its figures may be optimistic."
    ),
    "model.evaluation.details": (
        "{folds}-fold cross-validation; confidence intervals by bootstrap ({resamples} resamples)."
    ),
    "model.evaluation.serving": (
        "For a client already known (a past loan), the score shown comes from one of the {count} "
        "cross-validation models: the one that never saw this client's file. For a new client, "
        "it comes from the model trained on all past clients."
    ),
    "model.meaning": "What it means",
    "model.auc": "ROC AUC",
    "model.auc.help": (
        "Chance that a client who defaulted gets a higher estimate than one who repaid "
        "(0.5 = chance, 1 = perfect)."
    ),
    "model.recall": "Defaults detected",
    "model.recall.help": "Share of the clients who defaulted that the threshold refuses.",
    "model.precision": "Refusals justified",
    "model.precision.help": "Share of the refused clients who actually defaulted.",
    "model.brier": "Brier score",
    "model.brier.help": "Mean squared gap between estimate and reality (lower is better).",
    "model.threshold.heading": "How the threshold was chosen",
    "model.threshold.text": (
        "A missed default (a loan granted that will not be repaid) costs the bank about "
        "{fn} times as much as a good client wrongly refused (cost {fp}). The threshold "
        "{threshold} is the one that minimises the total cost over past loans: below it, credit "
        "is granted."
    ),
    "model.threshold.half": (
        "For comparison, the cost at the threshold {threshold} is {cost}, against {half_cost} with "
        "a naive 50 % threshold."
    ),
    "model.cost.axis_x": "Threshold",
    "model.cost.axis_y": "Total cost (relative)",
    "model.cost.chosen": "Chosen threshold",
    "model.cost.summary": (
        "Cost curve: total cost for each threshold; minimum at the chosen threshold {threshold} "
        "(cost {cost})."
    ),
    "dropdown.select_all": "Select all",
    "dropdown.deselect_all": "Deselect all",
    "dropdown.selected_count": "{num_selected} selected",
    "dropdown.search": "Search",
    "dropdown.clear_search": "Clear search",
    "dropdown.clear_selection": "Clear selection",
    "dropdown.no_options": "No match",
    # Errors and status
    "error.unreachable": (
        "The scoring service cannot be reached. Information will appear as soon as it is back."
    ),
    "error.timeout": "The scoring service is taking too long to answer. Try again in a moment.",
    "error.unauthorized": (
        "The dashboard is not allowed to query the scoring service (access key missing or "
        "refused). Contact support."
    ),
    "error.not_found": "Not found: check the client ID.",
    "error.invalid": "Value refused: {detail}",
    "error.not_ready": "The scoring service is starting; try again in a few seconds.",
    "error.server": "The scoring service hit an error. Try again; if it persists, contact support.",
    "error.bad_response": "Unexpected answer from the scoring service. Contact support.",
    "status.down": "⚠ Scoring service unavailable — retrying automatically.",
}
