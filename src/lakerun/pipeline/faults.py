"""Fault injection at the commit points of a table run, so tests can kill the process where a crash hurts.

`LAKERUN_PIPELINE_FAULT=<table>:<point>` ends the process abruptly (no cleanup, like a killed task)
when table `<table>` reaches `<point>`: `after_quarantine` (quarantine committed, table not yet) or
`after_table` (table committed, the rest of the run not yet).
"""

from __future__ import annotations

import os

FAULT_VARIABLE = "LAKERUN_PIPELINE_FAULT"
FAULT_EXIT_CODE = 86
POINTS = ("after_quarantine", "after_table")


def reached(table: str, point: str) -> None:
    """End the process now when the environment asks for a fault at this table's `point`."""
    if os.environ.get(FAULT_VARIABLE, "") == f"{table}:{point}":
        os._exit(FAULT_EXIT_CODE)
