"""Profile-run tables: connections, table groups, one row of results per run, its anomalies, kept dispositions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakerun.store.base import Base, utcnow


class ConnectionRow(Base):
    """Where a group's tables live: a folder of files, a DuckDB file or a database URL (as `env:NAME`)."""

    __tablename__ = "dq_connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(1000))
    workspace_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TableGroupRow(Base):
    """Tables of one connection picked by include / exclude masks, profiled together as one run."""

    __tablename__ = "dq_table_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("dq_connections.id"), index=True)
    include: Mapped[list[str]] = mapped_column(JSON)
    exclude: Mapped[list[str]] = mapped_column(JSON)
    tables: Mapped[list[str]] = mapped_column(JSON)
    """The tables the latest successful run found."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileResultRow(Base):
    """The outcome of one successful profile run (an attempt): scores, per-table scores and profiles."""

    __tablename__ = "dq_profile_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("dq_table_groups.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    dimensions: Mapped[dict[str, Any]]
    table_scores: Mapped[dict[str, Any]]
    profiles: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileAnomalyRow(Base):
    """One anomaly of one run, with the disposition it had when stored."""

    __tablename__ = "dq_profile_anomalies"
    __table_args__ = (UniqueConstraint("attempt_id", "anomaly_key", name="uq_dq_profile_anomalies_run_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("dq_table_groups.id"), index=True)
    anomaly_key: Mapped[str] = mapped_column(String(600))
    anomaly_type: Mapped[str] = mapped_column(String(100))
    table_name: Mapped[str] = mapped_column(String(300))
    column_name: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[str] = mapped_column(String(30))
    dimension: Mapped[str | None] = mapped_column(String(30))
    dq_prevalence: Mapped[float | None] = mapped_column(Float)
    disposition: Mapped[str] = mapped_column(String(20))


class AnomalyDispositionRow(Base):
    """A user's decision on an anomaly key of a group (Dismissed, Inactive, Confirmed), kept across runs."""

    __tablename__ = "dq_anomaly_dispositions"
    __table_args__ = (UniqueConstraint("group_id", "anomaly_key", name="uq_dq_anomaly_dispositions_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("dq_table_groups.id"))
    anomaly_key: Mapped[str] = mapped_column(String(600))
    disposition: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
