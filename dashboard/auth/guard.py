"""Closed by default: the dashboard serves nothing but its sign-in page and static files to a
request without a valid session.

`Authenticator.install(app)` adds to the Dash app's Flask server:
- /login (GET the form, POST username + password + csrf_token), /logout (POST, with the
  session's CSRF token), and for OpenID Connect /login/oidc and /login/callback;
- a before-request guard: without a session a page is redirected to /login?next=<the page>
  and a Dash endpoint (/_dash-layout, /_dash-dependencies, /_dash-update-component) gets 401;
  with one, a callback must carry the session's CSRF token (Dash's renderer sends the
  `_csrf_token` cookie back as X-CSRFToken) and the role must hold the callback's permission
  (403 otherwise), and a page the role may not see is answered 403;
- security headers on every answer (dashboard/auth/headers.py).

Which permission a callback needs is recorded while the pages register their callbacks
(`callbacks_need`), so a new callback on a page inherits that page's permission.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import math
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

from dash import Dash
from flask import Flask, Response, g, redirect, request

from dashboard.auth.accounts import AccountBook, AccountError, PasswordChecker
from dashboard.auth.headers import SecurityHeaders
from dashboard.auth.login_page import login_page
from dashboard.auth.oidc import OidcClient, OidcError
from dashboard.auth.roles import Permission, allows, may_see_page
from dashboard.auth.sessions import Lockout, LoginTokens, Session, SessionStore
from dashboard.i18n import LANGUAGES, normalise_language
from dashboard.routing import parse_route
from shared.settings import DashboardSettings

log = logging.getLogger("dashboard.auth")

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
OIDC_START_PATH = "/login/oidc"
OIDC_CALLBACK_PATH = "/login/callback"
#: Served to anyone: the libraries' and the app's static files (no client data in them).
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
PUBLIC_PATHS = frozenset({LOGIN_PATH, OIDC_START_PATH, OIDC_CALLBACK_PATH, "/_favicon.ico"})
#: Asked for by browsers on their own: not found, rather than a redirect to the sign-in page.
BROWSER_PROBES = frozenset({"/favicon.ico", "/apple-touch-icon.png", "/robots.txt"})
#: Files streamed from the API (dashboard/exports.py): the exports permission only.
EXPORTS_PREFIX = "/exports/"
#: The cookie name Dash's renderer reads to send X-CSRFToken with every callback.
DASH_CSRF_COOKIE = "_csrf_token"
DASH_CSRF_HEADER = "X-CSRFToken"
#: Callbacks fired by a timer, not by the person: they do not keep a session alive.
BACKGROUND_TRIGGERS = frozenset({"health-poll.n_intervals"})
#: Component ids whose callbacks need another permission than their module's.
OUTPUT_OVERRIDES: dict[str, Permission] = {
    "client-search": Permission.CLIENTS,  # type-ahead search lists client ids
    "url": Permission.CLIENTS,  # opening the client picked in the search
    "card-text": Permission.MODEL,  # the model card page
}
_NO_RULE = object()


def safe_next(target: str | None) -> str:
    """A same-site relative path to return to after signing in; "/" for anything else.

    Refuses absolute and scheme-relative URLs ("//evil", "/\\evil", "https:..."), control
    characters and the sign-in pages themselves, so /login?next= cannot redirect off-site.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target) or len(target) > 2_000:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith((LOGIN_PATH, LOGOUT_PATH)):
        return "/"
    return target


class CallbackPermissions:
    """Callback output key (as in app.callback_map and Dash's request body) -> permission."""

    def __init__(self) -> None:
        self._rules: dict[str, Permission | None] = {}

    @contextlib.contextmanager
    def needing(self, app: Dash, permission: Permission | None) -> Iterator[None]:
        before = set(app.callback_map)
        yield
        for key in set(app.callback_map) - before:
            self._rules[key] = permission

    def finish(self, app: Dash) -> None:
        """Callbacks registered outside `needing` need a session only; then the overrides."""
        for key in app.callback_map:
            self._rules.setdefault(key, None)
            ids = {part.rsplit(".", 1)[0] for part in key.strip(".").split("...")}
            for component_id, permission in OUTPUT_OVERRIDES.items():
                if component_id in ids:
                    self._rules[key] = permission

    def rule(self, output: object) -> object:
        """The permission for a callback's output key; `_NO_RULE` for an unknown callback."""
        if not isinstance(output, str):
            return _NO_RULE
        return self._rules.get(output, _NO_RULE)


