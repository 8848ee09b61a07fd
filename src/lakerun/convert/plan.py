"""The conversion plan: which processors go into which notebook (one per process group) and in what order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lakerun.convert.graph import FlowGraph


@dataclass
class Stage:
    """One notebook and job task: the processors of one process group, in data order."""

    key: str
    title: str
    processors: list[str]
    depends_on: list[str] = field(default_factory=list)

    @property
    def notebook(self) -> str:
        """The notebook's file name."""
        return f"{self.key}.py"


@dataclass
class Plan:
    """Stages in dependency order, and a readable variable slug per processor."""

    stages: list[Stage]
    slugs: dict[str, str]

    def stage_of(self, processor_id: str) -> Stage:
        """The stage a processor belongs to."""
        return next(stage for stage in self.stages if processor_id in stage.processors)

    def to_dict(self) -> dict[str, object]:
        """The plan as data for reports."""
        return {
            "stages": [
                {
                    "task_key": s.key,
                    "title": s.title,
                    "processors": len(s.processors),
                    "depends_on": s.depends_on,
                }
                for s in self.stages
            ]
        }


def slugify(text: str) -> str:
    """A lower-case identifier made from a name."""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return slug if slug and not slug[0].isdigit() else f"p_{slug}"


def build_plan(graph: FlowGraph) -> Plan:
    """One stage per process group holding processors; groups that feed each other in a loop share one."""
    flow = graph.flow
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for processor_id in graph.order:
        base = slugify(flow.processors[processor_id].name)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}_{n}", n + 1
        taken.add(slug)
        slugs[processor_id] = slug
    groups: dict[str, list[str]] = {}
    for processor_id in graph.order:
        groups.setdefault(flow.processors[processor_id].group_id, []).append(processor_id)
    group_edges = {
        (flow.processors[e.source].group_id, flow.processors[e.destination].group_id)
        for e in graph.edges
        if flow.processors[e.source].group_id != flow.processors[e.destination].group_id
    }
    ordered = _order_groups(list(groups), group_edges)
    if ordered is None:
        return Plan([Stage("01_" + slugify(flow.name), flow.name, list(graph.order))], slugs)
    stages: dict[str, Stage] = {}
    for number, group_id in enumerate(ordered, start=1):
        path = flow.group_path(group_id)
        title = " / ".join(path) or flow.name
        stages[group_id] = Stage(
            f"{number:02d}_{slugify(path[-1] if path else flow.name)}", title, groups[group_id]
        )
    for source, destination in sorted(group_edges):
        key = stages[source].key
        if key not in stages[destination].depends_on:
            stages[destination].depends_on.append(key)
    return Plan(list(stages.values()), slugs)


def _order_groups(groups: list[str], edges: set[tuple[str, str]]) -> list[str] | None:
    """Groups in dependency order (first appearance breaks ties); None when groups feed each other in a loop."""
    remaining = list(groups)
    ordered: list[str] = []
    while remaining:
        ready = [g for g in remaining if not any(d == g and s in remaining for s, d in edges)]
        if not ready:
            return None
        ordered.append(ready[0])
        remaining.remove(ready[0])
    return ordered
