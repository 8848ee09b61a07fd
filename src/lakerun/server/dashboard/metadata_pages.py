"""What executors sent to this control plane: tenants, then their sources, tables and columns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lakerun.control.metadata_ingest import records_page, tenants
from lakerun.control.records import MetadataRecord
from lakerun.server.dashboard.paging import ListPage
from lakerun.server.dashboard.session import Session
from lakerun.server.dashboard.templating import render

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
    def of(cls, row: MetadataRecord) -> RecordView:
        """From a stored record; facts the record does not carry are left out."""
        data = row.data or {}
        facts = [(name, data[name]) for name in _FACT_FIELDS.get(row.kind, ()) if data.get(name) is not None]
        title = str(data.get(_TITLE_FIELDS.get(row.kind, ""), "") or row.record_key)
        return cls(row.kind, row.record_key, title, facts, row.run_id, row.updated_at)


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
    kind = kind if kind in KINDS else ""
    summaries = tenants(plane.ctx)
    chosen = tenant or (summaries[0].tenant_id if summaries else "")
    at = ListPage("/metadata", page, RECORDS_PER_PAGE, 0, (("tenant", chosen), ("kind", kind)))
    rows, total = records_page(plane.ctx, chosen, kind or None, at.per_page, at.offset) if chosen else ([], 0)
    return render(
        request,
        "metadata.html",
        active="metadata",
        tenants=summaries,
        chosen=chosen,
        pages=replace(at, total=total),
        kinds=KINDS,
        records=[RecordView.of(row) for row in rows],
    )