class Authenticator:
    """Sessions, sign-in, sign-out and the guard of one dashboard process."""

    def __init__(
        self,
        settings: DashboardSettings,
        *,
        oidc: OidcClient | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        timing = {"clock": clock} if clock is not None else {}
        self.sessions = SessionStore(settings.session_idle_seconds, **timing)
        self.lockout = Lockout(
            settings.login_max_failures, settings.login_lockout_seconds, **timing
        )
        self.login_tokens = LoginTokens()
        self.checker = PasswordChecker()
        self.book = AccountBook(settings.users_file) if settings.auth == "local" else None
        if settings.auth == "oidc":
            self.oidc: OidcClient | None = oidc or OidcClient.from_settings(settings)
        else:
            self.oidc = None
        self.callbacks = CallbackPermissions()
        secure = settings.cookie_secure
        # __Host- cookies are refused by browsers unless Secure, path "/" and no domain.
        prefix = "__Host-" if secure else ""
        self.session_cookie = f"{prefix}scoring_session"
        self.login_cookie = f"{prefix}scoring_login"
        self.oidc_cookie = f"{prefix}scoring_oidc"
        self.headers = SecurityHeaders()

    def callbacks_need(
        self, app: Dash, permission: Permission | None
    ) -> contextlib.AbstractContextManager[None]:
        """Every callback registered inside needs `permission` (None: a session only)."""
        return self.callbacks.needing(app, permission)

    # ------------------------------------------------------------------ wiring

    def install(self, app: Dash) -> None:
        """Routes and hooks on the Flask server; call after every callback is registered."""
        self.callbacks.finish(app)
        server: Flask = app.server
        self.headers.bind(app)
        server.add_url_rule(LOGIN_PATH, "scoring_login", self._login, methods=["GET", "POST"])
        server.add_url_rule(LOGOUT_PATH, "scoring_logout", self._logout, methods=["POST"])
        server.add_url_rule(OIDC_START_PATH, "scoring_oidc_start", self._oidc_start)
        server.add_url_rule(OIDC_CALLBACK_PATH, "scoring_oidc_callback", self._oidc_callback)
        server.before_request(self._guard)
        server.after_request(self._after)

    # ------------------------------------------------------------------ cookies

    def _cookie(self, response: Response, name: str, value: str, **options: object) -> None:
        response.set_cookie(
            name,
            value,
            path="/",
            secure=self.settings.cookie_secure,
            httponly=bool(options.pop("httponly", True)),
            # Lax: sent on a top-level navigation to the dashboard (a link, the identity
            # provider's redirect back), never on another site's POST or fetch. Callbacks
            # and sign-out also need the CSRF token, which another site cannot read.
            samesite=str(options.pop("samesite", "Lax")),
            **options,  # type: ignore[arg-type]
        )

    def _open_session(self, session: Session, target: str) -> Response:
        response = redirect(target, code=303)
        self._cookie(response, self.session_cookie, session.id)
        # Readable by the page's script (Dash sends it back as X-CSRFToken); not a secret
        # from the page itself, only from other sites.
        self._cookie(response, DASH_CSRF_COOKIE, session.csrf_token, httponly=False)
        response.delete_cookie(self.login_cookie, path="/")
        response.delete_cookie(self.oidc_cookie, path="/")
        log.info("signed in: %s (%s)", session.user, ",".join(session.roles))
        return response

    # ------------------------------------------------------------------ the guard

    def _language(self) -> str:
        asked = request.values.get("lang")
        if asked in LANGUAGES:
            return asked
        best = request.accept_languages.best_match(LANGUAGES)
        return normalise_language(best or self.settings.language)

    def _session(self, touch: bool) -> Session | None:
        session = self.sessions.get(request.cookies.get(self.session_cookie), touch=touch)
        if session is None or self.book is None or session.method != "local":
            return session
        try:
            account = self.book.get(session.user)
        except AccountError as error:
            log.error("accounts file unreadable: %s", error)
            account = None
        if account is None or (account.role,) != session.roles:
            # Removed or changed since signing in: the session ends now.
            self.sessions.end(session.id)
            return None
        return session

    def _guard(self) -> Response | tuple[object, int] | None:
        path = request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if path in BROWSER_PROBES:
            return Response(status=404)
        is_callback = path == "/_dash-update-component"
        body = request.get_json(silent=True) if is_callback and request.method == "POST" else None
        background = (
            isinstance(body, dict)
            and bool(body.get("changedPropIds"))
            and all(trigger in BACKGROUND_TRIGGERS for trigger in body.get("changedPropIds", []))
        )
        session = self._session(touch=not background)
        if session is None:
            if path.startswith("/_dash-") or request.method != "GET":
                return {"error": "not signed in", "login": LOGIN_PATH}, 401
            query = {"next": safe_next(request.full_path.rstrip("?"))}
            if request.cookies.get(self.session_cookie):
                query["reason"] = "expired"
            return redirect(f"{LOGIN_PATH}?{urlencode(query)}", code=302)
        g.scoring_session = session
        if is_callback:
            presented = request.headers.get(DASH_CSRF_HEADER, "")
            if not presented or not _same(presented, session.csrf_token):
                return {"error": "missing or wrong CSRF token"}, 403
            rule = self.callbacks.rule(body.get("output") if isinstance(body, dict) else None)
            if rule is _NO_RULE or not allows(session.roles, rule):  # type: ignore[arg-type]
                return {"error": "this callback is not allowed for your role"}, 403
        elif path.startswith(EXPORTS_PREFIX):
            if not allows(session.roles, Permission.EXPORTS):
                return Response("exports are for the risk role", status=403, mimetype="text/plain")
        elif not path.startswith("/_dash-"):
            route = parse_route(path, request.query_string.decode("latin-1"))
            g.scoring_forbidden = not may_see_page(session.roles, route.page)
        return None

    def _after(self, response: Response) -> Response:
        if g.get("scoring_forbidden"):
            response.status_code = 403
        return self.headers.apply(request.path, response)

    # ------------------------------------------------------------------ sign-in / out

    def _page(self, status: int = 200, **values: object) -> Response:
        language = self._language()
        next_path = safe_next(request.values.get("next"))
        # One token per browser while it is fresh: a second tab, or a request the browser makes
        # on its own, must not invalidate the form already on screen.
        existing = request.cookies.get(self.login_cookie)
        fresh = existing is not None and self.login_tokens.valid(existing, existing)
        token = existing if fresh and existing else self.login_tokens.issue()
        html = login_page(
            language=language,
            next_path=next_path,
            csrf_token=token,
            oidc_provider=self.settings.oidc_provider_name if self.oidc is not None else None,
            lockout_minutes=math.ceil(self.settings.login_lockout_seconds / 60),
            **values,  # type: ignore[arg-type]
        )
        response = Response(html, status=status, mimetype="text/html")
        self._cookie(response, self.login_cookie, token)
        return response

    def _login(self) -> Response:
        if request.method == "GET":
            if self._session(touch=True) is not None:
                return redirect(safe_next(request.args.get("next")), code=303)
            reason = request.args.get("reason")
            return self._page(reason=reason if reason in ("expired", "signed_out") else None)
        if self.book is None:
            return self._page(status=404)
        username = request.form.get("username", "")[:64]
        password = request.form.get("password", "")
        if not self.login_tokens.valid(
            request.form.get("csrf_token"), request.cookies.get(self.login_cookie)
        ):
            return self._page(status=400, reason="form_expired", username=username)
        if self.lockout.locked(username):
            return self._page(status=429, reason="locked", username=username)
        try:
            account = self.book.get(username)
        except AccountError as error:
            log.error("accounts file unreadable: %s", error)
            return self._page(status=503, reason="unavailable", username=username)
        if not self.checker.verify(account, password):
            self.lockout.failed(username)
            log.warning("failed sign-in for the name %r", username)
            return self._page(status=401, reason="failed", username=username)
        assert account is not None
        self.lockout.succeeded(username)
        self.sessions.end(request.cookies.get(self.session_cookie))  # no session fixation
        session = self.sessions.create(account.name, (account.role,), "local")
        return self._open_session(session, safe_next(request.form.get("next")))

    def _logout(self) -> Response:
        session = self.sessions.get(request.cookies.get(self.session_cookie), touch=False)
        presented = request.form.get("csrf_token") or request.headers.get(DASH_CSRF_HEADER, "")
        if session is not None and not _same(presented, session.csrf_token):
            return Response("missing or wrong CSRF token", status=403, mimetype="text/plain")
        if session is not None:
            self.sessions.end(session.id)
            log.info("signed out: %s", session.user)
        query = urlencode({"reason": "signed_out", "lang": self._language()})
        response = redirect(f"{LOGIN_PATH}?{query}", code=303)
        response.delete_cookie(self.session_cookie, path="/")
        response.delete_cookie(DASH_CSRF_COOKIE, path="/")
        return response

    # ------------------------------------------------------------------ OpenID Connect

    def _redirect_uri(self) -> str:
        base = self.settings.public_url or request.host_url
        return f"{base.rstrip('/')}{OIDC_CALLBACK_PATH}"

    def _oidc_start(self) -> Response:
        if self.oidc is None:
            return self._page(status=404)
        try:
            url, state = self.oidc.start(
                self._redirect_uri(), safe_next(request.args.get("next")), self._language()
            )
        except OidcError as error:
            log.error("OpenID Connect sign-in cannot start: %s", error)
            return self._page(status=503, reason=error.reason)
        response = redirect(url, code=302)
        # Comes back on the provider's top-level redirect to us (SameSite=Lax).
        self._cookie(response, self.oidc_cookie, state, max_age=600)
        return response

    def _oidc_callback(self) -> Response:
        if self.oidc is None:
            return self._page(status=404)
        state = request.args.get("state")
        bound = request.cookies.get(self.oidc_cookie)
        pending = self.oidc.pending(state) if state and bound and _same(state, bound) else None
        if pending is None:
            log.warning("OpenID Connect callback with an unknown, stale or unbound state")
            return self._page(status=400, reason="oidc_failed")
        code = request.args.get("code")
        if not code:
            log.warning("OpenID Connect provider answered %s", request.args.get("error"))
            return self._page(status=401, reason="oidc_failed")
        try:
            identity = self.oidc.finish(pending, code)
        except OidcError as error:
            log.warning("OpenID Connect sign-in refused: %s", error)
            return self._page(status=401, reason=error.reason)
        if not identity.roles:
            log.warning("OpenID Connect user %r has no dashboard role", identity.user)
            return self._page(status=403, reason="no_role")
        self.sessions.end(request.cookies.get(self.session_cookie))
        session = self.sessions.create(identity.user, identity.roles, "oidc")
        return self._open_session(session, pending.next_path)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
