"""Tables, not layers: several inputs joined by SQL, diamonds, cycles and unknown names, lineage in the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakerun.engines.delta_io import open_table
from lakerun.pipeline import commands
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.errors import ConfigError
from tests.pipeline.conftest import runner_for


def parquet(folder: Path, rows: list[dict]) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-0.parquet")
    return {"type": "files", "path": str(folder), "format": "parquet"}


@pytest.fixture
def shop(tmp_path: Path) -> dict:
    """Orders and customers as two parquet sources."""
    orders = [
        {"order_id": 1, "customer_id": 1, "amount": 10.0},
        {"order_id": 2, "customer_id": 1, "amount": 5.0},
    ]
    orders.append({"order_id": 3, "customer_id": 2, "amount": 7.0})
    customers = [{"customer_id": 1, "country": "FR"}, {"customer_id": 2, "country": "NO"}]
    return {
        "orders": parquet(tmp_path / "orders", orders),
        "customers": parquet(tmp_path / "customers", customers),
    }


def diamond(shop: dict) -> dict:
    """orders → (per_customer, big_orders) → report: two paths from one table to another."""
    return {
        "name": "diamond",
        "warehouse": "wh",
        "tables": {
            "orders": {"layer": "bronze", "inputs": {"src": shop["orders"]}},
            "customers": {"layer": "bronze", "inputs": {"src": shop["customers"]}},
            "per_customer": {
                "layer": "silver",
                "inputs": ["orders", "customers"],
                "transform": {
                    "sql": "SELECT c.country, o.customer_id, sum(o.amount) AS spent "
                    "FROM orders o JOIN customers c ON c.customer_id = o.customer_id GROUP BY 1, 2"
                },
            },
            "big_orders": {
                "layer": "silver",
                "inputs": ["orders"],
                "transform": {"steps": [{"op": "filter", "condition": "amount >= 7"}]},
            },
            "report": {
                "layer": "gold",
                "inputs": {"spend": "per_customer", "big": "big_orders"},
                "transform": {
                    "sql": "SELECT s.country, s.spent, count(b.order_id) AS big_orders, "
                    "row_number() OVER (ORDER BY s.spent DESC) AS position "
                    "FROM spend s LEFT JOIN big b ON b.customer_id = s.customer_id GROUP BY s.country, s.spent"
                },
            },
        },
    }


def test_a_diamond_graph_runs_in_dependency_order_with_joins_and_windows(write_config, shop, engine) -> None:
    runner = runner_for(write_config(diamond(shop)))
    results = runner.run_all(engine)
    assert [r.name for r in results] == ["orders", "customers", "per_customer", "big_orders", "report"]
    report = open_table(runner.plan("report").sink.uri)
    assert report is not None
    rows = sorted(report.to_pyarrow_table().to_pylist(), key=lambda r: r["position"])
    assert rows == [
        {"country": "FR", "spent": 15.0, "big_orders": 1, "position": 1},
        {"country": "NO", "spent": 7.0, "big_orders": 1, "position": 2},
    ]
    assert runner.plan("report").sink.table_name == "main.gold.report"


def test_the_plan_shows_the_graph_and_lineage(write_config, shop, capsys) -> None:
    assert commands.plan(str(write_config(diamond(shop))), as_json=True) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["lineage"]["report"] == ["per_customer", "big_orders"]
    assert printed["lineage"]["orders"] == [shop["orders"]["path"]]
    assert printed["order"][-1] == "report"
    report = next(t for t in printed["tables"] if t["table"] == "report")
    assert report["output_types"] == {
        "country": "TEXT",
        "spent": "DOUBLE",
        "big_orders": "BIGINT",
        "position": "BIGINT",
    }


def test_running_one_layer_runs_only_its_tables(write_config, shop, engine) -> None:
    runner = runner_for(write_config(diamond(shop)))
    assert [r.name for r in runner.run_all(engine, ["bronze"])] == ["orders", "customers"]


def test_a_cycle_is_refused_naming_it(write_config, shop) -> None:
    document = diamond(shop)
    document["tables"]["orders"]["inputs"] = ["report"]
    with pytest.raises(ConfigError, match=r"cycle: .*orders"):
        load_pipeline(str(write_config(document)))


def test_an_unknown_input_table_is_refused(write_config, shop) -> None:
    document = diamond(shop)
    document["tables"]["report"]["inputs"]["big"] = "huge_orders"
    with pytest.raises(ConfigError, match="reads `huge_orders`, which is not a table"):
        load_pipeline(str(write_config(document)))


def test_several_inputs_need_sql_naming_them(write_config, shop) -> None:
    document = diamond(shop)
    del document["tables"]["per_customer"]["transform"]
    with pytest.raises(ConfigError, match=r"several inputs needs `transform\.sql`"):
        load_pipeline(str(write_config(document)))


def test_the_single_chain_form_becomes_tables_named_after_layers(write_config, shop) -> None:
    document = {
        "name": "chain",
        "layers": {
            "raw": {"source": shop["orders"], "sink": {"table": "main.r.o"}},
            "gold": {
                "transform": {"sql": "SELECT count(*) AS n FROM input_data"},
                "sink": {"table": "main.g.o"},
            },
        },
    }
    config = load_pipeline(str(write_config(document))).config
    assert config.ordered_tables() == ["raw", "gold"] and config.graph.upstream["gold"] == ("raw",)
