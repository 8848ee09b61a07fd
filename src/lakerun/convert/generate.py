"""Flow graph + plan → notebook cells per stage, with every processor accounted for (converted, flagged, manual, dropped)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from lakerun.convert.catalogue import CATALOGUE
from lakerun.convert.errors import ExpressionError
from lakerun.convert.graph import Edge, FlowGraph
from lakerun.convert.notebook import markdown, render, setup_cell
from lakerun.convert.plan import Plan, Stage
from lakerun.convert.steps import (
    CONVERTED,
    DROPPED,
    FLAGGED,
    MANUAL,
    Context,
    MissingServiceError,
    Step,
    Stream,
)

STATUSES = (CONVERTED, FLAGGED, MANUAL, DROPPED)


@dataclass(frozen=True)
class Settings:
    """Choices a team makes for a conversion: where things live on Databricks and how sources are read."""

    notebook_root: str = "/Workspace/Shared/nifi"
    volume_root: str = "/Volumes/main/default/nifi"
    secret_scope: str = "nifi"
    autoloader: bool = False


@dataclass
class Outcome:
    """What became of one processor."""

    processor_id: str
    name: str
    kind: str
    group: str
    stage: str
    status: str
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    writes: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The outcome as data."""
        return dict(self.__dict__)


@dataclass
class Generated:
    """Notebooks by file name, the outcome of each processor, and the parameters and secrets they use."""

    notebooks: dict[str, str]
    outcomes: list[Outcome]
    parameters: dict[str, str]
    secrets: list[str]


