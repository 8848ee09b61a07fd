"""A task for browser tests: assesses a small dirty table and reports the assessment as its result."""

import sys

import pyarrow as pa

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.executor.callbacks import CallbackClient
from lakerun.quality import assess

rows = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--rows=")), "80"))
species = [" dog", "Dog", "cat", "dog", "rabbit"] * (rows // 5)
engine = DuckDBEngine()
engine.register(
    "claims",
    pa.table(
        {"species": species, "amount": [None if i % 7 == 0 else i * 3.5 - 20 for i in range(len(species))]}
    ),
)
result = assess(engine, "claims").to_dict()
engine.close()
client = CallbackClient.from_env()
if client:
    client.send("completed", {"result": result})
print(f"assessed claims: score {result['score']:.3f}, {len(result['anomalies'])} anomalies", flush=True)
