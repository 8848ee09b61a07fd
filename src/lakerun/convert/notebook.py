"""Databricks `.py` source notebooks: the header line, `# COMMAND ----------` cells, markdown via `# MAGIC`."""

from __future__ import annotations

import re

HEADER = "# Databricks notebook source"
SEPARATOR = "\n\n# COMMAND ----------\n\n"

HELPERS = '''from pyspark.sql import Window
from pyspark.sql import functions as F


def lakerun_param(name, default):
    """A job or notebook parameter (a widget on Databricks), else the value the flow had."""
    try:
        return dbutils.widgets.get(name)
    except Exception:
        return default


def lakerun_unconverted(processor, reason):
    """Stops the job at a processor the converter could not translate, unless unconverted steps are allowed."""
    message = f"unconverted NiFi processor {processor}: {reason}"
    if str(PARAMS.get("allow_unconverted", "false")).lower() != "true":
        raise NotImplementedError(message)
    print("WARNING", message)


def lakerun_flatten(schema, separator, prefix=""):
    """Columns for every leaf of nested structs, named by their path."""
    columns = []
    for field in schema.fields:
        path = f"{prefix}.{field.name}" if prefix else field.name
        if field.dataType.typeName() == "struct":
            columns += lakerun_flatten(field.dataType, separator, path)
        else:
            columns.append(F.col(path).alias(path.replace(".", separator)))
    return columns


def lakerun_window(column):
    """Rows of one file in read order."""
    return Window.partitionBy(column).orderBy(F.monotonically_increasing_id())'''


def markdown(text: str) -> str:
    """A markdown cell."""
    lines = ["%md", *text.splitlines()]
    return "\n".join(f"# MAGIC {line}".rstrip() for line in lines)


def render(cells: list[str]) -> str:
    """The notebook file's text."""
    return HEADER + "\n" + SEPARATOR.join(cell.strip("\n") for cell in cells) + "\n"


def cells_of(source: str) -> list[str]:
    """The cells of a source notebook (for validation and display)."""
    body = source.split("\n", 1)[1] if source.startswith(HEADER) else source
    return [cell.strip("\n") for cell in re.split(r"\n# COMMAND -{10}\n", body) if cell.strip()]


def python_cells(source: str) -> list[str]:
    """The cells that hold Python (markdown and other magics excluded)."""
    return [cell for cell in cells_of(source) if not cell.startswith("# MAGIC")]


def setup_cell(defaults: dict[str, str]) -> str:
    """The parameters every notebook of the flow reads, and the helpers the generated code calls."""
    items = "".join(f"    {name!r}: {value!r},\n" for name, value in sorted(defaults.items()))
    return (
        f"{HELPERS}\n\n\nPARAMETER_DEFAULTS = {{\n{items}}}\n"
        "PARAMS = {name: lakerun_param(name, default) for name, default in PARAMETER_DEFAULTS.items()}\n"
        'SECRET_SCOPE = PARAMS["secret_scope"]\nCHECKPOINT_ROOT = PARAMS["checkpoint_root"]\n'
        'STAGING_ROOT = PARAMS["staging_root"]'
    )
