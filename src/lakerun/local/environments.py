"""Python environments standing in for clusters: the python a task or command context runs in.

The default environment is the server's own interpreter, which can import lakerun. Libraries
(`pypi`, `whl`, `requirements`) get a layered virtual environment under `root/environments/<fingerprint>`
that sees everything the server's interpreter sees and adds the libraries on top; it is built once
per distinct library list and reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lakerun.errors import LakerunError
from lakerun.local.cluster_libraries import (
    DEFAULT_CLUSTER,
    add_cluster_libraries,
    cluster_libraries,
    remove_cluster_libraries,
)
from lakerun.local.errors import DatabricksError
from lakerun.local.paths import WorkspacePaths

READY_MARKER = ".lakerun-ready"
INSTALL_LOG = "install.log"
WHEEL_NAME = re.compile(r"^[^-]+-[^-]+(-[0-9][^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")
PIP_TIMEOUT_SECONDS = 900


class LibraryInstallationError(LakerunError):
    """A library could not be installed; Databricks reports this as LIBRARY_INSTALLATION_ERROR."""

    error_code = "LIBRARY_INSTALLATION_ERROR"


def python_for(root: Path, cluster_id: str | None, libraries: list[dict[str, Any]]) -> str:
    """The python executable to run a task in, given its cluster and its own `libraries`."""
    try:
        wanted = cluster_libraries(root, cluster_id or DEFAULT_CLUSTER) + list(libraries or [])
    except DatabricksError as exc:
        raise LibraryInstallationError(exc.message) from exc
    if not wanted:
        return sys.executable
    requirements = [pip_arguments(library, WorkspacePaths(root)) for library in wanted]
    folder = root / "environments" / fingerprint(requirements)
    with _exclusive(folder.with_suffix(".lock")):
        if not (folder / READY_MARKER).exists():
            _build(folder, sys.executable, [arg for args in requirements for arg in args])
    return str(venv_python(folder))


def cluster_environment_ready(root: Path, cluster_id: str) -> bool:
    """True when the environment for a cluster's current libraries is built."""
    wanted = cluster_libraries(root, cluster_id)
    if not wanted:
        return True
    try:
        requirements = [pip_arguments(library, WorkspacePaths(root)) for library in wanted]
    except LibraryInstallationError:
        return False
    return (root / "environments" / fingerprint(requirements) / READY_MARKER).exists()


def install_on_cluster(root: Path, cluster_id: str, libraries: list[dict[str, Any]]) -> str:
    """Adds libraries to a cluster and builds its environment now; returns pip's output.

    On failure the new libraries are taken off the cluster again, so it keeps working.
    """
    added = [lib for lib in libraries if lib not in cluster_libraries(root, cluster_id)]
    add_cluster_libraries(root, cluster_id, added)
    try:
        python = python_for(root, cluster_id, [])
    except LibraryInstallationError:
        remove_cluster_libraries(root, cluster_id, added)
        raise
    log = Path(python).parent.parent / INSTALL_LOG
    return log.read_text() if log.exists() else ""


def pip_arguments(library: dict[str, Any], paths: WorkspacePaths) -> list[str]:
    """The `pip install` arguments for one Databricks library spec."""
    if "pypi" in library:
        pypi = library["pypi"] or {}
        package = pypi.get("package") if isinstance(pypi, dict) else None
        if not package:
            raise LibraryInstallationError(f"Library {library!r} has no pypi.package")
        repo = pypi.get("repo")
        return [str(package), "--extra-index-url", str(repo)] if repo else [str(package)]
    if "whl" in library:
        return [str(installable_wheel(_existing_file(str(library["whl"]), paths), paths.root / "wheels"))]
    if "requirements" in library:
        return ["-r", str(_existing_file(str(library["requirements"]), paths))]
    kinds = ", ".join(sorted(library)) or "empty"
    raise LibraryInstallationError(
        f"Library type {kinds} is not supported by the local workspace (use pypi, whl or requirements)"
    )


