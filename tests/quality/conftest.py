"""Helpers for quality tests: profile small Arrow tables in a real DuckDB engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import pyarrow as pa
import pytest

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.quality import ProfileOptions, QualityAssessment, TableProfile, evaluate, profile_table

RUN_DATE = dt.date(2025, 6, 15)

TableData: TypeAlias = Mapping[str, Any] | pa.Table


def as_arrow(data: TableData) -> pa.Table:
    return data if isinstance(data, pa.Table) else pa.table(dict(data))


def profile_tables(tables: Mapping[str, TableData], **options: Any) -> list[TableProfile]:
    """Profile each table in a fresh DuckDB engine."""
    engine = DuckDBEngine()
    try:
        for name, data in tables.items():
            engine.register(name, as_arrow(data))
        opts = ProfileOptions(run_date=RUN_DATE, **options)
        return [profile_table(engine, name, opts) for name in tables]
    finally:
        engine.close()


@pytest.fixture
def assess_tables() -> Callable[..., QualityAssessment]:
    """assess_tables({"t": {...}}, previous=..., history=...) -> QualityAssessment."""

    def run(tables: Mapping[str, TableData], **kwargs: Any) -> QualityAssessment:
        return evaluate(profile_tables(tables), **kwargs)

    return run
