"""The dashboard's app factory: a Dash app that talks to the scoring API over HTTP only.

`create_app(settings)` builds everything from a typed DashboardSettings; tests inject an ApiClient.
Debug stays off whatever happens: a Python traceback must never reach the advisor's screen.
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash

from dashboard import client_documents, exports
from dashboard.api_client import ApiClient
from dashboard.auth.current import forwarded_identity
from dashboard.auth.guard import Authenticator
from dashboard.auth.roles import Permission
from dashboard.callbacks import (
    client_page,
    compare_page,
    final_decision,
    frame,
    governance_page,
    model_page,
)
from dashboard.i18n import translate
from dashboard.layout.pages import HEALTH_POLL_MS, app_shell
from shared.settings import DashboardSettings

ASSETS = Path(__file__).resolve().parent / "assets"

#: The page's own HTML: lang for screen readers (updated on language change). Dash's default
#: wraps its scripts in a <footer>, a second "contentinfo" landmark beside ours: a <div> here.
INDEX_STRING = """<!DOCTYPE html>
<html lang="{language}">
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        {{%css%}}
    </head>
    <body>
        {{%app_entry%}}
        <div>
            {{%config%}}
            {{%scripts%}}
            {{%renderer%}}
        </div>
    </body>
</html>"""


def api_client_for(settings: DashboardSettings) -> ApiClient:
    return ApiClient(
        settings.api_url,
        settings.api_key.get_secret_value(),
        timeout=settings.request_timeout_seconds,
        identity=forwarded_identity,
    )


def create_app(
    settings: DashboardSettings | None = None,
    api: ApiClient | None = None,
    health_poll_ms: int = HEALTH_POLL_MS,
    authenticator: Authenticator | None = None,
) -> Dash:
    """The dashboard. `api` may be injected (tests); `health_poll_ms` is how often an open page
    re-checks the API to show or clear the outage banner (tests shorten it); `authenticator`
    may be injected (tests: a fake clock, a stub identity provider)."""
    settings = settings or DashboardSettings()
    api = api or api_client_for(settings)
    language = settings.language
    app = Dash(
        __name__,
        title=translate("title.home", language),
        update_title=None,
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,  # pages mount their components after the first load
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = INDEX_STRING.format(language=language)
    app.layout = lambda: app_shell(language, health_poll_ms)
    # Closed by default (dashboard/auth): each page's callbacks need that page's permission.
    auth = authenticator or Authenticator(settings)
    frame.register(app, api)
    with auth.callbacks_need(app, Permission.CLIENTS):
        client_page.register(app, api)
        compare_page.register(app, api)
    with auth.callbacks_need(app, Permission.MODEL):
        model_page.register(app, api)
    with auth.callbacks_need(app, Permission.GOVERNANCE):
        governance_page.register(app, api)
    with auth.callbacks_need(app, Permission.DECISIONS):
        final_decision.register(app, api)
    exports.register(app.server, api)
    client_documents.register(app.server, api)
    auth.install(app)
    return app
