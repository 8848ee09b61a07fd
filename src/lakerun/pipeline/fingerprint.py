"""What a table's inputs are right now, as one short hash: upstream table versions and file listings.

A table records the fingerprint it was built from in its commit metadata; a rerun whose inputs and
definition have not changed finds the same fingerprint and skips the table without reading a row.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from lakerun.engines import database_source, delta_io
from lakerun.engines.file_sources import list_files
from lakerun.engines.files import FileSource, SourceError
from lakerun.engines.io_errors import SourceMissingError, TableIOError
from lakerun.pipeline import secrets
from lakerun.pipeline.plan import INPUTS_KEY, SourcePlan, TablePlan
from lakerun.pipeline.writer import TableWriter


def _files_state(uri: str, options: dict[str, Any]) -> list[Any]:
    try:
        fs = FileSource.open_url(uri, options).fs
        paths = list_files(uri, options)
    except (SourceError, SourceMissingError):
        return ["missing"]
    state = []
    for path in paths:
        info = fs.info(path)
        state.append(
            [
                path,
                info.get("size"),
                str(info.get("mtime") or info.get("LastModified") or info.get("last_modified")),
            ]
        )
    return state


def _database_state(source: SourcePlan, secret_getter: secrets.SecretGetter) -> list[Any]:
    """Row count and highest watermark of a database source; without a watermark its content cannot be
    told cheaply, so the state is new on every run and the table is always rebuilt."""
    if not source.watermark:
        return ["unknown", time.time_ns()]
    url = secrets.resolve(source.uri, secret_getter)
    return database_source.read_state(url, source.database_query())


def input_fingerprint(plan: TablePlan, secret_getter: secrets.SecretGetter = secrets.default_getter) -> str:
    """A hash of the table's definition and the current state of every input."""
    parts: list[Any] = [plan.definition_hash]
    for item in plan.inputs:
        source = item.source
        options = secrets.resolve_options(source.options, secret_getter)
        if source.kind == "database":
            parts.append([item.name, _database_state(source, secret_getter)])
        elif source.kind == "table":
            try:
                table = delta_io.open_table(source.uri, options, source.version)
            except TableIOError:
                table = None
            parts.append([item.name, "missing" if table is None else table.version()])
        else:
            parts.append([item.name, _files_state(source.uri, options)])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def is_current(plan: TablePlan, fingerprint: str, writer: TableWriter) -> bool:
    """True when an incremental run of the table would find its last commit built from `fingerprint`."""
    return plan.refresh.kind == "incremental" and writer.latest_metadata(plan.sink, INPUTS_KEY) == fingerprint
