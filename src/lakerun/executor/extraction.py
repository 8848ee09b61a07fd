"""`metadata_extraction`: every dataset's format, exact schema, exact row count, size and partitions.

Rows go to `sources`, `tables` and `columns` by stable ids, in chunks as the walk proceeds, so a
re-run updates what it wrote before and 10,000 files never pile up in memory.
"""

from __future__ import annotations

import json
from typing import Any

from lakerun.engines.formats import Dataset
from lakerun.engines.readers import DatasetInfo
from lakerun.executor.context import RunContext, utcnow
from lakerun.executor.ids import stable_id
from lakerun.executor.scan import MAX_LISTED, SourceScan, table_id


def table_row(
    ctx: RunContext, dataset: Dataset, info: DatasetInfo | None, error: str | None
) -> dict[str, Any]:
    """The `tables` row of one dataset (an error row when it could not be read)."""
    status = "error" if info is None else ("partial" if info.problems else "ok")
    row: dict[str, Any] = {
        "table_id": table_id(ctx, dataset),
        "source_id": ctx.source_id,
        "table_name": dataset.name,
        "schema_name": ctx.settings.tenant_id,
        "file_path": dataset.path,
        "file_format": str(dataset.format),
        "dataset_kind": dataset.kind,
        "last_refreshed": utcnow(),
        "status": status,
        "error_message": error
        if info is None
        else "; ".join(p.message for p in info.problems)[:2000] or None,
        "last_run_id": ctx.run_id,
    }
    if info is not None:
        row.update(
            row_count=info.row_count,
            row_count_method=info.row_count_method,
            column_count=len(info.schema),
            file_count=info.file_count,
            size_bytes=info.size_bytes,
            partition_columns=json.dumps(info.partition_columns),
            modified_at=info.modified.replace(tzinfo=None) if info.modified else None,
        )
    return row


def column_rows(ctx: RunContext, dataset: Dataset, info: DatasetInfo) -> list[dict[str, Any]]:
    """The `columns` rows of one dataset, in schema order."""
    owner = table_id(ctx, dataset)
    return [
        {
            "column_id": stable_id(owner, field.name),
            "table_id": owner,
            "column_name": field.name,
            "ordinal_position": position,
            "data_type": str(field.type),
            "is_nullable": field.nullable,
            "is_partition": field.name in info.partition_columns,
            "is_primary_key": False,
            "last_run_id": ctx.run_id,
        }
        for position, field in enumerate(info.schema, start=1)
    ]


def source_row(ctx: RunContext, scan: SourceScan) -> dict[str, Any]:
    """The `sources` row of the run's source (connection details carry no credentials)."""
    path = ctx.settings.source_path or ""
    now = utcnow()
    return {
        "source_id": ctx.source_id,
        "tenant_id": ctx.settings.tenant_id,
        "source_name": path.rstrip("/").rsplit("/", 1)[-1] or path,
        "source_path": path,
        "source_type": ctx.settings.source_type,
        "connection_details": json.dumps({"scheme": scan.source.protocol, "root": scan.source.root}),
        "files_found": scan.tally.files_found,
        "datasets_found": scan.tally.datasets_ok + scan.tally.datasets_failed,
        "total_size_bytes": scan.tally.total_size_bytes,
        "created_at": now,
        "updated_at": now,
        "last_run_id": ctx.run_id,
    }


def run_metadata_extraction(ctx: RunContext) -> dict[str, Any]:
    """Walk the source, describe each dataset, store the rows, return seed 000's result shape."""
    scan = SourceScan(ctx)
    listed: list[dict[str, Any]] = []
    column_total = 0
    try:
        for dataset, info, error in scan:
            ctx.stage("tables", [table_row(ctx, dataset, info, error)])
            if info is not None:
                ctx.stage("columns", column_rows(ctx, dataset, info))
                column_total += len(info.schema)
                if len(listed) < MAX_LISTED:
                    listed.append(_summary(dataset, info))
            ctx.progress(0.1 + 0.8 * min(1.0, len(listed) / MAX_LISTED), f"read {dataset.name}")
        ctx.flush_staged()
        scan.require_something_read()
        ctx.store.upsert("sources", [source_row(ctx, scan)])
        if ctx.source_id and scan.walked_everything:
            ctx.store.mark_missing(ctx.source_id, ctx.run_id)
    finally:
        scan.close()
    ctx.log("INFO", f"metadata extracted: {scan.tally.datasets_ok} dataset(s), {column_total} column(s)")
    return {
        "source_path": ctx.settings.source_path,
        "source_type": ctx.settings.source_type,
        "source_id": ctx.source_id,
        **scan.tally.as_result(),
        "schema_info": {"tables": scan.tally.datasets_ok, "columns": column_total},
        "datasets": listed,
    }


def _summary(dataset: Dataset, info: DatasetInfo) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "format": str(dataset.format),
        "kind": dataset.kind,
        "row_count": info.row_count,
        "row_count_method": info.row_count_method,
        "columns": {field.name: str(field.type) for field in info.schema},
        "size_bytes": info.size_bytes,
        "partition_columns": info.partition_columns,
        "modified_at": info.modified.isoformat() if info.modified else None,
    }
