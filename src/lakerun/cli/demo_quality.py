"""The data-quality demo `lakerun up` runs: a connection and a table group over the demo's dirty raw
pet-claims files, profiled once, so the dashboard's Data quality page opens on a real profile.

It lands the raw files the demo pipeline generated (or generates them from the source checkout's
`examples/pet_claims/generate.py`) as one CSV per table, so the group's tables are claims, customers,
pets and providers; running it again reuses the landing, the connection and the group.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lakerun.cli.demo_pipeline import EXAMPLE, _run

if TYPE_CHECKING:
    from lakerun.control.plane import ControlPlane

CONNECTION = "demo-pet-claims"
GROUP = "pet_claims_raw"
ACTIVE = ("CREATING", "QUEUED", "RUNNING")


def run_demo_quality(plane: ControlPlane, root: Path, rows: int = 5000, timeout: float = 300) -> str:
    """Registers the demo connection and group (once), profiles the group and returns the outcome."""
    from lakerun.control.profiling.runs import trigger_profile_run

    raw = (root / "demo-data" / "raw").resolve()
    if not raw.is_dir():
        if not (EXAMPLE / "generate.py").exists():
            return "demo data quality: skipped (examples/pet_claims is not here; run from a source checkout)"
        _run([sys.executable, str(EXAMPLE / "generate.py"), "--rows", str(rows), "--out", str(raw)])
    landing = (root / "demo-data" / "landing").resolve()
    if not landing.is_dir():
        land_tables(raw, landing)
    group_id = _demo_group(plane, landing)
    attempt = trigger_profile_run(plane, group_id, triggered_by="lakerun up")
    deadline = time.monotonic() + timeout
    while attempt.status in ACTIVE and time.monotonic() < deadline:
        time.sleep(0.5)
        attempt = plane.runs.get(attempt.id)
    if attempt.status != "SUCCESS":
        return f"demo data quality: profile of {GROUP} ended {attempt.status}: {attempt.error or ''}"
    return _summary(plane, group_id, attempt.id)


def land_tables(raw: Path, landing: Path) -> None:
    """One CSV per table under `landing`: the parts of each raw folder joined under one header."""
    landing.mkdir(parents=True, exist_ok=True)
    for folder in sorted(path for path in raw.iterdir() if path.is_dir()):
        parts = sorted(folder.glob("*.csv"))
        with (landing / f"{folder.name}.csv").open("w", encoding="utf-8", newline="") as out:
            for index, part in enumerate(parts):
                lines = part.read_text(encoding="utf-8").splitlines(keepends=True)
                if lines and not lines[-1].endswith("\n"):
                    lines[-1] += "\n"
                out.writelines(lines if index == 0 else lines[1:])


def _demo_group(plane: ControlPlane, landing: Path) -> int:
    """The demo group's id, creating the connection and the group the first time."""
    from lakerun.control.profiling import catalog

    found = next((group for group in catalog.groups(plane) if group.name == GROUP), None)
    if found is not None:
        return found.id
    if not any(row.name == CONNECTION for row in catalog.connections(plane)):
        catalog.create_connection(plane, catalog.ConnectionSpec(CONNECTION, "files", str(landing)))
    return catalog.create_group(plane, catalog.GroupSpec(GROUP, CONNECTION)).id


def _summary(plane: ControlPlane, group_id: int, attempt_id: str) -> str:
    from lakerun.control.profiling.results import get_run

    run = get_run(plane, attempt_id)
    score = f"{run.result.score * 100:.1f}" if run.result else "?"
    tables = ", ".join(p["table_name"] for p in run.result.profiles) if run.result else ""
    return (
        f"demo data quality: table group {GROUP} ({tables}) profiled: score {score}, "
        f"{len(run.anomalies)} anomalies  (dashboard: /quality/groups/{group_id})"
    )
