"""Query parameters several endpoints share, bounded so the database never sees an out-of-range value."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_OFFSET = 2**31 - 1
"""Deepest row a page may start at (SQLite and PostgreSQL refuse offsets past 64 bits; nobody pages that far)."""

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
"""How many rows a page skips."""

MAX_ROW_ID = 2**31 - 1
"""Largest id of a row keyed by a 32-bit integer: a bigger one names nothing, and the database would refuse it."""

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Id of a stored row.")]
"""A path parameter naming a row by its integer id."""
