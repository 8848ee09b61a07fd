"""The profiling task the example backend runs on Databricks: profiles a table group and reports back to lakerun.

Arguments: `--table-group=ID`; `--mode=ok|sleep` and `--fail-once=PATH` are demonstration knobs (a run that
fails the first time, then succeeds when repaired or retried; a run slow enough to cancel).
"""

import sys
import time
from pathlib import Path

from lakerun.executor.callbacks import CallbackClient


def argument(name: str, default: str = "") -> str:
    """The value of `--name=value` on the command line."""
    return next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith(f"--{name}=")), default)


table_group, mode, fail_once = argument("table-group"), argument("mode", "ok"), argument("fail-once")
client = CallbackClient.from_env()
print(f"profiling table group {table_group}", flush=True)
if client:
    client.progress(0.3, "columns scanned", task="profile")
if fail_once and not Path(fail_once).exists():
    Path(fail_once).write_text("failed once")
    raise RuntimeError(f"profiling {table_group} failed (first attempt, on purpose)")
if mode == "sleep":
    time.sleep(300)
profile = {"table_group": table_group, "tables": 2, "columns": 11, "rows": 1200, "anomalies": 3}
if client:
    client.progress(0.9, "anomalies detected", task="profile")
    client.send("completed", {"result": profile})
print("profile done", profile, flush=True)
