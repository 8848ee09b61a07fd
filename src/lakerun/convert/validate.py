"""Honest checks of generated code: it compiles, lints clean, passes a security scan, and the job is well formed.

Each check is counted once per notebook (the job check once per conversion); a tool that is not
installed is reported as skipped and left out of the percentage rather than counted as passed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess  # nosec B404 - runs ruff and bandit on files this package wrote
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakerun.convert.notebook import cells_of

_PROCESSOR_ID = re.compile(r"^# Processor: .* id=(\S+)$", re.MULTILINE)
DATABRICKS_GLOBALS = ("spark", "dbutils", "display", "displayHTML", "sc")


@dataclass
class Finding:
    """One problem a check found, located at a notebook (and processor when the cell says which)."""

    check: str
    notebook: str
    message: str
    processor_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as data."""
        return dict(self.__dict__)


@dataclass
class Validation:
    """Checks run, passed and skipped, and what failed."""

    passed: int = 0
    failed: int = 0
    skipped: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def percentage(self) -> float:
        """Passed checks over checks run, in percent (100 when nothing could run is not claimed: 0)."""
        total = self.passed + self.failed
        return round(100.0 * self.passed / total, 1) if total else 0.0

    def record(self, ok: bool) -> None:
        """Counts one check."""
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def to_dict(self) -> dict[str, Any]:
        """The validation as data."""
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "percentage": self.percentage,
            "findings": [finding.to_dict() for finding in self.findings],
        }


def validate(notebooks: dict[str, str], job: dict[str, Any]) -> Validation:
    """Runs every static check on a conversion's notebooks and job definition."""
    result = Validation()
    for name, source in sorted(notebooks.items()):
        problems = compile_findings(name, source)
        result.findings += problems
        result.record(not problems)
    with tempfile.TemporaryDirectory(prefix="lakerun-convert-") as folder:
        for name, source in notebooks.items():
            (Path(folder) / name).write_text(source)
        _tool_check(result, "lint", lint_findings(folder, notebooks), len(notebooks))
        _tool_check(result, "security", security_findings(folder, notebooks), len(notebooks))
    problems = job_findings(job, notebooks)
    result.findings += problems
    result.record(not problems)
    return result


def _tool_check(result: Validation, check: str, findings: list[Finding] | None, count: int) -> None:
    if findings is None:
        result.skipped.append(check)
        return
    result.findings += findings
    bad = {finding.notebook for finding in findings}
    for _ in range(count - len(bad)):
        result.record(True)
    for _ in bad:
        result.record(False)


def compile_findings(name: str, source: str) -> list[Finding]:
    """A finding per cell that is not valid Python."""
    findings = []
    for cell in cells_of(source):
        if cell.startswith("# MAGIC"):
            continue
        try:
            compile(cell, f"{name} cell", "exec")
        except SyntaxError as exc:
            findings.append(Finding("compile", name, f"{exc.msg} (line {exc.lineno})", _processor_of(cell)))
    return findings


def _processor_of(cell: str) -> str | None:
    match = _PROCESSOR_ID.search(cell)
    return match.group(1) if match else None


def _cell_processor(source: str, line: int) -> str | None:
    """The processor whose cell holds a line of the notebook file."""
    before = source.splitlines()[:line]
    for text in reversed(before):
        match = _PROCESSOR_ID.match(text)
        if match:
            return match.group(1)
        if text.startswith("# COMMAND ----------"):
            return None
    return None


def _ruff() -> list[str] | None:
    found = shutil.which("ruff") or (
        str(Path(sys.executable).parent / "ruff") if (Path(sys.executable).parent / "ruff").exists() else None
    )
    return [found] if found else None


def lint_findings(folder: str, notebooks: dict[str, str]) -> list[Finding] | None:
    """ruff's pyflakes and error rules over the notebooks; None when ruff is not installed."""
    ruff = _ruff()
    if ruff is None:
        return None
    builtins = json.dumps(list(DATABRICKS_GLOBALS))
    command = [
        *ruff,
        "check",
        "--isolated",
        "--select",
        "E9,F,B",
        "--config",
        f"builtins={builtins}",
        "--output-format",
        "json",
        "--no-cache",
        folder,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    if completed.returncode not in (0, 1):
        return [Finding("lint", "*", f"ruff failed: {completed.stderr.strip()[:300]}")]
    findings = []
    for item in json.loads(completed.stdout or "[]"):
        name = Path(item["filename"]).name
        line = int(item.get("location", {}).get("row", 0))
        message = f"{item['code']} {item['message']} (line {line})"
        findings.append(Finding("lint", name, message, _cell_processor(notebooks.get(name, ""), line)))
    return findings


def security_findings(folder: str, notebooks: dict[str, str]) -> list[Finding] | None:
    """bandit's medium and high severity issues; None when bandit is not installed."""
    if importlib.util.find_spec("bandit") is None:
        return None
    command = [sys.executable, "-m", "bandit", "-q", "-f", "json", "-ll", "-r", folder]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    try:
        report = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError:
        return [Finding("security", "*", f"bandit failed: {completed.stderr.strip()[:300]}")]
    findings = []
    for item in report.get("results", []):
        name = Path(item["filename"]).name
        line = int(item.get("line_number", 0))
        message = f"{item['test_id']} {item['issue_text']} (line {line}, {item['issue_severity']})"
        findings.append(Finding("security", name, message, _cell_processor(notebooks.get(name, ""), line)))
    return findings


def job_findings(job: dict[str, Any], notebooks: dict[str, str]) -> list[Finding]:
    """The job parses as Jobs API settings, its dependencies exist, and each task's notebook was generated."""
    from databricks.sdk.service.jobs import JobSettings

    findings = []
    try:
        settings = JobSettings.from_dict(job)
    except Exception as exc:
        return [Finding("job", "job.json", f"not valid job settings: {exc}")]
    keys = {task.task_key for task in settings.tasks or []}
    for task in settings.tasks or []:
        for dependency in task.depends_on or []:
            if dependency.task_key not in keys:
                findings.append(
                    Finding(
                        "job", "job.json", f"task {task.task_key} depends on unknown {dependency.task_key}"
                    )
                )
        path = task.notebook_task.notebook_path if task.notebook_task else ""
        if f"{path.rsplit('/', 1)[-1]}.py" not in notebooks:
            findings.append(
                Finding("job", "job.json", f"task {task.task_key} runs {path}, which was not generated")
            )
    return findings
