"""Security headers on every answer of the dashboard.

Content-Security-Policy: scripts only from this origin plus the exact inline scripts Dash
writes into its page (the renderer start-up line and the clientside callbacks), allowed by
their sha256 hashes (`Dash.csp_hashes()`): no 'unsafe-inline' and no 'unsafe-eval' for scripts.
Styles need 'unsafe-inline': Plotly and Dash's components set style attributes and insert
<style> elements at run time, and neither offers a nonce. Images allow data: URIs (Plotly's
mode bar icons). No frame may embed the dashboard (frame-ancestors 'none' and
X-Frame-Options DENY for older browsers), forms post only here, nothing leaks through the
Referer header, and every answer except the static files is `Cache-Control: no-store`: client
data travels in pages and callback answers, which no shared or browser cache may keep.
"""

from __future__ import annotations

from dash import Dash
from flask import Response

#: Static files: the same for everyone, cacheable (Dash fingerprints its libraries' URLs).
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


class SecurityHeaders:
    def __init__(self) -> None:
        self._app: Dash | None = None
        self._policy: str | None = None

    def bind(self, app: Dash) -> None:
        self._app = app

    def policy(self) -> str:
        """Computed once, at the first answer: every inline script is registered by then."""
        if self._policy is None:
            hashes = " ".join(self._app.csp_hashes()) if self._app is not None else ""
            directives = [
                "default-src 'self'",
                f"script-src 'self' {hashes}".strip(),
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",
                "font-src 'self' data:",
                "connect-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            ]
            self._policy = "; ".join(directives)
        return self._policy

    def apply(self, path: str, response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = self.policy()
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if not path.startswith(STATIC_PREFIXES):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
