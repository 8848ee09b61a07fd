"""The pet-claims demo pipeline hand-written as DuckDB SQL, writing the same 13 Delta tables with delta-rs.

It is the baseline `bench/pipeline.py` compares lakerun against: the same cleaning, joins and
aggregates, with none of lakerun's checks, counts, quarantine bookkeeping or plans.

    .venv/bin/python bench/pipeline_duckdb_sql.py DATA_ROOT
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
from deltalake import write_deltalake

CSV = "read_csv('{root}/raw/{name}/*.csv', all_varchar = true, header = true)"

TABLES: list[tuple[str, str, str]] = [
    ("raw", "raw_claims", "SELECT * FROM " + CSV.replace("{name}", "claims") + " WHERE claim_id IS NOT NULL"),
    ("raw", "raw_customers", "SELECT * FROM " + CSV.replace("{name}", "customers")),
    ("raw", "raw_pets", "SELECT * FROM " + CSV.replace("{name}", "pets")),
    ("raw", "raw_providers", "SELECT * FROM " + CSV.replace("{name}", "providers")),
    (
        "bronze",
        "claims",
        """SELECT * FROM (
             SELECT claim_id, pet_id, provider_id, claim_type,
                    TRY_CAST(service_date AS DATE) AS service_date,
                    TRY_CAST(claim_amount AS DECIMAL(12, 2)) AS claim_amount,
                    lower(trim(status)) AS status, TRY_CAST(updated_at AS TIMESTAMP) AS updated_at
             FROM raw_claims)
           WHERE service_date IS NOT NULL AND claim_amount IS NOT NULL AND claim_amount >= 0""",
    ),
    (
        "bronze",
        "customers",
        """SELECT customer_id, trim(name) AS name, lower(trim(email)) AS email, upper(trim(state)) AS state,
                  updated_at
           FROM (SELECT *, TRY_CAST(updated_at AS TIMESTAMP) AS ts FROM raw_customers)
           QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY ts DESC) = 1""",
    ),
    (
        "bronze",
        "pets",
        """SELECT pet_id, customer_id, lower(trim(species)) AS species, breed,
                  TRY_CAST(birth_year AS INT) AS birth_year FROM raw_pets""",
    ),
    (
        "bronze",
        "providers",
        """SELECT provider_id, trim(provider_name) AS provider_name, city, lower(trim(network)) AS network
           FROM raw_providers""",
    ),
    (
        "silver",
        "claims_latest",
        """SELECT claim_id, pet_id, provider_id, claim_type, service_date, claim_amount,
                  CASE WHEN status = 'approvd' THEN 'approved' ELSE status END AS status, updated_at,
                  strftime(service_date, '%Y-%m') AS service_month
           FROM claims
           QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY updated_at DESC) = 1
                   AND CASE WHEN status = 'approvd' THEN 'approved' ELSE status END
                       IN ('approved', 'denied', 'pending')""",
    ),
    (
        "silver",
        "claims_enriched",
        """SELECT c.claim_id, c.service_month, c.claim_type, c.claim_amount, c.status,
                  coalesce(p.species, 'unknown') AS species, coalesce(cu.state, 'unknown') AS customer_state,
                  p.customer_id, c.provider_id, coalesce(pr.provider_name, 'unknown') AS provider_name,
                  coalesce(pr.network, 'unknown') AS network
           FROM claims_latest c
           LEFT JOIN pets p ON p.pet_id = c.pet_id
           LEFT JOIN customers cu ON cu.customer_id = p.customer_id
           LEFT JOIN providers pr ON pr.provider_id = c.provider_id""",
    ),
    (
        "gold",
        "claims_monthly",
        """SELECT service_month, species, claim_type, count(*) AS claims, sum(claim_amount) AS claimed_total,
                  round(avg(claim_amount), 2) AS claimed_average,
                  sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) AS approved_claims
           FROM claims_enriched GROUP BY service_month, species, claim_type""",
    ),
    (
        "gold",
        "provider_summary",
        """SELECT provider_id, provider_name, network, count(*) AS claims,
                  sum(CASE WHEN status = 'approved' THEN claim_amount ELSE 0 END) AS approved_total,
                  rank() OVER (PARTITION BY network
                               ORDER BY sum(CASE WHEN status = 'approved' THEN claim_amount ELSE 0 END) DESC,
                                        provider_id) AS rank_in_network
           FROM claims_enriched GROUP BY provider_id, provider_name, network""",
    ),
    (
        "gold",
        "customer_value",
        """SELECT customer_state, count(DISTINCT customer_id) AS customers, count(*) AS claims,
                  sum(CASE WHEN status = 'approved' THEN claim_amount ELSE 0 END) AS approved_total
           FROM claims_enriched GROUP BY customer_state""",
    ),
]


def run(root: Path) -> dict[str, float]:
    """Build every table in order (a temp table each) and write it to `<root>/handwritten/<layer>/<name>`;
    returns the seconds spent per layer."""
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    seconds: dict[str, float] = {}
    for layer, name, sql in TABLES:
        started = time.perf_counter()
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql.format(root=root)}")
        reader = connection.execute(f"SELECT * FROM {name}").fetch_record_batch(100_000)
        partition = ["service_month"] if name == "claims_monthly" else None
        write_deltalake(
            str(root / "handwritten" / layer / name), reader, mode="overwrite", partition_by=partition
        )
        seconds[layer] = seconds.get(layer, 0.0) + time.perf_counter() - started
    return seconds


if __name__ == "__main__":
    began = time.perf_counter()
    layers = run(Path(sys.argv[1]))
    print(json.dumps({"wall": time.perf_counter() - began, "layers": layers}))
