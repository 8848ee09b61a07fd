"""OAuth M2M against the local workspace: the official SDK's `oauth-m2m` auth, curl-style token calls, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from lakerun.local.server import free_port
from tests.local.conftest import python_task, result_of, wait_for
from tests.support.eventually import eventually

CLIENT_ID = "lakerun-sp"
SECRET = "dose-local-4f1c2a9b7e"
CLIENTS = {CLIENT_ID: SECRET}


def oauth_client(url: str, client_id: str = CLIENT_ID, secret: str = SECRET) -> WorkspaceClient:
    return WorkspaceClient(host=url, client_id=client_id, client_secret=secret, auth_type="oauth-m2m")


def request_token(url: str, **kwargs: Any) -> httpx.Response:
    """A token request as curl sends it: form-encoded, client auth as the caller chooses."""
    data = {"grant_type": "client_credentials", "scope": "all-apis", **kwargs.pop("data", {})}
    return httpx.post(f"{url}/oidc/v1/token", data=data, **kwargs)


def list_jobs(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}/api/2.1/jobs/list", headers={"Authorization": f"Bearer {token}"})


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> bool:
    """Checks `condition` until it holds; fails the test with its last answer at the deadline."""
    return eventually(condition, timeout=timeout, interval=0.1)


@pytest.fixture
def oauth_workspace(start_workspace) -> Any:
    return start_workspace(oauth_clients=CLIENTS)


def test_sdk_with_oauth_m2m_lists_jobs_and_runs_one_to_success(oauth_workspace, script) -> None:
    client = oauth_client(oauth_workspace.url)
    path = script("ok.py", "print('hello over oauth')\n")
    job = client.jobs.create(name="oauth-job", tasks=[python_task("main", path)])
    assert [j.job_id for j in client.jobs.list()] == [job.job_id]
    run = wait_for(client, client.jobs.run_now(job_id=job.job_id).run_id)  # type: ignore[arg-type]
    assert result_of(run) == "SUCCESS"
    assert run.tasks is not None
    output = client.jobs.get_run_output(run.tasks[0].run_id)  # type: ignore[arg-type]
    assert "hello over oauth" in (output.logs or "")


@pytest.mark.parametrize(("client_id", "secret"), [(CLIENT_ID, "wrong-secret"), ("nobody", SECRET)])
def test_wrong_client_credentials_fail_with_a_clear_sdk_error(oauth_workspace, client_id, secret) -> None:
    client = oauth_client(oauth_workspace.url, client_id, secret)
    with pytest.raises(ValueError, match="invalid_client: Client authentication failed") as caught:
        list(client.jobs.list())
    assert SECRET not in str(caught.value)


def test_expired_tokens_are_refused_and_the_sdk_gets_a_new_one(start_workspace) -> None:
    workspace = start_workspace(oauth_clients=CLIENTS, oauth_token_seconds=2)
    client = oauth_client(workspace.url)
    first = client.config.oauth_token().access_token
    assert wait_until(lambda: list_jobs(workspace.url, first).status_code == 403), "token never expired"
    assert list(client.jobs.list()) == []
    assert client.config.oauth_token().access_token != first


@pytest.mark.parametrize("client_auth", ["basic", "form"])
def test_issued_token_works_with_plain_http_and_a_made_up_one_does_not(oauth_workspace, client_auth) -> None:
    url = oauth_workspace.url
    if client_auth == "basic":
        response = request_token(url, auth=(CLIENT_ID, SECRET))
    else:
        response = request_token(url, data={"client_id": CLIENT_ID, "client_secret": SECRET})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "all-apis"
    assert response.headers["cache-control"] == "no-store"
    assert list_jobs(url, body["access_token"]).json() == {"has_more": False}
    refused = list_jobs(url, "made-up-token")
    assert refused.status_code == 403
    assert refused.json() == {"error_code": "PERMISSION_DENIED", "message": "Invalid access token."}


@pytest.mark.parametrize(
    ("kwargs", "status", "error", "says"),
    [
        ({"auth": (CLIENT_ID, "wrong")}, 401, "invalid_client", "wrong secret"),
        (
            {"data": {"client_id": "nobody", "client_secret": SECRET}},
            401,
            "invalid_client",
            "unknown client_id",
        ),
        ({}, 401, "invalid_client", "HTTP Basic, or client_id and client_secret"),
        ({"auth": (CLIENT_ID, SECRET), "data": {"client_id": CLIENT_ID}}, 400, "invalid_request", "not both"),
        (
            {"auth": (CLIENT_ID, SECRET), "data": {"grant_type": "password"}},
            400,
            "unsupported_grant_type",
            "'password'",
        ),
        ({"auth": (CLIENT_ID, SECRET), "data": {"scope": "all-apis sql"}}, 400, "invalid_scope", "'sql'"),
    ],
)
def test_bad_token_requests_get_oauth_errors(oauth_workspace, kwargs, status, error, says) -> None:
    response = request_token(oauth_workspace.url, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error and says in body["error_description"]
    assert SECRET not in response.text


def test_json_token_request_is_refused_by_name(oauth_workspace) -> None:
    response = httpx.post(
        f"{oauth_workspace.url}/oidc/v1/token",
        json={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, SECRET),
    )
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in response.json()["error_description"]


def test_discovery_is_public_and_points_the_sdk_at_the_token_endpoint(oauth_workspace) -> None:
    url = oauth_workspace.url
    assert httpx.get(f"{url}/.well-known/databricks-config").json() == {"oidc_endpoint": f"{url}/oidc"}
    document = httpx.get(f"{url}/oidc/.well-known/oauth-authorization-server").json()
    assert document["token_endpoint"] == f"{url}/oidc/v1/token"
    assert document["authorization_endpoint"] == f"{url}/oidc/v1/authorize"
    assert "client_credentials" in document["grant_types_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        document["token_endpoint_auth_methods_supported"]
    )
    interactive = httpx.get(document["authorization_endpoint"])
    assert interactive.status_code == 400 and interactive.json()["error"] == "unsupported_response_type"


def test_tokens_survive_a_restart_and_are_stored_only_as_hashes(start_workspace, tmp_path: Path) -> None:
    root = tmp_path / "oauth-ws"
    first = start_workspace(root=root, oauth_clients=CLIENTS)
    token = request_token(first.url, auth=(CLIENT_ID, SECRET)).json()["access_token"]
    first.stop()
    second = start_workspace(root=root, oauth_clients=CLIENTS)
    assert list_jobs(second.url, token).status_code == 200
    stored = b"".join(path.read_bytes() for path in root.glob("state.db*"))
    assert b"oauth_tokens" in stored
    assert token.encode() not in stored and SECRET.encode() not in stored


@pytest.fixture
def served_by_cli(tmp_path: Path) -> Iterator[Callable[..., tuple[str, subprocess.Popen[str]]]]:
    """Starts `lakerun workspace serve` with extra arguments; every process is stopped after the test."""
    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    processes: list[subprocess.Popen[str]] = []

    def serve(*args: str, env: dict[str, str] | None = None) -> tuple[str, subprocess.Popen[str]]:
        port = free_port()
        command = [
            lakerun,
            "workspace",
            "serve",
            "--root",
            str(tmp_path / "cli-ws"),
            "--port",
            str(port),
            *args,
        ]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        processes.append(process)
        return f"http://127.0.0.1:{port}", process

    yield serve
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _healthy(url: str, process: subprocess.Popen[str]) -> bool:
    if process.poll() is not None:
        return True  # exited: stop waiting, the caller's assertions say why
    try:
        return httpx.get(f"{url}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def test_cli_serves_oauth_clients_from_options_and_the_environment(served_by_cli) -> None:
    url, process = served_by_cli(
        "--oauth-client",
        f"{CLIENT_ID}:{SECRET}",
        env={"LAKERUN_WORKSPACE_OAUTH_CLIENTS": "env-sp:env-secret-1 x:y"},
    )
    assert wait_until(lambda: _healthy(url, process), timeout=120)
    assert process.poll() is None, process.stdout.read() if process.stdout else ""
    assert list(oauth_client(url).jobs.list()) == []
    # Options given on the command line replace the variable, as with every click option.
    with pytest.raises(ValueError, match="invalid_client"):
        list(oauth_client(url, "env-sp", "env-secret-1").jobs.list())
    process.terminate()
    printed, _ = process.communicate(timeout=30)
    assert f"oauth client: {CLIENT_ID}" in printed and SECRET not in printed


def test_cli_takes_oauth_clients_from_the_environment(served_by_cli) -> None:
    url, process = served_by_cli(
        env={"LAKERUN_WORKSPACE_OAUTH_CLIENTS": "env-sp:env-secret-1 other:env-secret-2"}
    )
    assert wait_until(lambda: _healthy(url, process), timeout=120)
    assert process.poll() is None, process.stdout.read() if process.stdout else ""
    assert list(oauth_client(url, "other", "env-secret-2").jobs.list()) == []


def test_cli_refuses_a_malformed_oauth_client_without_echoing_it(served_by_cli) -> None:
    _, process = served_by_cli("--oauth-client", "only-a-secret-value")
    printed, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "CLIENT_ID:SECRET" in printed and "only-a-secret-value" not in printed


def test_secrets_stay_out_of_the_config_repr(tmp_path: Path) -> None:
    from lakerun.local.config import WorkspaceConfig

    assert SECRET not in repr(WorkspaceConfig(root=tmp_path, oauth_clients=CLIENTS))


def test_job_created_over_oauth_is_visible_to_pat_callers(oauth_workspace) -> None:
    created = oauth_client(oauth_workspace.url).jobs.create(
        name="shared",
        tasks=[jobs.Task(task_key="t", spark_python_task=jobs.SparkPythonTask(python_file="x.py"))],
    )
    pat = WorkspaceClient(host=oauth_workspace.url, token=oauth_workspace.token)
    assert pat.jobs.get(created.job_id).settings.name == "shared"  # type: ignore[arg-type]


def test_cli_takes_tokens_from_the_environment(served_by_cli) -> None:
    url, process = served_by_cli(
        env={"LAKERUN_WORKSPACE_TOKENS": "env-token-1, env-token-2", "LAKERUN_WORKSPACE_TOKEN": "env-token-3"}
    )
    assert wait_until(lambda: _healthy(url, process), timeout=120)
    assert process.poll() is None, process.stdout.read() if process.stdout else ""
    for token in ("env-token-1", "env-token-2", "env-token-3"):
        assert list(WorkspaceClient(host=url, token=token).jobs.list()) == []
    assert list_jobs(url, "dapi-local").status_code == 403


def test_cli_token_option_replaces_the_environment(served_by_cli) -> None:
    url, process = served_by_cli("--token", "cli-token", env={"LAKERUN_WORKSPACE_TOKEN": "env-token"})
    assert wait_until(lambda: _healthy(url, process), timeout=120)
    assert list_jobs(url, "cli-token").status_code == 200
    assert list_jobs(url, "env-token").status_code == 403


def test_cli_refuses_an_empty_token_variable(served_by_cli) -> None:
    _, process = served_by_cli(env={"LAKERUN_WORKSPACE_TOKENS": " , "})
    printed, _ = process.communicate(timeout=120)
    assert process.returncode == 2 and "LAKERUN_WORKSPACE_TOKENS is set but holds no token" in printed
