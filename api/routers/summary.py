"""The client's decision summary, as HTML or PDF, in French or English."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.audit import access_write
from api.client_summary import build_summary, render_html
from api.dependencies import Caller, Service
from api.pdf import html_to_pdf
from api.routers import AUTH, errors
from api.routers.scoring import _record
from api.scorer import Scored
from shared.contract import ClientIdText

router = APIRouter(prefix="/v1/clients", tags=["clients"])

_DOCUMENTS = {
    200: {
        "description": "The summary: an HTML page, or a PDF file to download",
        "content": {"text/html": {}, "application/pdf": {}},
    }
}


def _summary(scorer: object, client_id: int, language: str, output: str) -> bytes:
    document = render_html(build_summary(scorer, client_id), language)  # type: ignore[arg-type]
    return html_to_pdf(document) if output == "pdf" else document.encode("utf-8")


@router.get(
    "/{client_id}/summary",
    response_class=Response,
    responses={**_DOCUMENTS, **errors(*AUTH, 404, 422)},
    summary="One-page decision summary for the client (decision, reasons, data, recourse, rights)",
)
async def client_summary(
    client_id: Annotated[ClientIdText, Path(description="SK_ID_CURR")],
    request: Request,
    caller: Caller,
    service: Service,
    lang: Annotated[Literal["fr", "en"], Query(description="language of the document")] = "fr",
    format: Annotated[
        Literal["html", "pdf"], Query(description="html (to read) or pdf (to keep)")
    ] = "html",
) -> Response:
    """The decision, probability and threshold (no log-odds), the main reasons in sentences,
    the client card, what would change the decision, the right to a human review and to
    contest, and the model version and date. Recorded in the audit trail like a prediction."""
    started = time.perf_counter()
    body = await run_in_threadpool(_summary, service.scorer, client_id, lang, format)
    scorer = service.scorer
    scored = scorer.score(scorer.rows_for_clients([client_id]), [client_id], [None])[0]
    await _record(
        request,
        service,
        "summary",
        caller,
        [Scored(client_id, None, scored.probability, scored.decision, scored.raw, scored.model)],
        started,
    )
    # The client's file left the API: in the client-access log too (docs/sign-in.md).
    detail = f"lang={lang} format={format}"
    await service.audit.write_async([access_write(caller, "client.summary", client_id, detail)])
    filename = f"decision-{client_id}-{lang}.{format}"
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": f"{'attachment' if format == 'pdf' else 'inline'}; "
        f'filename="{filename}"',
        "Content-Language": lang,
    }
    media = "application/pdf" if format == "pdf" else "text/html; charset=utf-8"
    return Response(body, media_type=media, headers=headers)
