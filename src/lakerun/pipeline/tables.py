"""Table names to locations: Unity Catalog three-level names live under the pipeline's warehouse locally."""

from __future__ import annotations

import posixpath
import re

THREE_LEVEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
QUARANTINE_SUFFIX = "_quarantine"


def is_three_level_name(name: str) -> bool:
    """Whether `name` is a Unity Catalog `catalog.schema.table` name (rather than a path)."""
    return bool(THREE_LEVEL_NAME.match(name))


def is_dotted_name(name: str) -> bool:
    """Whether `name` looks like a table name (`a.b`, `a.b.c`, ...) rather than a path."""
    return bool(DOTTED_NAME.match(name))


def check_table_name(name: str) -> str:
    """`name` itself, unless it is a dotted name without exactly three parts (which has no home)."""
    if is_dotted_name(name) and not is_three_level_name(name):
        raise ValueError(
            f"`{name}` is not a `catalog.schema.table` name: give all three parts "
            "(e.g. `main.gold.x`), or a location with `path:`"
        )
    return name


def table_location(name_or_path: str, warehouse: str) -> str:
    """Where a table lives: `<warehouse>/catalog/schema/table` for a three-level name, else the path itself."""
    if is_three_level_name(name_or_path):
        return posixpath.join(warehouse, *name_or_path.split("."))
    return name_or_path


def quarantine_name(sink_name_or_path: str) -> str:
    """The default quarantine table next to a sink: the same name with a `_quarantine` suffix."""
    return sink_name_or_path.rstrip("/") + QUARANTINE_SUFFIX
