"""The run check: deploy the generated job to a workspace, run it on sample data, and check every sink was written."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakerun.convert.conversion import Conversion
from lakerun.convert.deploy import deploy, failed_task_errors, resolve_path, run_job
from lakerun.convert.validate import Finding

_COMMIT_MARKERS = ("_SUCCESS", "_delta_log")


@dataclass
class WorkspaceRunCheck:
    """Runs conversions in a workspace (local or Databricks) with parameters that point at sample data."""

    client: Any
    parameters: dict[str, str] = field(default_factory=dict)
    notebook_root: str = "/Workspace/Shared/lakerun-convert-checks"
    timeout_minutes: float = 20

    def __call__(self, conversion: Conversion) -> list[Finding]:
        """Findings of one run: a failed task, or a sink that did not commit its output."""
        folder = f"{self.notebook_root}/{conversion.job['name']}-{int(time.time() * 1000)}"
        deployment = deploy(self.client, conversion, folder)
        try:
            result, message, run_id = run_job(
                self.client, deployment.job_id, self.parameters, self.timeout_minutes
            )
            if result != "SUCCESS":
                errors = failed_task_errors(self.client, run_id) or [message]
                return [
                    Finding("run", "job.json", f"run {run_id} {result}: {error[:500]}") for error in errors
                ]
            return self._outputs(conversion)
        finally:
            self.client.jobs.delete(deployment.job_id)

    def _outputs(self, conversion: Conversion) -> list[Finding]:
        values = {p["name"]: p["default"] for p in conversion.job.get("parameters", [])} | self.parameters
        findings = []
        for outcome in conversion.outcomes:
            if not outcome.writes:
                continue
            path = resolve_path(outcome.writes, values)
            if path is None or "://" in path:
                continue
            if not self._committed(path):
                findings.append(
                    Finding(
                        "run",
                        outcome.stage + ".py",
                        f"{outcome.name} wrote nothing to {path}",
                        outcome.processor_id,
                    )
                )
        return findings

    def _committed(self, path: str) -> bool:
        if path.startswith(("/Volumes/", "/dbfs/", "dbfs:/")):
            try:
                names = {entry.name for entry in self.client.files.list_directory_contents(path)}
            except Exception:
                return False
            return bool(names & set(_COMMIT_MARKERS))
        folder = Path(path)
        return any((folder / marker).exists() for marker in _COMMIT_MARKERS)
