"""Endpoints of the local workspace: the one SQL warehouse and the Statement Execution API."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from lakerun.local.errors import does_not_exist, invalid_parameter
from lakerun.local.params import as_int, request_params, required

if TYPE_CHECKING:
    from lakerun.local.sql.catalog import UnityCatalog
    from lakerun.local.sql.statements import Statement, StatementRequest, StatementRunner

router = APIRouter()
WAREHOUSE_ID = "local"
WAIT_TIMEOUT = re.compile(r"^(\d+)s$")


class SqlFeature:
    """The catalog and the statement runner, built on first use: DuckDB, delta-rs, pyarrow and sqlglot
    take seconds to import, which the workspace's start should not wait for."""

    def __init__(self, root: Path, volumes: Path) -> None:
        self._root, self._volumes = root, volumes
        self._lock = threading.Lock()
        self._catalog: UnityCatalog | None = None
        self._runner: StatementRunner | None = None

    def catalog(self) -> UnityCatalog:
        """The workspace's Unity Catalog (tables under `warehouse/`, volumes under `volumes/`)."""
        with self._lock:
            if self._catalog is None:
                from lakerun.local.sql.catalog import UnityCatalog
                from lakerun.local.sql.names import Layout

                self._catalog = UnityCatalog(Layout(self._root / "warehouse", self._volumes))
            return self._catalog

    def runner(self) -> StatementRunner:
        """The statement runner of the one local warehouse."""
        catalog = self.catalog()
        with self._lock:
            if self._runner is None:
                from lakerun.local.sql.executor import SqlWarehouse
                from lakerun.local.sql.statements import StatementRunner

                self._runner = StatementRunner(SqlWarehouse(catalog))
            return self._runner

    def close(self) -> None:
        """Cancels running statements."""
        with self._lock:
            runner = self._runner
        if runner is not None:
            runner.close()


def on_startup(app: FastAPI) -> None:
    """Prepares the SQL feature (built on first use)."""
    app.state.sql = SqlFeature(app.state.paths.root, app.state.paths.area("volumes"))


def on_shutdown(app: FastAPI) -> None:
    """Cancels running statements."""
    app.state.sql.close()


def sql_feature(request: Request) -> SqlFeature:
    """The workspace's SQL feature."""
    feature: SqlFeature = request.app.state.sql
    return feature


def _runner(request: Request) -> StatementRunner:
    return sql_feature(request).runner()


def warehouse_info(request: Request) -> dict[str, Any]:
    """The local warehouse as `warehouses/get` shows an endpoint."""
    host = request.url.hostname or "127.0.0.1"
    port = request.url.port or 80
    path = f"/sql/1.0/warehouses/{WAREHOUSE_ID}"
    return {
        "id": WAREHOUSE_ID,
        "name": "lakerun local warehouse",
        "state": "RUNNING",
        "health": {"status": "HEALTHY"},
        "cluster_size": "2X-Small",
        "min_num_clusters": 1,
        "max_num_clusters": 1,
        "num_clusters": 1,
        "num_active_sessions": 0,
        "auto_stop_mins": 0,
        "warehouse_type": "PRO",
        "enable_serverless_compute": False,
        "creator_name": "local-user",
        "odbc_params": {"hostname": host, "path": path, "protocol": request.url.scheme, "port": port},
        "jdbc_url": f"jdbc:databricks://{host}:{port}/default;httpPath={path}",
    }


def _warehouse(request: Request, warehouse_id: str) -> dict[str, Any]:
    if warehouse_id != WAREHOUSE_ID:
        raise does_not_exist(
            f"Warehouse {warehouse_id} does not exist; the local workspace has '{WAREHOUSE_ID}'."
        )
    return warehouse_info(request)


@router.get("/sql/warehouses")
async def list_warehouses(request: Request) -> dict[str, Any]:
    """The one local warehouse."""
    return {"warehouses": [warehouse_info(request)]}


@router.get("/sql/warehouses/{warehouse_id}")
async def get_warehouse(request: Request, warehouse_id: str) -> dict[str, Any]:
    """The local warehouse."""
    return _warehouse(request, warehouse_id)


@router.post("/sql/warehouses/{warehouse_id}/start")
@router.post("/sql/warehouses/{warehouse_id}/stop")
async def start_or_stop(request: Request, warehouse_id: str) -> dict[str, Any]:
    """Accepted and ignored: the local warehouse is always running."""
    _warehouse(request, warehouse_id)
    return {}


