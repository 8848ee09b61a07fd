"""Database tables as pipeline inputs against the real PostgreSQL: plan checks, incremental appends by
watermark, a query input, and a password that never shows up in plans or errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lakerun.engines import database_source
from lakerun.engines.delta_io import commit_metadata_value, open_table
from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.pipeline import commands
from lakerun.pipeline.errors import PlanError
from lakerun.pipeline.plan import SOURCE_MARK_PREFIX
from tests.pipeline.conftest import runner_for
from tests.support.components import unavailable

pytestmark = pytest.mark.postgres
SERVER = "host=127.0.0.1 port=5432 dbname=test user={user}"
URL = "postgresql://{user}:{{{{secrets/crm/password}}}}@127.0.0.1:5432/test"


def _connect() -> tuple[Any, str]:
    import psycopg

    for user in ("postgres", "root"):
        try:
            return psycopg.connect(SERVER.format(user=user), autocommit=True), user
        except psycopg.Error:
            continue
    unavailable("postgres", "no PostgreSQL server reachable at 127.0.0.1:5432 (db test, trust auth)")
    raise AssertionError("unreachable")


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, str]]:
    """A fresh orders table in the test database; the URL's password comes from a secret reference."""
    connection, user = _connect()
    name = f"orders_{uuid.uuid4().hex[:8]}"
    connection.execute(
        f"CREATE TABLE {name} (id integer PRIMARY KEY, customer text, amount numeric(10,2), "
        "updated_at timestamp NOT NULL)"
    )
    connection.execute(
        f"INSERT INTO {name} SELECT g, 'c' || (g % 7), g * 1.5, timestamp '2024-01-01' + g * interval '1 hour' "
        "FROM generate_series(1, 40) g"
    )
    monkeypatch.setenv("LAKERUN_SECRET_CRM_PASSWORD", "s3cret-not-used-by-trust-auth")
    yield connection, name, URL.format(user=user)
    connection.execute(f"DROP TABLE IF EXISTS {name}")
    connection.close()


def _pipeline(url: str, source: dict[str, Any], mode: str = "append") -> dict[str, Any]:
    return {
        "name": "crm",
        "warehouse": "wh",
        "tables": {
            "orders": {
                "layer": "bronze",
                "inputs": {"src": {"type": "database", "url": url, **source}},
                "expectations": [{"type": "range", "column": "amount", "min": 0, "action": "quarantine"}],
                "sink": {"table": "main.bronze.orders", "mode": mode},
            },
            "by_customer": {
                "layer": "gold",
                "inputs": ["orders"],
                "transform": {
                    "sql": "SELECT customer, count(*) AS orders, sum(amount) AS total FROM orders GROUP BY customer"
                },
            },
        },
    }


def _run(path: Path, engine: Any = None) -> dict[str, Any]:
    runner = runner_for(path)
    duck = engine or DuckDBEngine()
    try:
        return {r.name: r for r in runner.run_all(duck)}
    finally:
        if engine is None:
            duck.close()


def test_new_rows_are_appended_by_watermark_and_a_rerun_with_nothing_new_reads_nothing(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], tmp_path: Path
) -> None:
    connection, name, url = orders
    path = write_config(_pipeline(url, {"table": name, "watermark": "updated_at"}))
    first = _run(path)
    assert (first["orders"].rows_in, first["orders"].rows_out) == (40, 40)
    connection.execute(
        f"INSERT INTO {name} SELECT g, 'new', g, timestamp '2025-01-01' + g * interval '1 minute' "
        "FROM generate_series(41, 45) g"
    )
    second = _run(path)
    assert second["orders"].rows_in == 5 and not second["orders"].skipped
    table = open_table(str(tmp_path / "wh" / "main" / "bronze" / "orders"))
    assert table is not None and table.to_pyarrow_table().num_rows == 45
    ids = table.to_pyarrow_table().column("id").to_pylist()
    assert sorted(ids) == list(range(1, 46))
    gold = open_table(str(tmp_path / "wh" / "main" / "gold" / "by_customer")).to_pyarrow_table()
    assert dict(zip(gold["customer"].to_pylist(), gold["orders"].to_pylist(), strict=True))["new"] == 5
    third = _run(path)
    assert third["orders"].skipped and third["by_customer"].skipped


def test_a_query_input_is_read_with_its_types(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], tmp_path: Path
) -> None:
    _, name, url = orders
    query = f"SELECT id, upper(customer) AS customer, amount, updated_at FROM {name} WHERE id <= 10;"
    path = write_config(_pipeline(url, {"query": query}, mode="overwrite"))
    plan = runner_for(path).plan("orders")
    assert plan.types()["updated_at"].upper().startswith("TIMESTAMP")
    results = _run(path)
    assert results["orders"].rows_out == 10
    rows = open_table(str(tmp_path / "wh" / "main" / "bronze" / "orders")).to_pyarrow_table()
    assert set(rows["customer"].to_pylist()) <= {f"C{i}" for i in range(7)}