class Generator:
    """Writes the notebooks of a plan, stage after stage, carrying streams between processors."""

    def __init__(
        self, graph: FlowGraph, plan: Plan, settings: Settings, held: dict[str, str] | None = None
    ) -> None:
        self.graph, self.plan, self.settings, self.flow = graph, plan, settings, graph.flow
        self.held = held or {}
        self.steps: dict[str, Step] = {}
        self.outcomes: list[Outcome] = []
        self.parameters: dict[str, str | None] = {}
        self.secrets: list[tuple[str, str]] = []

    def run(self) -> Generated:
        """Generates every stage's notebook."""
        bodies = {stage.key: self._stage(stage) for stage in self.plan.stages}
        defaults = {name: value or "" for name, value in self.parameters.items()}
        defaults |= {
            "secret_scope": self.settings.secret_scope,
            "checkpoint_root": f"{self.settings.volume_root}/checkpoints",
            "staging_root": f"{self.settings.volume_root}/staging",
            "allow_unconverted": "false",
        }
        notebooks = {}
        for stage in self.plan.stages:
            header = markdown(
                f"# {stage.title}\nConverted from the NiFi flow **{self.flow.name}** by lakerun "
                f"({len(stage.processors)} processors). Cells marked `LAKERUN FLAGGED` or "
                "`LAKERUN HUMAN REQUEST` need a person."
            )
            notebooks[stage.notebook] = render([header, setup_cell(defaults), *bodies[stage.key]])
        secrets = sorted({key for _, key in self.secrets})
        return Generated(notebooks, self.outcomes, defaults, secrets)

    def _stage(self, stage: Stage) -> list[str]:
        cells: list[str] = []
        for processor_id in stage.processors:
            reads, stream = self._inputs(processor_id, stage)
            cells += reads
            cells.append(self._processor(processor_id, stage, stream))
            cells += self._handoffs(processor_id, stage)
        return cells

    def _inputs(self, processor_id: str, stage: Stage) -> tuple[list[str], Stream | None]:
        """Cells reading handoffs from earlier stages, and the (unioned) input stream."""
        cells, streams = [], []
        for edge in self.graph.inputs(processor_id):
            stream = self._output(edge)
            if stream is None:
                continue
            if self.plan.stage_of(edge.source).key != stage.key:
                var = f"df_in_{self._handoff_name(edge)}"
                cells.append(f"{var} = spark.read.parquet(STAGING_ROOT + '/{self._handoff_name(edge)}')")
                stream = replace(stream, var=var, streaming=False)
            streams.append(stream)
        streams = list({s.var: s for s in streams}.values())
        if len(streams) <= 1:
            return cells, streams[0] if streams else None
        var = f"df_{self.plan.slugs[processor_id]}_input"
        code = streams[0].var + "".join(
            f".unionByName({s.var}, allowMissingColumns=True)" for s in streams[1:]
        )
        attributes = tuple(dict.fromkeys(a for s in streams for a in s.attributes))
        cells.append(f"# Incoming connections merged\n{var} = {code}")
        return cells, replace(
            streams[0], var=var, attributes=attributes, streaming=any(s.streaming for s in streams)
        )

    def _unfed(self, processor_id: str) -> list[str]:
        """The incoming relationships that carry nothing in the converted code."""
        return [
            f"{self.flow.processors[edge.source].name} has no {edge.relationship!r} output"
            for edge in self.graph.inputs(processor_id)
            if self._output(edge) is None
        ]

    def _output(self, edge: Edge) -> Stream | None:
        step = self.steps.get(edge.source)
        if step is None:
            return None
        return step.outputs.get(edge.relationship) or step.outputs.get("*")

    def _handoff_name(self, edge: Edge) -> str:
        return f"{self.plan.slugs[edge.source]}__{edge.relationship.replace(' ', '_')}"

    def _handoffs(self, processor_id: str, stage: Stage) -> list[str]:
        """Cells persisting outputs that later stages read."""
        cells = []
        for edge in self.graph.outputs(processor_id):
            if self.plan.stage_of(edge.destination).key == stage.key:
                continue
            stream = self._output(edge)
            if stream is None:
                continue
            path = f"STAGING_ROOT + '/{self._handoff_name(edge)}'"
            if stream.streaming:
                checkpoint = f"CHECKPOINT_ROOT + '/handoff_{self._handoff_name(edge)}'"
                code = f"{stream.var}.writeStream.format('parquet').option('checkpointLocation', {checkpoint}).trigger(availableNow=True).start({path}).awaitTermination()"
            else:
                code = f"{stream.var}.write.mode('overwrite').parquet({path})"
            cell = f"# Hand-off to {self.plan.stage_of(edge.destination).title}\n{code}"
            if cell not in cells:
                cells.append(cell)
        return cells

    def _processor(self, processor_id: str, stage: Stage, stream: Stream | None) -> str:
        processor = self.flow.processors[processor_id]
        ctx = Context(
            processor,
            self.flow,
            self.graph,
            self.plan.slugs[processor_id],
            stream,
            self.parameters,
            self.secrets,
            self.settings.autoloader,
        )
        entry = CATALOGUE.get(processor.kind)
        try:
            unfed = self._unfed(processor_id) if stream is None else []
            if processor_id in self.held:
                step = self._manual(ctx, self.held[processor_id])
            elif unfed:
                step = self._manual(ctx, "no converted output reaches it: " + "; ".join(unfed))
            elif processor_id in self.graph.error_handlers:
                step = self._failure_branch(ctx)
            elif entry is None:
                raise ExpressionError(f"no catalogue entry for processor type {processor.type}")
            else:
                step = entry.handler(ctx)
        except (ExpressionError, MissingServiceError, ValueError, KeyError) as exc:
            step = self._manual(ctx, str(exc) if not isinstance(exc, KeyError) else f"missing setting {exc}")
        self.steps[processor_id] = step
        outcome = Outcome(
            processor_id,
            processor.name,
            processor.kind,
            " / ".join(self.flow.group_path(processor.group_id)),
            stage.key,
            step.status,
            step.notes,
            step.reason,
            step.writes,
        )
        self.outcomes.append(outcome)
        return self._cell(ctx, step, outcome)

    def _failure_branch(self, ctx: Context) -> Step:
        sources = sorted(
            {
                self.flow.processors[e.source].name
                for e in self.graph.error_edges
                if e.destination == ctx.processor.id
            }
        )
        note = (
            f"handles failures of {', '.join(sources) or 'other failure handlers'}: a failed task replaces it"
        )
        return Step(f"# {ctx.processor.kind} dropped: {note}", {}, status=DROPPED, notes=[note])

    def _manual(self, ctx: Context, reason: str) -> Step:
        source = ctx.input
        fallback = source.var if source else "spark.range(0)"
        code = f"lakerun_unconverted({ctx.processor.name!r}, {reason!r})\n{ctx.var()} = {fallback}"
        return Step(code, {"*": source or Stream(ctx.var())}, status=MANUAL, reason=reason)

    def _cell(self, ctx: Context, step: Step, outcome: Outcome) -> str:
        processor = ctx.processor
        lines = [f"# Processor: {processor.name} ({processor.kind}) id={processor.id}"]
        if step.status == MANUAL:
            lines.append(f"# LAKERUN HUMAN REQUEST: {step.reason}")
            shown = {k: v for k, v in processor.properties.items() if "password" not in k.lower()}
            lines += [f"# Properties: {json.dumps(shown, sort_keys=True)[:2000]}"]
        elif step.status == FLAGGED:
            lines.append(f"# LAKERUN FLAGGED: {step.reason}")
        lines += [f"# Note: {note}" for note in outcome.notes]
        if self.graph.error_edges and any(e.source == processor.id for e in self.graph.error_edges):
            lines.append(
                "# Failure relationships: a failure fails this task (retries come from the job's settings)"
            )
        return "\n".join(lines) + "\n" + step.code


def generate(
    graph: FlowGraph, plan: Plan, settings: Settings, held: dict[str, str] | None = None
) -> Generated:
    """The notebooks of a planned flow; `held` processors (id → reason) become human requests."""
    return Generator(graph, plan, settings, held).run()
