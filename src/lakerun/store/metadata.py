"""Metadata the executor sends (`api_transmission`): received batches, and one row per tenant's record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lakerun.store.base import Base, utcnow
from lakerun.store.inserts import add_once, upsert


class MetadataBatchRow(Base):
    """One batch as first received; its idempotency key makes every later arrival a duplicate."""

    __tablename__ = "metadata_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(200), index=True)
    run_id: Mapped[str] = mapped_column(String(200))
    batch: Mapped[int] = mapped_column(Integer)
    batches: Mapped[int] = mapped_column(Integer)
    record_count: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the canonical envelope: the same key with another body is refused, not ignored."""
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetadataRecordRow(Base):
    """The latest data of one source, table or column of a tenant, keyed by the executor's stable id."""

    __tablename__ = "metadata_records"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "record_key", name="uq_metadata_records_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    record_key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    run_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@dataclass(frozen=True)
class IncomingRecord:
    """One record of a batch, already validated: its kind, stable key and data."""

    kind: str
    key: str
    data: dict[str, Any]


@dataclass
class TenantSummary:
    """What a tenant has sent: stored records by kind, batches received and when the last one came."""

    tenant_id: str
    counts: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    last_received_at: datetime | None = None


class MetadataRepository:
    """Received batches and the records they carried."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_batch_once(self, row: MetadataBatchRow) -> bool:
        """Stores the batch unless its idempotency key was seen; True when it is new."""
        return add_once(self.session, row)

    def batch(self, idempotency_key: str) -> MetadataBatchRow | None:
        """The batch first received under this key."""
        query = select(MetadataBatchRow).where(MetadataBatchRow.idempotency_key == idempotency_key)
        return self.session.scalars(query).one_or_none()

    def upsert(self, tenant_id: str, run_id: str, records: Sequence[IncomingRecord]) -> None:
        """Inserts new records and overwrites known ones (same tenant, kind and key) in one statement."""
        if not records:
            return
        now = utcnow()
        rows = [
            {
                "tenant_id": tenant_id,
                "kind": r.kind,
                "record_key": r.key,
                "data": r.data,
                "run_id": run_id,
                "updated_at": now,
            }
            for r in records
        ]
        insert = upsert(self.session, MetadataRecordRow)
        statement = insert.on_conflict_do_update(
            index_elements=["tenant_id", "kind", "record_key"],
            set_={name: insert.excluded[name] for name in ("data", "run_id", "updated_at")},
        )
        self.session.execute(statement, rows)

    def page(
        self, tenant_id: str | None, kind: str | None, limit: int, offset: int
    ) -> tuple[list[MetadataRecordRow], int]:
        """Records, most recently updated first, optionally of one tenant and kind, with the total."""
        where = []
        if tenant_id is not None:
            where.append(MetadataRecordRow.tenant_id == tenant_id)
        if kind is not None:
            where.append(MetadataRecordRow.kind == kind)
        total = self.session.scalar(select(func.count()).select_from(MetadataRecordRow).where(*where)) or 0
        query = (
            select(MetadataRecordRow)
            .where(*where)
            .order_by(MetadataRecordRow.updated_at.desc(), MetadataRecordRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.scalars(query)), total

    def tenants(self) -> list[TenantSummary]:
        """Every tenant that sent a batch, by id: record counts by kind, batch count, last arrival."""
        summaries: dict[str, TenantSummary] = {}
        received = select(
            MetadataBatchRow.tenant_id, func.count(), func.max(MetadataBatchRow.received_at)
        ).group_by(MetadataBatchRow.tenant_id)
        for tenant_id, batches, last in self.session.execute(received):
            summaries[tenant_id] = TenantSummary(tenant_id, batches=batches, last_received_at=last)
        counted = select(MetadataRecordRow.tenant_id, MetadataRecordRow.kind, func.count()).group_by(
            MetadataRecordRow.tenant_id, MetadataRecordRow.kind
        )
        for tenant_id, kind, count in self.session.execute(counted):
            summaries.setdefault(tenant_id, TenantSummary(tenant_id)).counts[kind] = count
        return [summaries[name] for name in sorted(summaries)]
