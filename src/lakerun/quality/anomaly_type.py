"""What an anomaly type is (how it is found, how likely it is real, how it is scored) and the helpers rules share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lakerun.quality.profile import ColumnProfile

TEXT_AS_NUMBER = "text_as_number"
"""Metric set to 1 on a text column profiled as numeric (see quality/numeric_text.py)."""

DataObject = Literal["Column", "Multi-Col", "Dates", "Table", "Variant"]
Dimension = Literal["Completeness", "Validity", "Uniqueness", "Consistency", "Timeliness", "Accuracy"]
ColumnRule = Callable[[ColumnProfile], "str | None"]
Prevalence = Callable[[ColumnProfile], float]


@dataclass(frozen=True)
class AnomalyType:
    """One kind of anomaly: how it is found, how likely it is a real problem, and how it is scored."""

    id: str
    anomaly_type: str
    data_object: DataObject
    name: str
    description: str
    likelihood: Literal["Definite", "Likely", "Possible", "Potential PII"]
    dimension: Dimension | None
    risk: float | None
    """dq_score_risk_factor; None = never scored (as in TestGen)."""
    rule: ColumnRule | None = None
    """Column-level rule; multi-column, dates and table types are evaluated in `group_rules`."""
    prevalence: Prevalence | None = None
    """Fraction of the column's records affected; None = not scored."""


def share(c: ColumnProfile, metric: str, of: str = "value_ct") -> float:
    """metric / denominator, 0 when the denominator is 0."""
    denominator = c.number(of)
    return c.number(metric) / denominator if denominator else 0.0


def per_record(*metrics: str) -> Prevalence:
    """Prevalence = Σ metrics / record_ct."""
    return lambda c: sum(c.number(m) for m in metrics) / c.record_ct if c.record_ct else 0.0


def when(condition: bool, detail: str) -> str | None:
    """The detail when the condition holds."""
    return detail if condition else None


def is_text(c: ColumnProfile) -> bool:
    """A text column with at least one value."""
    return c.general_type == "A" and c.number("value_ct") > 0


def name_like(c: ColumnProfile, pattern: str) -> bool:
    """Whether the lower-cased column name matches a regex."""
    return re.search(pattern, c.column_name.lower()) is not None


def real_values(c: ColumnProfile) -> float:
    """Values that are neither null, empty nor a placeholder (a text column profiled as numeric counts only
    its numbers as values already)."""
    if c.metrics.get(TEXT_AS_NUMBER):
        return c.number("value_ct")
    return c.number("value_ct") - c.number("filled_value_ct") - c.number("zero_length_ct")
