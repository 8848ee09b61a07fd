"""The control plane as the executor's platform endpoint: `lakerun-executor` sends, `/v1/metadata` stores once."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.executor import sample_data
from tests.executor.conftest import CliRun, query, run_cli
from tests.server.conftest import Stack

KIND_SQL = {
    "source": "SELECT source_id FROM _executor_metadata.sources WHERE tenant_id = 'acme'",
    "table": "SELECT t.table_id FROM _executor_metadata.tables t "
    "JOIN _executor_metadata.sources s ON t.source_id = s.source_id WHERE s.tenant_id = 'acme'",
    "column": "SELECT c.column_id FROM _executor_metadata.columns c "
    "JOIN _executor_metadata.tables t ON c.table_id = t.table_id "
    "JOIN _executor_metadata.sources s ON t.source_id = s.source_id WHERE s.tenant_id = 'acme'",
}


@pytest.fixture
def metadata_db(tmp_path: Path) -> Path:
    """The executor's own `_executor_metadata` DuckDB file, read back by SQL."""
    return tmp_path / "meta" / "metadata.duckdb"


def _executor(stack: Stack, job: str, data: Path, db: Path, run_id: str) -> CliRun:
    """The real executor CLI, pointed at the running control plane with a control-plane API token."""
    env = {
        "LAKERUN_API_ENDPOINT": f"{stack.server.url}/v1/metadata/batches",
        "LAKERUN_API_KEY": stack.token,
        "LAKERUN_BATCH_RECORDS": "4",
    }
    done = run_cli([job, str(data), "auto", "acme", "--metadata-db", str(db), "--run-id", run_id], env=env)
    assert done.code == 0, f"{done.result}\n{done.stderr}"
    return done


