"""Data-quality profiling: SQL builders per dialect, metrics, the anomaly catalogue and scores.

Callers use `assess(engine, table_name)` (profile + anomalies + scores) or `profile_table` and
`evaluate` separately when profiles are stored between runs.
"""

from lakerun.quality.anomalies import Anomaly, detect
from lakerun.quality.assessment import QualityAssessment, assess, evaluate
from lakerun.quality.profile import ColumnProfile, TableProfile
from lakerun.quality.profiler import ProfileOptions, profile_table

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
