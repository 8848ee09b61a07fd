"""What executors sent to this control plane: tenants, then their sources, tables and columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lakerun.control.metadata_ingest import records_page, tenants
from lakerun.server.dashboard.session import Session
from lakerun.server.dashboard.templating import render
from lakerun.store.metadata import MetadataRecordRow

router = APIRouter(include_in_schema=False)
RECORDS_PER_PAGE = 50
KINDS = ("source", "table", "column")
_TITLE_FIELDS = {"source": "source_path", "table": "table_name", "column": "column_name"}
_FACT_FIELDS = {
    "source": ("source_type", "source_name"),
    "table": ("file_format", "row_count", "quality_score", "size_bytes"),
    "column": ("data_type", "null_count", "distinct_count"),
}


@dataclass(frozen=True)
class RecordView:
    """One record as the page shows it: what it is called and a few telling facts."""

    kind: str
    key: str
    title: str
    facts: list[tuple[str, Any]]
    run_id: str
    updated_at: Any

    @classmethod
    def of(cls, row: MetadataRecordRow) -> RecordView:
        """From a stored record; facts the record does not carry are left out."""
        data = row.data or {}
        facts = [(name, data[name]) for name in _FACT_FIELDS.get(row.kind, ()) if data.get(name) is not None]
        title = str(data.get(_TITLE_FIELDS.get(row.kind, ""), "") or row.record_key)
        return cls(row.kind, row.record_key, title, facts, row.run_id, row.updated_at)


@dataclass(frozen=True)
class MetadataQuery:
    """The page's filters and where it is in the list."""

    tenant: str
    kind: str
    page: int

    def href(self, page: int) -> str:
        """This view at another page."""
        params = {k: v for k, v in (("tenant", self.tenant), ("kind", self.kind)) if v}
        return "/metadata?" + urlencode({**params, "page": page})


@router.get("/metadata", response_class=HTMLResponse)
def metadata_page(
    request: Request,
    plane: Session,
    *,
    tenant: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Tenants that sent metadata and, for the chosen one, its records newest first, paged."""
    query = MetadataQuery(tenant, kind if kind in KINDS else "", page)
    summaries = tenants(plane.ctx)
    chosen = query.tenant or (summaries[0].tenant_id if summaries else "")
    rows, total = (
        records_page(plane.ctx, chosen, query.kind or None, RECORDS_PER_PAGE, (page - 1) * RECORDS_PER_PAGE)
        if chosen
        else ([], 0)
    )
    return render(
        request,
        "metadata.html",
        active="metadata",
        tenants=summaries,
        chosen=chosen,
        query=MetadataQuery(chosen, query.kind, page),
        kinds=KINDS,
        records=[RecordView.of(row) for row in rows],
        total=total,
        last_page=max(1, -(-total // RECORDS_PER_PAGE)),
    )
