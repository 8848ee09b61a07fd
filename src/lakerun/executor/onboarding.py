"""Workspace onboarding (seed 000's "Installation Flow"), done through the official SDK and checked.

Steps, each reported: upload the lakerun wheel, install it on the cluster (Libraries API, status
polled), create the secret scope and the platform credential in it, create or update the executor
jobs, and run `schema_validation` to completion. The control plane passes its job registry as
`ensure_job`; on its own, jobs are found by name and lakerun tag and reset, or created.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError, ResourceAlreadyExists
from databricks.sdk.service import compute, jobs

from lakerun.errors import LakerunError

EnsureJob = Callable[[str, jobs.JobSettings], int]
"""Creates or updates the job for a key so the workspace holds exactly these settings; returns its id."""
StepListener = Callable[[dict[str, Any]], None]
"""Told about each step as it finishes (the CLI prints it, the control plane emits an event)."""

KEY_TAG = "lakerun_key"
API_KEY_SECRET = "lakerun-api-key"
"""Secret key the executor reads `LAKERUN_API_KEY` from (see `credentials.secret`)."""
TERMINAL_LIBRARY_STATES = {"INSTALLED", "FAILED", "SKIPPED", "UNINSTALL_ON_RESTART"}


class OnboardingError(LakerunError):
    """An onboarding step failed; the report says which one and why."""


@dataclass
class OnboardingOptions:
    """What to install where, and which jobs to create."""

    cluster_id: str
    wheel: str
    """A local .whl file (uploaded to DBFS) or a `dbfs:/` / `/Volumes/` path of one."""
    tenant_id: str = "default"
    data_source_path: str | None = None
    source_type: str = "auto"
    secret_scope: str = "lakerun-executor"
    platform_endpoint: str | None = None
    platform_credential: str | None = field(default=None, repr=False)
    timeout_seconds: int = 900


@dataclass
class OnboardingReport:
    """Each step's outcome, in order; `ok` only when every step succeeded."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no step failed."""
        return all(step["status"] == "ok" for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"status": "success" if self.ok else "failed", "steps": self.steps, "jobs": self.jobs}


def executor_jobs(options: OnboardingOptions, wheel_path: str) -> dict[str, jobs.JobSettings]:
    """The executor jobs of one tenant: schema validation, metadata extraction and the full pipeline."""
    source = (
        [options.data_source_path, options.source_type, options.tenant_id] if options.data_source_path else []
    )
    extra = ["--secret-scope", options.secret_scope]
    if options.platform_endpoint:
        extra += ["--api-endpoint", options.platform_endpoint]
    wanted = {"schema_validation": ["schema_validation", *extra]}
    if source:
        wanted["metadata_extraction"] = ["metadata_extraction", *source, *extra]
        wanted["full_pipeline"] = ["full_pipeline", *source, *extra]
    return {
        job_type: jobs.JobSettings(
            name=f"lakerun-executor-{job_type.replace('_', '-')}-{options.tenant_id}",
            max_concurrent_runs=1,
            timeout_seconds=options.timeout_seconds * 4,
            tags={KEY_TAG: f"executor:{options.tenant_id}:{job_type}"},
            tasks=[
                jobs.Task(
                    task_key=job_type,
                    existing_cluster_id=options.cluster_id,
                    libraries=[compute.Library(whl=wheel_path)],
                    python_wheel_task=jobs.PythonWheelTask(
                        package_name="lakerun", entry_point="lakerun-executor", parameters=parameters
                    ),
                )
            ],
        )
        for job_type, parameters in wanted.items()
    }


def ensure_job_by_tag(client: WorkspaceClient) -> EnsureJob:
    """An `EnsureJob` without a registry: the job carrying the key's tag is reset, else one is created."""

    def ensure(key: str, settings: jobs.JobSettings) -> int:
        tag = (settings.tags or {}).get(KEY_TAG)
        for job in client.jobs.list(name=settings.name):
            if job.job_id is not None and job.settings and (job.settings.tags or {}).get(KEY_TAG) == tag:
                client.jobs.reset(job_id=job.job_id, new_settings=settings)
                return job.job_id
        created = client.jobs.create(**{name: getattr(settings, name) for name in settings.as_dict()})
        if created.job_id is None:
            raise OnboardingError(f"the workspace returned no job id for {key}")
        return created.job_id

    return ensure


