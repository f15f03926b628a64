"""HTML to PDF with WeasyPrint: the client summary as a file to keep.

WeasyPrint (a maintained, pure-Python layout engine; BSD) draws the same HTML and CSS the browser
shows, with the system's fonts through Pango: the API image installs Debian's libpango-1.0-0,
libpangoft2-1.0-0 and fonts-dejavu-core for it. It is imported on first use only, so an API
without it still serves everything else and answers a PDF request with 503 naming what to
install. Layout releases no lock the event loop needs: callers run it in the thread pool.
"""

from __future__ import annotations

import threading
from typing import Any

from api.errors import NotReady

_lock = threading.Lock()
_html_class: Any = None

INSTALL_HINT = (
    "PDF output needs WeasyPrint and Pango: pip install 'pret-a-depenser-scoring[api]' and, on "
    "Debian, apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; the HTML "
    "summary (format=html) works without them"
)


def _weasyprint_html() -> Any:
    global _html_class
    with _lock:
        if _html_class is None:
            try:
                from weasyprint import HTML
            except (ImportError, OSError) as error:  # OSError: Pango missing
                raise NotReady(INSTALL_HINT) from error
            _html_class = HTML
        return _html_class


def html_to_pdf(document: str) -> bytes:
    """The PDF of a complete HTML document (no external resources are fetched: the summary
    carries its CSS inline, and a url() in data would resolve to nothing)."""
    html_class = _weasyprint_html()
    return bytes(html_class(string=document, url_fetcher=_no_fetch).write_pdf())


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the summary fetches no external resource ({url[:60]})")
