"""Response shapes of the metadata-ingest API, and the request body's schema for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from lakerun.control.metadata_ingest import MetadataEnvelope, TenantSummary
from lakerun.control.records import MetadataRecord


class IngestOut(BaseModel):
    """The answer to a batch: stored now, or already stored under its idempotency key."""

    status: Literal["received"] = "received"
    duplicate: bool = Field(description="True when this Idempotency-Key was stored before; nothing changed.")
    records: int = Field(description="How many records the batch carried.")


class MetadataRecordOut(BaseModel):
    """The latest data of one source, table or column, and the run that last sent it."""

    tenant_id: str
    kind: str
    key: str = Field(description="The executor's stable id: `source_id`, `table_id` or `column_id`.")
    data: dict[str, Any]
    run_id: str
    updated_at: datetime

    @classmethod
    def of(cls, row: MetadataRecord) -> MetadataRecordOut:
        """From a stored record."""
        return cls(
            tenant_id=row.tenant_id,
            kind=row.kind,
            key=row.record_key,
            data=row.data,
            run_id=row.run_id,
            updated_at=row.updated_at,
        )


class MetadataRecordPage(BaseModel):
    """One page of records, most recently updated first, and how many match in all."""

    items: list[MetadataRecordOut]
    total: int
    limit: int
    offset: int


class TenantMetadataOut(BaseModel):
    """What a tenant has sent: stored records by kind, batches received and the last arrival."""

    tenant_id: str
    counts: dict[str, int] = Field(description="Stored records by kind (`source`, `table`, `column`).")
    batches: int = Field(description="Distinct batches received (duplicates are not counted).")
    last_received_at: datetime | None

    @classmethod
    def of(cls, summary: TenantSummary) -> TenantMetadataOut:
        """From a tenant summary."""
        return cls(
            tenant_id=summary.tenant_id,
            counts=summary.counts,
            batches=summary.batches,
            last_received_at=summary.last_received_at,
        )


def envelope_schema() -> dict[str, Any]:
    """The envelope's JSON Schema with nested models inlined (the body is read raw, gzip or plain)."""
    schema = MetadataEnvelope.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return dict(inline(schema))
