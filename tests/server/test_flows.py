"""NiFi flows through the API: inventory, conversions as attempts with live figures, history, files, stop."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.convert.conftest import FLOWS
from tests.server.conftest import Stack


def _inventory(tmp_path: Path) -> Path:
    folder = tmp_path / "nifi"
    folder.mkdir()
    shutil.copy(FLOWS / "orders_template.xml", folder / "orders.xml")
    shutil.copy(FLOWS / "logs_definition.json", folder / "logs.json")
    (folder / "broken.xml").write_text("<template><snippet>")
    (folder / "notes.txt").write_text("not a flow")
    return folder


def _by_id(flows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {flow["id"]: flow for flow in flows}


def test_inventory_conversions_history_and_files(stack: Stack, tmp_path: Path) -> None:
    loaded = stack.api.post("/v1/flows/load", json={"folder": str(_inventory(tmp_path))})
    assert loaded.status_code == 200, loaded.text
    flows = _by_id(loaded.json())
    assert sorted(flows) == ["broken", "logs", "orders"]
    assert flows["orders"]["status"] == "NOT_STARTED"
    assert (flows["orders"]["processors"], flows["orders"]["source_format"]) == (8, "nifi-template")
    assert flows["broken"]["status"] == "NEEDS_ATTENTION"
    assert "malformed XML" in flows["broken"]["load_error"]

    patched = stack.api.patch("/v1/flows/orders", json={"priority": "high", "owner": "ana"}).json()
    assert (patched["priority"], patched["owner"]) == ("high", "ana")

    started = stack.api.post("/v1/flows/conversions", json={"flow_ids": ["orders", "logs", "broken"]})
    assert started.status_code == 201, started.text
    body = started.json()
    assert "cannot be converted" in body["errors"]["broken"]
    attempts = {a["subject"]["key"]: a for a in body["attempts"]}
    assert sorted(attempts) == ["logs", "orders"]
    assert all(
        a["subject"]["kind"] == "nifi_flow" and a["strategy"] == "job_per_attempt" for a in attempts.values()
    )

    finished = {key: stack.wait(a["id"], timeout=180) for key, a in attempts.items()}
    orders, logs = finished["orders"], finished["logs"]
    assert orders["status"] == "SUCCESS", orders
    assert orders["result"]["status"] == "DONE"
    assert orders["result"]["iterations"] == 1
    assert orders["result"]["validation_percentage"] == 100.0
    assert orders["result"]["coverage"] == 1.0
    assert logs["result"]["status"] == "NEEDS_ATTENTION"
    assert len(logs["result"]["human_requests"]) == 4

    flows = _by_id(stack.api.get("/v1/flows").json())
    assert (flows["orders"]["status"], flows["logs"]["status"]) == ("DONE", "NEEDS_ATTENTION")
    assert flows["orders"]["successful_conversions"] == 1 and flows["logs"]["successful_conversions"] == 0

    attempt_id = orders["id"]
    files = stack.api.get(f"/v1/flows/orders/attempts/{attempt_id}/files").json()
    assert files == ["01_orders_routing.py"]
    notebook = stack.api.get(f"/v1/flows/orders/attempts/{attempt_id}/files/01_orders_routing.py")
    assert notebook.text.startswith("# Databricks notebook source")
    assert "attachment" in notebook.headers["content-disposition"]
    assert (tmp_path / "converted" / "orders" / attempt_id / "job.json").exists()

    again = stack.api.post("/v1/flows/orders/conversions")
    assert again.status_code == 201
    second = stack.wait(again.json()["id"], timeout=180)
    detail = stack.api.get("/v1/flows/orders").json()
    assert [a["attempt_number"] for a in detail["history"]] == [2, 1]
    assert second["status"] == "SUCCESS" and detail["attempts"] == 2 and detail["successful_conversions"] == 2


def test_bad_requests_are_named(stack: Stack, tmp_path: Path) -> None:
    stack.api.post("/v1/flows/load", json={"folder": str(_inventory(tmp_path))})
    assert stack.api.post("/v1/flows/load", json={"folder": str(tmp_path / "nope")}).status_code == 422
    assert stack.api.post("/v1/flows/ghost/conversions").status_code == 404
    broken = stack.api.post("/v1/flows/broken/conversions")
    assert broken.status_code == 422 and "malformed XML" in broken.json()["detail"]
    assert stack.api.post("/v1/flows/orders/stop").json()["detail"] == "flow orders has no conversion running"
    assert stack.api.patch("/v1/flows/orders", json={"priority": "urgent"}).status_code == 422
    assert stack.api.get("/v1/flows/orders/attempts/x/files/..%2Fsecret.py").status_code in (404, 422)
    assert stack.api.get("/v1/flows").status_code == 200
    assert stack.api.get("/v1/flows", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_dashboard_flows_pages(stack: Stack, tmp_path: Path) -> None:
    from tests.server.conftest import browser_client

    folder = _inventory(tmp_path)
    browser = browser_client(stack)
    try:
        loaded = browser.post("/flows/load", data={"folder": str(folder)}, follow_redirects=True)
        assert "Loaded 3 flows" in loaded.text
        assert 'data-flow="orders" data-status="NOT_STARTED"' in loaded.text
        assert 'data-flow="broken" data-status="NEEDS_ATTENTION"' in loaded.text
        started = browser.post("/flows/start", data={"flow_ids": ["orders", "broken"]}, follow_redirects=True)
        assert "Started 1 conversion(s). Not started: broken: flow broken cannot be converted" in started.text
        attempt = stack.api.get("/v1/flows/orders").json()["current_attempt"]
        stack.wait(attempt["id"], timeout=180)
        page = browser.get("/flows/orders")
        assert 'data-status="SUCCESS"' in page.text and "100.0%" in page.text
        assert f"/flows/orders/attempts/{attempt['id']}/files/01_orders_routing.py" in page.text
        notebook = browser.get(f"/flows/orders/attempts/{attempt['id']}/files/01_orders_routing.py")
        assert "# Processor: Big orders (QueryRecord)" in notebook.text
        stopped = browser.post("/flows/orders/stop", follow_redirects=True)
        assert "has no conversion running" in stopped.text
        assert browser.get("/flows/ghost").status_code == 404
        edited = browser.post(
            "/flows/orders/edit", data={"priority": "critical", "owner": "ops"}, follow_redirects=True
        )
        assert "Saved" in edited.text and "priority critical · owner ops" in edited.text
    finally:
        browser.close()


def test_cli_flows(stack: Stack, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lakerun.cli.main import app

    runner = CliRunner()
    connection = ["--url", stack.server.url, "--token", stack.token]

    def cli(*args: str) -> Any:
        return runner.invoke(app, ["convert", "flows", *connection, *args])

    loaded = cli("load", str(_inventory(tmp_path)))
    assert loaded.exit_code == 0, loaded.output
    assert "orders" in loaded.output and "NOT_STARTED" in loaded.output
    started = cli("start", "orders", "broken")
    assert started.exit_code == 1
    assert "broken: not started: flow broken cannot be converted" in started.output
    attempt_id = started.output.split("attempt ")[1].split()[0]
    stack.wait(attempt_id, timeout=180)
    history = cli("history", "orders")
    assert "SUCCESS" in history.output and "validation 100.0%" in history.output
    assert cli("files", "orders", attempt_id).output.strip() == "01_orders_routing.py"
    assert cli("files", "orders", attempt_id, "job.json").output.startswith("{")
    assert "orders" in cli("set", "orders", "--priority", "low", "--owner", "bo").output
    assert stack.api.get("/v1/flows/orders").json()["owner"] == "bo"
    stopped = cli("stop", "orders")
    assert stopped.exit_code == 1 and "has no conversion running" in stopped.output


def test_conversion_task_carries_seed_parameters_and_the_wheel_when_given() -> None:
    from lakerun.control.flows import conversion_request
    from lakerun.store.flows import FlowRow

    row = FlowRow(
        id="orders",
        name="Orders",
        source_path="/x/orders.xml",
        task_path="/Volumes/main/nifi/flows/orders.xml",
        output_root="/Volumes/main/nifi/out",
        workspace_name="prod",
        wheel="/Volumes/main/libs/lakerun.whl",
    )
    request = conversion_request(row, "tests")
    (task,) = request.tasks
    assert task["python_wheel_task"]["entry_point"] == "lakerun-convert"
    assert task["python_wheel_task"]["named_parameters"] == {
        "flow_id": "orders",
        "nifi_xml_path": "/Volumes/main/nifi/flows/orders.xml",
        "output_path": "/Volumes/main/nifi/out/orders",
        "output_per_attempt": "true",
    }
    assert task["libraries"] == [{"whl": "/Volumes/main/libs/lakerun.whl"}]
    assert (request.subject_kind, request.strategy, request.workspace) == (
        "nifi_flow",
        "job_per_attempt",
        "prod",
    )


def test_a_flow_broken_after_loading_ends_its_attempt_with_the_reason(stack: Stack, tmp_path: Path) -> None:
    folder = _inventory(tmp_path)
    stack.api.post("/v1/flows/load", json={"folder": str(folder)})
    (folder / "orders.xml").write_text("<template><snippet><processors>")
    attempt = stack.api.post("/v1/flows/orders/conversions").json()
    finished = stack.wait(attempt["id"], timeout=180)
    assert finished["status"] == "FAILED"
    assert "orders.xml: malformed XML" in finished["error"]
    assert _by_id(stack.api.get("/v1/flows").json())["orders"]["status"] == "NEEDS_ATTENTION"
