"""Registering a workspace through the API cannot make the server send its own or any other secret away:
references are limited to the operator's allow-list, the server's own key never leaves, hosts can be limited."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lakerun.local.server import free_port
from tests.server.conftest import Stack, running_stack

pytestmark = pytest.mark.slow


class Catcher(BaseHTTPRequestHandler):
    """A host an attacker controls: records every Authorization header it receives."""

    received: list[str] = []

    def do_GET(self) -> None:
        Catcher.received.append(self.headers.get("Authorization") or "")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[str]:
    Catcher.received = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Catcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def guarded(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """A stack whose operator allows only `env:DATABRICKS_*` and files under `<tmp>/secrets/`."""
    (tmp_path / "secrets").mkdir()
    allowed = ["env:DATABRICKS_*", f"file:{tmp_path.resolve()}/secrets/*", "file:*server.key"]
    home = tmp_path / "home"
    with running_stack(
        database_url, home, local_workspace, monkeypatch, secret_refs_allowed=allowed
    ) as built:
        yield built


def register(stack: Stack, host: str, token_ref: str, name: str = "target") -> Any:
    return stack.api.post("/v1/workspaces", json={"name": name, "host": host, "token_ref": token_ref})


def test_references_outside_the_allow_list_are_refused_and_nothing_is_sent(
    guarded: Stack, attacker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKERUN_TEST_LOCAL_TOKEN", guarded.workspace.token)
    home = guarded.plane.ctx.settings.home
    home.mkdir(parents=True, exist_ok=True)
    (home / "server.key").write_text("forges-every-callback")
    for ref, says in (
        ("env:LAKERUN_TEST_LOCAL_TOKEN", "secret_refs_allowed"),
        ("env:HOME", "secret_refs_allowed"),
        ("file:/etc/passwd", "secret_refs_allowed"),
        (f"file:{tmp_path}/secrets/../home/server.key", "own secret"),
        (f"file:{home}/server.key", "own secret"),
        ("env:LAKERUN_SERVER_KEY", "own secret"),
        ("dapi-in-clear", "env:NAME"),
    ):
        refused = register(guarded, attacker, ref)
        assert refused.status_code == 422, (ref, refused.text)
        assert "token_ref" in refused.text and says in refused.text, refused.text
    assert [w["name"] for w in guarded.api.get("/v1/workspaces").json()] == ["local"]
    assert Catcher.received == []


def test_allowed_references_register_and_are_used(
    guarded: Stack, attacker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_TARGET_TOKEN", "dapi-allowed-one")
    (tmp_path / "secrets" / "pat").write_text("dapi-from-file")
    assert register(guarded, attacker, "env:DATABRICKS_TARGET_TOKEN").status_code == 201
    assert register(guarded, attacker, f"file:{tmp_path}/secrets/pat", name="filed").status_code == 201
    guarded.api.get("/v1/workspaces")
    assert {"Bearer dapi-allowed-one", "Bearer dapi-from-file"} <= set(Catcher.received)


def test_onboarding_refuses_a_credential_reference_outside_the_allow_list(guarded: Stack) -> None:
    body = {"cluster_id": "local", "wheel": "x.whl", "platform_credential_ref": "file:/etc/hostname"}
    refused = guarded.api.post("/v1/workspaces/local/onboard", json=body)
    assert refused.status_code == 422 and "platform_credential_ref" in refused.text


def test_hosts_outside_the_operator_list_are_refused(
    database_url: str, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch, attacker: str
) -> None:
    monkeypatch.setenv("DATABRICKS_TARGET_TOKEN", "dapi-allowed-one")
    overrides = {
        "secret_refs_allowed": ["env:DATABRICKS_*"],
        "workspace_hosts_allowed": ["https://*.example.com"],
    }
    with running_stack(database_url, tmp_path / "home", local_workspace, monkeypatch, **overrides) as stack:
        refused = register(stack, attacker, "env:DATABRICKS_TARGET_TOKEN")
        assert refused.status_code == 422 and "workspace_hosts_allowed" in refused.text
        stack.api.get("/v1/workspaces")
    assert Catcher.received == []


@pytest.mark.parametrize("disguise", ["/x.example.com", "?.example.com", "#.example.com", "/@a.example.com"])
def test_a_host_disguised_to_match_the_operator_list_is_refused(
    database_url: str,
    tmp_path: Path,
    local_workspace: Any,
    monkeypatch: pytest.MonkeyPatch,
    attacker: str,
    disguise: str,
) -> None:
    """`http://*.example.com` admits hosts under example.com only: a path, query, fragment or user part that
    ends the way the pattern does leaves the request going to the attacker's host, so it is refused."""
    monkeypatch.setenv("DATABRICKS_TARGET_TOKEN", "dapi-allowed-one")
    overrides = {
        "secret_refs_allowed": ["env:DATABRICKS_*"],
        "workspace_hosts_allowed": ["http://*.example.com"],
    }
    with running_stack(database_url, tmp_path / "home", local_workspace, monkeypatch, **overrides) as stack:
        refused = register(stack, attacker + disguise, "env:DATABRICKS_TARGET_TOKEN")
        assert refused.status_code == 422, refused.text
        stack.api.get("/v1/workspaces")
    assert Catcher.received == []


@pytest.mark.parametrize(
    "host", ["http://x\u0000y", "http:// evil", "http://", "https://user:pw@host.example.com"]
)
def test_a_malformed_host_is_a_422(stack: Stack, host: str) -> None:
    refused = register(stack, host, "env:LAKERUN_TEST_LOCAL_TOKEN", name="malformed")
    assert refused.status_code == 422, refused.text
    assert "host" in refused.text
