"""Profile runs through the control plane and the local workspace: a table group's job, stored results,
dismissed anomalies kept across runs, compare, and a job that crashes ending FAILED."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.server.conftest import Stack
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow
ROWS = 200


def write_tables(folder: Path) -> None:
    """Three tables, `contacts` with planted dirt, plus a scratch table the group excludes."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = list(range(ROWS))
    pq.write_table(
        pa.table({"id": ids, "name": [f"customer {i}" for i in ids]}), folder / "customers.parquet"
    )
    pq.write_table(pa.table({"order_id": ids, "amount": [i * 1.5 for i in ids]}), folder / "orders.parquet")
    emails = [f"user{i}@example.com" if i % 10 else "not-an-email" for i in ids]
    contacts = {"id": ids, "email": emails, "note": [""] * ROWS}
    pq.write_table(pa.table(contacts), folder / "contacts.parquet")
    pq.write_table(pa.table({"x": [1, 2]}), folder / "scratch_tmp.parquet")


def make_group(stack: Stack, folder: Path, name: str = "shop") -> int:
    connection = stack.api.post(
        "/v1/data-quality/connections",
        json={"name": f"{name}-files", "kind": "files", "location": str(folder)},
    )
    assert connection.status_code == 201, connection.text
    group = stack.api.post(
        "/v1/data-quality/table-groups",
        json={"name": name, "connection": f"{name}-files", "include": ["%"], "exclude": ["scratch%"]},
    )
    assert group.status_code == 201, group.text
    return int(group.json()["id"])


def profile(stack: Stack, group_id: int) -> dict[str, Any]:
    """Start a profile run, wait for its attempt to end, and return the stored run."""
    started = stack.api.post(f"/v1/data-quality/table-groups/{group_id}/profile-runs", json={})
    assert started.status_code == 201, started.text
    attempt = stack.wait(started.json()["id"], timeout=120)
    assert attempt["subject"]["kind"] == "table_group"
    return dict(stack.api.get(f"/v1/data-quality/profile-runs/{attempt['id']}").json())


def anomalies(stack: Stack, run_id: str) -> dict[str, dict[str, Any]]:
    listed = stack.api.get(f"/v1/data-quality/profile-runs/{run_id}/anomalies").json()
    return {a["key"]: a for a in listed}


