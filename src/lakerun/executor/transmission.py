"""`api_transmission`: send stored metadata and quality results to the platform, exactly once per batch.

Records are read back from `_executor_metadata`, cut into batches, gzip-compressed and POSTed with
`Authorization: Bearer <key>` or an HMAC signature (the callback client's scheme), retried under
`lakerun.runtime.outbound`'s one policy. Each batch has an idempotency key derived from the run id, so a
retried batch is recognised by the platform. The credential is read once, used only in headers, and never
logged.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

import httpx

from lakerun.errors import LakerunError
from lakerun.executor.context import RunContext
from lakerun.executor.credentials import secret
from lakerun.executor.jsonable import jsonable
from lakerun.runtime import outbound
from lakerun.runtime.signing import signature_headers

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRY_POLICY = outbound.RetryPolicy(attempts=5, first_delay=0.5, max_delay=30.0)


class TransmissionError(LakerunError):
    """The platform refused a batch or stayed unreachable through every retry."""


@dataclass
class Platform:
    """Where and how to send: endpoint URL, auth scheme and the credential (kept out of repr)."""

    url: str
    auth: str
    credential: str
    timeout: float = 30.0

    def __repr__(self) -> str:
        return f"Platform(url={self.url!r}, auth={self.auth!r})"

    def headers(self, body: bytes, key: str) -> dict[str, str]:
        """Request headers for one gzip body: content, idempotency and authentication."""
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", IDEMPOTENCY_HEADER: key}
        if self.auth == "hmac":
            headers.update(signature_headers(self.credential, body))
        else:
            headers["Authorization"] = f"Bearer {self.credential}"
        return headers


def platform_for(ctx: RunContext) -> Platform:
    """The platform endpoint and credential from settings, environment or secret scope."""
    settings = ctx.settings
    if not settings.api_endpoint:
        raise TransmissionError("no platform endpoint: set LAKERUN_API_ENDPOINT or pass --api-endpoint")
    credential = secret(settings.api_key_env, settings.secret_scope)
    if not credential:
        raise TransmissionError(
            f"no platform credential: set {settings.api_key_env} or a --secret-scope holding it"
        )
    return Platform(settings.api_endpoint, settings.api_auth, credential)


def stored_records(ctx: RunContext) -> list[dict[str, Any]]:
    """The tenant's (or the run source's) sources, tables with quality, and columns, as records."""
    where = {"tenant_id": ctx.settings.tenant_id}
    if ctx.source_id:
        where["source_id"] = ctx.source_id
    sources = ctx.store.select("sources", where)
    tables = ctx.store.select_in("tables", "source_id", [s["source_id"] for s in sources])
    columns = ctx.store.select_in("columns", "table_id", [t["table_id"] for t in tables])
    return (
        [{"kind": "source", "data": jsonable(row)} for row in sources]
        + [{"kind": "table", "data": jsonable(row)} for row in tables]
        + [{"kind": "column", "data": jsonable(row)} for row in columns]
    )


def send_batch(client: httpx.Client, platform: Platform, body: bytes, key: str) -> httpx.Response:
    """POST one batch, retrying transient failures under the same idempotency key."""
    try:
        return outbound.post(
            platform.url, body, lambda: platform.headers(body, key), policy=RETRY_POLICY, client=client
        )
    except outbound.DeliveryError as exc:
        if exc.status is None:
            raise TransmissionError(f"platform {exc}") from exc
        raise TransmissionError(f"platform answered {exc.status} for batch {key}") from exc


def run_api_transmission(ctx: RunContext) -> dict[str, Any]:
    """Send every stored record in batches; the result carries the platform's last answer."""
    platform = platform_for(ctx)
    records = stored_records(ctx)
    size = ctx.settings.batch_records
    batches = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
    last: httpx.Response | None = None
    with httpx.Client(timeout=platform.timeout) as client:
        for index, batch in enumerate(batches, start=1):
            envelope = {
                "run_id": ctx.run_id,
                "tenant_id": ctx.settings.tenant_id,
                "source_path": ctx.settings.source_path,
                "batch": index,
                "batches": len(batches),
                "records": batch,
            }
            body = gzip.compress(json.dumps(envelope, default=str).encode())
            last = send_batch(client, platform, body, f"{ctx.run_id}-{index}")
            ctx.progress(index / len(batches), f"sent batch {index}/{len(batches)}")
    ctx.log("INFO", f"sent {len(records)} record(s) in {len(batches)} batch(es) to {platform.url}")
    return {
        "transmission_status": "success",
        "api_response": _answer(last),
        "status_code": last.status_code if last is not None else None,
        "record_count": len(records),
        "batches": len(batches),
    }


def _answer(response: httpx.Response | None) -> Any:
    if response is None:
        return None
    try:
        return response.json()
    except ValueError:
        return {"text": response.text[:500]}
