"""Texts of signing in and out, roles and restricted pages (FR, EN).

Merged into the same tables as fr.py and en.py (dashboard/i18n/__init__.py), so the
completeness tests cover them too. The sign-in failure is ONE sentence for an unknown name and
a wrong password alike: the page must not tell which names exist.
"""

FR: dict[str, str] = {
    "login.title": "Connexion — Prêt à dépenser",
    "login.heading": "Connexion",
    "login.intro": (
        "Les informations des clients sont réservées aux personnes autorisées. "
        "Connectez-vous pour continuer."
    ),
    "login.username": "Identifiant",
    "login.password": "Mot de passe",
    "login.submit": "Se connecter",
    "login.failed": "Identifiant ou mot de passe incorrect.",
    "login.locked": (
        "Trop d'essais infructueux pour cet identifiant : réessayez dans {minutes} minutes."
    ),
    "login.expired": "Votre session a pris fin après une période d'inactivité : reconnectez-vous.",
    "login.signed_out": "Vous êtes déconnecté.",
    "login.form_expired": "Le formulaire a expiré : veuillez réessayer.",
    "login.unavailable": (
        "La connexion est momentanément impossible. Réessayez ou prévenez l'administrateur."
    ),
    "login.oidc": "Se connecter avec {provider}",
    "login.oidc_intro": "Connectez-vous avec le compte de votre organisation.",
    "login.oidc_failed": (
        "La connexion par le fournisseur d'identité n'a pas abouti. Veuillez réessayer."
    ),
    "login.no_role": (
        "Votre compte n'a aucun rôle pour ce tableau de bord (conseiller, risque ou "
        "administrateur) : demandez-le à votre administrateur."
    ),
    "login.language": "Langue",
    "auth.signed_in_as": "Connecté : {user} ({roles})",
    "auth.sign_out": "Se déconnecter",
    "auth.account": "Votre session",
    "role.advisor": "conseiller",
    "role.risk": "risque",
    "role.admin": "administrateur",
    "forbidden.heading": "Page réservée",
    "forbidden.text": "Votre rôle ({roles}) ne donne pas accès à cette page.",
    "title.forbidden": "Page réservée — Prêt à dépenser",
    "home.staff.heading": "Accueil",
    "home.staff.intro": "Les pages ouvertes à votre rôle :",
    "exports.heading": "Exports (CSV)",
    "exports.intro": "Chaque export est lui-même enregistré (qui, quand, quel fichier).",
    "exports.audit": "Journal d'audit : chaque score et explication servis",
    "exports.access": "Journal des accès : qui a ouvert quel dossier client",
    "exports.decisions": "Décisions finales des conseillers",
}

EN: dict[str, str] = {
    "login.title": "Sign in — Prêt à dépenser",
    "login.heading": "Sign in",
    "login.intro": "Client information is for authorised staff only. Sign in to continue.",
    "login.username": "User name",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.failed": "Wrong user name or password.",
    "login.locked": "Too many failed attempts for this user name: try again in {minutes} minutes.",
    "login.expired": "Your session ended after a period of inactivity: please sign in again.",
    "login.signed_out": "You are signed out.",
    "login.form_expired": "The form expired: please try again.",
    "login.unavailable": (
        "Signing in is not possible at the moment. Try again or tell the administrator."
    ),
    "login.oidc": "Sign in with {provider}",
    "login.oidc_intro": "Sign in with your organisation's account.",
    "login.oidc_failed": "Signing in through the identity provider failed. Please try again.",
    "login.no_role": (
        "Your account has no role for this dashboard (advisor, risk or administrator): ask "
        "your administrator for one."
    ),
    "login.language": "Language",
    "auth.signed_in_as": "Signed in: {user} ({roles})",
    "auth.sign_out": "Sign out",
    "auth.account": "Your session",
    "role.advisor": "advisor",
    "role.risk": "risk",
    "role.admin": "administrator",
    "forbidden.heading": "Restricted page",
    "forbidden.text": "Your role ({roles}) does not give access to this page.",
    "title.forbidden": "Restricted page — Prêt à dépenser",
    "home.staff.heading": "Home",
    "home.staff.intro": "The pages open to your role:",
    "exports.heading": "Exports (CSV)",
    "exports.intro": "Every export is itself recorded (who, when, which file).",
    "exports.audit": "Audit trail: every score and explanation served",
    "exports.access": "Access log: who opened which client's file",
    "exports.decisions": "Advisors' final decisions",
}
