"""The pipeline page: each registered pipeline as a graph of its tables by layer, a trigger per layer, states shown."""

from __future__ import annotations

import re
from pathlib import Path

from lakerun.pipeline.config.loader import load_pipeline
from tests.pipeline.conftest import EXAMPLE
from tests.server.conftest import TERMINAL, Stack, browser_client
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]


def test_tables_show_as_a_graph_and_layers_run_from_the_page(stack: Stack, tmp_path: Path) -> None:
    client = browser_client(stack)
    assert "No pipeline registered" in client.get("/pipelines").text
    body = {
        "config_path": str(EXAMPLE / "pipeline.yml"),
        "wheel": str(tmp_path / "missing.whl"),
        "vars": {"data_root": str(tmp_path)},
    }
    assert stack.api.post("/v1/pipelines", json=body).status_code == 201
    page = client.get("/pipelines").text
    assert re.findall(r'class="layer" data-layer="(\w+)"', page) == ["raw", "bronze", "silver", "gold"]
    assert page.count("Never run.") == 4
    config = load_pipeline(str(EXAMPLE / "pipeline.yml"), {"data_root": str(tmp_path)}).config
    nodes = dict(re.findall(r'data-table="(\w+)" data-layer="\w+" data-status="(\w+)"', page))
    assert set(nodes) == set(config.ordered_tables()) and len(nodes) == 13
    assert set(nodes.values()) == {"NEVER"}
    edges = set(re.findall(r'data-from="(\w+)" data-to="(\w+)"', page))
    assert edges == {(up, name) for name in config.ordered_tables() for up in config.graph.upstream[name]}
    response = client.post("/pipelines/pet_claims/trigger", data={"layer": "bronze"})
    assert response.status_code == 303 and response.headers["location"] == "/pipelines#pipeline-pet_claims"
    history = stack.api.get("/v1/subjects/pipeline_layer/pet_claims:bronze/history").json()
    attempt = stack.wait(history["attempts"][0]["id"])
    assert attempt["status"] in TERMINAL and attempt["triggered_by"] == "dashboard"
    assert {t["task_key"] for t in attempt["tasks"]} == {"raw", "bronze"}, "raw was never written: stale"
    chain = client.get("/ui/pipelines").text
    bronze = chain[
        chain.index('class="layer" data-layer="bronze"') : chain.index('class="layer" data-layer="silver"')
    ]
    assert f'data-status="{attempt["status"]}"' in bronze and attempt["id"] in bronze
    assert chain.count("Never run.") == 2
    states = dict(re.findall(r'data-table="(\w+)" data-layer="\w+" data-status="(\w+)"', chain))
    assert (
        states["claims"] != "NEVER"
        and states["raw_claims"] != "NEVER"
        and states["claims_enriched"] == "NEVER"
    )


def test_an_unknown_layer_is_named_and_nothing_starts(stack: Stack, tmp_path: Path) -> None:
    body = {"config_path": str(EXAMPLE / "pipeline.yml"), "vars": {"data_root": str(tmp_path)}}
    assert stack.api.post("/v1/pipelines", json=body).status_code == 201
    response = browser_client(stack).post(
        "/pipelines/pet_claims/trigger", data={"layer": "platinum"}, follow_redirects=True
    )
    assert "layer `platinum` is not in this pipeline" in response.text
    assert stack.api.get("/v1/runs").json()["total"] == 0


def test_a_config_kept_in_the_workspace_is_read_through_its_file_apis(stack: Stack, tmp_path: Path) -> None:
    import io

    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.workspace import ImportFormat

    workspace = WorkspaceClient(host=stack.workspace.url, token=stack.workspace.token)
    text = (EXAMPLE / "pipeline.yml").read_bytes()
    workspace.dbfs.upload("/pipelines/pet_claims.yml", io.BytesIO(text), overwrite=True)
    workspace.files.upload("/Volumes/main/default/conf/pet_claims.yml", io.BytesIO(text), overwrite=True)
    workspace.workspace.mkdirs("/Users/etl")
    workspace.workspace.upload(
        "/Users/etl/pet_claims.yml", io.BytesIO(text), format=ImportFormat.AUTO, overwrite=True
    )
    config = load_pipeline(str(EXAMPLE / "pipeline.yml"), {"data_root": str(tmp_path)}).config
    expected = {(up, name) for name in config.ordered_tables() for up in config.graph.upstream[name]}
    client = browser_client(stack)
    for remote in (
        "dbfs:/pipelines/pet_claims.yml",
        "/Volumes/main/default/conf/pet_claims.yml",
        "/Workspace/Users/etl/pet_claims.yml",
    ):
        body = {
            "config_path": str(EXAMPLE / "pipeline.yml"),
            "task_config_path": remote,
            "vars": {"data_root": str(tmp_path)},
        }
        assert stack.api.post("/v1/pipelines", json=body).status_code in (200, 201)
        page = client.get("/pipelines").text
        assert "not readable from the control plane" not in page, remote
        assert set(re.findall(r'data-from="(\w+)" data-to="(\w+)"', page)) == expected, remote
    body = {**body, "task_config_path": "dbfs:/pipelines/missing.yml"}
    assert stack.api.post("/v1/pipelines", json=body).status_code in (200, 201)
    page = client.get("/pipelines").text
    assert "not readable from the control plane" in page
    assert not re.findall(r'data-from="(\w+)" data-to="(\w+)"', page)
