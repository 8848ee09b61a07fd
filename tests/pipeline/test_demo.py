"""The shipped demo: four dirty landings joined and aggregated; gold checked against plain Python."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from lakerun.engines.delta_io import open_table
from tests.pipeline.conftest import EXAMPLE, load_generator, runner_for


def read_text_csv(folder: Path) -> list[dict]:
    options = pacsv.ConvertOptions(strings_can_be_null=True, column_types={"claim_amount": "string"})
    rows: list[dict] = []
    for path in sorted(folder.glob("*.csv")):
        rows += pacsv.read_csv(path, convert_options=options).to_pylist()
    return rows


def latest_valid_claims(raw_dir: Path) -> dict[str, dict]:
    """The latest version of each claim whose date and amount can be trusted."""
    latest: dict[str, dict] = {}
    for row in read_text_csv(raw_dir / "claims"):
        try:
            row["service_date"] = date.fromisoformat(str(row["service_date"] or ""))
        except ValueError:
            continue
        if row["claim_amount"] is None or float(row["claim_amount"]) < 0:
            continue
        if row["claim_id"] not in latest or str(row["updated_at"]) > str(
            latest[row["claim_id"]]["updated_at"]
        ):
            latest[row["claim_id"]] = row
    return latest


def expected_monthly(raw_dir: Path) -> Counter:
    """Claims per (month, species, type), the species found through the pets landing."""
    species = {p["pet_id"]: p["species"].strip().lower() for p in read_text_csv(raw_dir / "pets")}
    counts: Counter = Counter()
    for row in latest_valid_claims(raw_dir).values():
        status = row["status"].strip().lower().replace("approvd", "approved")
        if status in ("approved", "denied", "pending"):
            month = row["service_date"].strftime("%Y-%m")
            counts[(month, species.get(row["pet_id"], "unknown"), row["claim_type"])] += 1
    return counts


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    load_generator().main(["--rows", "3000", "--out", str(tmp_path / "raw"), "--files", "3"])
    return tmp_path


def gold(runner, name: str) -> list[dict]:
    table = open_table(runner.plan(name).sink.uri)
    assert table is not None
    return table.to_pyarrow_table().to_pylist()


def test_demo_pipeline_joins_cleans_and_aggregates(demo: Path, engine) -> None:
    runner = runner_for(EXAMPLE / "pipeline.yml", data_root=str(demo))
    results = {r.name: r for r in runner.run_all(engine)}
    assert all(r.status == "SUCCESS" for r in results.values())
    assert {r.layer for r in results.values()} == {"raw", "bronze", "silver", "gold"} and len(results) == 13
    assert results["raw_claims"].rows_out > 3000, "duplicates land in raw"
    assert results["claims"].rows_quarantined > 0
    assert results["customers"].rows_out < results["raw_customers"].rows_out, "older versions deduplicated"
    enriched = results["claims_enriched"]
    assert enriched.rows_out == results["claims_latest"].rows_out
    assert next(e for e in enriched.expectations if e.name == "known_provider").failed_rows > 0
    actual = Counter(
        {
            (r["service_month"], r["species"], r["claim_type"]): r["claims"]
            for r in gold(runner, "claims_monthly")
        }
    )
    assert actual == expected_monthly(demo / "raw")
    providers = gold(runner, "provider_summary")
    assert sum(r["claims"] for r in providers) == enriched.rows_out
    assert {r["rank_in_network"] for r in providers if r["network"] == "in"} >= {1, 2}
    states = gold(runner, "customer_value")
    assert sum(r["claims"] for r in states) == enriched.rows_out


def test_a_rerun_with_nothing_new_skips_every_table(demo: Path, engine) -> None:
    runner = runner_for(EXAMPLE / "pipeline.yml", data_root=str(demo))
    first = runner.run_all(engine)
    again = runner.run_all(engine)
    assert all(r.skipped and r.rows_in == 0 for r in again)
    assert [r.table_version for r in again] == [r.table_version for r in first]


def test_generator_is_deterministic(tmp_path: Path) -> None:
    generator = load_generator()
    assert generator.claims(500, seed=3).equals(generator.claims(500, seed=3))
    assert not generator.claims(500, seed=3).equals(generator.claims(500, seed=4))
    assert generator.customers(500, seed=3).equals(generator.customers(500, seed=3))
