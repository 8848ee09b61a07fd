"""The same store on a local SparkSession: DDL, validation and drift through Spark SQL; MERGE parses as Spark SQL.

Local Spark has no Delta jars, so tables are created without `USING DELTA` here and the MERGE (which
Spark runs only on Delta tables) is checked by Spark's own parser.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakerun.executor.schema import ALL_TABLES
from lakerun.executor.store import MetadataStore

pytestmark = pytest.mark.spark


@pytest.fixture
def spark_engine(spark_session):
    from lakerun.engines.spark_engine import SparkEngine

    return SparkEngine(spark_session)


def test_store_schema_on_spark(spark_engine, tmp_path) -> None:
    spark_engine.session.sql(f"CREATE SCHEMA lakerun_meta LOCATION '{tmp_path / 'lakerun_meta'}'")
    store = MetadataStore(spark_engine, "lakerun_meta", table_format=None)
    assert store.validate(create=True).tables_created == [t.name for t in ALL_TABLES]
    again = store.validate(create=False)
    assert again.validation_status == "valid" and again.tables_found == [t.name for t in ALL_TABLES]
    spark_engine.register("incoming", pa.table({"log_id": ["x"]}))
    parser = spark_engine.session._jsparkSession.sessionState().sqlParser()
    for table in ALL_TABLES:
        parser.parsePlan(store.merge_statement(table.name, "incoming"))
    spark_engine.session.sql("ALTER TABLE lakerun_meta.logs ADD COLUMN legacy STRING")
    assert store.validate(create=False).column_drift == {"logs": {"extra_columns": ["legacy"]}}
    spark_engine.session.sql("DROP SCHEMA lakerun_meta CASCADE")
