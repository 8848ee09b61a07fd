"""The NiFi demo `lakerun up` runs: four flows of different shapes in the inventory, one converted and deployed.

The flows and sample orders live in the source checkout's `examples/nifi/`; the orders flow's generated
job runs on the sample CSV files (local Spark) and routes them as the flow does.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakerun.control.plane import ControlPlane
    from lakerun.store.models import AttemptRow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "nifi"
ACTIVE = ("CREATING", "QUEUED", "RUNNING")


def run_demo_flows(plane: ControlPlane, root: Path, timeout: float = 600) -> str:
    """Loads the example flows, converts them all, deploys and runs the orders flow; returns the outcome."""
    from lakerun.control import flows

    if not (EXAMPLE / "flows").is_dir():
        return "demo flows: skipped (examples/nifi is not here; run from a source checkout)"
    folder = (root / "demo-nifi" / "flows").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for path in (EXAMPLE / "flows").iterdir():
        shutil.copy(path, folder / path.name)
    flows.load_inventory(plane, folder)
    started = flows.start_conversions(plane, [view.row.id for view in flows.flow_views(plane)], "lakerun up")
    attempts = {a.subject_id: a for a in started if not isinstance(a, Exception)}
    outcomes = [_wait(plane, attempt, timeout) for attempt in attempts.values()]
    summary = ", ".join(f"{(a.result or {}).get('status', a.status)}" for a in outcomes)
    orders = next((view for view in flows.flow_views(plane) if view.row.id == "orders_template"), None)
    if orders is None or orders.latest is None or orders.latest.status != "SUCCESS":
        return f"demo flows: converted {len(outcomes)} flows ({summary}); orders flow not converted"
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        return f"demo flows: converted {len(outcomes)} flows ({summary}); deploy skipped (needs pyspark and java)"
    out = (root / "demo-nifi" / "out").resolve()
    shutil.rmtree(out, ignore_errors=True)
    parameters = {"input.dir": str(EXAMPLE / "sample" / "orders"), "output.dir": str(out)}
    run = _wait(
        plane,
        flows.deploy_and_run(plane, "orders_template", orders.latest.id, parameters, "lakerun up"),
        timeout,
    )
    return (
        f"demo flows: converted {len(outcomes)} flows ({summary}); orders flow deployed and run: {run.status}"
        f" (output in {out})"
    )


def _wait(plane: ControlPlane, attempt: AttemptRow, timeout: float) -> AttemptRow:
    deadline = time.monotonic() + timeout
    while attempt.status in ACTIVE and time.monotonic() < deadline:
        time.sleep(0.5)
        attempt = plane.runs.get(attempt.id)
    return attempt
