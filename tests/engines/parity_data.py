"""The small dirty table every engine's profile is compared on against DuckDB's (parity tests)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

RUN_DATE = dt.date(2025, 6, 15)
TABLE = pa.table(
    {
        "name": ["Alice", " bob", "N/A", "", None, "CAROL", "alice@x.com", "12,345.5", "Alice", "Alice"],
        "amount": [1.5, -2.0, 0.0, None, 3.0, 4.0, 5.0, 6.0, 1.0, 1.0],
        "day": [dt.date(2020, 1, 1)] * 4
        + [None, dt.date(2030, 1, 1), dt.date(1800, 1, 1), dt.date(2025, 6, 1), None, None],
        "flag": [True, False, None, True, True, True, False, True, True, True],
        "qty": list(range(10)),
        "seen": [
            "25/03/2024",
            "01/03/2024",
            "2024-03-05T10:00:00Z",
            None,
            "x",
            "10/03/2024",
            "",
            "31/03/2024",
            "02/03/2024",
            "n/a",
        ],
    }
)
APPROXIMATE = {
    "percentile_25",
    "percentile_50",
    "percentile_75",
    "percentile_95",
    "outlier_fence_low",
    "outlier_fence_high",
}
"""Quantiles (and the outlier fences built on them): approximate on Spark (percentile_approx), so compared within
tolerance instead of exactly."""
ENGINE_ONLY = {
    "quantile_sample_ratio",
    "class_value_ct",
    "class_distinct_ct",
    "text_sample_ratio",
    "top_freq_sample_ratio",
}
"""Bookkeeping an engine records about how it measured, not a property of the data."""
