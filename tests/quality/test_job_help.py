"""`lakerun-profile --help` answers with its usage, as the other entry points do."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # runs the installed lakerun-profile command


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
    assert done.returncode == 1
    assert "missing --group-spec=<json> argument" in done.stderr
