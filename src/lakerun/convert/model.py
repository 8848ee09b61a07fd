"""The typed NiFi flow graph every reader produces, whatever the file format it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

PROCESSOR = "PROCESSOR"
FUNNEL = "FUNNEL"
INPUT_PORT = "INPUT_PORT"
OUTPUT_PORT = "OUTPUT_PORT"
PASS_THROUGH_KINDS = (FUNNEL, INPUT_PORT, OUTPUT_PORT)


@dataclass(frozen=True)
class Scheduling:
    """When NiFi runs a processor: kept so the job can carry an equivalent schedule."""

    strategy: str = "TIMER_DRIVEN"
    period: str = "0 sec"
    concurrency: int = 1


@dataclass(frozen=True)
class Processor:
    """One NiFi processor with its configured properties."""

    id: str
    name: str
    type: str
    group_id: str
    properties: dict[str, str] = field(default_factory=dict)
    scheduling: Scheduling = Scheduling()
    auto_terminated: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The short type name (`GetFile` for `org.apache.nifi.processors.standard.GetFile`)."""
        return self.type.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ControllerService:
    """A shared service (DBCP pool, record reader or writer, SSL context) referenced by processors by id."""

    id: str
    name: str
    type: str
    group_id: str
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The short type name (`CSVReader`)."""
        return self.type.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Passage:
    """A funnel or port: it moves flowfiles unchanged, so the converter bypasses it."""

    id: str
    kind: str
    name: str
    group_id: str


@dataclass(frozen=True)
class Connection:
    """A queue from one component to another for the named relationships."""

    id: str
    source_id: str
    source_kind: str
    destination_id: str
    destination_kind: str
    relationships: tuple[str, ...]
    group_id: str


@dataclass(frozen=True)
class Parameter:
    """One entry of a parameter context; sensitive values are never carried, only their name."""

    name: str
    value: str | None
    sensitive: bool = False


@dataclass(frozen=True)
class ProcessGroup:
    """A process group and what it inherits: its parent, parameter context and variables."""

    id: str
    name: str
    parent_id: str | None
    parameter_context: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class Flow:
    """A whole NiFi flow, flattened into maps by id; groups keep the nesting."""

    name: str
    source_format: str
    root_group_id: str
    groups: dict[str, ProcessGroup] = field(default_factory=dict)
    processors: dict[str, Processor] = field(default_factory=dict)
    passages: dict[str, Passage] = field(default_factory=dict)
    connections: list[Connection] = field(default_factory=list)
    services: dict[str, ControllerService] = field(default_factory=dict)
    parameter_contexts: dict[str, dict[str, Parameter]] = field(default_factory=dict)

    def group_path(self, group_id: str) -> tuple[str, ...]:
        """Names from the root's child down to the group (the root itself contributes nothing)."""
        names: list[str] = []
        current = self.groups.get(group_id)
        while current is not None and current.parent_id is not None:
            names.append(current.name)
            current = self.groups.get(current.parent_id)
        return tuple(reversed(names))

    def parameters_for(self, group_id: str) -> dict[str, Parameter]:
        """The parameters visible from a group: its own context, else the nearest ancestor's."""
        current = self.groups.get(group_id)
        while current is not None:
            if current.parameter_context is not None:
                return self.parameter_contexts.get(current.parameter_context, {})
            current = self.groups.get(current.parent_id) if current.parent_id else None
        return {}

    def variables_for(self, group_id: str) -> dict[str, str]:
        """The variables visible from a group, inner groups overriding outer ones."""
        chain: list[ProcessGroup] = []
        current = self.groups.get(group_id)
        while current is not None:
            chain.append(current)
            current = self.groups.get(current.parent_id) if current.parent_id else None
        merged: dict[str, str] = {}
        for group in reversed(chain):
            merged.update(group.variables)
        return merged

    def summary(self) -> dict[str, object]:
        """Counts for inventories and reports."""
        return {
            "name": self.name,
            "format": self.source_format,
            "process_groups": len(self.groups) - 1,
            "processors": len(self.processors),
            "connections": len(self.connections),
            "controller_services": len(self.services),
            "parameters": sum(len(context) for context in self.parameter_contexts.values()),
        }