def installable_wheel(wheel: Path, cache: Path) -> Path:
    """The wheel itself, or a copy under its proper name when it was renamed (`dbfs:/libs/app.whl`).

    pip refuses wheels whose file name is not `name-version-...-tag.whl`; Databricks users often
    upload them under short names, so the name is rebuilt from the wheel's own metadata.
    """
    if WHEEL_NAME.match(wheel.name):
        return wheel
    name, version, tag = _wheel_identity(wheel)
    proper = cache / hashlib.sha256(wheel.read_bytes()).hexdigest()[:16] / f"{name}-{version}-{tag}.whl"
    if not proper.exists():
        proper.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wheel, proper)
    return proper


def fingerprint(requirements: list[list[str]]) -> str:
    """A short stable name for a library list; local files count by their content."""
    digest = hashlib.sha256()
    for args in requirements:
        for arg in args:
            digest.update(arg.encode())
            candidate = Path(arg)
            if candidate.is_absolute() and candidate.is_file():
                digest.update(hashlib.sha256(candidate.read_bytes()).digest())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def create_layered_venv(folder: Path, base_python: str) -> Path:
    """A fast venv (no pip copy) that also sees every site folder of `base_python`."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", "--without-pip", str(folder)], "create the environment")
    base_sites = _site_dirs(base_python)
    lines = [f"import site; site.addsitedir({site_dir!r})" for site_dir in base_sites]
    (venv_site_packages(folder) / "_lakerun_base.pth").write_text("\n".join(lines) + "\n")
    return venv_python(folder)


def pip_install(python: str, args: list[str]) -> str:
    """Runs `pip install` in the environment of `python`; returns pip's output or raises with it."""
    command = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", *args]
    return _run(command, "install " + " ".join(args))


def venv_python(folder: Path) -> Path:
    """The interpreter of a venv folder."""
    return folder / "bin" / "python"


def venv_site_packages(folder: Path) -> Path:
    """The site-packages folder of a venv built by this module's interpreter version."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return folder / "lib" / version / "site-packages"


def _build(folder: Path, base_python: str, args: list[str]) -> None:
    try:
        python = create_layered_venv(folder, base_python)
        (folder / INSTALL_LOG).write_text(pip_install(str(python), args))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    (folder / READY_MARKER).write_text(json.dumps(args))


def _wheel_identity(wheel: Path) -> tuple[str, str, str]:
    try:
        with zipfile.ZipFile(wheel) as archive:
            dist_info = next(
                n.split("/")[0] for n in archive.namelist() if n.split("/")[0].endswith(".dist-info")
            )
            metadata = archive.read(f"{dist_info}/METADATA").decode("utf-8", "replace")
            wheel_info = archive.read(f"{dist_info}/WHEEL").decode("utf-8", "replace")
    except (OSError, KeyError, StopIteration, zipfile.BadZipFile) as exc:
        raise LibraryInstallationError(f"{wheel.name} is not a valid wheel: {exc}") from exc
    fields = dict(_header(line) for line in metadata.splitlines() if ": " in line)
    tags = [_header(line)[1] for line in wheel_info.splitlines() if line.startswith("Tag: ")]
    name = re.sub(r"[-_.]+", "_", fields.get("Name", "")).lower()
    if not name or not fields.get("Version") or not tags:
        raise LibraryInstallationError(f"{wheel.name} is not a valid wheel: no name, version or tag")
    return name, fields["Version"], tags[0]


def _header(line: str) -> tuple[str, str]:
    key, _, value = line.partition(": ")
    return key.strip(), value.strip()


def _site_dirs(python: str) -> list[str]:
    if python == sys.executable:
        own = sysconfig.get_paths()
        return list(dict.fromkeys([own["purelib"], own["platlib"]]))
    probe = (
        "import json, sysconfig; p = sysconfig.get_paths(); print(json.dumps([p['purelib'], p['platlib']]))"
    )
    output = _run([python, "-c", probe], "inspect the base environment")
    return list(dict.fromkeys(json.loads(output.strip().splitlines()[-1])))


def _existing_file(path: str, paths: WorkspacePaths) -> Path:
    try:
        local = paths.resolve(path)
    except Exception as exc:
        raise LibraryInstallationError(f"Library path {path!r} is invalid: {exc}") from exc
    if not local.is_file():
        raise LibraryInstallationError(f"Library file {path} does not exist")
    return local


def _run(command: list[str], what: str) -> str:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LibraryInstallationError(f"Failed to {what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-4000:]
        raise LibraryInstallationError(f"Failed to {what}: {tail}")
    return done.stdout


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
