"""Environments standing in for clusters: the default interpreter, and layered venvs with libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakerun.local.cluster_libraries import add_cluster_libraries, known_clusters
from lakerun.local.environments import LibraryInstallationError, python_for

pytestmark = pytest.mark.slow  # builds virtual environments


def run(python: str, code: str) -> str:
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_default_cluster_without_libraries_is_the_servers_interpreter(tmp_path: Path) -> None:
    assert python_for(tmp_path, None, []) == sys.executable
    assert python_for(tmp_path, "local", []) == sys.executable


def test_whl_library_gets_a_cached_venv_that_still_sees_lakerun(tmp_path: Path, make_wheel) -> None:
    wheel = make_wheel("tinyenvpkg", "1.0", "VALUE = 'from the wheel'\n")
    libraries = [{"whl": str(wheel)}]
    python = python_for(tmp_path, None, libraries)
    assert python != sys.executable
    assert Path(python).is_relative_to(tmp_path / "environments")
    code = "import tinyenvpkg, lakerun, yaml; print(tinyenvpkg.VALUE)"
    assert run(python, code) == "from the wheel"
    assert python_for(tmp_path, "local", libraries) == python
    with pytest.raises(subprocess.CalledProcessError):
        run(sys.executable, "import tinyenvpkg")


def test_whl_on_dbfs_and_cluster_libraries_are_combined(tmp_path: Path, make_wheel) -> None:
    first = make_wheel("tinyclusterlib", "1.0", "A = 1\n")
    second = make_wheel("tinytasklib", "1.0", "B = 2\n")
    dbfs_copy = tmp_path / "dbfs" / "libs" / second.name
    dbfs_copy.parent.mkdir(parents=True)
    dbfs_copy.write_bytes(second.read_bytes())
    add_cluster_libraries(tmp_path, "0123-456789-abcdef01", [{"whl": str(first)}])
    assert "0123-456789-abcdef01" in known_clusters(tmp_path)
    python = python_for(tmp_path, "0123-456789-abcdef01", [{"whl": f"dbfs:/libs/{second.name}"}])
    assert run(python, "import tinyclusterlib, tinytasklib; print(tinyclusterlib.A + tinytasklib.B)") == "3"


def test_missing_wheel_is_a_library_installation_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryInstallationError, match=r"does not exist"):
        python_for(tmp_path, None, [{"whl": "dbfs:/nowhere/missing-1.0-py3-none-any.whl"}])


def test_unsupported_library_type_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(LibraryInstallationError, match=r"maven is not supported"):
        python_for(tmp_path, None, [{"maven": {"coordinates": "a:b:1"}}])


def test_failed_install_leaves_no_half_built_environment(tmp_path: Path) -> None:
    with pytest.raises(LibraryInstallationError, match=r"Failed to install"):
        python_for(tmp_path, None, [{"pypi": {"package": "./definitely-not-a-package-dir"}}])
    leftovers = [p for p in (tmp_path / "environments").iterdir() if p.is_dir()]
    assert leftovers == []


def test_escaping_library_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LibraryInstallationError, match=r"escapes"):
        python_for(tmp_path, None, [{"whl": "dbfs:/../../etc/passwd"}])


def test_invalid_cluster_id_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryInstallationError, match="Invalid cluster id"):
        python_for(tmp_path, "../../etc", [])


def test_renamed_wheel_on_dbfs_installs_like_on_databricks(tmp_path: Path, make_wheel) -> None:
    wheel = make_wheel("mvp_config_driven", "0.2.0", "LAYER = 'raw'\n")
    renamed = tmp_path / "dbfs" / "libs" / "mvp-config-driven.whl"
    renamed.parent.mkdir(parents=True)
    renamed.write_bytes(wheel.read_bytes())
    python = python_for(tmp_path, None, [{"whl": "dbfs:/libs/mvp-config-driven.whl"}])
    assert run(python, "import mvp_config_driven; print(mvp_config_driven.LAYER)") == "raw"


def test_file_that_is_not_a_wheel_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "dbfs" / "libs" / "app.whl"
    bogus.parent.mkdir(parents=True)
    bogus.write_bytes(b"not a zip")
    with pytest.raises(LibraryInstallationError, match="not a valid wheel"):
        python_for(tmp_path, None, [{"whl": "dbfs:/libs/app.whl"}])
