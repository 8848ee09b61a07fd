"""The one secret-reference syntax: every spelling resolves, and every failure names the reference, never a value."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from lakerun.runtime import dbutils as runtime_dbutils
from lakerun.runtime import secrets

pytestmark = pytest.mark.core


class TaskDbutils:
    """What a task's global `dbutils` offers for secrets: `secrets.get(scope=, key=)`."""

    def __init__(self, values: dict[tuple[str, str], str]) -> None:
        self.values = values
        self.secrets = self

    def get(self, scope: str, key: str) -> str:
        if (scope, key) not in self.values:
            raise KeyError("Secret does not exist")
        return self.values[scope, key]


@pytest.fixture
def no_dbutils(monkeypatch) -> None:
    """Outside any workspace task: no global `dbutils`, and nothing the SDK's runtime one could reach."""
    monkeypatch.delattr(builtins, "dbutils", raising=False)
    for name in runtime_dbutils.WORKSPACE_MARKERS:
        monkeypatch.delenv(name, raising=False)


def test_env_and_file_references(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOOK_KEY", "from-env")
    (tmp_path / "key").write_text("  from-file\n")
    assert secrets.resolve("env:HOOK_KEY") == "from-env"
    assert secrets.resolve(f"file:{tmp_path / 'key'}") == "from-file"


def test_scope_references_read_the_tasks_dbutils(monkeypatch) -> None:
    monkeypatch.setattr(builtins, "dbutils", TaskDbutils({("vault", "token"): "v-1"}), raising=False)
    assert secrets.resolve("secret:vault/token") == "v-1"
    assert secrets.resolve("{{secrets/vault/token}}") == "v-1"
    assert secrets.resolve("{{ secrets/vault/token }}") == "v-1"
    assert secrets.resolve_placeholders("user:{{secrets/vault/token}}@host") == "user:v-1@host"


def test_a_scope_key_outside_a_task_comes_from_its_stand_in_variable(monkeypatch, no_dbutils) -> None:
    monkeypatch.setenv("LAKERUN_SECRET_LAKE_S3_KEY", "stand-in")
    assert secrets.resolve("secret:lake/s3-key") == "stand-in"
    with pytest.raises(secrets.SecretReferenceError, match="set LAKERUN_SECRET_LAKE_MISSING"):
        secrets.resolve("{{secrets/lake/missing}}")


def test_an_unreadable_scope_key_is_an_error_naming_it(monkeypatch) -> None:
    monkeypatch.setattr(builtins, "dbutils", TaskDbutils({}), raising=False)
    with pytest.raises(secrets.SecretReferenceError, match="secret vault/absent could not be read"):
        secrets.resolve("secret:vault/absent")


@pytest.mark.parametrize(
    "ref", ["", "plain-value", "env:", "vault:x", "secret:no-key", "secret:a/b/c", "{{secrets/only-scope}}"]
)
def test_malformed_references_show_the_syntax(ref: str) -> None:
    with pytest.raises(
        secrets.SecretReferenceError, match="must look like env:NAME, file:/path, secret:scope/key"
    ):
        secrets.resolve(ref)


def test_missing_sources_name_the_reference_not_a_value(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(
        secrets.SecretReferenceError, match="environment variable NOT_SET_ANYWHERE is not set"
    ):
        secrets.resolve("env:NOT_SET_ANYWHERE")
    with pytest.raises(secrets.SecretReferenceError, match="cannot read the file"):
        secrets.resolve(f"file:{tmp_path / 'absent'}")


def test_a_field_taking_a_value_or_a_reference(monkeypatch) -> None:
    monkeypatch.setenv("DB_URL", "postgresql://u:p@h/db")
    assert secrets.resolve_value("env:DB_URL") == "postgresql://u:p@h/db"
    assert secrets.resolve_value("/data/folder") == "/data/folder"
    assert secrets.resolve_value("file:///data/folder") == "file:///data/folder"
    assert secrets.resolve_value("duckdb:///x.db") == "duckdb:///x.db"


def test_parse_exposes_kind_and_target_for_policies() -> None:
    assert secrets.parse("env:X") == secrets.SecretReference("env", "X")
    assert secrets.parse("{{secrets/a/b}}").scope_key == ("a", "b")
    assert secrets.parse("file:/run/secrets/k").where == "/run/secrets/k"