def test_profile_runs_store_results_keep_dismissals_and_compare(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    write_tables(folder)
    group_id = make_group(stack, folder)

    first = profile(stack, group_id)
    assert first["status"] == "SUCCESS", first
    assert sorted(first["tables"]) == ["contacts", "customers", "orders"]
    assert 0 < first["score"] < 1 and first["table_scores"]["contacts"]["score"] < 1
    found = anomalies(stack, first["id"])
    assert {a["table_name"] for a in found.values()} == {"contacts"}
    assert (
        "contacts|note|No_Values" in found and found["contacts|note|No_Values"]["disposition"] == "Confirmed"
    )
    assert stack.api.get(f"/v1/data-quality/table-groups/{group_id}").json()["tables"] == sorted(
        first["tables"]
    )

    scored = [a for a in found.values() if a["dq_prevalence"] is not None]
    assert scored, found
    for anomaly in scored:
        dismissed = stack.api.post(
            f"/v1/data-quality/anomalies/{anomaly['id']}/dismiss", json={"decided_by": "me"}
        )
        assert dismissed.status_code == 200 and dismissed.json()["disposition"] == "Dismissed"
    now = anomalies(stack, first["id"])
    assert {now[a["key"]]["disposition"] for a in scored} == {"Dismissed"}
    rescored = stack.api.get(f"/v1/data-quality/profile-runs/{first['id']}").json()
    assert rescored["table_scores"]["contacts"]["score"] == 1.0 > first["table_scores"]["contacts"]["score"]

    pq.write_table(
        pa.table({"order_id": list(range(ROWS * 2)), "amount": [1.0] * ROWS * 2}), folder / "orders.parquet"
    )
    second = profile(stack, group_id)
    assert second["status"] == "SUCCESS", second
    again = anomalies(stack, second["id"])
    assert {again[a["key"]]["disposition"] for a in scored} == {"Dismissed"}
    assert again["contacts|email|Potential_PII"]["disposition"] == "Confirmed"
    assert second["table_scores"]["contacts"]["score"] == 1.0

    runs = stack.api.get(f"/v1/data-quality/table-groups/{group_id}/profile-runs").json()
    assert [r["id"] for r in runs] == [second["id"], first["id"]]
    changes = stack.api.get(
        "/v1/data-quality/profile-runs/compare", params={"before": first["id"], "after": second["id"]}
    ).json()
    assert changes["tables"]["orders"]["records"] == {"before": ROWS, "after": ROWS * 2, "change": ROWS}
    assert changes["score"]["before"] == rescored["score"] and changes["score"]["after"] == second["score"]
    jobs = [j for j in stack.plane.jobs("local") if j.key.startswith("profile:")]
    assert [j.key for j in jobs] == ["profile:shop"]


def test_a_job_that_crashes_ends_the_run_failed_with_its_reason(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    write_tables(folder)
    (folder / "orders.parquet").write_bytes(b"PAR1 this is not a parquet file")
    group_id = make_group(stack, folder, "broken")

    run = profile(stack, group_id)
    assert run["status"] == "FAILED", run
    assert "orders.parquet" in (run["error"] or ""), run
    assert (
        run["score"] is None
        and stack.api.get(f"/v1/data-quality/profile-runs/{run['id']}/anomalies").json() == []
    )
    assert workspace_run_state(stack, run["id"]) == ("TERMINATED", "FAILED")
    listed = stack.api.get(f"/v1/data-quality/table-groups/{group_id}/profile-runs").json()
    assert [(r["id"], r["status"]) for r in listed] == [(run["id"], "FAILED")]


def workspace_run_state(stack: Stack, attempt_id: str) -> tuple[str, str]:
    """The life-cycle state the workspace ends the attempt's run in (the task process must be gone)."""
    run_id = stack.api.get(f"/v1/runs/{attempt_id}").json()["run_id"]
    client = stack.plane.ctx.client("local")

    def states() -> tuple[str, str]:
        state = client.jobs.get_run(run_id).state
        life_cycle = state.life_cycle_state.value if state and state.life_cycle_state else ""
        return life_cycle, state.result_state.value if state and state.result_state else ""

    return eventually(
        states, lambda seen: seen[0] in {"TERMINATED", "INTERNAL_ERROR", "SKIPPED"}, interval=0.1
    )


def test_bad_input_is_refused_with_the_reason(stack: Stack, tmp_path: Path) -> None:
    api = stack.api
    secret = api.post(
        "/v1/data-quality/connections",
        json={"name": "pg", "kind": "postgresql", "location": "postgresql://u:hunter2@db/x"},
    )
    assert secret.status_code == 422 and "env:NAME" in secret.text and "hunter2" not in secret.text
    unknown = api.post("/v1/data-quality/table-groups", json={"name": "g", "connection": "nope"})
    assert unknown.status_code == 404 and "nope" in unknown.text
    assert api.post("/v1/data-quality/table-groups/999/profile-runs", json={}).status_code == 404
    make_group(stack, tmp_path, "dup")
    duplicate = api.post("/v1/data-quality/table-groups", json={"name": "dup", "connection": "dup-files"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.text


@pytest.fixture
def postgres_source(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Two tables in the test PostgreSQL, its URL only in the environment the workspace's tasks inherit."""
    from sqlalchemy import text

    from lakerun.store.db import make_engine
    from tests.store.databases import _admin_engine
    from tests.support.components import unavailable

    admin = _admin_engine()
    if admin is None:
        unavailable("postgres", "no PostgreSQL server reachable at 127.0.0.1:5432 (db test, trust auth)")
    prefix = f"dq{uuid.uuid4().hex[:8]}"
    url = admin.url.render_as_string(hide_password=False).replace("+psycopg", "")
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {prefix}_people AS SELECT g AS id, 'p' || g AS name FROM generate_series(1, 50) g"
            )
        )
        conn.execute(
            text(
                f"CREATE TABLE {prefix}_empty_col AS SELECT g AS id, NULL::text AS note FROM generate_series(1, 50) g"
            )
        )
    monkeypatch.setenv("LAKERUN_TEST_DQ_PG", url)
    yield prefix
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {prefix}_people, {prefix}_empty_col"))
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_connection_is_profiled_through_an_env_reference(
    postgres_source: str, stack: Stack
) -> None:
    connection = stack.api.post(
        "/v1/data-quality/connections",
        json={"name": "pg", "kind": "postgresql", "location": "env:LAKERUN_TEST_DQ_PG"},
    )
    assert connection.status_code == 201, connection.text
    group = stack.api.post(
        "/v1/data-quality/table-groups",
        json={"name": "pg", "connection": "pg", "include": [f"{postgres_source}_%"]},
    ).json()
    run = profile(stack, group["id"])
    assert run["status"] == "SUCCESS", run
    assert sorted(run["tables"]) == [f"{postgres_source}_empty_col", f"{postgres_source}_people"]
    assert f"{postgres_source}_empty_col|note|No_Values" in anomalies(stack, run["id"])
    job = next(j for j in stack.plane.jobs("local") if j.key == "profile:pg")
    assert "env:LAKERUN_TEST_DQ_PG" in str(job.settings) and "5432" not in str(job.settings)


def test_a_profile_run_can_run_from_the_lakerun_wheel(
    stack: Stack, lakerun_wheel: Path, tmp_path: Path
) -> None:
    write_tables(tmp_path / "shop")
    group_id = make_group(stack, tmp_path / "shop", "wheel")
    started = stack.api.post(
        f"/v1/data-quality/table-groups/{group_id}/profile-runs", json={"wheel": str(lakerun_wheel)}
    )
    assert started.status_code == 201, started.text
    attempt = stack.wait(started.json()["id"], timeout=300)
    run = stack.api.get(f"/v1/data-quality/profile-runs/{attempt['id']}").json()
    assert run["status"] == "SUCCESS", (attempt["error"], attempt["status_message"])
    assert sorted(run["tables"]) == ["contacts", "customers", "orders"]
    job = next(j for j in stack.plane.jobs("local") if j.key == "profile:wheel")
    assert job.settings["tasks"][0]["python_wheel_task"]["entry_point"] == "lakerun-profile"


def test_a_connection_whose_env_reference_is_unset_fails_the_run_naming_it(stack: Stack) -> None:
    created = stack.api.post(
        "/v1/data-quality/connections",
        json={"name": "unset", "kind": "postgresql", "location": "env:LAKERUN_TEST_DQ_NEVER_SET"},
    )
    assert created.status_code == 201, created.text
    group = stack.api.post("/v1/data-quality/table-groups", json={"name": "unset", "connection": "unset"})
    run = profile(stack, group.json()["id"])
    assert run["status"] == "FAILED", run
    assert "LAKERUN_TEST_DQ_NEVER_SET" in (run["error"] or ""), run
