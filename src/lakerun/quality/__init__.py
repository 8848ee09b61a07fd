"""Data-quality profiling: SQL builders per dialect, metrics, the anomaly catalogue and scores.

Callers use `assess(engine, table_name)` (profile + anomalies + scores) or `profile_table` and
`evaluate` separately when profiles are stored between runs. The names are loaded on first use, so a
task importing one module of the package (`lakerun-profile --help`) does not pay for the profiler.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakerun.quality.anomalies import Anomaly, detect
    from lakerun.quality.assessment import QualityAssessment, assess, evaluate
    from lakerun.quality.profile import ColumnProfile, TableProfile
    from lakerun.quality.profiler import ProfileOptions, profile_table

_HOMES = {
    "Anomaly": "anomalies",
    "detect": "anomalies",
    "QualityAssessment": "assessment",
    "assess": "assessment",
    "evaluate": "assessment",
    "ColumnProfile": "profile",
    "TableProfile": "profile",
    "ProfileOptions": "profiler",
    "profile_table": "profiler",
}

__all__ = [
    "Anomaly",
    "ColumnProfile",
    "ProfileOptions",
    "QualityAssessment",
    "TableProfile",
    "assess",
    "detect",
    "evaluate",
    "profile_table",
]


def __getattr__(name: str) -> Any:
    """Loads a public name from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'lakerun.quality' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lakerun.quality.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
