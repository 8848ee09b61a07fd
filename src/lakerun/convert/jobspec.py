"""The Jobs API definition of a converted flow: one notebook task per stage, `depends_on` from the flow's edges."""

from __future__ import annotations

from typing import Any

from lakerun.convert.graph import FlowGraph
from lakerun.convert.plan import Plan, slugify


def job_definition(
    graph: FlowGraph, plan: Plan, notebook_folder: str, parameters: dict[str, str]
) -> dict[str, Any]:
    """A Jobs API 2.1 `JobSettings` body (serverless notebook tasks) for the flow."""
    flow = graph.flow
    job: dict[str, Any] = {
        "name": f"nifi-{slugify(flow.name)}",
        "max_concurrent_runs": 1,
        "tags": {"nifi_flow": flow.name[:255], "converted_by": "lakerun"},
        "parameters": [{"name": name, "default": value} for name, value in sorted(parameters.items())],
        "tasks": [
            {
                "task_key": stage.key,
                "description": stage.title[:1000],
                "notebook_task": {"notebook_path": f"{notebook_folder}/{stage.key}", "source": "WORKSPACE"},
                **(
                    {"depends_on": [{"task_key": key} for key in stage.depends_on]}
                    if stage.depends_on
                    else {}
                ),
            }
            for stage in plan.stages
        ],
    }
    schedule = _schedule(graph)
    if schedule:
        job["schedule"] = schedule
    return job


def _schedule(graph: FlowGraph) -> dict[str, str] | None:
    """The quartz schedule of the first cron-driven source processor, if the flow has one."""
    sources = [pid for pid in graph.order if not graph.inputs(pid)]
    for processor_id in sources:
        scheduling = graph.flow.processors[processor_id].scheduling
        if scheduling.strategy == "CRON_DRIVEN" and scheduling.period.strip():
            return {
                "quartz_cron_expression": scheduling.period.strip(),
                "timezone_id": "UTC",
                "pause_status": "PAUSED",
            }
    return None