@router.post("/sql/statements")
@router.post("/sql/statements/")
async def execute(request: Request) -> dict[str, Any]:
    """Runs a statement, waiting up to `wait_timeout` (then CONTINUE in the background, or CANCEL)."""
    params = await request_params(request)
    _warehouse(request, str(required(params, "warehouse_id")))
    seconds = _wait_seconds(params.get("wait_timeout"))
    on_timeout = str(params.get("on_wait_timeout") or "CONTINUE").upper()
    if on_timeout not in ("CONTINUE", "CANCEL"):
        raise invalid_parameter(f"on_wait_timeout must be CONTINUE or CANCEL, got {on_timeout!r}")
    _check_result_shape(params)
    runner = await run_in_threadpool(_runner, request)
    statement = runner.submit(_statement_request(params))
    if seconds and not await run_in_threadpool(statement.done.wait, seconds) and on_timeout == "CANCEL":
        runner.cancel(statement)
        await run_in_threadpool(statement.done.wait, 5)
    return _response(statement)


@router.get("/sql/statements/{statement_id}")
async def get_statement(request: Request, statement_id: str) -> dict[str, Any]:
    """A statement's state and, once it succeeded, its manifest and first chunk."""
    return _response(_statement(request, statement_id))


@router.get("/sql/statements/{statement_id}/result/chunks/{chunk_index}")
async def get_chunk(request: Request, statement_id: str, chunk_index: int) -> dict[str, Any]:
    """One chunk of a succeeded statement's result."""
    statement = _statement(request, statement_id)
    if statement.state != "SUCCEEDED" or not 0 <= chunk_index < len(statement.chunks):
        raise invalid_parameter(f"Chunk {chunk_index} of statement {statement_id} does not exist.")
    return _chunk(statement, chunk_index)


@router.post("/sql/statements/{statement_id}/cancel")
async def cancel(request: Request, statement_id: str) -> dict[str, Any]:
    """Cancels a statement; it ends CANCELED soon after."""
    _runner(request).cancel(_statement(request, statement_id))
    return {}


def _statement(request: Request, statement_id: str) -> Statement:
    statement = _runner(request).get(statement_id)
    if statement is None:
        raise does_not_exist(f"Statement {statement_id} does not exist or its results expired.")
    return statement


def _wait_seconds(value: Any) -> int:
    match = WAIT_TIMEOUT.match(str(value or "10s"))
    seconds = int(match.group(1)) if match else -1
    if seconds != 0 and not 5 <= seconds <= 50:
        raise invalid_parameter(f"wait_timeout must be 0s or between 5s and 50s, got {value!r}")
    return seconds


def _check_result_shape(params: dict[str, Any]) -> None:
    disposition = str(params.get("disposition") or "INLINE").upper()
    result_format = str(params.get("format") or "JSON_ARRAY").upper()
    if disposition != "INLINE":
        raise invalid_parameter(
            f"disposition {disposition} is not supported by the local warehouse; use INLINE"
        )
    if result_format != "JSON_ARRAY":
        raise invalid_parameter(
            f"format {result_format} needs disposition EXTERNAL_LINKS; use JSON_ARRAY with INLINE"
        )


def _statement_request(params: dict[str, Any]) -> StatementRequest:
    from lakerun.local.sql.statements import StatementRequest

    parameters = params.get("parameters") or []
    if not isinstance(parameters, list) or not all(isinstance(p, dict) and p.get("name") for p in parameters):
        raise invalid_parameter("parameters must be a list of {name, value, type} objects")
    return StatementRequest(
        sql=str(required(params, "statement")),
        parameters=parameters,
        catalog=params.get("catalog") or None,
        schema=params.get("schema") or None,
        row_limit=as_int(params, "row_limit"),
        byte_limit=as_int(params, "byte_limit"),
    )


def _response(statement: Statement) -> dict[str, Any]:
    status: dict[str, Any] = {"state": statement.state}
    if statement.error:
        status["error"] = statement.error
    response: dict[str, Any] = {"statement_id": statement.statement_id, "status": status}
    if statement.state == "SUCCEEDED":
        offsets = _offsets(statement)
        response["manifest"] = {
            "format": "JSON_ARRAY",
            "schema": {"column_count": len(statement.columns), "columns": statement.columns},
            "total_chunk_count": len(statement.chunks),
            "chunks": [
                {"chunk_index": i, "row_offset": offsets[i], "row_count": len(chunk)}
                for i, chunk in enumerate(statement.chunks)
            ],
            "total_row_count": statement.total_rows,
            "truncated": statement.truncated,
        }
        response["result"] = _chunk(statement, 0)
    return response


def _offsets(statement: Statement) -> list[int]:
    offsets, total = [], 0
    for chunk in statement.chunks:
        offsets.append(total)
        total += len(chunk)
    return offsets


def _chunk(statement: Statement, index: int) -> dict[str, Any]:
    rows = statement.chunks[index]
    chunk: dict[str, Any] = {
        "chunk_index": index,
        "row_offset": _offsets(statement)[index],
        "row_count": len(rows),
    }
    if rows:
        chunk["data_array"] = rows
    if index + 1 < len(statement.chunks):
        chunk["next_chunk_index"] = index + 1
        chunk["next_chunk_internal_link"] = (
            f"/api/2.0/sql/statements/{statement.statement_id}/result/chunks/{index + 1}"
        )
    return chunk