def test_plan_names_a_bad_watermark_or_mode_and_writes_nothing(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], tmp_path: Path
) -> None:
    _, name, url = orders
    unknown = write_config(_pipeline(url, {"table": name, "watermark": "changed_at"}))
    with pytest.raises(PlanError, match=r"inputs\.src\.watermark: column `changed_at`"):
        runner_for(unknown).plan_all()
    overwrite = write_config(_pipeline(url, {"table": name, "watermark": "updated_at"}, mode="overwrite"))
    with pytest.raises(PlanError, match="append or merge"):
        runner_for(overwrite).plan_all()
    missing = write_config(_pipeline(url, {"table": f"{name}_nope"}))
    with pytest.raises(PlanError, match=r"tables\.orders\.inputs\.src"):
        runner_for(missing).plan_all()
    assert not (tmp_path / "wh").exists()


def test_a_password_in_the_url_stays_out_of_the_plan_and_of_errors(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, name, _ = orders
    wrong_port = "postgresql://nobody:hunter2secret@127.0.0.1:1/test"
    path = write_config(_pipeline(wrong_port, {"table": name}))
    assert commands.plan(str(path), as_json=True) == 1
    out = capsys.readouterr()
    assert "cannot connect to the database" in out.out + out.err
    assert "hunter2secret" not in out.out + out.err
    _, _, referenced = orders
    good = write_config(_pipeline(referenced, {"table": name}), name="good.yml")
    assert commands.plan(str(good), as_json=True) == 0
    document = json.loads(capsys.readouterr().out)
    source = document["tables"][0]["inputs"]["src"]
    assert source["kind"] == "database" and "{{secrets/crm/password}}" in source["uri"]
    assert "s3cret" not in json.dumps(document)


@pytest.mark.spark
@pytest.mark.timeout(900)
def test_spark_reads_the_database_input_like_duckdb(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], tmp_path: Path, spark_session: Any
) -> None:
    from lakerun.engines.spark_tables import SparkTableEngine

    _, name, url = orders
    path = write_config(_pipeline(url, {"table": name, "watermark": "updated_at"}))
    engine = SparkTableEngine(spark_session)
    try:
        results = _run(path, engine)
    finally:
        engine.close()
    assert results["orders"].rows_out == 40
    gold = open_table(str(tmp_path / "wh" / "main" / "gold" / "by_customer")).to_pyarrow_table()
    assert sum(gold["orders"].to_pylist()) == 40


def test_a_full_refresh_reads_the_whole_table_again(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], tmp_path: Path
) -> None:
    from lakerun.pipeline.runner import RefreshRequest

    _, name, url = orders
    path = write_config(_pipeline(url, {"table": name, "watermark": "updated_at"}))
    _run(path)
    engine = DuckDBEngine()
    try:
        results = runner_for(path).run_all(engine, refresh=RefreshRequest(full_refresh=["orders"]))
    finally:
        engine.close()
    assert results[0].rows_in == 40 and results[0].refresh == "full"
    table = open_table(str(tmp_path / "wh" / "main" / "bronze" / "orders")).to_pyarrow_table()
    assert table.num_rows == 40


def test_a_table_larger_than_one_batch_is_streamed_whole_and_its_watermark_kept(
    orders: tuple[Any, str, str], write_config: Callable[..., Path], tmp_path: Path
) -> None:
    connection, name, url = orders
    rows = 2 * database_source.BATCH_ROWS + 123
    connection.execute(
        f"INSERT INTO {name} SELECT g, 'bulk', g % 1000, timestamp '2023-01-01' + g * interval '1 second' "
        f"FROM generate_series(41, {rows}) g"
    )
    path = write_config(_pipeline(url, {"table": name, "watermark": "updated_at"}))
    first = _run(path)
    assert (first["orders"].rows_in, first["orders"].rows_out) == (rows, rows)
    bronze = str(tmp_path / "wh" / "main" / "bronze" / "orders")
    table = open_table(bronze).to_pyarrow_table()
    assert table.num_rows == rows and sorted(table.column("id").to_pylist()) == list(range(1, rows + 1))
    highest = connection.execute(f"SELECT max(updated_at)::text FROM {name}").fetchone()[0]
    assert commit_metadata_value(bronze, SOURCE_MARK_PREFIX + "src") == highest
    gold = open_table(str(tmp_path / "wh" / "main" / "gold" / "by_customer")).to_pyarrow_table()
    assert sum(gold["orders"].to_pylist()) == rows
    connection.execute(
        f"INSERT INTO {name} VALUES ({rows + 1}, 'late', 1, timestamp '2030-01-01'), "
        f"({rows + 2}, 'early', 1, timestamp '2000-01-01')"
    )
    second = _run(path)
    assert second["orders"].rows_in == 1
    assert commit_metadata_value(bronze, SOURCE_MARK_PREFIX + "src") == "2030-01-01 00:00:00"


def test_a_read_arrives_in_batches_of_the_set_size_with_the_highest_watermark(
    orders: tuple[Any, str, str],
) -> None:
    _, name, url = orders
    query = database_source.DatabaseQuery(table=name, watermark="updated_at", since="2024-01-01 05:00:00")
    stream = database_source.read_rows(url.replace("{{secrets/crm/password}}", "x"), query, batch_rows=7)
    sizes = [batch.num_rows for batch in stream.reader()]
    assert sizes == [7, 7, 7, 7, 7] and stream.high_watermark() == "2024-01-02 16:00:00"
