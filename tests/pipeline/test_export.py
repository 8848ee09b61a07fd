"""Job JSON and bundle export: a task per table (or layer) mirroring the graph, calling our real entry point."""

from __future__ import annotations

import json
from importlib.metadata import distribution

import yaml
from databricks.sdk.service import jobs
from typer.testing import CliRunner

from lakerun.cli.main import app
from tests.pipeline.conftest import EXAMPLE


def export(*extra: str) -> str:
    args = [
        "pipeline",
        "export",
        "-c",
        str(EXAMPLE / "pipeline.yml"),
        "--wheel",
        "dbfs:/libs/lakerun.whl",
        *extra,
    ]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


def test_jobs_json_has_one_wheel_task_per_table_mirroring_the_graph() -> None:
    body = json.loads(export("--config-path", "dbfs:/cfg/pipeline.yml", "--vars", "data_root=/data"))
    settings = jobs.JobSettings.from_dict(body)
    tasks = {t.task_key: t for t in settings.tasks or []}
    assert len(tasks) == 13 and list(tasks)[:4] == [
        "raw_claims",
        "raw_customers",
        "raw_pets",
        "raw_providers",
    ]
    depends = {key: sorted(d.task_key for d in t.depends_on or []) for key, t in tasks.items()}
    assert depends["raw_claims"] == [] and depends["claims"] == ["raw_claims"]
    assert depends["claims_enriched"] == ["claims_latest", "customers", "pets", "providers"]
    assert depends["customer_value"] == ["claims_enriched"]
    enriched = tasks["claims_enriched"]
    assert enriched.python_wheel_task is not None
    assert enriched.python_wheel_task.parameters == [
        "--table", "claims_enriched", "--config", "dbfs:/cfg/pipeline.yml", "--vars", "data_root=/data",
    ]  # fmt: skip
    assert [lib.whl for lib in enriched.libraries or []] == ["dbfs:/libs/lakerun.whl"]


def test_jobs_json_by_layer_has_a_task_per_layer() -> None:
    body = json.loads(export("--task-per", "layer"))
    depends = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in body["tasks"]}
    assert depends == {"raw": [], "bronze": ["raw"], "silver": ["bronze"], "gold": ["silver"]}
    assert body["tasks"][1]["python_wheel_task"]["parameters"][:2] == ["--layer", "bronze"]


def test_exporting_some_tables_keeps_only_their_dependencies() -> None:
    body = json.loads(export("--table", "claims_latest", "--table", "claims_enriched"))
    depends = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in body["tasks"]}
    assert depends == {"claims_latest": [], "claims_enriched": ["claims_latest"]}


def test_the_exported_entry_point_exists_in_our_distribution() -> None:
    task = json.loads(export())["tasks"][0]["python_wheel_task"]
    scripts = {ep.name: ep.value for ep in distribution(task["package_name"]).entry_points}
    assert scripts[task["entry_point"]] == "lakerun.pipeline.entrypoint:main"


def test_a_job_cluster_is_shared_by_every_task() -> None:
    body = json.loads(export("--node-type-id", "i3.xlarge", "--workers", "2"))
    assert body["job_clusters"][0]["new_cluster"]["node_type_id"] == "i3.xlarge"
    assert {t["job_cluster_key"] for t in body["tasks"]} == {body["job_clusters"][0]["job_cluster_key"]}


def test_bundle_declares_the_same_job() -> None:
    bundle = yaml.safe_load(export("--format", "bundle"))
    job = bundle["resources"]["jobs"]["pet_claims"]
    assert bundle["bundle"]["name"] == "pet_claims"
    assert job == json.loads(export())


def test_export_writes_a_file_and_refuses_unknown_formats(tmp_path) -> None:
    out = tmp_path / "databricks.yml"
    args = ["pipeline", "export", "-c", str(EXAMPLE / "pipeline.yml"), "--format", "bundle", "-o", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert yaml.safe_load(out.read_text())["bundle"]["name"] == "pet_claims"
    refused = CliRunner().invoke(
        app, ["pipeline", "export", "-c", str(EXAMPLE / "pipeline.yml"), "--format", "xml"]
    )
    assert refused.exit_code == 2 and "jobs-json or bundle" in refused.output
