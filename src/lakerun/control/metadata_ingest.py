"""Receiving the executor's metadata batches: validate the envelope, store each batch once, upsert its records.

`lakerun-executor api_transmission` POSTs `{run_id, tenant_id, source_path, batch, batches, records}`
with an `Idempotency-Key` per batch and retries under the same key, so a batch is stored exactly once
and a record (keyed by the executor's stable id) is updated in place by every later run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lakerun.control.context import ControlContext
from lakerun.errors import InvalidInputError, RejectedError
from lakerun.executor.schema import COLUMNS, SOURCES, TABLES
from lakerun.store.metadata import (
    IncomingRecord,
    MetadataBatchRow,
    MetadataRecordRow,
    MetadataRepository,
    TenantSummary,
)

RECORD_KEYS = {"source": SOURCES.key[0], "table": TABLES.key[0], "column": COLUMNS.key[0]}
"""Each record kind's stable id column in the executor's `_executor_metadata` schema."""
RecordKind = Literal["source", "table", "column"]
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")


class MetadataRejectedError(RejectedError):
    """A batch that must not be stored; `status_code` is what the HTTP layer answers."""


class MetadataRecord(BaseModel):
    """One source, table or column as the executor stores it; `data` must carry the kind's id field."""

    model_config = ConfigDict(extra="forbid")
    kind: RecordKind = Field(description="`source`, `table` or `column`.")
    data: dict[str, Any] = Field(
        description="The row of `_executor_metadata.<kind>s`; must hold `source_id`, `table_id` or `column_id`."
    )

    @model_validator(mode="after")
    def _has_key(self) -> MetadataRecord:
        name = RECORD_KEYS[self.kind]
        value = self.data.get(name)
        if not isinstance(value, str) or not 1 <= len(value) <= 200:
            raise InvalidInputError(
                f"data.{name} must be a string of 1 to 200 characters for a {self.kind} record"
            )
        return self

    @property
    def key(self) -> str:
        """The record's stable id (`source_id`, `table_id` or `column_id`)."""
        return str(self.data[RECORD_KEYS[self.kind]])


MAX_BATCHES = 2**31 - 1
"""Batch numbers are stored as 32-bit integers."""
MAX_RECORD_KEY = 200
"""Longest record id the store keeps."""


class MetadataEnvelope(BaseModel):
    """One batch as `api_transmission` sends it."""

    model_config = ConfigDict(extra="forbid")
    run_id: str = Field(min_length=1, max_length=200, description="The executor run that sent the batch.")
    tenant_id: str = Field(min_length=1, max_length=200, description="Whose metadata this is.")
    source_path: str | None = Field(None, description="The data source the run scanned, if any.")
    batch: int = Field(ge=1, le=MAX_BATCHES, description="This batch's number, from 1.")
    batches: int = Field(ge=1, le=MAX_BATCHES, description="How many batches the run sends.")
    records: list[MetadataRecord] = Field(description="Sources, tables (with quality) and columns.")

    @model_validator(mode="after")
    def _consistent(self) -> MetadataEnvelope:
        if self.batch > self.batches:
            raise InvalidInputError(f"batch {self.batch} is beyond batches {self.batches}")
        for index, record in enumerate(self.records):
            if record.data.get("tenant_id", self.tenant_id) != self.tenant_id:
                raise InvalidInputError(
                    f"records.{index}.data.tenant_id differs from the envelope's tenant_id"
                )
            if len(record.key) > MAX_RECORD_KEY:
                raise InvalidInputError(f"records.{index}: its id is longer than {MAX_RECORD_KEY} characters")
        return self


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to a batch: stored now, or already stored under the same key."""

    duplicate: bool
    records: int


def parse_envelope(body: bytes) -> MetadataEnvelope:
    """The envelope in a decoded body, or MetadataRejectedError naming the field that is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MetadataRejectedError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MetadataRejectedError("body must be a JSON object (the batch envelope)")
    try:
        return MetadataEnvelope.model_validate(data)
    except ValidationError as exc:
        raise MetadataRejectedError(f"bad envelope: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    """`records.3.data: data.table_id must be ...; batch: Input should be ...` (the first few problems)."""
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "envelope"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def check_idempotency_key(key: str | None) -> str:
    """The key, or MetadataRejectedError: it must be present, 1 to 200 visible ASCII characters."""
    if not key:
        raise MetadataRejectedError("the Idempotency-Key header is required (one key per batch)")
    if not _KEY_PATTERN.match(key):
        raise MetadataRejectedError("the Idempotency-Key header must be 1 to 200 visible ASCII characters")
    return key


def fingerprint(envelope: MetadataEnvelope) -> str:
    """SHA-256 of the envelope's canonical JSON: the identity of a batch's content."""
    canonical = json.dumps(envelope.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def ingest(ctx: ControlContext, key: str, envelope: MetadataEnvelope) -> IngestOutcome:
    """Stores the batch and upserts its records in one transaction, once per idempotency key."""
    digest = fingerprint(envelope)
    with ctx.sessions.begin() as session:
        repository = MetadataRepository(session)
        row = MetadataBatchRow(
            idempotency_key=key,
            tenant_id=envelope.tenant_id,
            run_id=envelope.run_id,
            batch=envelope.batch,
            batches=envelope.batches,
            record_count=len(envelope.records),
            fingerprint=digest,
        )
        if not repository.add_batch_once(row):
            return _duplicate(repository, key, digest)
        latest = {(r.kind, r.key): IncomingRecord(r.kind, r.key, r.data) for r in envelope.records}
        repository.upsert(envelope.tenant_id, envelope.run_id, list(latest.values()))
    return IngestOutcome(duplicate=False, records=len(envelope.records))


def _duplicate(repository: MetadataRepository, key: str, digest: str) -> IngestOutcome:
    stored = repository.batch(key)
    assert stored is not None
    if stored.fingerprint != digest:
        raise MetadataRejectedError(
            f"Idempotency-Key {key!r} was already used for a different batch; use a new key per batch", 409
        )
    return IngestOutcome(duplicate=True, records=stored.record_count)


def records_page(
    ctx: ControlContext, tenant_id: str | None, kind: str | None, limit: int, offset: int
) -> tuple[list[MetadataRecordRow], int]:
    """Stored records, most recently updated first, and how many match in all."""
    with ctx.sessions() as session:
        return MetadataRepository(session).page(tenant_id, kind, limit, offset)


def tenants(ctx: ControlContext) -> list[TenantSummary]:
    """Per tenant: stored records by kind, batches received and the last arrival."""
    with ctx.sessions() as session:
        return MetadataRepository(session).tenants()
