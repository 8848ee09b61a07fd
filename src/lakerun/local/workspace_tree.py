"""Workspace objects (notebooks, files, directories) stored as plain files under `root/workspace`.

A notebook `X` is the file `X.<ext>` that starts with Databricks' source header (`.py`, `.sql`,
`.scala`, `.r`), or `X.ipynb`. Any other file is a workspace FILE under its own name. Task
launchers use `notebook_file()` to find the source of a `notebook_task.notebook_path`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lakerun.local.errors import does_not_exist
from lakerun.local.paths import WorkspacePaths

# language -> (file extension, first line of a source notebook)
LANGUAGES: dict[str, tuple[str, str]] = {
    "PYTHON": (".py", "# Databricks notebook source"),
    "SQL": (".sql", "-- Databricks notebook source"),
    "SCALA": (".scala", "// Databricks notebook source"),
    "R": (".r", "# Databricks notebook source"),
}
JUPYTER_SUFFIX = ".ipynb"


@dataclass(frozen=True)
class WorkspaceObject:
    """One object as the Workspace API describes it."""

    path: str
    local: Path
    object_type: str
    language: str | None = None

    @property
    def is_jupyter(self) -> bool:
        """True for notebooks kept as `.ipynb`."""
        return self.local.suffix == JUPYTER_SUFFIX


def language_of_source(content: bytes, suffix: str) -> str | None:
    """The notebook language when `content` carries a source-notebook header matching `suffix`."""
    first_line = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    for language, (extension, header) in LANGUAGES.items():
        if suffix.lower() == extension and first_line == header:
            return language
    return None


def with_header(content: bytes, language: str) -> bytes:
    """Source notebook content that starts with its language's header (added when missing)."""
    header = LANGUAGES[language][1]
    if content.lstrip(b"\xef\xbb\xbf").startswith(header.encode()):
        return content
    return header.encode() + b"\n" + content


def notebook_candidates(local: Path) -> list[Path]:
    """Files that may hold the notebook whose object path maps to `local`."""
    names = [extension for extension, _ in LANGUAGES.values()] + [JUPYTER_SUFFIX]
    return [local.with_name(local.name + suffix) for suffix in names]


def find_object(paths: WorkspacePaths, path: str) -> WorkspaceObject | None:
    """The object at a workspace path, or None when nothing is there."""
    local = paths.resolve_workspace(path)
    shown = display_path(path)
    if local.is_dir():
        return WorkspaceObject(shown, local, "DIRECTORY")
    for candidate in notebook_candidates(local):
        if candidate.is_file():
            language = _notebook_language(candidate)
            if language:
                return WorkspaceObject(shown, candidate, "NOTEBOOK", language)
    if local.is_file():
        return WorkspaceObject(shown, local, "FILE")
    return None


def require_object(paths: WorkspacePaths, path: str) -> WorkspaceObject:
    """The object at a path, or RESOURCE_DOES_NOT_EXIST."""
    found = find_object(paths, path)
    if found is None:
        raise does_not_exist(f"Path ({display_path(path)}) doesn't exist.")
    return found


def children(paths: WorkspacePaths, directory: WorkspaceObject) -> list[WorkspaceObject]:
    """The objects directly inside a directory, sorted by path."""
    found: dict[str, WorkspaceObject] = {}
    for entry in sorted(directory.local.iterdir()):
        if entry.name.startswith("."):
            continue
        child = _object_for_entry(directory.path, entry)
        found.setdefault(child.path, child)
    return sorted(found.values(), key=lambda obj: obj.path)


def notebook_file(paths: WorkspacePaths, notebook_path: str) -> Path:
    """The local file holding a notebook (`/Users/me/nb` → `.../workspace/Users/me/nb.py`)."""
    found = find_object(paths, notebook_path)
    if found is None or found.object_type == "DIRECTORY":
        raise does_not_exist(
            f'Unable to access the notebook "{display_path(notebook_path)}" in the workspace.'
        )
    return found.local


def display_path(path: str) -> str:
    """The path as the Workspace API shows it (without a `/Workspace` prefix)."""
    if path.startswith("/Workspace/"):
        path = path[len("/Workspace") :]
    return "/" + path.strip("/") if path.strip("/") else "/"


def _object_for_entry(parent: str, entry: Path) -> WorkspaceObject:
    base = parent.rstrip("/")
    if entry.is_dir():
        return WorkspaceObject(f"{base}/{entry.name}", entry, "DIRECTORY")
    language = _notebook_language(entry)
    if language:
        return WorkspaceObject(f"{base}/{entry.stem}", entry, "NOTEBOOK", language)
    return WorkspaceObject(f"{base}/{entry.name}", entry, "FILE")


def _notebook_language(local: Path) -> str | None:
    if local.suffix == JUPYTER_SUFFIX:
        return "PYTHON"
    if local.suffix.lower() not in {extension for extension, _ in LANGUAGES.values()}:
        return None
    with local.open("rb") as handle:
        return language_of_source(handle.read(256), local.suffix)
