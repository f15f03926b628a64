"""Security headers on every API answer, and the /docs page served from local files.

Headers: the API answers JSON (and CSV exports), never a page to render, so its policy is
`default-src 'none'` with no frame allowed; /docs gets what Swagger UI needs from this origin
only (its stylesheet sets inline styles). `Cache-Control: no-store` on every /v1 answer:
client files, scores and exports must not stay in a browser's or a proxy's cache.

/docs: FastAPI's default page loads Swagger UI from a CDN, which would make every visit of the
documentation a request to a third party (and a script from it run on this origin). Here the
page, its scripts and its stylesheet come from the `swagger-ui-bundle` package installed with
the API; the start-up script is a file too, so the page needs no inline script.
SCORING_API_DOCS=false turns /docs off; /redoc is never served (ReDoc has no local bundle).
The OpenAPI schema (/openapi.json) stays open without a key: it describes the contract, holds
no data, and partners need it to integrate (docs/sign-in.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DOCS_PATH = "/docs"
DOCS_ASSETS = "/docs/assets"
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
_COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeaders:
    """Pure ASGI (no response buffering: exports stream through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy = DOCS_POLICY if path.startswith(DOCS_PATH) else API_POLICY
        no_store = path.startswith("/v1/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-security-policy", b"cache-control")
                    or (k.lower() == b"cache-control" and not no_store)
                ]
                headers += [*_COMMON, (b"content-security-policy", policy.encode())]
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title} — API documentation</title>
    <link rel="stylesheet" href="{assets}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{assets}/swagger-ui-bundle.js"></script>
    <script src="{docs}/start.js"></script>
  </body>
</html>
"""
_START = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
"""


def swagger_ui_folder() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def install_docs(app: FastAPI, enabled: bool) -> None:
    """/docs from local files (when enabled and the package is installed)."""
    folder = swagger_ui_folder() if enabled else None
    if folder is None:
        return
    from html import escape

    page = _PAGE.format(title=escape(app.title), assets=DOCS_ASSETS, docs=DOCS_PATH)
    app.mount(DOCS_ASSETS, StaticFiles(directory=folder), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(f"{DOCS_PATH}/start.js", include_in_schema=False)
    async def start() -> PlainTextResponse:
        return PlainTextResponse(_START, media_type="text/javascript")
