"""Running Databricks notebooks in a task: `.py` source notebooks (`# COMMAND ----------` cells) and `.ipynb`."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE_HEADER = "# Databricks notebook source"
CELL_SEPARATOR = "# COMMAND ----------"
MAGIC_PREFIX = "# MAGIC"


@dataclass
class Cell:
    """One notebook cell: its text and, for `%magic` cells, the magic's name."""

    source: str
    magic: str | None = None


def find_notebook(path: Path) -> Path:
    """The file behind a notebook path, which Databricks gives without an extension."""
    for candidate in (path, path.with_name(path.name + ".py"), path.with_name(path.name + ".ipynb")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"Notebook not found: {path} (looked for it with .py and .ipynb too)")


def read_cells(path: Path) -> list[Cell]:
    """The cells of a notebook file, in order."""
    text = path.read_text()
    if path.suffix == ".ipynb":
        return [
            _cell(_ipynb_source(cell))
            for cell in json.loads(text).get("cells", [])
            if cell.get("cell_type") == "code"
        ]
    lines = text.splitlines()
    if lines and lines[0].strip() == SOURCE_HEADER:
        lines = lines[1:]
    cells: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip() == CELL_SEPARATOR:
            cells.append("\n".join(current))
            current = []
        else:
            current.append(line)
    cells.append("\n".join(current))
    return [_cell(_unmagic(source)) for source in cells if source.strip()]


def run_cells(path: Path, namespace: dict[str, Any]) -> None:
    """Executes every cell in one namespace, the way a notebook run does."""
    for number, cell in enumerate(read_cells(path), start=1):
        if cell.magic in (None, "python"):
            exec(compile(cell.source, f"{path.name} [cell {number}]", "exec"), namespace)
        elif cell.magic == "sh":
            subprocess.run(["bash", "-c", cell.source], check=True)
        elif cell.magic == "pip":
            subprocess.run([sys.executable, "-m", "pip", "install", *shlex.split(cell.source)], check=True)
        elif cell.magic == "run":
            run_cells(find_notebook((path.parent / cell.source.strip()).resolve()), namespace)


def _ipynb_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _unmagic(source: str) -> str:
    lines = source.strip("\n").splitlines()
    if lines and all(line.startswith(MAGIC_PREFIX) for line in lines):
        return "\n".join(line[len(MAGIC_PREFIX) :].removeprefix(" ") for line in lines)
    return source


def _cell(source: str) -> Cell:
    stripped = source.lstrip()
    if not stripped.startswith("%"):
        return Cell(source)
    first, _, rest = stripped.partition("\n")
    magic, _, argument = first[1:].partition(" ")
    if magic in ("pip", "run"):
        return Cell(argument, magic)
    return Cell(rest, magic)
