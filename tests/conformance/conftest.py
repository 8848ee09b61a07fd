"""Fixtures for driving real Databricks clients (in their own cached venvs) against a local workspace."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.client_venvs import client_venv

pytestmark = pytest.mark.conformance


def _free_loopback_on_port_80() -> str:
    """A loopback address (127.x.y.z) whose port 80 is free: clients that drop the port still reach it."""
    for _ in range(50):
        host = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(1, 254)}"
        with socket.socket() as sock:
            try:
                sock.bind((host, 80))
            except OSError:
                continue
        return host
    raise RuntimeError("no loopback address with a free port 80")


@pytest.fixture
def port80_workspace(tmp_path: Path) -> Iterator[object]:
    """A local workspace on port 80 of a loopback address of its own (needs root)."""
    if os.geteuid() != 0:
        pytest.skip("port 80 needs root")
    from lakerun.local.config import WorkspaceConfig
    from lakerun.local.server import start_in_thread

    running = start_in_thread(
        WorkspaceConfig(root=tmp_path / "workspace", host=_free_loopback_on_port_80(), port=80)
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def legacy_cli() -> Path:
    """The `databricks` command of the legacy Python CLI, databricks-cli 0.18.0."""
    return client_venv("databricks-cli", ["databricks-cli==0.18.0"]) / "bin" / "databricks"
