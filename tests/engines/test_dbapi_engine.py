"""The DB-API adapter against a real PostgreSQL: the same profile as DuckDB on the same data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pyarrow as pa
import pytest

from lakerun.engines.dbapi_engine import DbApiEngine
from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.engines.sql import EngineError
from lakerun.quality import ProfileOptions, profile_table
from tests.engines.parity_data import ENGINE_ONLY, RUN_DATE, TABLE
from tests.support.components import unavailable

pytestmark = pytest.mark.postgres
CONNINFO = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@pytest.fixture
def postgres() -> Iterator[DbApiEngine]:
    try:
        engine = DbApiEngine.postgres(CONNINFO)
    except Exception as error:  # the server is part of the test environment; say why when it is absent
        unavailable("postgres", f"PostgreSQL at 127.0.0.1:5432 not reachable: {error}")
    yield engine
    engine.close()


def test_postgres_profile_equals_duckdb_profile(postgres: DbApiEngine) -> None:
    name = f"t_{uuid.uuid4().hex[:8]}"
    postgres.register(name, TABLE)
    duck = DuckDBEngine()
    duck.register(name, TABLE)
    options = ProfileOptions(run_date=RUN_DATE, exact_distinct=True)
    on_postgres, on_duckdb = profile_table(postgres, name, options), profile_table(duck, name, options)
    assert on_postgres.distinct_is_exact
    assert on_postgres.duplicate_row_ct == on_duckdb.duplicate_row_ct
    for pg_column, duck_column in zip(on_postgres.columns, on_duckdb.columns, strict=True):
        assert not pg_column.query_error
        for metric, value in duck_column.metrics.items():
            if metric not in ENGINE_ONLY:
                assert pg_column.metrics.get(metric) == pytest.approx(value), (pg_column.column_name, metric)
        assert pg_column.top_values == duck_column.top_values
        assert pg_column.top_patterns == duck_column.top_patterns


def test_postgres_quantiles_are_exact(postgres: DbApiEngine) -> None:
    name = f"t_{uuid.uuid4().hex[:8]}"
    postgres.register(name, pa.table({"x": [float(i) for i in range(1, 101)]}))
    column = profile_table(postgres, name, ProfileOptions(run_date=RUN_DATE)).column("x")
    assert column.number("percentile_50") == pytest.approx(50.5)
    assert column.number("percentile_25") == pytest.approx(25.75)


def test_postgres_errors_become_engine_errors(postgres: DbApiEngine) -> None:
    with pytest.raises(EngineError, match="postgres failed"):
        postgres.query("SELECT * FROM no_such_table_here")
    assert postgres.query("SELECT 1 AS one").to_pylist() == [{"one": 1}]