def _records(stack: Stack, kind: str | None = None) -> list[dict[str, Any]]:
    """Every stored record of tenant acme (of one kind), read page by page."""
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"tenant_id": "acme", "limit": 5, "offset": len(items)}
        if kind:
            params["kind"] = kind
        page = stack.api.get("/v1/metadata/records", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        if not body["items"]:
            assert len(items) == body["total"]
            return items


def _stored_keys(stack: Stack, kind: str) -> list[str]:
    return sorted(record["key"] for record in _records(stack, kind))


def _executor_keys(db: Path, kind: str) -> list[str]:
    return sorted(row[0] for row in query(db, KIND_SQL[kind]))


def _tenants(stack: Stack) -> list[dict[str, Any]]:
    answer = stack.api.get("/v1/metadata/tenants")
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def test_full_pipeline_sends_its_metadata_and_a_later_run_updates_it(
    stack: Stack, tmp_path: Path, metadata_db: Path
) -> None:
    data = tmp_path / "data"
    sample_data.write_csv(data / "a.csv")
    sample_data.write_parquet(data / "b.parquet")
    first = _executor(stack, "full_pipeline", data, metadata_db, "run-one")
    sent = first.result["api_transmission"]
    assert sent["status"] == "success" and sent["batches"] == 3
    assert sent["api_response"] == {"status": "received", "duplicate": False, "records": 3}
    for kind in ("source", "table", "column"):
        assert _stored_keys(stack, kind) == _executor_keys(metadata_db, kind)
    [table] = [r for r in _records(stack, "table") if r["data"]["table_name"] == "b.parquet"]
    [(score, rows)] = query(
        metadata_db,
        "SELECT quality_score, row_count FROM _executor_metadata.tables WHERE table_name = 'b.parquet'",
    )
    assert score is not None and table["data"]["quality_score"] == score
    assert table["data"]["row_count"] == rows == 6
    [tenant] = _tenants(stack)
    assert tenant["counts"] == {"source": 1, "table": 2, "column": 8} and tenant["batches"] == 3

    sample_data.write_jsonl(data / "c.jsonl")
    _executor(stack, "metadata_extraction", data, metadata_db, "run-two")
    _executor(stack, "api_transmission", data, metadata_db, "run-two")
    for kind in ("source", "table", "column"):
        assert _stored_keys(stack, kind) == _executor_keys(metadata_db, kind)
    records = _records(stack)
    assert len(records) == 1 + 3 + 12
    assert {r["run_id"] for r in records} == {"run-two"}
    [tenant] = _tenants(stack)
    assert tenant["counts"] == {"source": 1, "table": 3, "column": 12} and tenant["batches"] == 3 + 4


def test_a_batch_sent_twice_is_stored_once(stack: Stack, tmp_path: Path, metadata_db: Path) -> None:
    data = tmp_path / "data"
    sample_data.write_parquet(data / "b.parquet")
    _executor(stack, "metadata_extraction", data, metadata_db, "run-x")
    _executor(stack, "api_transmission", data, metadata_db, "run-x")
    again = _executor(stack, "api_transmission", data, metadata_db, "run-x")
    assert again.result["api_response"] == {"status": "received", "duplicate": True, "records": 2}
    [tenant] = _tenants(stack)
    assert tenant["batches"] == 2 and tenant["counts"] == {"source": 1, "table": 1, "column": 4}
    assert len(_records(stack)) == 6


def _envelope(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "run_id": "run-manual",
        "tenant_id": "acme",
        "source_path": "/data",
        "batch": 1,
        "batches": 1,
        "records": [{"kind": "table", "data": {"table_id": "t1", "table_name": "orders"}}],
    }
    return {**envelope, **changes}


def _post(stack: Stack, body: bytes, key: str | None = "k-1", **headers: str) -> httpx.Response:
    sent = {"Content-Type": "application/json", **headers}
    if key is not None:
        sent["Idempotency-Key"] = key
    return stack.api.post("/v1/metadata/batches", content=body, headers=sent)


def _gzip(envelope: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(envelope).encode())


def test_plain_json_is_accepted_and_a_reused_key_with_another_body_is_refused(stack: Stack) -> None:
    first = _post(stack, json.dumps(_envelope()).encode())
    assert first.json() == {"status": "received", "duplicate": False, "records": 1}
    same = _post(stack, _gzip(_envelope()), **{"Content-Encoding": "gzip"})
    assert same.json() == {"status": "received", "duplicate": True, "records": 1}
    other = _post(stack, _gzip(_envelope(run_id="run-other")), **{"Content-Encoding": "gzip"})
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    [record] = _records(stack)
    assert record["run_id"] == "run-manual" and record["data"] == {"table_id": "t1", "table_name": "orders"}


def test_bad_requests_are_refused_by_name_and_store_nothing(stack: Stack) -> None:
    gz = {"Content-Encoding": "gzip"}
    stranger = httpx.post(
        f"{stack.server.url}/v1/metadata/batches",
        content=_gzip(_envelope()),
        headers={"Authorization": "Bearer not-a-token", "Idempotency-Key": "k", **gz},
    )
    assert stranger.status_code == 401
    refusals = {
        "Idempotency-Key header is required": _post(stack, _gzip(_envelope()), key=None, **gz),
        "not valid gzip": _post(stack, json.dumps(_envelope()).encode(), **gz),
        "not JSON": _post(stack, gzip.compress(b"{not json"), **gz),
        "records.0: data.table_id must be": _post(
            stack, _gzip(_envelope(records=[{"kind": "table", "data": {"table_name": "x"}}])), **gz
        ),
        "records.0.kind": _post(stack, _gzip(_envelope(records=[{"kind": "view", "data": {}}])), **gz),
        "batch 3 is beyond batches 2": _post(stack, _gzip(_envelope(batch=3, batches=2)), **gz),
        "tenant_id": _post(stack, _gzip(_envelope(tenant_id="")), **gz),
        "records.0.data.tenant_id differs": _post(
            stack,
            _gzip(_envelope(records=[{"kind": "source", "data": {"source_id": "s", "tenant_id": "other"}}])),
            **gz,
        ),
    }
    for named, answer in refusals.items():
        assert answer.status_code == 400, (named, answer.text)
        assert named in answer.json()["detail"], (named, answer.text)
    brotli = _post(stack, b"{}", **{"Content-Encoding": "br"})
    assert brotli.status_code == 415 and "br" in brotli.json()["detail"]
    bomb = gzip.compress(b"[" + b" " * (51 * 1024 * 1024) + b"]")
    assert _post(stack, bomb, **gz).status_code == 413
    assert _tenants(stack) == [] and _records(stack) == []


def test_reads_need_a_token_and_document_themselves(stack: Stack) -> None:
    for path in ("/v1/metadata/records", "/v1/metadata/tenants"):
        assert httpx.get(f"{stack.server.url}{path}").status_code == 401
    bad_kind = stack.api.get("/v1/metadata/records", params={"kind": "view"})
    assert bad_kind.status_code == 422 and "kind" in bad_kind.text
    spec = stack.api.get("/openapi.json").json()
    batches = spec["paths"]["/v1/metadata/batches"]["post"]
    schema = batches["requestBody"]["content"]["application/json"]["schema"]
    assert "records" in schema["required"] and "$ref" not in json.dumps(schema)
    assert {"400", "401", "409", "413"} <= set(batches["responses"])
    assert "Idempotency-Key" in {p["name"] for p in batches["parameters"]}
