"""The client's decision summary, downloaded through the dashboard.

The browser asks the dashboard (`/client/<id>/summary?lang=fr&format=pdf`); the dashboard asks
the API with its own key and the signed-in person's identity, and passes the document on. The
browser never sees the API key, and the API records who opened which client's summary. The
guard (dashboard/auth/guard.py) has already refused a request without a session; this route
also needs the clients permission, checked here because the address is not a Dash page.
"""

from __future__ import annotations

from flask import Flask, Response, request

from dashboard.api_client import ApiClient, ApiError
from dashboard.auth.current import current_allows
from dashboard.auth.roles import Permission
from dashboard.routing import MAX_CLIENT_ID

SUMMARY_PATH = "/client/<int:client_id>/summary"
LANGUAGES = ("fr", "en")
FORMATS = ("pdf", "html")


def summary_href(client_id: int, language: str, output: str) -> str:
    return f"/client/{client_id}/summary?lang={language}&format={output}"


def register(server: Flask, api: ApiClient) -> None:
    @server.get(SUMMARY_PATH)
    def _summary(client_id: int) -> Response:
        if not current_allows(Permission.CLIENTS):
            return Response("client files are for advisors", status=403, mimetype="text/plain")
        language = request.args.get("lang", "fr")
        output = request.args.get("format", "pdf")
        if language not in LANGUAGES or output not in FORMATS or client_id > MAX_CLIENT_ID:
            return Response("lang must be fr or en, format pdf or html", status=400)
        try:
            body, content_type = api.client_summary(client_id, language, output)
        except ApiError as error:
            return Response(
                f"summary unavailable: {error.kind.value}",
                status=error.status or 502,
                mimetype="text/plain",
            )
        disposition = "attachment" if output == "pdf" else "inline"
        filename = f"decision-{client_id}-{language}.{output}"
        return Response(
            body,
            content_type=content_type,
            headers={
                "Content-Disposition": f'{disposition}; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
