"""`lakerun runs trigger|list|watch` against a served control plane, and `lakerun up` through both servers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from lakerun.cli.main import app
from lakerun.local.server import free_port
from tests.server.conftest import TASK_SCRIPT, Stack
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow


def cli(stack: Stack, *args: str) -> Result:
    env = {"LAKERUN_URL": stack.server.url, "LAKERUN_API_TOKEN": stack.token}
    return CliRunner().invoke(app, ["runs", *args], env=env, catch_exceptions=False)


def test_trigger_wait_list_and_watch(stack: Stack) -> None:
    ok = cli(stack, "trigger", "cli-flow", "--kind", "flow", "--python-file", TASK_SCRIPT, "--wait")
    assert ok.exit_code == 0, ok.output
    assert "SUCCESS" in ok.output
    attempt_id = ok.output.split()[1]
    failed = cli(
        stack,
        "trigger",
        "cli-flow",
        "--kind",
        "flow",
        "--python-file",
        TASK_SCRIPT,
        "--param",
        "mode=crash",
        "--wait",
    )
    assert failed.exit_code == 1
    assert "FAILED" in failed.output
    listed = cli(stack, "list", "--subject", "cli-flow", "--status", "SUCCESS")
    assert listed.exit_code == 0
    assert attempt_id[:8] in listed.output and "of 1" in listed.output
    watched = cli(stack, "watch", "--attempt", attempt_id)
    assert watched.exit_code == 0 and "SUCCESS" in watched.output


def test_show_cancel_retry_and_repair(stack: Stack, tmp_path: Path) -> None:
    marker = tmp_path / "failed-once"
    first = cli(
        stack, "trigger", "cli-fix", "--python-file", TASK_SCRIPT, "--param", f"fail-once={marker}", "--wait"
    )
    assert first.exit_code == 1 and "FAILED" in first.output
    failed_id = first.output.split()[1]
    shown = json.loads(cli(stack, "show", failed_id).output)
    assert shown["status"] == "FAILED" and [t["to_status"] for t in shown["transitions"]][-1] == "FAILED"
    repaired = cli(stack, "repair", failed_id, "--wait")
    assert repaired.exit_code == 0, repaired.output
    assert "SUCCESS" in repaired.output and "(#2 of default/cli-fix)" in repaired.output
    retried = cli(stack, "retry", failed_id, "--wait")
    assert retried.exit_code == 0 and "(#3 of default/cli-fix)" in retried.output

    sleeping = cli(stack, "trigger", "cli-sleep", "--python-file", TASK_SCRIPT, "--param", "mode=sleep")
    sleeping_id = sleeping.output.split()[1]
    stack.wait(sleeping_id, until=lambda run: run["status"] == "RUNNING")
    cancelled = cli(stack, "cancel", sleeping_id)
    assert cancelled.exit_code == 0 and "CANCELLED" in cancelled.output
    missing = cli(stack, "retry", "no-such-attempt")
    assert missing.exit_code == 1 and "404" in missing.output


def test_bad_input_and_bad_token_exit_non_zero(stack: Stack) -> None:
    bad_param = cli(stack, "trigger", "x", "--python-file", TASK_SCRIPT, "--param", "novalue")
    assert bad_param.exit_code != 0 and "name=value" in bad_param.output
    unknown = cli(stack, "trigger", "x", "--workspace", "mars", "--python-file", TASK_SCRIPT)
    assert unknown.exit_code == 1 and "mars" in unknown.output
    denied = CliRunner().invoke(
        app, ["runs", "list"], env={"LAKERUN_URL": stack.server.url, "LAKERUN_API_TOKEN": "wrong"}
    )
    assert denied.exit_code == 1 and "401" in denied.output


def test_up_serves_both_and_runs_the_demo_through_the_control_plane(tmp_path: Path) -> None:
    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    root = tmp_path / "state"
    command = [
        lakerun,
        "up",
        "--exit-after-demo",
        "--no-demo-flows",
        "--no-demo-quality",
        "--root",
        str(root),
        "--port",
        str(free_port()),
        "--control-port",
        str(free_port()),
        "--oauth-client",
        "demo-sp:s3cret-not-shown",
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "control plane: http://127.0.0.1:" in result.stdout
    assert "oauth client: demo-sp" in result.stdout
    assert "s3cret-not-shown" not in result.stdout + result.stderr
    assert ": SUCCESS" in result.stdout and "result {'greeting': 'hello'}" in result.stdout
    assert "hello from the lakerun local workspace" in result.stdout
    assert (root / "control.db").exists() and (root / "api-token").stat().st_mode & 0o777 == 0o600


def test_up_refuses_a_malformed_oauth_client_without_echoing_it(tmp_path: Path) -> None:
    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    command = [lakerun, "up", "--no-demo", "--root", str(tmp_path), "--oauth-client", "secretwithoutcolon"]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "CLIENT_ID:SECRET" in result.stderr
    assert "secretwithoutcolon" not in result.stdout + result.stderr


def test_up_exits_non_zero_with_a_clear_error_when_the_control_port_is_taken(tmp_path: Path) -> None:
    import socket

    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            lakerun,
            "up",
            "--no-demo",
            "--exit-after-demo",
            "--root",
            str(tmp_path),
            "--port",
            str(free_port()),
            "--control-port",
            str(port),
        ]
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"the control plane did not start: nothing is listening on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("outage_seconds", [2, 15], ids=["reconnects", "client-gives-up-then-polls"])
def test_wait_outlives_a_server_restart(stack: Stack, tmp_path: Path, outage_seconds: float) -> None:
    """The event socket drops with the server; `--wait` reconnects (a short outage) or, once the client gives
    the stream up (a long one), polls the API until it answers, follows again and reports how the attempt ended
    (a long outage may fail the task itself, whose callbacks could not reach the server)."""
    from lakerun.server.app import create_app
    from lakerun.server.serve import start_in_thread

    release = tmp_path / "release"
    lakerun = shutil.which("lakerun", path=str(Path(sys.executable).parent)) or "lakerun"
    waiting = subprocess.Popen(
        [
            lakerun,
            "runs",
            "trigger",
            "cli-restart",
            "--python-file",
            TASK_SCRIPT,
            "--param",
            f"wait-for={release}",
            "--wait",
        ],
        env={**os.environ, "LAKERUN_URL": stack.server.url, "LAKERUN_API_TOKEN": stack.token},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        eventually(lambda: stack.plane.bus.subscriber_count, what="the CLI's subscription")
        assert stack.plane.bus.subscriber_count == 1
        stack.server.stop()
        time.sleep(outage_seconds)
        port = int(stack.server.url.rsplit(":", 1)[1])
        app = create_app(stack.plane.ctx.settings, stack.plane, heartbeat_seconds=0.5)
        stack.server = start_in_thread(app, stack.plane, "127.0.0.1", port)
        release.write_text("go")
        out, err = waiting.communicate(timeout=120)
    finally:
        waiting.kill()
    final = stack.plane.subject_history("default", "cli-restart")[1][0].status
    assert final in out and waiting.returncode == (0 if final == "SUCCESS" else 1), out + err
    if outage_seconds < 5:
        assert final == "SUCCESS"


def test_a_watch_never_moves_an_ended_attempt_back() -> None:
    """Events come twice or late across reconnects: an attempt seen ended stays ended, other fields update."""
    from lakerun.cli.watching import Follower

    follower = Follower(subjects=[], attempts=["a1", "a2"])
    follower.apply("a1", {"state": "SUCCESS", "run_url": "u"})
    follower.apply("a1", {"state": "RUNNING", "progress": 0.5})
    assert follower.seen["a1"] == {"state": "SUCCESS", "run_url": "u", "progress": 0.5}
    assert not follower.done()
    follower.apply("a2", {"state": "FAILED"})
    assert follower.done()
    assert not Follower(subjects=["s"], attempts=[]).done()
