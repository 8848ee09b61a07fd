"""The SQL warehouse through the official SDK: Databricks SQL on DuckDB over local Delta tables."""

from __future__ import annotations

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service.sql import (
    ExecuteStatementRequestOnWaitTimeout,
    StatementParameterListItem,
    StatementState,
)
from deltalake import DeltaTable

from tests.support.eventually import eventually

HISTORY = """
CREATE TABLE main.default.nifi_conversion_history (
  attempt_id STRING PRIMARY KEY,
  flow_id STRING NOT NULL,
  databricks_job_id STRING NOT NULL,
  databricks_run_id STRING,
  status STRING NOT NULL,
  started_at TIMESTAMP NOT NULL,
  completed_at TIMESTAMP,
  duration_seconds INT,
  generated_notebooks ARRAY<STRING>,
  attempt_number INT
)
"""


def run(client, sql: str, **kwargs):
    response = client.statement_execution.execute_statement(statement=sql, warehouse_id="local", **kwargs)
    assert response.status.state == StatementState.SUCCEEDED, response.status.error
    return response


def rows(client, sql: str, **kwargs) -> list[list[str | None]]:
    return run(client, sql, **kwargs).result.data_array or []


def test_the_local_warehouse_is_listed(ws_client) -> None:
    warehouses = list(ws_client.warehouses.list())
    assert [w.id for w in warehouses] == ["local"]
    assert ws_client.warehouses.get("local").state.value == "RUNNING"


def test_seed_history_table_round_trip(ws_client, local_workspace) -> None:
    run(ws_client, HISTORY)
    insert = """INSERT INTO main.default.nifi_conversion_history
        (attempt_id, flow_id, databricks_job_id, status, started_at, generated_notebooks, attempt_number)
        VALUES (:attempt, :flow, '11', 'RUNNING', :started, array('a.py', 'b.py'), 1)"""
    params = [
        StatementParameterListItem(name="attempt", value="att-1"),
        StatementParameterListItem(name="flow", value="flow-1"),
        StatementParameterListItem(name="started", value="2026-01-02T03:04:05Z", type="TIMESTAMP"),
    ]
    inserted = run(ws_client, insert, parameters=params)
    assert inserted.result.data_array == [["1", "1"]]
    assert [c.name for c in inserted.manifest.schema.columns] == ["num_affected_rows", "num_inserted_rows"]
    run(
        ws_client,
        "UPDATE nifi_conversion_history SET status = 'SUCCESS', duration_seconds = 42, "
        "completed_at = started_at + INTERVAL 42 SECONDS WHERE attempt_id = :attempt",
        parameters=[StatementParameterListItem(name="attempt", value="att-1")],
    )
    response = run(
        ws_client,
        "SELECT attempt_id, status, started_at, completed_at, duration_seconds, generated_notebooks "
        "FROM nifi_conversion_history WHERE flow_id = :flow ORDER BY started_at DESC",
        parameters=[StatementParameterListItem(name="flow", value="flow-1")],
        catalog="main",
        schema="default",
    )
    assert response.result.data_array == [
        ["att-1", "SUCCESS", "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:47.000Z", "42", '["a.py","b.py"]']
    ]
    columns = {c.name: (c.type_name.value, c.type_text) for c in response.manifest.schema.columns}
    assert columns["started_at"] == ("TIMESTAMP", "TIMESTAMP")
    assert columns["duration_seconds"] == ("INT", "INT")
    assert columns["generated_notebooks"] == ("ARRAY", "ARRAY<STRING>")
    table = local_workspace.config.root / "warehouse" / "main" / "default" / "nifi_conversion_history"
    assert DeltaTable(str(table)).to_pyarrow_table().num_rows == 1
    described = rows(ws_client, "DESCRIBE TABLE main.default.nifi_conversion_history")
    assert ["attempt_number", "int", None] in described


