"""`data_reading`: typed preview rows per dataset, per-file stats and the connection status."""

from __future__ import annotations

from typing import Any

from lakerun.engines.formats import Dataset
from lakerun.engines.readers import DatasetInfo, ReadError
from lakerun.executor.context import RunContext
from lakerun.executor.ids import stable_id
from lakerun.executor.jsonable import jsonable, table_rows
from lakerun.executor.scan import MAX_LISTED, SourceScan, table_id


def run_data_reading(ctx: RunContext) -> dict[str, Any]:
    """Read the first rows of each dataset with their real types; store a sample value per column."""
    scan = SourceScan(ctx)
    samples: dict[str, Any] = {}
    files_read = 0
    try:
        for dataset, info, _error in scan:
            if info is None:
                continue
            try:
                preview = scan.reader.preview(dataset, info, ctx.settings.preview_rows)
            except ReadError as exc:
                scan.tally.error(dataset.path, str(exc))
                ctx.log("ERROR", f"{dataset.name}: {exc}", dataset.path)
                continue
            files_read += info.file_count
            _store_samples(ctx, dataset, info, table_rows(preview))
            if len(samples) < MAX_LISTED:
                samples[dataset.name] = _sample(dataset, info, table_rows(preview))
            ctx.progress(0.5, f"read {dataset.name}")
        ctx.flush_staged()
        scan.require_something_read()
    finally:
        scan.close()
    return {
        "source_path": ctx.settings.source_path,
        "connection_status": "success",
        **scan.tally.as_result(),
        "files_read": files_read,
        "sample_data": samples,
    }


def _sample(dataset: Dataset, info: DatasetInfo, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": str(dataset.format),
        "size": info.size_bytes,
        "row_count": info.row_count,
        "file_count": info.file_count,
        "modified_at": info.modified.isoformat() if info.modified else None,
        "columns": {field.name: str(field.type) for field in info.schema},
        "preview": rows,
        "files": [
            {"path": f.path, "size": f.size, "modified_at": f.modified.isoformat() if f.modified else None}
            for f in info.files[:MAX_LISTED]
        ],
    }


def _store_samples(ctx: RunContext, dataset: Dataset, info: DatasetInfo, rows: list[dict[str, Any]]) -> None:
    owner = table_id(ctx, dataset)
    updates = []
    for field in info.schema:
        value = next((row[field.name] for row in rows if row.get(field.name) is not None), None)
        updates.append(
            {
                "column_id": stable_id(owner, field.name),
                "table_id": owner,
                "column_name": field.name,
                "data_type": str(field.type),
                "sample_value": None if value is None else str(jsonable(value))[:500],
            }
        )
    ctx.stage("columns", updates, only=("table_id", "column_name", "data_type", "sample_value"))
