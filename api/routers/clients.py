"""Finding a client by ID prefix, and one client's readable file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.audit import access_write
from api.client_info import client_info
from api.dependencies import Caller, Service
from api.errors import NotFound
from api.routers import AUTH, errors
from shared.contract import ClientIdPage, ClientIdText, ClientInfo, ErrorItem

router = APIRouter(prefix="/v1/clients", tags=["clients"])

ClientId = Annotated[ClientIdText, Path(description="SK_ID_CURR")]


@router.get("", response_model=ClientIdPage, responses=errors(*AUTH, 422))
async def list_clients(
    service: Service,
    _: Caller,
    prefix: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,10}$", description="leading digits of the ID")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ClientIdPage:
    store = service.scorer.store
    if prefix:
        ids, total = store.with_prefix(prefix, offset, limit)
    else:
        ids, total = store.page(offset, limit)
    return ClientIdPage(client_ids=ids, total=total, offset=offset, limit=limit, prefix=prefix)


@router.get("/{client_id}", response_model=ClientInfo, responses=errors(*AUTH, 404, 422))
async def get_client(
    client_id: ClientId, service: Service, caller: Caller, response: Response
) -> ClientInfo:
    store = service.scorer.store
    position = store.position(client_id)
    if position is None:
        raise NotFound(
            f"unknown client {client_id}",
            [ErrorItem(field="client_id", value=client_id, message="no such client")],
        )
    # The access log data protection asks for: who opened which client's file, and when;
    # committed before the file is sent, like the audit trail.
    await service.audit.write_async([access_write(caller, "client.open", int(client_id))])
    response.headers["Cache-Control"] = "no-store"
    return client_info(client_id, store.raw_record(position))
