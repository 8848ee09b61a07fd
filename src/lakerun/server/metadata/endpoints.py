"""`/v1/metadata`: receive the executor's batches (gzip or plain JSON), read records and per-tenant totals."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from lakerun.control.metadata_ingest import (
    MetadataRejectedError,
    check_idempotency_key,
    ingest,
    parse_envelope,
    records_page,
    tenants,
)
from lakerun.server.auth import Caller, Plane
from lakerun.server.bodies import read_limited
from lakerun.server.metadata.body import MAX_BODY_BYTES, decoded
from lakerun.server.metadata.schemas import (
    IngestOut,
    MetadataRecordOut,
    MetadataRecordPage,
    TenantMetadataOut,
    envelope_schema,
)
from lakerun.server.params import Offset

router = APIRouter(prefix="/metadata", tags=["metadata"])

_REFUSALS = {
    400: {"description": "No Idempotency-Key, a body that is not gzip / JSON, or a wrong envelope (named)."},
    401: {"description": "Missing or invalid API token."},
    409: {"description": "The Idempotency-Key was already used for a different batch."},
    413: {"description": "The body passes 50 MB on the wire or decompressed."},
    415: {"description": "A Content-Encoding other than gzip."},
}
_BODY = {
    "requestBody": {
        "required": True,
        "description": "The batch envelope, plain or with `Content-Encoding: gzip`.",
        "content": {"application/json": {"schema": envelope_schema()}},
    }
}


@router.post(
    "/batches",
    response_model=IngestOut,
    responses=_REFUSALS,  # type: ignore[arg-type]
    openapi_extra=_BODY,
)
async def receive_batch(
    request: Request,
    plane: Plane,
    _: Caller,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="One key per batch; a retry sends the same key."),
    ] = None,
) -> IngestOut:
    """Store one `api_transmission` batch exactly once and upsert its records by their stable ids."""
    try:
        key = check_idempotency_key(idempotency_key)
        body = decoded(await read_limited(request, MAX_BODY_BYTES), request.headers.get("content-encoding"))
        envelope = await run_in_threadpool(parse_envelope, body)
        outcome = await run_in_threadpool(ingest, plane.ctx, key, envelope)
    except MetadataRejectedError as exc:
        raise HTTPException(exc.status_code, str(exc)) from None
    return IngestOut(duplicate=outcome.duplicate, records=outcome.records)


@router.get("/records", response_model=MetadataRecordPage)
def list_records(
    plane: Plane,
    _: Caller,
    *,
    tenant_id: str | None = None,
    kind: Annotated[Literal["source", "table", "column"] | None, Query(description="Record kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> MetadataRecordPage:
    """Stored records, most recently updated first, optionally of one tenant and kind, paged."""
    rows, total = records_page(plane.ctx, tenant_id, kind, limit, offset)
    items = [MetadataRecordOut.of(row) for row in rows]
    return MetadataRecordPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/tenants", response_model=list[TenantMetadataOut])
def list_tenants(plane: Plane, _: Caller) -> list[TenantMetadataOut]:
    """Every tenant that sent metadata: records by kind, batches received, last arrival."""
    return [TenantMetadataOut.of(summary) for summary in tenants(plane.ctx)]
