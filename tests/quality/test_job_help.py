"""`lakerun-profile --help` answers with its usage, as the other entry points do; errors end it with the
documented exit codes (2 a bad spec, 1 a failed run, unexpected errors named as such)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lakerun.quality import job

pytestmark = [pytest.mark.core, pytest.mark.slow]  # runs the installed lakerun-profile command


def test_help_prints_usage_and_exits_zero() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lakerun.quality.job", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: lakerun-profile --group-spec=<json>")


def test_missing_spec_is_a_clear_failure() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lakerun.quality.job"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "missing --group-spec=<json> argument" in done.stderr


def test_a_spec_that_is_not_json_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lakerun.quality.job", "--group-spec={connection:"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--group-spec=<json> is not valid JSON" in done.stderr and "Traceback" not in done.stderr


def test_an_unexpected_error_fails_with_its_name_and_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(job, "run", broken)
    assert job.main(['--group-spec={"connection": {"kind": "files", "location": "."}}']) == 1
    stderr = capsys.readouterr().err
    assert "profile run failed: unexpected error (ZeroDivisionError): division by zero" in stderr
    assert "Traceback" in stderr
