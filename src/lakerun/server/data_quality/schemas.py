"""Request and response shapes of the data-quality API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lakerun.control.profiling.catalog import ConnectionSpec, GroupSpec
from lakerun.control.profiling.results import ProfileRun, anomaly_dict
from lakerun.control.records import Connection, TableGroup


class ConnectionBody(BaseModel):
    """A place holding tables; database URLs are given as `env:NAME`, never with a password."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["files", "duckdb", "postgresql"] = Field(
        description="`files`: a folder whose files / sub-folders are tables (an absolute local path, "
        "`dbfs:/...`, `/Volumes/<catalog>/<schema>/<volume>/...`, `s3://bucket/...` or "
        "`abfss://container@account.dfs.core.windows.net/...`); `duckdb`: a DuckDB file; "
        "`postgresql`: a database URL without password, or `env:NAME`."
    )
    location: str = Field(min_length=1, max_length=1000, description="Folder, file or URL (or `env:NAME`).")
    workspace: str = Field(
        "local", max_length=100, description="Registered workspace the profile jobs run in."
    )

    def spec(self) -> ConnectionSpec:
        """The connection this body describes, for creating or replacing one."""
        return ConnectionSpec(
            name=self.name, kind=self.kind, location=self.location, workspace=self.workspace
        )


class ConnectionOut(BaseModel):
    """A stored connection."""

    id: int
    name: str
    kind: str
    location: str
    workspace: str

    @classmethod
    def of(cls, row: Connection) -> ConnectionOut:
        """From a connection row."""
        return cls(
            id=row.id, name=row.name, kind=row.kind, location=row.location, workspace=row.workspace_name
        )


class GroupBody(BaseModel):
    """A table group: a connection's tables picked by SQL LIKE masks (`%`, `_`)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    connection: str = Field(min_length=1, description="Name of the connection.")
    include: list[str] = Field(default_factory=lambda: ["%"], min_length=1)
    exclude: list[str] = Field(default_factory=list)

    def spec(self) -> GroupSpec:
        """The table group this body describes, for creating or replacing one."""
        return GroupSpec(
            name=self.name, connection=self.connection, include=self.include, exclude=self.exclude
        )


class GroupOut(BaseModel):
    """A stored table group and the tables its latest successful run found."""

    id: int
    name: str
    connection_id: int
    include: list[str]
    exclude: list[str]
    tables: list[str]

    @classmethod
    def of(cls, row: TableGroup) -> GroupOut:
        """From a table group row."""
        return cls(
            id=row.id,
            name=row.name,
            connection_id=row.connection_id,
            include=row.include,
            exclude=row.exclude,
            tables=row.tables,
        )


class ProfileRunBody(BaseModel):
    """Options of one profile run."""

    model_config = ConfigDict(extra="forbid")
    triggered_by: str = Field("api", max_length=100)
    timeout_seconds: float | None = Field(None, gt=0)
    wheel: str | None = Field(
        None,
        description="The lakerun wheel as the workspace sees it (e.g. on Databricks); default: local file.",
    )


class ProfileRunOut(BaseModel):
    """A profile run: its attempt's status and, once stored, its scores."""

    id: str
    group_id: int
    group: str
    status: str
    error: str | None
    status_message: str | None
    created_at: datetime
    finished_at: datetime | None
    score: float | None = None
    dimensions: dict[str, float] | None = None
    table_scores: dict[str, Any] | None = None
    tables: list[str] | None = None
    anomaly_count: int | None = None

    @classmethod
    def of(cls, run: ProfileRun) -> ProfileRunOut:
        """From a profile run (scores only when it succeeded and was stored)."""
        attempt, result = run.attempt, run.result
        return cls(
            id=attempt.id,
            group_id=run.group.id,
            group=run.group.name,
            status=attempt.status,
            error=attempt.error,
            status_message=attempt.status_message,
            created_at=attempt.created_at,
            finished_at=attempt.finished_at,
            score=result.score if result else None,
            dimensions=result.dimensions if result else None,
            table_scores=result.table_scores if result else None,
            tables=[p["table_name"] for p in result.profiles] if result else None,
            anomaly_count=len(run.anomalies) if result else None,
        )


class AnomalyOut(BaseModel):
    """One anomaly of a run; `key` is stable across runs and carries its disposition."""

    id: int
    key: str
    anomaly_type: str
    table_name: str
    column_name: str
    detail: str
    likelihood: str
    dimension: str | None
    dq_prevalence: float | None
    disposition: str

    @classmethod
    def listed(cls, run: ProfileRun) -> list[AnomalyOut]:
        """The anomalies of a run."""
        return [cls(**anomaly_dict(row)) for row in run.anomalies]


class DispositionBody(BaseModel):
    """Who decided, and (for un-dismissing) which disposition to keep."""

    model_config = ConfigDict(extra="forbid")
    disposition: Literal["Dismissed", "Inactive", "Confirmed"] = "Dismissed"
    decided_by: str = Field("api", max_length=100)
