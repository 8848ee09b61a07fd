"""The NiFi flows inventory: one row per flow file, with what it holds and who owns it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lakerun.store.base import Base, utcnow


class FlowRow(Base):
    """A NiFi flow in the inventory; its conversion attempts are subject `nifi_flow`/`id`."""

    __tablename__ = "nifi_flows"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    source_path: Mapped[str] = mapped_column(Text)
    """The flow file as the control plane reads it."""
    task_path: Mapped[str] = mapped_column(Text)
    """The flow file as the conversion task reads it (a Volume path on Databricks)."""
    output_root: Mapped[str] = mapped_column(Text)
    """Where attempts write their notebooks: `<output_root>/<flow id>/<attempt id>/`."""
    workspace_name: Mapped[str] = mapped_column(String(100))
    wheel: Mapped[str | None] = mapped_column(Text)
    """The lakerun wheel as conversion tasks see it (a Volume path on Databricks); none on the local workspace."""
    source_format: Mapped[str | None] = mapped_column(String(50))
    process_groups: Mapped[int] = mapped_column(Integer, default=0)
    processors: Mapped[int] = mapped_column(Integer, default=0)
    load_error: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(20), default="medium")
    owner: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlowRepository:
    """Reads and writes inventory rows inside the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, flow_id: str) -> FlowRow | None:
        """One flow, or None."""
        return self.session.get(FlowRow, flow_id)

    def all(self) -> Sequence[FlowRow]:
        """Every flow, by name."""
        return self.session.scalars(select(FlowRow).order_by(FlowRow.name, FlowRow.id)).all()

    def upsert(self, row: FlowRow) -> FlowRow:
        """Adds a flow or refreshes what the file says about it; priority and owner are kept."""
        existing = self.get(row.id)
        if existing is None:
            self.session.add(row)
            return row
        for name in (
            "name",
            "source_path",
            "task_path",
            "output_root",
            "workspace_name",
            "wheel",
            "source_format",
            "process_groups",
            "processors",
            "load_error",
        ):
            setattr(existing, name, getattr(row, name))
        existing.updated_at = utcnow()
        return existing