def test_merge_delete_and_ctas(ws_client) -> None:
    run(ws_client, "CREATE TABLE main.default.flows (flow_id STRING, flow_name STRING, total_attempts INT)")
    run(
        ws_client,
        "INSERT INTO main.default.flows VALUES ('f1', 'one', 0), ('f2', 'two', 0), ('f3', 'three', 5)",
    )
    merged = run(
        ws_client,
        "MERGE INTO main.default.flows AS t USING (SELECT * FROM VALUES ('f1', 1), ('f4', 1) AS s(flow_id, n)) AS s "
        "ON t.flow_id = s.flow_id "
        "WHEN MATCHED THEN UPDATE SET t.total_attempts = t.total_attempts + s.n "
        "WHEN NOT MATCHED THEN INSERT (flow_id, flow_name, total_attempts) VALUES (s.flow_id, 'new', s.n)",
    )
    counts = dict(
        zip([c.name for c in merged.manifest.schema.columns], merged.result.data_array[0], strict=True)
    )
    assert counts == {
        "num_affected_rows": "2",
        "num_updated_rows": "1",
        "num_deleted_rows": "0",
        "num_inserted_rows": "1",
    }
    assert rows(ws_client, "DELETE FROM main.default.flows WHERE total_attempts >= 5") == [["1"]]
    run(ws_client, "CREATE TABLE main.default.flows_backup AS SELECT * FROM main.default.flows")
    assert rows(
        ws_client, "SELECT flow_id, total_attempts FROM main.default.flows_backup ORDER BY flow_id"
    ) == [
        ["f1", "1"],
        ["f2", "0"],
        ["f4", "1"],
    ]
    joined = rows(
        ws_client,
        "SELECT b.flow_id FROM main.default.flows b JOIN main.default.flows_backup f ON b.flow_id = f.flow_id "
        "WHERE f.flow_name = 'new'",
    )
    assert joined == [["f4"]]


def test_large_results_come_in_chunks_and_row_limit_truncates(ws_client) -> None:
    response = run(ws_client, "SELECT explode(sequence(1, 25000)) AS id")
    manifest = response.manifest
    assert manifest.total_row_count == 25000 and manifest.total_chunk_count == 3
    fetched = list(response.result.data_array)
    index = response.result.next_chunk_index
    while index is not None:
        chunk = ws_client.statement_execution.get_statement_result_chunk_n(response.statement_id, index)
        assert chunk.row_offset == len(fetched)
        fetched += chunk.data_array
        index = chunk.next_chunk_index
    assert [int(row[0]) for row in fetched] == list(range(1, 25001))
    limited = run(ws_client, "SELECT explode(sequence(1, 100)) AS id", row_limit=10)
    assert limited.manifest.truncated and limited.manifest.total_row_count == 10


def test_errors_come_in_databricks_shape(ws_client) -> None:
    failed = ws_client.statement_execution.execute_statement(
        statement="SELECT * FROM main.default.missing", warehouse_id="local"
    )
    assert failed.status.state == StatementState.FAILED
    assert failed.status.error.message.startswith("[TABLE_OR_VIEW_NOT_FOUND]")
    assert "SQLSTATE: 42P01" in failed.status.error.message
    run(ws_client, "CREATE TABLE main.default.strict (id INT NOT NULL)")
    violated = ws_client.statement_execution.execute_statement(
        statement="INSERT INTO main.default.strict VALUES (NULL)", warehouse_id="local"
    )
    assert violated.status.state == StatementState.FAILED
    assert "NOT_NULL" in violated.status.error.message
    unbound = ws_client.statement_execution.execute_statement(statement="SELECT :x", warehouse_id="local")
    assert "UNBOUND_SQL_PARAMETER" in unbound.status.error.message
    with pytest.raises(InvalidParameterValue, match="wait_timeout"):
        ws_client.statement_execution.execute_statement(
            statement="SELECT 1", warehouse_id="local", wait_timeout="3s"
        )
    with pytest.raises(NotFound):
        ws_client.statement_execution.execute_statement(statement="SELECT 1", warehouse_id="nope")


SLOW = "SELECT max(hash(a.id * 7 + b.id)) FROM range(1000000) AS a(id), range(1000000) AS b(id)"


def test_wait_timeout_continue_then_poll_and_cancel(ws_client) -> None:
    started = ws_client.statement_execution.execute_statement(
        statement="SELECT 42 AS answer", warehouse_id="local", wait_timeout="0s"
    )
    polled = eventually(
        lambda: ws_client.statement_execution.get_statement(started.statement_id),
        lambda answer: answer.status.state not in (StatementState.PENDING, StatementState.RUNNING),
        interval=0.02,
    )
    assert polled.status.state == StatementState.SUCCEEDED and polled.result.data_array == [["42"]]

    slow = ws_client.statement_execution.execute_statement(
        statement=SLOW, warehouse_id="local", wait_timeout="0s"
    )
    ws_client.statement_execution.cancel_execution(slow.statement_id)
    state = eventually(
        lambda: ws_client.statement_execution.get_statement(slow.statement_id).status.state,
        lambda answer: answer not in (StatementState.PENDING, StatementState.RUNNING),
    )
    assert state == StatementState.CANCELED


def test_on_wait_timeout_cancel(ws_client) -> None:
    response = ws_client.statement_execution.execute_statement(
        statement=SLOW,
        warehouse_id="local",
        wait_timeout="5s",
        on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL,
    )
    assert response.status.state == StatementState.CANCELED
