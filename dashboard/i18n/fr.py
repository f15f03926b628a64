"""Textes français de l'interface (langue par défaut ; mêmes clés que en.py)."""

TEXTS: dict[str, str] = {
    # Cadre
    "app.name": "Prêt à dépenser",
    "app.subtitle": "Aide à la décision de crédit",
    "app.skip": "Aller au contenu principal",
    "app.nav": "Navigation principale",
    "app.nav.search": "Rechercher un client",
    "app.nav.model": "Comprendre le modèle",
    "app.language": "Langue",
    "app.loading": "Chargement…",
    "app.footer": (
        "Estimations d'un modèle statistique : une aide à la décision, à expliquer au client et à "
        "revoir par un conseiller."
    ),
    "title.home": "Rechercher un client — Prêt à dépenser",
    "title.client": "Client {client_id} — décision — Prêt à dépenser",
    "title.compare": "Client {client_id} — comparaison — Prêt à dépenser",
    "title.model": "Comprendre le modèle — Prêt à dépenser",
    "title.not_found": "Page introuvable — Prêt à dépenser",
    # Recherche
    "search.label": "Identifiant du client",
    "search.placeholder": "Tapez les premiers chiffres de l'identifiant…",
    "search.help": (
        "Saisissez au moins un chiffre ; les 20 premiers identifiants correspondants s'affichent."
    ),
    "search.search_box": "Rechercher un identifiant",
    "search.no_match": "Aucun client ne correspond.",
    "home.heading": "Rechercher un client",
    "home.intro": (
        "Retrouvez un client par son identifiant pour voir la décision de crédit, ses raisons et "
        "la position du client par rapport aux autres."
    ),
    "notfound.heading": "Page introuvable",
    "notfound.text": (
        "Cette adresse ne correspond à aucune page. Repartez de la recherche de client."
    ),
    # Page client
    "client.heading": "Client {client_id}",
    "client.tabs": "Vues du client",
    "client.tab.decision": "Décision et raisons",
    "client.tab.compare": "Comparer aux autres clients",
    "decision.heading": "Décision",
    "decision.grant": "Crédit accordé",
    "decision.refuse": "Crédit refusé",
    "decision.probability": "Probabilité de défaut estimée : {probability}",
    "decision.threshold": "Seuil de décision : {threshold}",
    "decision.below": "{points} sous le seuil : le risque est acceptable.",
    "decision.above": "{points} au-dessus du seuil : le risque est trop élevé.",
    "decision.at": "Exactement au seuil.",
    "decision.version": "Version du modèle : {version}",
    "decision.model.fold": (
        "Score calculé par un modèle qui n'a pas vu le dossier de ce client (modèle de "
        "validation croisée {fold})."
    ),
    "decision.model.refit": "Score calculé par le modèle entraîné sur tous les clients passés.",
    "gauge.axis": "Probabilité de défaut",
    "gauge.summary": (
        "Jauge : probabilité de défaut estimée {probability} ; seuil {threshold} ; "
        "décision : {decision}."
    ),
    "gauge.scale": (
        "Échelle dilatée autour du seuil : l'arc donne plus de place aux probabilités proches "
        "du seuil."
    ),
    "reasons.heading": "Principales raisons",
    "reasons.intro": "En clair, ce qui a le plus pesé dans l'estimation pour ce client.",
    "reasons.up": "Ce qui augmente le risque",
    "reasons.down": "Ce qui diminue le risque",
    "reasons.none": "Aucun facteur notable.",
    "waterfall.heading": "Contribution de chaque facteur",
    "waterfall.intro": (
        "En partant du client moyen, chaque barre augmente la probabilité de défaut (vers la "
        "droite, ▲) ou la diminue (vers la gauche, ▼), jusqu'à celle de ce client."
    ),
    "explain.unit": "Unité des graphiques",
    "explain.unit.points": "Points de probabilité",
    "explain.unit.logodds": "Log-odds (spécialistes)",
    "explain.unit.help_points": (
        "En points de pourcentage : les barres s'additionnent exactement à la probabilité du "
        "client (chaque effet du modèle est converti dans la même proportion)."
    ),
    "explain.unit.help_logodds": (
        "Score interne du modèle (log-odds), tel que TreeSHAP le calcule : les barres "
        "s'additionnent au score brut du client."
    ),
    "waterfall.base": "Client moyen",
    "waterfall.rest": "Tous les autres facteurs",
    "waterfall.total": "Ce client",
    "waterfall.axis": "Score de risque (log-odds)",
    "waterfall.axis_points": "Probabilité de défaut",
    "waterfall.summary": (
        "Graphique en cascade. Départ (client moyen) : {base}. {items}. Score final : {total}."
    ),
    "groups.heading": "Contribution par famille de critères",
    "groups.axis": "Effet sur le score de risque (log-odds)",
    "groups.axis_points": "Effet sur la probabilité de défaut (points)",
    "groups.summary": "Diagramme en barres des effets par famille : {items}.",
    "groups.item": "{label} : {effect}",
    "card.heading": "Informations du client",
    "card.empty": "Aucune information enregistrée.",
    # Simulation
    "whatif.heading": "Simulation : et si la demande changeait ?",
    "whatif.intro": (
        "Modifiez le montant, la durée, la mensualité ou le prix du bien puis lancez la "
        "simulation : le dossier du client n'est pas modifié. La mensualité suit le montant et la "
        "durée au taux du produit du client ; une mensualité saisie donne une durée en mois "
        "entiers."
    ),
    "whatif.rate": (
        "Durée et mensualité calculées au taux implicite de la demande, celui qui donne la "
        "mensualité du dossier sur sa durée ({term})."
    ),
    "whatif.invalid": "Valeur non comprise dans « {field} » : {value}",
    "whatif.applied": "Demande simulée",
    # Ce qui changerait la décision, document pour le client
    "recourse.heading": "Ce qui changerait la décision",
    "recourse.intro": (
        "Demandes proches qui seraient accordées, calculées par le même modèle que la décision. "
        "Seules les conditions du crédit changent (montant de 30 à 100 % de la demande, durées "
        "du produit, prix du bien), jamais la situation du client."
    ),
    "recourse.option": "Option {number}",
    "recourse.searched": "{count} demandes alternatives évaluées.",
    "summary.heading": "Document pour le client",
    "summary.intro": (
        "Une page à remettre au client : la décision, ses raisons, les informations utilisées, "
        "ce qui la changerait et ses droits (réexamen par une personne, contestation)."
    ),
    "summary.pdf": "Télécharger le résumé (PDF, français)",
    "summary.pdf_other": "Version anglaise (PDF)",
    "summary.html": "Ouvrir la version web (français)",
    "whatif.applied_item": "{label} : {before} → {after}",
    "whatif.range": "De {low} à {high}",
    "whatif.current": "Au dossier : {value}",
    "whatif.submit": "Lancer la simulation",
    "whatif.none": "Modifiez au moins un champ avant de lancer la simulation.",
    "whatif.result": (
        "Probabilité de défaut simulée : {probability} ({change} par rapport au dossier)."
    ),
    "whatif.reasons_changed": "Facteurs dont le poids a le plus changé",
    "whatif.reason_change": "{label} : {before} → {after}",
    "whatif.no_reason_change": "Les principales raisons restent les mêmes.",
    "whatif.same_model": (
        "Simulation calculée par le même modèle que la décision : seuls les champs modifiés "
        "font varier le score."
    ),
    "whatif.summary": "Jauge : probabilité simulée {probability} ; seuil {threshold}.",
    # Comparaison
    "compare.heading": "Client {client_id} comparé aux autres clients",
    "compare.feature": "Critère à comparer",
    "compare.feature_help": "Critères les plus influents en premier ; tapez pour filtrer.",
    "dist.heading": "Répartition du critère",
    "dist.all": "Tous les clients",
    "dist.repaid": "Clients ayant remboursé",
    "dist.defaulted": "Clients en défaut",
    "dist.similar": "Clients similaires (âge, revenu, type de contrat)",
    "dist.client": "Ce client",
    "dist.axis": "Part des clients",
    "dist.percentile": (
        "La valeur de ce client ({value}) est supérieure à celle de {percent} des clients."
    ),
    "dist.no_value": "Ce client n'a pas de valeur pour ce critère.",
    "dist.summary": (
        "Répartition de {feature} : tous les clients, ayant remboursé, en défaut et clients "
        "similaires ; valeur de ce client {value}, percentile {percent}."
    ),
    "bivar.heading": "Deux critères ensemble",
    "bivar.x": "Axe horizontal",
    "bivar.y": "Axe vertical",
    "bivar.colour": "Colorer les clients selon",
    "bivar.colour.score": "Probabilité estimée",
    "bivar.colour.outcome": "Issue réelle",
    "bivar.repaid": "Remboursé (○)",
    "bivar.defaulted": "En défaut (×)",
    "bivar.unknown": "Pas encore connu (·)",
    "bivar.client": "Ce client (★)",
    "bivar.summary": (
        "Nuage de {count} clients : {y} en fonction de {x}. Ce client (étoile) : {x} = "
        "{x_value}, {y} = {y_value}."
    ),
    # Modèle
    "model.heading": "Comprendre le modèle",
    "model.intro": (
        "L'estimation vient d'un modèle appris sur des prêts passés (arbres de décision "
        "boostés). Il donne une probabilité de défaut ; la décision la compare à un seuil."
    ),
    "model.version": "Version {version}, entraînée le {date} sur {count} prêts passés.",
    "model.importance.heading": "Ce qui compte le plus en général",
    "model.importance.intro": (
        "Poids moyen de chaque critère dans les estimations, pour l'ensemble des clients (plus la "
        "barre est longue, plus le critère compte)."
    ),
    "model.importance.axis": "Poids moyen (|SHAP| moyen)",
    "model.importance.summary": "Diagramme des critères les plus importants : {items}.",
    "model.groups.heading": "Par famille de critères",
    "model.performance.heading": "Quelle fiabilité ?",
    "model.metric": "Mesure",
    "model.value": "Modèle",
    "model.baseline.logistic": "Méthode simple (logistique)",
    "model.baseline.dummy": "Sans modèle (taux moyen)",
    "model.baseline.scorecard": "Grille de score classique (classes, logistique)",
    "model.baseline.plain_lightgbm": "Même modèle, champs de la demande seuls",
    "model.ci": "IC {level} : {low} à {high}",
    "model.cost": "Coût au seuil",
    "model.cost.help": (
        "Coût total des erreurs sur les prêts passés évalués, chaque méthode à son meilleur "
        "seuil (plus bas = mieux)."
    ),
    "model.confusion.caption": (
        "Décisions du modèle sur les {count} prêts passés évalués, au seuil {threshold}"
    ),
    "model.confusion.refused": "Refusés",
    "model.confusion.granted": "Accordés",
    "model.confusion.defaulted": "Ont fait défaut",
    "model.confusion.repaid": "Ont remboursé",
    "model.evaluation.heading": "Comment ces chiffres ont été mesurés",
    "model.evaluation.none": (
        "Ce modèle ne décrit pas son protocole d'évaluation : ses chiffres peuvent être optimistes."
    ),
    "model.evaluation.details": (
        "Validation croisée en {folds} plis ; intervalles de confiance par bootstrap "
        "({resamples} rééchantillonnages)."
    ),
    "model.evaluation.serving": (
        "Pour un client déjà connu (un prêt passé), le score affiché vient de l'un des {count} "
        "modèles de validation croisée : celui qui n'a pas vu son dossier. Pour un nouveau "
        "client, il vient du modèle entraîné sur tous les clients passés."
    ),
    "model.meaning": "Ce que cela veut dire",
    "model.auc": "AUC ROC",
    "model.auc.help": (
        "Chance qu'un client en défaut reçoive une estimation plus haute qu'un client ayant "
        "remboursé (0,5 = hasard, 1 = parfait)."
    ),
    "model.recall": "Défauts détectés",
    "model.recall.help": "Part des clients en défaut que le seuil refuse.",
    "model.precision": "Refus justifiés",
    "model.precision.help": "Part des clients refusés qui ont réellement fait défaut.",
    "model.brier": "Score de Brier",
    "model.brier.help": "Écart quadratique moyen entre estimation et réalité (plus bas = mieux).",
    "model.threshold.heading": "Comment le seuil a été choisi",
    "model.threshold.text": (
        "Un défaut non détecté (un prêt accordé qui ne sera pas remboursé) coûte à la banque "
        "environ {fn} fois plus qu'un bon client refusé à tort (coût {fp}). Le seuil {threshold} "
        "est celui qui minimise le coût total sur les prêts passés : en dessous, le crédit est "
        "accordé."
    ),
    "model.threshold.half": (
        "À titre de comparaison, le coût au seuil {threshold} est de {cost}, contre {half_cost} "
        "avec un seuil naïf de 50 %."
    ),
    "model.cost.axis_x": "Seuil",
    "model.cost.axis_y": "Coût total (relatif)",
    "model.cost.chosen": "Seuil choisi",
    "model.cost.summary": (
        "Courbe de coût : coût total pour chaque seuil ; minimum au seuil choisi {threshold} "
        "(coût {cost})."
    ),
    "dropdown.select_all": "Tout sélectionner",
    "dropdown.deselect_all": "Tout désélectionner",
    "dropdown.selected_count": "{num_selected} sélectionnés",
    "dropdown.search": "Rechercher",
    "dropdown.clear_search": "Effacer la recherche",
    "dropdown.clear_selection": "Effacer la sélection",
    "dropdown.no_options": "Aucun résultat",
    # Erreurs et état
    "error.unreachable": (
        "Le service de scoring est injoignable. Les informations s'afficheront dès son retour."
    ),
    "error.timeout": (
        "Le service de scoring met trop de temps à répondre. Réessayez dans un instant."
    ),
    "error.unauthorized": (
        "Le tableau de bord n'est pas autorisé à interroger le service de scoring (clé d'accès "
        "absente ou refusée). Contactez le support."
    ),
    "error.not_found": "Introuvable : vérifiez l'identifiant du client.",
    "error.invalid": "Valeur refusée : {detail}",
    "error.not_ready": "Le service de scoring démarre ; réessayez dans quelques secondes.",
    "error.server": (
        "Le service de scoring a rencontré une erreur. Réessayez ; si cela persiste, contactez "
        "le support."
    ),
    "error.bad_response": "Réponse inattendue du service de scoring. Contactez le support.",
    "status.down": "⚠ Service de scoring indisponible — nouvelle tentative automatique.",
}
