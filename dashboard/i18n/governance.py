"""Texts of the governance page, the model card page and the final-decision control (FR, EN).

Kept beside fr.py and en.py and merged into the same tables (dashboard/i18n/__init__.py), so
the completeness tests cover them like every other text.
"""

FR: dict[str, str] = {
    "app.nav.governance": "Gouvernance",
    "title.governance": "Gouvernance du modèle — Prêt à dépenser",
    "title.card": "Fiche du modèle — Prêt à dépenser",
    "gov.heading": "Gouvernance du modèle",
    "gov.intro": (
        "Pour les responsables des risques et de la conformité : le modèle traite-t-il les "
        "groupes de clients différemment, les demandeurs d'aujourd'hui ressemblent-ils encore à "
        "ceux de l'apprentissage, et les conseillers gardent-ils la main ?"
    ),
    "gov.card_link": "Lire la fiche du modèle (model card)",
    "gov.summary.heading": "En bref",
    "gov.summary.fair_ok": (
        "Équité : aucun attribut signalé (rapport d'acceptation entre groupes d'au moins "
        "{flag} pour {attributes})."
    ),
    "gov.summary.fair_flagged": (
        "Équité : signalé pour {flagged} (rapport d'acceptation inférieur à {flag}) ; "
        "non signalé pour {others}."
    ),
    "gov.summary.fair_none": "Équité : aucun rapport dans ce modèle.",
    "gov.summary.drift": (
        "Dérive de la population : statut « {status} » sur {count} dossiers récents "
        "(PSI du score {psi})."
    ),
    "gov.summary.drift_none": "Dérive de la population : aucun dossier évalué récemment.",
    "gov.summary.drift_low": "Trop peu de dossiers pour conclure : le PSI est surtout du bruit.",
    "gov.summary.oversight": (
        "Contrôle humain : {total} décisions finales enregistrées, dont {overrides} "
        "dérogations ({rate})."
    ),
    "gov.summary.oversight_none": "Contrôle humain : aucune décision finale enregistrée.",
    "gov.fairness.heading": "Équité entre groupes",
    "gov.fairness.intro": (
        "Calculé sur les prédictions hors échantillon (chaque client noté par un modèle qui ne "
        "l'avait pas vu), au seuil de décision. Le sexe est exclu du modèle et conservé "
        "uniquement pour cet audit. Intervalles de confiance à 95 % par bootstrap."
    ),
    "gov.fairness.ratio": (
        "Rapport d'acceptation (plus faible / plus fort) : {ratio} ({low} / {high}) — {verdict}."
    ),
    "gov.fairness.ratio_none": "Rapport d'acceptation : non calculable (moins de deux groupes).",
    "gov.fairness.flagged": "signalé, sous le seuil de {flag}",
    "gov.fairness.not_flagged": "non signalé",
    "gov.fairness.tpr_gap": (
        "Plus grand écart de taux de détection des défauts : {gap} ({groups})."
    ),
    "gov.fairness.axis": "Taux d'acceptation",
    "gov.fairness.chart": "Taux d'acceptation par groupe, {attribute} : {items}.",
    "gov.fairness.small": "effectif faible, non comparé",
    "gov.col.group": "Groupe",
    "gov.col.n": "Effectif",
    "gov.col.default_rate": "Taux de défaut observé",
    "gov.col.mean_predicted": "Probabilité moyenne prédite",
    "gov.col.approval": "Taux d'acceptation",
    "gov.col.tpr": "Défauts refusés (TPR)",
    "gov.col.fpr": "Bons payeurs refusés (FPR)",
    "gov.col.auc": "AUC",
    "gov.drift.heading": "Stabilité de la population (dérive)",
    "gov.drift.intro": (
        "Indice de stabilité (PSI) des dossiers évalués récemment par l'API, comparés à la "
        "population d'apprentissage : moins de 0,10 stable, de 0,10 à 0,25 à surveiller, "
        "0,25 et plus à traiter."
    ),
    "gov.drift.overall": "Statut global : {status} — PSI du score {psi} sur {count} dossiers.",
    "gov.drift.none": "Aucun dossier évalué récemment : la dérive n'est pas encore mesurable.",
    "gov.drift.low_sample": (
        "Seulement {count} dossiers : un PSI d'environ {noise} s'expliquerait par le seul hasard."
    ),
    "gov.drift.history_axis": "PSI du score",
    "gov.drift.history_chart": "PSI du score au fil du temps : {items}.",
    "gov.drift.history_none": "Pas encore d'historique.",
    "gov.drift.watch_line": "à surveiller",
    "gov.drift.act_line": "à traiter",
    "gov.drift.features_caption": "Variables les plus décalées (parmi les 30 plus importantes)",
    "gov.col.feature": "Variable",
    "gov.col.psi": "PSI",
    "gov.col.status": "Statut",
    "gov.status.ok": "stable",
    "gov.status.watch": "à surveiller",
    "gov.status.act": "à traiter",
    "gov.estimate.heading": "Estimation de la performance actuelle (sans étiquettes)",
    "gov.estimate.text": (
        "ESTIMATION, pas une mesure : les défauts ne sont connus que des mois après la "
        "décision. D'après les seules probabilités calibrées, taux de défaut attendu {rate} "
        "(apprentissage : {reference_rate}) et AUC attendue {auc} (apprentissage : "
        "{reference_auc}). Valable tant que le modèle reste calibré sur la nouvelle population."
    ),
    "gov.oversight.heading": "Contrôle humain : décisions finales des conseillers",
    "gov.oversight.rate": "{overrides} dérogations sur {total} décisions finales ({rate}).",
    "gov.oversight.none": "Aucune décision finale enregistrée pour l'instant.",
    "gov.oversight.by_reason": "Dérogations par motif",
    "gov.oversight.by_direction": "Dérogations par sens",
    "gov.oversight.reason_chart": "Dérogations par motif : {items}.",
    "gov.direction.grant": "accordé malgré un refus du modèle",
    "gov.direction.refuse": "refusé malgré un accord du modèle",
    "gov.col.reason": "Motif",
    "gov.col.count": "Nombre",
    "gov.col.direction": "Sens",
    "modelcard.heading": "Fiche du modèle",
    "modelcard.intro": (
        "Document technique du modèle (en anglais, la langue des dossiers de validation), "
        "généré à l'apprentissage et servi par l'API."
    ),
    "final.heading": "Décision finale du conseiller",
    "final.intro": (
        "Vous restez décisionnaire : suivez la proposition du modèle ou dérogez-y en donnant "
        "un motif et un commentaire. La décision est enregistrée et auditable."
    ),
    "final.choice": "Votre décision",
    "final.follow": "Suivre le modèle",
    "final.grant": "Accorder (dérogation)",
    "final.refuse": "Refuser (dérogation)",
    "final.reason": "Motif de la dérogation (obligatoire pour déroger)",
    "final.comment": "Commentaire (obligatoire pour déroger)",
    "final.submit": "Enregistrer la décision",
    "final.recorded": "Décision enregistrée : {decision}{override} (référence {id}).",
    "final.override_suffix": ", dérogation au modèle",
    "final.follow_suffix": ", conforme au modèle",
    "final.decision.grant": "crédit accordé",
    "final.decision.refuse": "crédit refusé",
    "final.missing": "Pour déroger au modèle, choisissez un motif et écrivez un commentaire.",
}

