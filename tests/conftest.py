"""Fixtures shared by the whole suite: a real local workspace served over HTTP, an SDK client, the one
SparkSession, and the marks that tell the fast lane which tests start real components."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.components import SPARK_CONFIG, mark_by_fixtures, required, spark_missing, unavailable

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_configure(config: pytest.Config) -> None:
    """Refuses a `LAKERUN_REQUIRE` naming an unknown component before anything runs."""
    required()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks tests from the real components their fixtures start (before `-m` selects)."""
    mark_by_fixtures(items)


@pytest.fixture(scope="session")
def spark_available() -> None:
    """Skips the test (fails it under `LAKERUN_REQUIRE=spark`) where no local Spark can start."""
    reason = spark_missing()
    if reason:
        unavailable("spark", reason)


@pytest.fixture(scope="session")
def spark_session(spark_available: None) -> Iterator[Any]:
    """The suite's one local SparkSession (`SPARK_CONFIG`), started on first use, stopped at the end.

    Tests never stop it or change its configuration, so each test sees the same settings whatever ran before.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in SPARK_CONFIG.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def local_workspace(workspace_root: Path) -> Iterator[object]:
    """A local workspace on a free port, stopped after the test."""
    from lakerun.local.config import WorkspaceConfig
    from lakerun.local.server import free_port, start_in_thread

    running = start_in_thread(WorkspaceConfig(root=workspace_root, port=free_port()))
    yield running
    running.stop()


@pytest.fixture
def ws_client(local_workspace: object) -> object:
    """The official `databricks-sdk` client pointed at the local workspace."""
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient(host=local_workspace.url, token=local_workspace.token)  # type: ignore[attr-defined]


def build_wheel(folder: Path, name: str, version: str, source: str, entry_points: str = "") -> Path:
    """A minimal pure-Python wheel (module `name` with `source` as its body), built without network."""
    import base64
    import hashlib
    import zipfile

    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": source,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: lakerun-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if entry_points:
        files[f"{dist_info}/entry_points.txt"] = entry_points
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture
def make_wheel(tmp_path: Path):
    """Builds small local wheels: `make_wheel("pkg", "1.0", "VALUE = 1")` returns the .whl path."""

    def make(name: str, version: str, source: str, entry_points: str = "") -> Path:
        return build_wheel(tmp_path / "wheels", name, version, source, entry_points)

    return make


@pytest.fixture(scope="session")
def lakerun_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lakerun wheel, built once per test session from a copy of this checkout.

    Building from a copy keeps setuptools' `build/` folder private, so parallel test runs never collide.
    """
    import shutil
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("lakerun-wheel")
    build = tmp_path_factory.mktemp("lakerun-wheel-build") / "lakerun"
    repo = Path(__file__).resolve().parent.parent
    ignore = shutil.ignore_patterns("__pycache__", ".ruff_cache", "*.egg-info")
    shutil.copytree(repo / "src", build / "src", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(repo / name, build / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(build)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=build, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(out.glob("lakerun-*.whl"))
