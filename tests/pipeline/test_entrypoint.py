"""`lakerun-layer` as a real process, in both of its spellings, and `lakerun pipeline` through its CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakerun.cli.main import app
from lakerun.pipeline import commands, entrypoint
from tests.pipeline.conftest import one_layer

pytestmark = pytest.mark.slow  # runs the installed lakerun-layer command

LAYER_SCRIPT = Path(sys.executable).with_name("lakerun-layer")


def config(write_config, people) -> Path:
    return write_config(one_layer({"type": "files", "path": str(people), "format": "parquet"}))


def run_layer(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LAYER_SCRIPT), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_run_layer_positional_form(write_config, people) -> None:
    done = run_layer("run", "raw", "-c", str(config(write_config, people)), "--quiet")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["layer"], result["status"], result["rows_out"], result["table_version"]) == (
        "raw",
        "SUCCESS",
        6,
        0,
    )
    assert result["config_hash"] and result["lakerun_version"]


def test_run_layer_job_json_form_ignores_callback_arguments(write_config, people) -> None:
    path = config(write_config, people)
    done = run_layer("--layer", "raw", "--config", str(path), "--lakerun-attempt-id=abc", "--quiet")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "SUCCESS"


def test_a_bad_config_exits_non_zero_naming_the_problem(write_config, people) -> None:
    document = one_layer({"type": "files", "path": str(people), "format": "parquet"})
    document["layers"]["raw"]["sink"]["modee"] = "x"
    done = run_layer("run", "raw", "-c", str(write_config(document)))
    assert done.returncode == 1 and "layers.raw.sink.modee" in done.stderr


def test_an_unknown_layer_exits_non_zero(write_config, people) -> None:
    done = run_layer("--layer", "gold", "--config", str(config(write_config, people)))
    assert done.returncode == 1 and "unknown table or layer gold" in done.stderr


def test_cli_validate_plan_and_schema(write_config, people) -> None:
    path = str(config(write_config, people))
    cli = CliRunner()
    validated = cli.invoke(app, ["pipeline", "validate", "-c", path])
    assert validated.exit_code == 0 and "valid pipeline `t`" in validated.output
    planned = cli.invoke(app, ["pipeline", "plan", "-c", path, "--json"])
    assert planned.exit_code == 0 and json.loads(planned.output)["tables"][0]["layer"] == "raw"
    schema = cli.invoke(app, ["pipeline", "schema"])
    assert json.loads(schema.output)["title"] == "lakerun pipeline"


def test_cli_run_writes_tables(write_config, people) -> None:
    path = config(write_config, people)
    outcome = CliRunner().invoke(app, ["pipeline", "run", "-c", str(path), "--quiet"])
    assert outcome.exit_code == 0, outcome.output
    assert (path.parent / "wh" / "main" / "test" / "out" / "_delta_log").is_dir()


def test_an_unexpected_error_ends_the_layer_with_1_naming_it(
    write_config, people, monkeypatch, capsys
) -> None:
    def broken(*_: object, **__: object) -> int:
        raise KeyError("bronze")

    monkeypatch.setattr(commands, "run", broken)
    assert entrypoint.main(["run", "raw", "-c", str(config(write_config, people))]) == 1
    stderr = capsys.readouterr().err
    assert "lakerun-layer: unexpected error (KeyError): 'bronze'" in stderr and "Traceback" in stderr
