"""Which page an address shows: the selected client lives in the URL so a view can be shared.

/                      search
/client/100002         the client's decision, reasons, card and what-if
/client/100002/compare the client compared with others
/model                 how the model works
/model/card            the model card (from the bundle)
/governance            fairness, drift and overrides (risk officers)
/?client=100002        same as /client/100002 (links from other tools)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

Page = Literal["home", "client", "compare", "model", "card", "governance", "not_found"]
MAX_CLIENT_ID = 2_147_483_647


@dataclass(frozen=True)
class Route:
    page: Page
    client_id: int | None = None


def _client_id(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_CLIENT_ID else None


def parse_route(pathname: str | None, search: str | None = None) -> Route:
    parts = [p for p in (pathname or "/").split("/") if p]
    if not parts:
        query = parse_qs((search or "").lstrip("?"))
        requested = query.get("client", [""])[0]
        if requested:
            client_id = _client_id(requested)
            return Route("client", client_id) if client_id is not None else Route("not_found")
        return Route("home")
    if parts == ["model"]:
        return Route("model")
    if parts == ["model", "card"]:
        return Route("card")
    if parts == ["governance"]:
        return Route("governance")
    if parts[0] == "client" and len(parts) in (2, 3):
        client_id = _client_id(parts[1])
        if client_id is None:
            return Route("not_found")
        if len(parts) == 2:
            return Route("client", client_id)
        if parts[2] == "compare":
            return Route("compare", client_id)
    return Route("not_found")


def client_path(client_id: int, page: Page = "client") -> str:
    return f"/client/{client_id}/compare" if page == "compare" else f"/client/{client_id}"
