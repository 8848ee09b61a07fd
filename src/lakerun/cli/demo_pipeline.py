"""The demo pipeline `lakerun up` registers and runs: dirty claims, customers, pets and providers → gold.

It shows the medallion pipeline running as a Databricks job through the control plane, with its
layers live on the dashboard's pipeline page; it needs the source checkout's `examples/` folder.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lakerun import __version__

if TYPE_CHECKING:
    from lakerun.control.plane import ControlPlane

CHECKOUT = Path(__file__).resolve().parents[3]
EXAMPLE = CHECKOUT / "examples" / "pet_claims"
ACTIVE = ("CREATING", "QUEUED", "RUNNING")


def run_demo_pipeline(plane: ControlPlane, root: Path, rows: int = 5000, timeout: float = 600) -> str:
    """Generates the raw data, registers the pipeline's job and runs all its layers; returns the outcome."""
    from lakerun.control.pipelines import PipelineRegistration, register_pipeline, trigger_layer

    if not (EXAMPLE / "pipeline.yml").exists():
        return "demo pipeline: skipped (examples/pet_claims is not here; run from a source checkout)"
    data = (root / "demo-data").resolve()
    if not (data / "raw").exists():
        _run([sys.executable, str(EXAMPLE / "generate.py"), "--rows", str(rows), "--out", str(data / "raw")])
    registration = PipelineRegistration(
        config_path=str(EXAMPLE / "pipeline.yml"), wheel=str(_wheel(root)), variables={"data_root": str(data)}
    )
    name, _ = register_pipeline(plane, registration)
    attempt = trigger_layer(plane, name, "all", triggered_by="lakerun up")
    deadline = time.monotonic() + timeout
    while attempt.status in ACTIVE and time.monotonic() < deadline:
        time.sleep(0.5)
        attempt = plane.runs.get(attempt.id)
    detail = f"  ({attempt.error})" if attempt.error else ""
    return f"demo pipeline {name} (raw → gold): {attempt.status}  attempt {attempt.id}{detail}"


def _wheel(root: Path) -> Path:
    """The lakerun wheel the pipeline's tasks install, built once per version into `root/wheels`."""
    out = (root / "wheels").resolve()
    built = sorted(out.glob(f"lakerun-{__version__}-*.whl"))
    if built:
        return built[-1]
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(CHECKOUT)])
    return next(out.glob(f"lakerun-{__version__}-*.whl"))


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed: {done.stderr[-1000:]}")
