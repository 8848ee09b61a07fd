"""The stored profile of a table: plain data, JSON-ready, read by the anomaly rules and the scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

GeneralType = Literal["A", "N", "D", "B", "X"]
"""TestGen's general types: A alpha/text, N numeric, D date/timestamp, B boolean, X other."""

Metric = int | float | str | None


@dataclass
class ColumnProfile:
    """Every metric measured for one column, plus what was inferred from them."""

    column_name: str
    position: int
    general_type: GeneralType
    db_data_type: str
    metrics: dict[str, Metric] = field(default_factory=dict)
    top_values: list[tuple[str, int]] = field(default_factory=list)
    top_patterns: list[tuple[str, int]] = field(default_factory=list)
    functional_data_type: str = ""
    pii_flag: str = ""
    datatype_suggestion: str = ""
    query_error: str = ""
    histogram: list[list[float]] = field(default_factory=list)
    """Equal-width bins of a numeric column as `[low, high, rows]`, when measured (table groups)."""

    def number(self, name: str) -> float:
        """A numeric metric, 0 when it was not measured (e.g. text metrics of a number column)."""
        value = self.metrics.get(name)
        return float(value) if isinstance(value, int | float) else 0.0

    def text(self, name: str) -> str:
        """A text metric, '' when it was not measured."""
        value = self.metrics.get(name)
        return "" if value is None else str(value)

    @property
    def record_ct(self) -> float:
        """Rows in the table (scaled to the whole table when sampled)."""
        return self.number("record_ct")


@dataclass
class TableProfile:
    """One table's profile: row count, table-level metrics and every column (never capped)."""

    table_name: str
    record_ct: int
    columns: list[ColumnProfile]
    run_date: str
    dialect: str
    duplicate_row_ct: int | None = None
    distinct_is_exact: bool = True
    sample_ratio: float = 1.0
    timings: dict[str, float] = field(default_factory=dict)

    def column(self, name: str) -> ColumnProfile:
        """The profile of column `name`; KeyError names the column when absent."""
        for column in self.columns:
            if column.column_name == name:
                return column
        raise KeyError(f"column {name!r} is not in the profile of {self.table_name!r}")

    @property
    def data_point_ct(self) -> int:
        """Rows x columns: the denominator of the scores."""
        return self.record_ct * len(self.columns)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableProfile:
        """Rebuild a profile stored with `to_dict`."""
        columns = [_column_from_dict(c) for c in data["columns"]]
        return cls(**{**data, "columns": columns})


def _column_from_dict(data: dict[str, Any]) -> ColumnProfile:
    """Rebuild one column profile, restoring the (value, count) pairs."""
    pairs = {key: [(str(v), int(n)) for v, n in data.get(key, [])] for key in ("top_values", "top_patterns")}
    return ColumnProfile(**{**data, **pairs})
