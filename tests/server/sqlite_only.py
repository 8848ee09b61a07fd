"""The `stack` fixture for slow end-to-end tests that run on SQLite only (PostgreSQL adds nothing to them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Stack, sqlite_stack
from tests.store.databases import sqlite_template

__all__ = ["sqlite_only_stack", "sqlite_template"]


@pytest.fixture(name="stack")
def sqlite_only_stack(
    sqlite_template: Path, tmp_path: Path, local_workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """A running stack on a copy of the migrated SQLite template; import it to replace the two-database one."""
    with sqlite_stack(sqlite_template, tmp_path, local_workspace, monkeypatch) as built:
        yield built