class Onboarding:
    """Runs the onboarding steps against one workspace and records each outcome."""

    def __init__(
        self,
        client: WorkspaceClient,
        options: OnboardingOptions,
        ensure_job: EnsureJob | None = None,
        on_step: StepListener | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self.ensure_job = ensure_job or ensure_job_by_tag(client)
        self.on_step = on_step
        self.report = OnboardingReport()

    def run(self) -> OnboardingReport:
        """All steps in order; stops at the first failure."""
        wheel = self._step("upload_wheel", self._upload_wheel)
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("install_library", lambda: self._install(wheel)),
            ("secrets", self._secrets),
            ("jobs", lambda: self._jobs(wheel)),
            ("schema_validation", self._validate),
        ]
        for name, action in steps:
            if not self.report.ok:
                break
            self._step(name, action)
        return self.report

    def _step(self, name: str, action: Callable[[], Any]) -> Any:
        if not self.report.ok:
            return None
        try:
            detail = action()
        except (DatabricksError, OnboardingError, OSError, TimeoutError) as exc:
            self._record({"step": name, "status": "failed", "error": str(exc)})
            return None
        self._record({"step": name, "status": "ok", "detail": detail})
        return detail

    def _record(self, step: dict[str, Any]) -> None:
        self.report.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def _upload_wheel(self) -> str:
        wheel = self.options.wheel
        if wheel.startswith(("dbfs:/", "/Volumes/")):
            return wheel
        local = Path(wheel)
        if not local.is_file():
            raise OnboardingError(f"wheel not found: {wheel}")
        target = f"/lakerun/wheels/{local.name}"
        self.client.dbfs.upload(target, io.BytesIO(local.read_bytes()), overwrite=True)
        return f"dbfs:{target}"

    def _install(self, wheel: str) -> str:
        cluster = self.options.cluster_id
        self.client.libraries.install(cluster_id=cluster, libraries=[compute.Library(whl=wheel)])
        deadline = time.monotonic() + self.options.timeout_seconds
        while time.monotonic() < deadline:
            statuses = list(self.client.libraries.cluster_status(cluster_id=cluster))
            mine = [s for s in statuses if s.library and s.library.whl == wheel]
            state = mine[0].status.value if mine and mine[0].status else "PENDING"
            if state in TERMINAL_LIBRARY_STATES:
                if state != "INSTALLED":
                    raise OnboardingError(f"library {wheel} is {state}: {'; '.join(mine[0].messages or [])}")
                return f"{wheel} INSTALLED on {cluster}"
            time.sleep(1.0)
        raise TimeoutError(f"library {wheel} still installing after {self.options.timeout_seconds} s")

    def _secrets(self) -> str:
        scope = self.options.secret_scope
        with contextlib.suppress(ResourceAlreadyExists):
            self.client.secrets.create_scope(scope=scope)
        if self.options.platform_credential:
            self.client.secrets.put_secret(
                scope=scope, key=API_KEY_SECRET, string_value=self.options.platform_credential
            )
            return f"scope {scope} holds {API_KEY_SECRET}"
        return f"scope {scope} ready (no platform credential given)"

    def _jobs(self, wheel: str) -> dict[str, int]:
        for job_type, settings in executor_jobs(self.options, wheel).items():
            self.report.jobs[job_type] = self.ensure_job(
                f"executor:{self.options.tenant_id}:{job_type}", settings
            )
        return dict(self.report.jobs)

    def _validate(self) -> str:
        waiter = self.client.jobs.run_now(job_id=self.report.jobs["schema_validation"])
        run = waiter.result(timeout=timedelta(seconds=self.options.timeout_seconds))
        state = run.state.result_state.value if run.state and run.state.result_state else "UNKNOWN"
        if state != "SUCCESS":
            raise OnboardingError(f"schema_validation run {run.run_id} ended {state}")
        return f"run {run.run_id} SUCCESS"


def onboard(
    client: WorkspaceClient,
    options: OnboardingOptions,
    ensure_job: EnsureJob | None = None,
    on_step: StepListener | None = None,
) -> OnboardingReport:
    """Onboard one workspace: the facade `lakerun onboard` and the control plane call."""
    return Onboarding(client, options, ensure_job, on_step).run()
