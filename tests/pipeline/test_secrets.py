"""Secret references resolve only when a source is opened: from dbutils in a task, else the environment."""

from __future__ import annotations

import builtins

import pytest

from lakerun.pipeline import commands, secrets
from lakerun.pipeline.errors import ConfigError
from tests.pipeline.conftest import one_layer

pytestmark = pytest.mark.core


def test_environment_fallback_and_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("LAKERUN_SECRET_LAKE_S3_KEY", "value-1")
    assert secrets.resolve("key={{secrets/lake/s3-key}}") == "key=value-1"
    with pytest.raises(ConfigError, match="LAKERUN_SECRET_LAKE_MISSING"):
        secrets.resolve("{{secrets/lake/missing}}")


def test_task_dbutils_is_used_inside_a_task(monkeypatch) -> None:
    class Secrets:
        @staticmethod
        def get(scope: str, key: str) -> str:
            return f"{scope}:{key}"

    class TaskDbutils:
        secrets = Secrets()

    monkeypatch.setattr(builtins, "dbutils", TaskDbutils(), raising=False)
    assert secrets.resolve("{{secrets/vault/token}}") == "vault:token"


def test_resolved_values_never_reach_output(write_config, people, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LAKERUN_SECRET_LAKE_MKDIR", "s3cr3t-value")
    source = {
        "type": "files",
        "path": str(people),
        "format": "parquet",
        "options": {"auto_mkdir": "{{secrets/lake/mkdir}}"},
    }
    path = write_config(one_layer(source))
    assert commands.run(str(path)) == 0
    assert commands.plan(str(path), as_json=True) == 0
    captured = capsys.readouterr()
    assert "s3cr3t-value" not in captured.out + captured.err
    assert '"status": "SUCCESS"' in captured.out
