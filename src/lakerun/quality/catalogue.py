"""The anomaly catalogue: TestGen's 32 hygiene types plus lakerun's alerts, table and drift types, by name.

Each type carries its likelihood, data-quality dimension, risk factor and prevalence formula in one
place; column rules read only the stored profile, so detection is the same whatever engine profiled.
"""

from __future__ import annotations

from lakerun.quality.alerts import ALERT_TYPES
from lakerun.quality.anomaly_type import AnomalyType
from lakerun.quality.testgen_types import COLUMN_TYPES

TABLE_TYPES: tuple[AnomalyType, ...] = (
    AnomalyType(
        id="2001",
        anomaly_type="Duplicate_Rows",
        data_object="Table",
        name="Duplicate Rows",
        description="Whole rows repeated.",
        likelihood="Likely",
        dimension="Uniqueness",
        risk=1.0,
    ),
    AnomalyType(
        id="2002",
        anomaly_type="Empty_Table",
        data_object="Table",
        name="Empty Table",
        description="The table (or file) has no rows: nothing to score.",
        likelihood="Definite",
        dimension="Completeness",
        risk=None,
    ),
    AnomalyType(
        id="2003",
        anomaly_type="Schema_Drift",
        data_object="Table",
        name="Schema Drift",
        description="Columns added, removed or retyped since the previous run.",
        likelihood="Possible",
        dimension="Consistency",
        risk=0.66,
    ),
    AnomalyType(
        id="2015",
        anomaly_type="Profile_Error",
        data_object="Column",
        name="Column Could Not Be Profiled",
        description="A query on the column failed: it is left out of the scores.",
        likelihood="Definite",
        dimension=None,
        risk=None,
    ),
    AnomalyType(
        id="2004",
        anomaly_type="Metric_Drift",
        data_object="Column",
        name="Metric Drift",
        description="A metric moved outside the z-band of its history.",
        likelihood="Possible",
        dimension="Consistency",
        risk=0.33,
    ),
)

ALL_COLUMN_TYPES: tuple[AnomalyType, ...] = COLUMN_TYPES + ALERT_TYPES
"""TestGen's column types and lakerun's own (ydata-style alerts and measurable consistency/accuracy rules)."""

CATALOGUE: dict[str, AnomalyType] = {t.anomaly_type: t for t in ALL_COLUMN_TYPES + TABLE_TYPES}
"""Every anomaly type by name."""
