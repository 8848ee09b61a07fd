"""The control plane's home, database, server key and API token are readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakerun.cli.up import api_token
from lakerun.control.plane import ControlPlane
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import issue_token


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask, under which files are created world-readable unless asked otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_home_database_and_key_are_private(tmp_path: Path, open_umask: None) -> None:
    home = tmp_path / "fresh" / ".lakerun"
    plane = ControlPlane(ControlSettings(home=home))
    try:
        issue_token(plane.ctx, "writes to the database")
    finally:
        plane.stop()
    assert mode(home) == 0o700
    assert mode(home / "control.db") == 0o600
    assert mode(home / "server.key") == 0o600
    for companion in (home / "control.db-wal", home / "control.db-shm"):
        if companion.exists():
            assert mode(companion) == 0o600, companion


def test_the_api_token_file_is_private(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAKERUN_API_TOKEN", raising=False)
    path = tmp_path / ".lakerun" / "api-token"
    token = api_token(path)
    assert token.startswith("lrk_") and api_token(path) == token
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
