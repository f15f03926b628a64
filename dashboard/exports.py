"""Exports for the risk role: the audit trail, the client-access log and the decisions, as CSV.

The dashboard streams them from the API (it never holds them), forwarding the signed-in
person: the API records each export (who, when, which file) and refuses it unless the person
holds the risk or admin role. The guard (dashboard/auth/guard.py) refuses these addresses to
any other role before they reach the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, Response

from dashboard.api_client import ApiClient, ApiError

EXPORTS_PREFIX = "/exports/"
#: file name -> API path
EXPORTS: dict[str, str] = {
    "audit.csv": "/v1/audit",
    "access.csv": "/v1/audit/access",
    "decisions.csv": "/v1/decisions",
}


def register(server: Flask, api: ApiClient) -> None:
    @server.get(f"{EXPORTS_PREFIX}<name>")
    def _export(name: str) -> Response:
        path = EXPORTS.get(name)
        if path is None:
            return Response("no such export", status=404, mimetype="text/plain")
        try:
            upstream = api.export(path, {"format": "csv"})
        except ApiError as error:
            status = error.status or 502
            return Response(f"export refused: {error.kind.value}", status=status)

        def body() -> Iterator[bytes]:
            with upstream:
                yield from upstream.iter_content(chunk_size=64 * 1024)

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        stem = name.removesuffix(".csv")
        return Response(
            body(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{stem}-{stamp}.csv"'},
        )
