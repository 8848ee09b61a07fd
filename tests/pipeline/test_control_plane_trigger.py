"""Layer triggers through the control plane: register the pipeline's job, run one layer, then all."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.engines.delta_io import open_table
from tests.pipeline.conftest import EXAMPLE, load_generator
from tests.server.conftest import Stack
from tests.server.sqlite_only import sqlite_only_stack, sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]
pytestmark = pytest.mark.slow


def layer_metrics(run: dict) -> dict[str, dict]:
    """The figures each table reported through its signed callbacks, by table name."""
    return {
        e["payload"]["value"]["name"]: e["payload"]["value"]
        for e in run["events"]
        if e["kind"] == "metric" and e["payload"].get("name") == "pipeline_layer"
    }


def test_layers_are_triggered_and_report_through_callbacks(
    stack: Stack, lakerun_wheel: Path, tmp_path: Path
) -> None:
    load_generator().main(["--rows", "300", "--files", "1", "--out", str(tmp_path / "data" / "raw")])
    registered = stack.api.post(
        "/v1/pipelines",
        json={
            "config_path": str(EXAMPLE / "pipeline.yml"),
            "wheel": str(lakerun_wheel),
            "vars": {"data_root": str(tmp_path / "data")},
        },
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["layers"] == ["raw", "bronze", "silver", "gold"]

    raw = stack.wait(
        stack.api.post("/v1/pipelines/pet_claims/trigger", json={"layer": "raw"}).json()["id"], timeout=300
    )
    assert raw["status"] == "SUCCESS", raw
    assert raw["subject"] == {"kind": "pipeline_layer", "key": "pet_claims:raw"}
    assert [t["task_key"] for t in raw["tasks"]] == ["raw"]
    assert (raw["strategy"], raw["job_key"]) == ("shared_job", "pipeline:pet_claims")
    assert layer_metrics(raw)["raw_claims"]["rows_out"] > 300

    bronze = stack.wait(
        stack.api.post("/v1/pipelines/pet_claims/trigger", json={"layer": "bronze"}).json()["id"], timeout=300
    )
    assert bronze["status"] == "SUCCESS", bronze
    figures = layer_metrics(bronze)["claims"]
    assert (
        figures["rows_in"] == layer_metrics(raw)["raw_claims"]["rows_out"] and figures["rows_quarantined"] > 0
    )
    assert set(layer_metrics(bronze)) == {"claims", "customers", "pets", "providers"}
    assert open_table(str(tmp_path / "data" / "warehouse" / "main" / "bronze" / "claims")) is not None


def test_unknown_pipelines_and_layers_are_refused(stack: Stack, tmp_path: Path) -> None:
    assert stack.api.post("/v1/pipelines/nope/trigger", json={"layer": "gold"}).status_code == 404
    assert stack.api.post("/v1/pipelines/nope/trigger", json={"layer": "gold; drop"}).status_code == 422
    body = {"config_path": str(EXAMPLE / "pipeline.yml"), "vars": {"data_root": str(tmp_path)}}
    assert stack.api.post("/v1/pipelines", json=body).status_code == 201
    platinum = stack.api.post("/v1/pipelines/pet_claims/trigger", json={"layer": "platinum"})
    assert platinum.status_code == 422 and "layer `platinum` is not in this pipeline" in platinum.text
    assert stack.api.get("/v1/runs").json()["total"] == 0
    bad = stack.api.post("/v1/pipelines", json={"config_path": "/does/not/exist.yml"})
    assert bad.status_code == 422 and "config file not found" in bad.text


def test_a_layer_trigger_runs_the_upstream_layers_only_when_they_are_stale(
    stack: Stack, lakerun_wheel: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    load_generator().main(["--rows", "300", "--files", "1", "--out", str(data / "raw")])
    body = {
        "config_path": str(EXAMPLE / "pipeline.yml"),
        "wheel": str(lakerun_wheel),
        "vars": {"data_root": str(data)},
    }
    assert stack.api.post("/v1/pipelines", json=body).status_code == 201

    def trigger(layer: str) -> dict:
        started = stack.api.post("/v1/pipelines/pet_claims/trigger", json={"layer": layer})
        assert started.status_code == 201, started.text
        run = stack.wait(started.json()["id"], timeout=600)
        assert run["status"] == "SUCCESS", run
        return run

    trigger("all")
    fresh = trigger("gold")
    assert [t["task_key"] for t in fresh["tasks"]] == ["gold"]
    assert all(m["skipped"] for m in layer_metrics(fresh).values())

    claims = sorted((data / "raw" / "claims").glob("*.csv"))[0]
    (claims.parent / "late_arrivals.csv").write_bytes(claims.read_bytes())
    stale = trigger("silver")
    assert {t["task_key"] for t in stale["tasks"]} == {"raw", "bronze", "silver"}
    figures = layer_metrics(stale)
    assert not figures["raw_claims"]["skipped"] and figures["raw_customers"]["skipped"]
    assert not figures["claims"]["skipped"] and figures["claims"]["rows_in"] == 0, (
        "no row above the watermark"
    )
    assert figures["claims_enriched"]["skipped"], "nothing new reached silver, so it read nothing"
    assert "claims_monthly" not in figures, "gold is downstream of the trigger, not upstream"
