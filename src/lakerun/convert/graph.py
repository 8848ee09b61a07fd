"""The processor-to-processor data graph: funnels and ports bypassed, failure loops set aside, cycles refused."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lakerun.convert.errors import FlowGraphError
from lakerun.convert.model import PASS_THROUGH_KINDS, PROCESSOR, Flow

# Relationships that carry errors back into NiFi's retry loops; in a batch job a failure fails the task.
ERROR_RELATIONSHIPS = frozenset({"failure", "retry", "no retry", "comms.failure", "timeout", "invalid"})


@dataclass(frozen=True)
class Edge:
    """Data moving from one processor to another on one relationship."""

    source: str
    relationship: str
    destination: str


@dataclass
class FlowGraph:
    """Processors in a topological order with their data edges, and what was set aside on the way."""

    flow: Flow
    order: list[str]
    edges: list[Edge]
    error_edges: list[Edge] = field(default_factory=list)
    error_handlers: set[str] = field(default_factory=set)

    def inputs(self, processor_id: str) -> list[Edge]:
        """The edges arriving at a processor."""
        return [edge for edge in self.edges if edge.destination == processor_id]

    def outputs(self, processor_id: str) -> list[Edge]:
        """The edges leaving a processor."""
        return [edge for edge in self.edges if edge.source == processor_id]

    def downstream(self, processor_id: str) -> list[str]:
        """Every processor reachable from this one, nearest first."""
        seen: list[str] = []
        frontier = [processor_id]
        while frontier:
            current = frontier.pop(0)
            for edge in self.outputs(current):
                if edge.destination not in seen:
                    seen.append(edge.destination)
                    frontier.append(edge.destination)
        return seen


def build_graph(flow: Flow) -> FlowGraph:
    """The data graph of a flow; a cycle through data relationships raises FlowGraphError naming it."""
    edges: list[Edge] = []
    error_edges: list[Edge] = []
    for connection in flow.connections:
        if connection.source_kind != PROCESSOR:
            continue
        _check_end(flow, connection.source_id, connection.source_kind, connection.id)
        relationships = connection.relationships or ("success",)
        for destination in _resolve(
            flow, connection.destination_id, connection.destination_kind, connection.id
        ):
            for relationship in relationships:
                edge = Edge(connection.source_id, relationship, destination)
                (error_edges if relationship.lower() in ERROR_RELATIONSHIPS else edges).append(edge)
    edges = list(dict.fromkeys(edges))
    handlers = _error_handlers(flow, edges, error_edges)
    data = [edge for edge in edges if edge.source not in handlers and edge.destination not in handlers]
    return FlowGraph(flow, _topological(flow, data), data, error_edges, handlers)


def _error_handlers(flow: Flow, edges: list[Edge], error_edges: list[Edge]) -> set[str]:
    """Processors that only ever see failed flowfiles (directly or through other such processors)."""
    handlers = {edge.destination for edge in error_edges}
    changed = True
    while changed:
        changed = False
        for processor_id in list(handlers):
            feeds = [e for e in edges if e.destination == processor_id and e.source not in handlers]
            if feeds:
                handlers.discard(processor_id)
                changed = True
        for edge in edges:
            if edge.source in handlers and edge.destination not in handlers:
                feeds = [e for e in edges if e.destination == edge.destination and e.source not in handlers]
                if not feeds and edge.destination in flow.processors:
                    handlers.add(edge.destination)
                    changed = True
    return handlers


def _check_end(flow: Flow, component_id: str, kind: str, connection_id: str) -> None:
    known = flow.processors if kind == PROCESSOR else flow.passages
    if component_id not in known:
        raise FlowGraphError(f"connection {connection_id} refers to a missing {kind.lower()} {component_id}")


def _resolve(
    flow: Flow, component_id: str, kind: str, connection_id: str, seen: frozenset[str] = frozenset()
) -> list[str]:
    """The processors a connection finally reaches, following funnels and ports."""
    if kind not in (PROCESSOR, *PASS_THROUGH_KINDS):
        raise FlowGraphError(
            f"connection {connection_id} goes to a {kind} ({component_id}), which the converter cannot follow"
        )
    _check_end(flow, component_id, kind, connection_id)
    if kind == PROCESSOR:
        return [component_id]
    if component_id in seen:
        raise FlowGraphError(f"funnels/ports loop through {component_id}")
    targets: list[str] = []
    for onward in flow.connections:
        if onward.source_id == component_id:
            targets += _resolve(
                flow, onward.destination_id, onward.destination_kind, onward.id, seen | {component_id}
            )
    return targets


def _topological(flow: Flow, edges: list[Edge]) -> list[str]:
    """Kahn's order, following each chain to its end first; leftovers are a cycle, named with their processors."""
    incoming: dict[str, int] = dict.fromkeys(flow.processors, 0)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        incoming[edge.destination] += 1
        outgoing[edge.source].append(edge.destination)
    ready = [pid for pid, count in incoming.items() if count == 0]
    order: list[str] = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        freed = []
        for target in outgoing[current]:
            incoming[target] -= 1
            if incoming[target] == 0:
                freed.append(target)
        ready[:0] = freed
    if len(order) < len(flow.processors):
        raise FlowGraphError(_describe_cycle(flow, edges, set(flow.processors) - set(order)))
    return order


def _describe_cycle(flow: Flow, edges: list[Edge], stuck: set[str]) -> str:
    inner = [edge for edge in edges if edge.source in stuck and edge.destination in stuck]
    start = inner[0].source
    path, current = [start], start
    while True:
        edge = next(e for e in inner if e.source == current)
        current = edge.destination
        if current in path:
            path = [*path[path.index(current) :], current]
            break
        path.append(current)
    names = " -> ".join(f"{flow.processors[p].name} ({flow.processors[p].kind})" for p in path)
    return (
        f"the flow has a data cycle: {names}; a batch job cannot loop. Route the loop through a "
        "failure/retry relationship or break it before converting"
    )
