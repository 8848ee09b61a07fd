"""The agent loop and its doors: validation findings held back as human requests, the CLI, the entry point."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lakerun.cli.main import app
from lakerun.convert.agent import DONE, NEEDS_ATTENTION, AgentRequest, DeterministicAgent
from lakerun.convert.entrypoint import main as convert_main
from lakerun.convert.notebook import HEADER, cells_of
from tests.convert.conftest import FLOWS

SQL_FROM_PARAMETER = {
    "flowContents": {
        "identifier": "root",
        "name": "Tables",
        "parameterContextName": "db",
        "processors": [
            {
                "identifier": "sql",
                "name": "Read table",
                "type": "org.apache.nifi.processors.standard.ExecuteSQL",
                "properties": {
                    "SQL select query": "SELECT * FROM #{table}",
                    "Database Connection Pooling Service": "pool",
                },
            },
            {
                "identifier": "put",
                "name": "Keep",
                "type": "org.apache.nifi.processors.standard.PutFile",
                "properties": {"Directory": "/out"},
            },
        ],
        "connections": [
            {
                "identifier": "c",
                "source": {"id": "sql", "type": "PROCESSOR"},
                "destination": {"id": "put", "type": "PROCESSOR"},
                "selectedRelationships": ["success"],
            }
        ],
        "controllerServices": [
            {
                "identifier": "pool",
                "name": "pool",
                "type": "org.apache.nifi.dbcp.DBCPConnectionPool",
                "properties": {"Database Connection URL": "jdbc:postgresql://db/x"},
            }
        ],
    },
    "parameterContexts": {"db": {"name": "db", "parameters": [{"name": "table", "value": "sales"}]}},
}


def test_a_security_finding_is_held_back_in_the_next_iteration(tmp_path: Path) -> None:
    flow = tmp_path / "tables.json"
    flow.write_text(json.dumps(SQL_FROM_PARAMETER))
    steps: list[str] = []
    result = DeterministicAgent().run(
        AgentRequest("tables", str(flow), str(tmp_path / "out")), lambda f, m, x=None: steps.append(m)
    )
    assert result.status == NEEDS_ATTENTION
    assert len(result.iterations) == 2
    first, second = result.iterations
    assert first["validation"]["percentage"] < 100
    assert "B608" in first["held_back"]["sql"]
    assert second["validation"]["percentage"] == 100.0 == result.validation_percentage
    assert second["counts"]["manual"] == 1
    assert result.human_requests[0]["processor"] == "Read table"
    assert result.coverage == 0.5
    assert "iteration 2: 100.0% of checks passed" in steps


def test_the_agent_writes_notebooks_job_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = DeterministicAgent().run(AgentRequest("orders", str(FLOWS / "orders_template.xml"), str(out)))
    assert result.status == DONE
    assert result.validation_percentage == 100.0
    assert sorted(p.name for p in out.iterdir()) == ["01_orders_routing.py", "conversion.json", "job.json"]
    notebook = (out / "01_orders_routing.py").read_text()
    assert notebook.startswith(HEADER + "\n")
    assert len(cells_of(notebook)) == 10
    report = json.loads((out / "conversion.json").read_text())
    assert report["coverage"] == 1.0
    assert report["counts"] == {"converted": 7, "flagged": 0, "manual": 0, "dropped": 1}


def test_cli_converts_a_flow(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["convert", "nifi", str(FLOWS / "logs_definition.json"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "9 converted, 1 flagged, 3 manual, 3 dropped; coverage 81%" in result.output
    assert "human request 4: Vendor magic (MagicProcessor): no catalogue entry" in result.output
    assert (tmp_path / "01_log_pipeline.py").exists()


def test_cli_refuses_a_broken_flow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"flowContents": ')
    result = CliRunner().invoke(
        app, ["convert", "nifi", str(bad), "--out", str(tmp_path / "o"), "--no-validate"]
    )
    assert result.exit_code == 1
    assert "malformed JSON" in result.output


def test_entry_point_takes_seed_parameters(tmp_path: Path, capsys) -> None:
    code = convert_main(
        [
            "--flow_id=orders",
            f"--nifi_xml_path={FLOWS / 'orders_template.xml'}",
            f"--output_path={tmp_path}",
            "--attempt_id=a-1",
            "--lakerun-attempt-id=a-1",
            "--quiet",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["iterations"] == 1 and printed["validation_percentage"] == 100.0
    assert printed["generated_notebooks"] == [str(tmp_path / "01_orders_routing.py")]


def test_autoloader_setting_streams_file_sources_to_available_now_writes() -> None:
    from lakerun.convert.conversion import convert
    from lakerun.convert.generate import Settings
    from lakerun.convert.reader import read_flow
    from lakerun.convert.validate import validate

    conversion = convert(
        read_flow(FLOWS / "orders_template.xml"), Settings(autoloader=True, volume_root="/Volumes/m/s/v")
    )
    notebook = next(iter(conversion.notebooks.values()))
    assert 'spark.readStream.format("cloudFiles")' in notebook
    assert ".option(\"cloudFiles.format\", 'csv')" in notebook
    assert notebook.count(".trigger(availableNow=True)") == 2
    assert "'checkpoint_root': '/Volumes/m/s/v/checkpoints'" in notebook
    assert validate(conversion.notebooks, conversion.job).failed == 0
