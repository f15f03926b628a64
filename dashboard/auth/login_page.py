"""The sign-in page: plain HTML (no Dash, no script), so it works before any session exists.

A form posting `username`, `password` and `csrf_token` to /login (local accounts), or a link to
the identity provider (OpenID Connect). Every value that reaches the page is escaped. The page
has a language, a main landmark, a heading, labelled fields and the product's stylesheet: the
browser tests run axe-core on it.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from dashboard.i18n import LANGUAGE_NAMES, LANGUAGES, translate

#: Which sentence a `?reason=` (or an outcome of the form) shows, and whether it is an error.
MESSAGES: dict[str, tuple[str, bool]] = {
    "failed": ("login.failed", True),
    "locked": ("login.locked", True),
    "expired": ("login.expired", False),
    "signed_out": ("login.signed_out", False),
    "form_expired": ("login.form_expired", True),
    "unavailable": ("login.unavailable", True),
    "oidc_failed": ("login.oidc_failed", True),
    "no_role": ("login.no_role", True),
}


def _language_links(language: str, next_path: str) -> str:
    items = []
    for code in LANGUAGES:
        query = urlencode({"lang": code, **({"next": next_path} if next_path != "/" else {})})
        current = ' aria-current="true"' if code == language else ""
        items.append(
            f'<li><a href="/login?{escape(query)}" lang="{code}" hreflang="{code}"{current}>'
            f"{escape(LANGUAGE_NAMES[code])}</a></li>"
        )
    label = escape(translate("login.language", language))
    return f'<nav class="login-languages" aria-label="{label}"><ul>{"".join(items)}</ul></nav>'


def _message(language: str, reason: str | None, lockout_minutes: int) -> str:
    if reason not in MESSAGES:
        return ""
    key, is_error = MESSAGES[reason]
    text = translate(key, language, minutes=lockout_minutes) if reason == "locked" else None
    text = text or translate(key, language)
    kind = "login-error" if is_error else "login-note"
    role = "alert" if is_error else "status"
    return f'<p class="login-message {kind}" role="{role}" id="login-message">{escape(text)}</p>'


def _local_form(language: str, csrf_token: str, next_path: str, username: str) -> str:
    t = lambda key: escape(translate(key, language))  # noqa: E731
    return f"""<form method="post" action="/login" class="login-form">
      <input type="hidden" name="csrf_token" value="{escape(csrf_token)}">
      <input type="hidden" name="next" value="{escape(next_path)}">
      <input type="hidden" name="lang" value="{escape(language)}">
      <div class="form-field">
        <label for="username">{t("login.username")}</label>
        <input id="username" name="username" type="text" autocomplete="username"
               autocapitalize="none" spellcheck="false" maxlength="64" required
               value="{escape(username)}"{"" if username else " autofocus"}>
      </div>
      <div class="form-field">
        <label for="password">{t("login.password")}</label>
        <input id="password" name="password" type="password" autocomplete="current-password"
               maxlength="1024" required{" autofocus" if username else ""}>
      </div>
      <button type="submit" class="button">{t("login.submit")}</button>
    </form>"""


def _oidc_link(language: str, next_path: str, provider: str) -> str:
    query = urlencode({"next": next_path, "lang": language})
    intro = escape(translate("login.oidc_intro", language))
    label = escape(translate("login.oidc", language, provider=provider))
    return (
        f"<p>{intro}</p>"
        f'<p><a class="button login-provider" href="/login/oidc?{escape(query)}">{label}</a></p>'
    )


def login_page(
    *,
    language: str,
    next_path: str,
    reason: str | None = None,
    csrf_token: str = "",
    username: str = "",
    oidc_provider: str | None = None,
    lockout_minutes: int = 5,
) -> str:
    """The whole page. `oidc_provider` set: a provider link instead of the password form."""
    t = lambda key: escape(translate(key, language))  # noqa: E731
    body = (
        _oidc_link(language, next_path, oidc_provider)
        if oidc_provider is not None
        else _local_form(language, csrf_token, next_path, username)
    )
    return f"""<!DOCTYPE html>
<html lang="{escape(language)}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{t("login.title")}</title>
    <link rel="stylesheet" href="/assets/style.css">
    <link rel="stylesheet" href="/assets/auth.css">
  </head>
  <body>
    <div class="app">
      <header class="site-header">
        <p class="brand-line">
          <span class="brand">{t("app.name")}</span>
          <span class="subtitle">{t("app.subtitle")}</span>
        </p>
        {_language_links(language, next_path)}
      </header>
      <main id="main" class="main login-main">
        <h1>{t("login.heading")}</h1>
        <p>{t("login.intro")}</p>
        {_message(language, reason, lockout_minutes)}
        {body}
      </main>
      <footer class="site-footer"><p>{t("app.footer")}</p></footer>
    </div>
  </body>
</html>
"""
