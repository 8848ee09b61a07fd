"""API tokens: scopes on the API, dashboard and WebSockets; expiry; revocation that closes open connections;
`lakerun tokens` on the control plane's database; the headless admin token and its rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from lakerun.cli.main import app
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import ADMIN_TOKEN_ENV
from tests.server.conftest import Stack, python_task
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


def tokens_cli(stack: Stack, *args: str) -> Any:
    env = {"LAKERUN_DATABASE_URL": stack.plane.ctx.settings.resolved_database_url()}
    return CliRunner().invoke(app, ["tokens", *args], env=env)


def create_token(stack: Stack, name: str, scope: str, **extra: str) -> str:
    response = stack.api.post("/v1/tokens", json={"name": name, "scope": scope, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def client_for(stack: Stack, token: str) -> httpx.Client:
    return httpx.Client(base_url=stack.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_each_scope_does_what_it_names_and_no_more(stack: Stack) -> None:
    reader = client_for(stack, create_token(stack, "dashboards", "read"))
    trigger = client_for(stack, create_token(stack, "portal", "trigger"))
    body = {"subject_key": "scoped", "tasks": [python_task()]}
    assert reader.get("/v1/runs").status_code == 200
    refused = reader.post("/v1/runs", json=body)
    assert refused.status_code == 403 and "'read'" in refused.text and "'trigger'" in refused.text
    assert reader.get("/v1/tokens").status_code == 403
    started = trigger.post("/v1/runs", json=body)
    assert started.status_code == 201, started.text
    assert trigger.post(f"/v1/runs/{started.json()['id']}/cancel").status_code != 403
    workspace = {"name": "more", "host": "http://127.0.0.1:9", "token_ref": "env:X"}
    assert trigger.post("/v1/workspaces", json=workspace).status_code == 403
    assert trigger.post("/v1/tokens", json={"name": "escalate", "scope": "admin"}).status_code == 403
    assert stack.api.post("/v1/workspaces", json=workspace).status_code == 201
    listed = stack.api.get("/v1/tokens").json()
    assert {(t["name"], t["scope"]) for t in listed} >= {("dashboards", "read"), ("portal", "trigger")}
    assert all("token" not in t and "token_hash" not in t for t in listed)


def test_bad_token_requests_name_the_problem(stack: Stack) -> None:
    bad_scope = stack.api.post("/v1/tokens", json={"name": "x", "scope": "root"})
    assert bad_scope.status_code == 422 and "scope" in bad_scope.text
    bad_expiry = stack.api.post("/v1/tokens", json={"name": "x", "expires_in": "soon"})
    assert bad_expiry.status_code == 422 and "soon" in bad_expiry.text
    assert stack.api.delete("/v1/tokens/no-such-token").status_code == 404


def test_an_expired_token_is_refused(stack: Stack) -> None:
    short = client_for(stack, create_token(stack, "short", "read", expires_in="1s"))
    expired = eventually(
        lambda: short.get("/v1/runs"), lambda answer: answer.status_code != 200, interval=0.2
    )
    assert expired.status_code == 401 and "expired" in expired.text


def test_revoking_closes_the_tokens_websockets_and_dashboard_sessions(stack: Stack) -> None:
    token = create_token(stack, "watcher", "read")
    browser = httpx.Client(base_url=stack.server.url, headers={"Origin": stack.server.url}, timeout=60)
    assert browser.post("/login", data={"token": token}).status_code == 303
    assert browser.get("/").status_code == 200
    url = stack.server.url.replace("http://", "ws://")
    cookie = f"lakerun_session={browser.cookies['lakerun_session']}"
    with (
        connect(f"{url}/v1/events?token={token}") as api_socket,
        connect(f"{url}/ui/events", additional_headers={"Cookie": cookie}) as dashboard_socket,
    ):
        api_socket.recv(timeout=10)
        dashboard_socket.recv(timeout=10)
        revoked = tokens_cli(stack, "revoke", "watcher")
        assert revoked.exit_code == 0 and "revoked token" in revoked.output
        codes = [closed_code(api_socket), closed_code(dashboard_socket)]
    assert codes == [4401, 4401]
    assert browser.get("/", follow_redirects=False).status_code in {302, 303, 307}
    assert client_for(stack, token).get("/v1/runs").status_code == 401


def closed_code(socket: Any) -> int | None:
    """The close code once the server closes the socket (heartbeats until then)."""
    try:
        for _ in range(100):
            socket.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


def test_the_cli_creates_lists_and_revokes_tokens(stack: Stack) -> None:
    created = tokens_cli(stack, "create", "--name", "nightly", "--scope", "trigger", "--expires-in", "30d")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert client_for(stack, token).get("/v1/runs").status_code == 200
    listed = tokens_cli(stack, "list")
    assert "nightly" in listed.output and "trigger" in listed.output and token not in listed.output
    assert tokens_cli(stack, "create", "--name", "x", "--scope", "root").exit_code == 2
    assert tokens_cli(stack, "create", "--name", "x", "--expires-in", "forever").exit_code == 2
    missing = tokens_cli(stack, "revoke", "nobody")
    assert missing.exit_code == 1 and "nobody" in missing.output
    assert tokens_cli(stack, "revoke", "nightly").exit_code == 0
    assert client_for(stack, token).get("/v1/runs").status_code == 401


def test_a_read_session_sees_the_dashboard_but_cannot_act(stack: Stack) -> None:
    run = stack.trigger(subject_key="read-only", tasks=[python_task("sleep")])
    browser = httpx.Client(base_url=stack.server.url, headers={"Origin": stack.server.url}, timeout=60)
    assert browser.post("/login", data={"token": create_token(stack, "viewer", "read")}).status_code == 303
    assert browser.get(f"/runs/{run['id']}").status_code == 200
    assert browser.post(f"/runs/{run['id']}/cancel").status_code == 403
    stack.api.post(f"/v1/runs/{run['id']}/cancel")


def test_login_must_come_from_the_dashboards_own_page(stack: Stack) -> None:
    foreign = httpx.Client(base_url=stack.server.url, headers={"Origin": "https://evil.example"})
    assert foreign.post("/login", data={"token": stack.token}).status_code == 403
    assert "lakerun_session" not in foreign.cookies
    bare = httpx.Client(base_url=stack.server.url)
    assert bare.post("/login", data={"token": stack.token}).status_code == 403


def test_a_headless_admin_token_comes_from_the_environment_and_rotates(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakerun.local.server import free_port
    from lakerun.server.app import create_app
    from lakerun.server.serve import start_in_thread

    settings = ControlSettings(home=tmp_path / "home", database_url=database_url, server_key="k")

    def serve_with(admin_token: str) -> tuple[int, int]:
        monkeypatch.setenv(ADMIN_TOKEN_ENV, admin_token)
        served = create_app(settings)
        server = start_in_thread(served, served.state.plane, "127.0.0.1", free_port())
        try:
            first = client_for_url(server.url, "lrk_first-admin").get("/v1/tokens").status_code
            second = client_for_url(server.url, "lrk_second-admin").get("/v1/tokens").status_code
        finally:
            server.stop()
        return first, second

    assert serve_with("lrk_first-admin") == (200, 401)
    assert serve_with("lrk_second-admin") == (401, 200)


def client_for_url(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_processes_reading_one_key_file_accept_each_others_sessions(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakerun.control.tokens import issue_token
    from lakerun.local.server import free_port
    from lakerun.server.app import create_app
    from lakerun.server.serve import start_in_thread

    key_file = tmp_path / "shared.key"
    key_file.write_text("one-key-for-every-process")
    monkeypatch.setenv("LAKERUN_SERVER_KEY", f"file:{key_file}")
    servers = []
    for name in ("a", "b"):
        served = create_app(ControlSettings(home=tmp_path / name, database_url=database_url))
        servers.append(start_in_thread(served, served.state.plane, "127.0.0.1", free_port()))
    try:
        token = issue_token(servers[0].plane.ctx, "shared")
        first = httpx.Client(base_url=servers[0].url, headers={"Origin": servers[0].url})
        assert first.post("/login", data={"token": token}).status_code == 303
        second = httpx.Client(base_url=servers[1].url, cookies=first.cookies)
        assert second.get("/", follow_redirects=False).status_code == 200
    finally:
        for server in servers:
            server.stop()


def test_a_new_api_token_file_at_lakerun_up_revokes_the_old_token(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from lakerun.cli.tokens import Database
    from lakerun.control.tokens import authenticate
    from lakerun.local.server import free_port
    from lakerun.store.db import default_url, make_engine, session_factory

    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    root = tmp_path / "state"

    def up() -> str:
        command = [lakerun, "up", "--no-demo", "--no-demo-pipeline", "--exit-after-demo", "--root", str(root)]
        ports = ["--port", str(free_port()), "--control-port", str(free_port())]
        result = subprocess.run([*command, *ports], check=False, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        return (root / "api-token").read_text().strip()

    old = up()
    (root / "api-token").unlink()
    new = up()
    engine = make_engine(default_url(root))
    store = Database(session_factory(engine))
    try:
        assert old != new
        assert authenticate(store, old) is None
        assert authenticate(store, new) is not None
    finally:
        engine.dispose()
