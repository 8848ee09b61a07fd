"""Converting notebooks between Databricks source files and Jupyter documents for export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lakerun.local.errors import invalid_parameter
from lakerun.local.workspace_tree import JUPYTER_SUFFIX, LANGUAGES

CELL_SEPARATOR = re.compile(r"^# COMMAND -+\s*$", re.MULTILINE)
MAGIC_PREFIX = "# MAGIC "
PYTHON_HEADER = LANGUAGES["PYTHON"][1]


def export_notebook(local: Path, language: str, fmt: str) -> tuple[bytes, str]:
    """The bytes and `file_type` of a notebook exported in `fmt` (SOURCE, JUPYTER, AUTO or RAW)."""
    stored = local.read_bytes()
    is_jupyter = local.suffix == JUPYTER_SUFFIX
    if fmt in ("AUTO", "RAW"):
        return stored, local.suffix.lstrip(".")
    if fmt == "SOURCE":
        return (jupyter_to_source(stored), "py") if is_jupyter else (stored, local.suffix.lstrip("."))
    if fmt == "JUPYTER":
        if is_jupyter:
            return stored, "ipynb"
        if language != "PYTHON":
            raise invalid_parameter(f"A {language} notebook cannot be exported as JUPYTER locally")
        return source_to_jupyter(stored), "ipynb"
    raise invalid_parameter(
        f"Export format {fmt} is not supported by the local workspace; use SOURCE, JUPYTER or AUTO"
    )


def source_cells(source: str) -> list[str]:
    """The cells of a Databricks source notebook, without its header line."""
    body = source.lstrip("\ufeff")
    if body.startswith(PYTHON_HEADER):
        body = body[len(PYTHON_HEADER) :]
    return [cell.strip("\n") for cell in CELL_SEPARATOR.split(body) if cell.strip()]


def source_to_jupyter(source: bytes) -> bytes:
    """A Jupyter document with one cell per `# COMMAND ----------` block (`%md` cells as markdown)."""
    cells = [_jupyter_cell(cell) for cell in source_cells(source.decode("utf-8"))]
    document = {
        "cells": cells,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1).encode()


def jupyter_to_source(document: bytes) -> bytes:
    """A Databricks source notebook from a Jupyter document (markdown cells become `%md` magics)."""
    blocks = []
    for cell in json.loads(document).get("cells", []):
        text = (
            "".join(cell.get("source", []))
            if isinstance(cell.get("source"), list)
            else str(cell.get("source", ""))
        )
        if cell.get("cell_type") == "markdown":
            text = "\n".join(
                MAGIC_PREFIX + line if line else MAGIC_PREFIX.rstrip() for line in ["%md", *text.splitlines()]
            )
        blocks.append(text)
    return (PYTHON_HEADER + "\n" + "\n\n# COMMAND ----------\n\n".join(blocks) + "\n").encode()


def _jupyter_cell(cell: str) -> dict[str, Any]:
    lines = cell.splitlines()
    if lines and lines[0].startswith(MAGIC_PREFIX + "%md"):
        text = "\n".join(
            line[len(MAGIC_PREFIX) :] if line.startswith(MAGIC_PREFIX) else line.removeprefix("# MAGIC")
            for line in lines[1:]
        )
        return {"cell_type": "markdown", "metadata": {}, "source": text}
    return {"cell_type": "code", "metadata": {}, "source": cell, "outputs": [], "execution_count": None}