EN: dict[str, str] = {
    "app.nav.governance": "Governance",
    "title.governance": "Model governance — Prêt à dépenser",
    "title.card": "Model card — Prêt à dépenser",
    "gov.heading": "Model governance",
    "gov.intro": (
        "For risk and compliance officers: does the model treat groups of clients "
        "differently, do today's applicants still look like the training population, and do "
        "advisors stay in charge?"
    ),
    "gov.card_link": "Read the model card",
    "gov.summary.heading": "At a glance",
    "gov.summary.fair_ok": (
        "Fairness: no attribute flagged (approval ratio between groups at least {flag} for "
        "{attributes})."
    ),
    "gov.summary.fair_flagged": (
        "Fairness: flagged for {flagged} (approval ratio below {flag}); not flagged for {others}."
    ),
    "gov.summary.fair_none": "Fairness: no report in this model.",
    "gov.summary.drift": (
        "Population drift: status “{status}” over {count} recent applicants (score PSI {psi})."
    ),
    "gov.summary.drift_none": "Population drift: no applicant scored recently.",
    "gov.summary.drift_low": "Too few applicants to conclude: the PSI is mostly noise.",
    "gov.summary.oversight": (
        "Human oversight: {total} final decisions recorded, {overrides} of them overrides ({rate})."
    ),
    "gov.summary.oversight_none": "Human oversight: no final decision recorded.",
    "gov.fairness.heading": "Fairness between groups",
    "gov.fairness.intro": (
        "Computed on out-of-fold predictions (each client scored by a model that had not seen "
        "them), at the decision threshold. Sex is excluded from the model and kept only for "
        "this audit. 95% bootstrap confidence intervals."
    ),
    "gov.fairness.ratio": (
        "Approval ratio (lowest / highest): {ratio} ({low} / {high}) — {verdict}."
    ),
    "gov.fairness.ratio_none": "Approval ratio: not computable (fewer than two groups).",
    "gov.fairness.flagged": "flagged, below {flag}",
    "gov.fairness.not_flagged": "not flagged",
    "gov.fairness.tpr_gap": "Largest gap in the rate of defaults caught: {gap} ({groups}).",
    "gov.fairness.axis": "Approval rate",
    "gov.fairness.chart": "Approval rate per group, {attribute}: {items}.",
    "gov.fairness.small": "small group, not compared",
    "gov.col.group": "Group",
    "gov.col.n": "Count",
    "gov.col.default_rate": "Observed default rate",
    "gov.col.mean_predicted": "Mean predicted probability",
    "gov.col.approval": "Approval rate",
    "gov.col.tpr": "Defaults refused (TPR)",
    "gov.col.fpr": "Good payers refused (FPR)",
    "gov.col.auc": "AUC",
    "gov.drift.heading": "Population stability (drift)",
    "gov.drift.intro": (
        "Population stability index (PSI) of the applicants the API scored recently, against "
        "the training population: below 0.10 stable, 0.10 to 0.25 watch, 0.25 and above act."
    ),
    "gov.drift.overall": "Overall status: {status} — score PSI {psi} over {count} applicants.",
    "gov.drift.none": "No applicant scored recently: drift cannot be measured yet.",
    "gov.drift.low_sample": (
        "Only {count} applicants: a PSI of about {noise} could come from chance alone."
    ),
    "gov.drift.history_axis": "Score PSI",
    "gov.drift.history_chart": "Score PSI over time: {items}.",
    "gov.drift.history_none": "No history yet.",
    "gov.drift.watch_line": "watch",
    "gov.drift.act_line": "act",
    "gov.drift.features_caption": "Most shifted features (among the 30 most important)",
    "gov.col.feature": "Feature",
    "gov.col.psi": "PSI",
    "gov.col.status": "Status",
    "gov.status.ok": "stable",
    "gov.status.watch": "watch",
    "gov.status.act": "act",
    "gov.estimate.heading": "Estimated current performance (no labels)",
    "gov.estimate.text": (
        "An ESTIMATE, not a measurement: defaults are known only months after the decision. "
        "From the calibrated probabilities alone, expected default rate {rate} (training: "
        "{reference_rate}) and expected AUC {auc} (training: {reference_auc}). Valid as long "
        "as the model stays calibrated on the new population."
    ),
    "gov.oversight.heading": "Human oversight: advisors' final decisions",
    "gov.oversight.rate": "{overrides} overrides out of {total} final decisions ({rate}).",
    "gov.oversight.none": "No final decision recorded yet.",
    "gov.oversight.by_reason": "Overrides by reason",
    "gov.oversight.by_direction": "Overrides by direction",
    "gov.oversight.reason_chart": "Overrides by reason: {items}.",
    "gov.direction.grant": "granted although the model refused",
    "gov.direction.refuse": "refused although the model granted",
    "gov.col.reason": "Reason",
    "gov.col.count": "Count",
    "gov.col.direction": "Direction",
    "modelcard.heading": "Model card",
    "modelcard.intro": (
        "The model's technical documentation (in English, the language of validation files), "
        "generated at training and served by the API."
    ),
    "final.heading": "Advisor's final decision",
    "final.intro": (
        "You decide: follow the model's proposal or override it with a reason and a comment. "
        "The decision is recorded and auditable."
    ),
    "final.choice": "Your decision",
    "final.follow": "Follow the model",
    "final.grant": "Grant (override)",
    "final.refuse": "Refuse (override)",
    "final.reason": "Reason for the override (required to override)",
    "final.comment": "Comment (required to override)",
    "final.submit": "Record the decision",
    "final.recorded": "Decision recorded: {decision}{override} (reference {id}).",
    "final.override_suffix": ", overriding the model",
    "final.follow_suffix": ", as the model proposed",
    "final.decision.grant": "credit granted",
    "final.decision.refuse": "credit refused",
    "final.missing": "To override the model, choose a reason and write a comment.",
}
