"""Where each table of a pipeline's graph is drawn: one column per layer, edges as curves between nodes.

The page draws the graph as server-rendered SVG (no script, no CDN); this module only computes the
geometry. Within a column, tables are ordered by the mean position of the tables they read, which
keeps most edges from crossing.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakerun.control.pipeline_graph import PipelineGraph

NODE_WIDTH = 200
NODE_HEIGHT = 78
COLUMN_WIDTH = 260
ROW_HEIGHT = 100
TOP = 14
SIDE_LOOP = 26
"""How far an edge between two tables of the same layer bulges to the right of the column."""


@dataclass(frozen=True)
class PlacedNode:
    """A table's box: top-left corner and size."""

    name: str
    layer: str
    x: float
    y: float
    width: float = NODE_WIDTH
    height: float = NODE_HEIGHT


@dataclass(frozen=True)
class PlacedEdge:
    """An input edge drawn as an SVG path from the table read to the table reading it."""

    source: str
    target: str
    path: str


@dataclass(frozen=True)
class GraphLayout:
    """The whole drawing: its size, one column per layer, nodes and edges."""

    width: float
    height: float
    layers: tuple[str, ...]
    nodes: dict[str, PlacedNode]
    edges: tuple[PlacedEdge, ...]


def _columns(graph: PipelineGraph) -> list[list[str]]:
    upstream = {table.name: table.upstream for table in graph.tables}
    rank: dict[str, float] = {}
    columns: list[list[str]] = []
    for layer in graph.layers:
        names = [table.name for table in graph.tables if table.layer == layer]

        def weight(name: str, names: list[str] = names) -> float:
            placed = [rank[up] for up in upstream[name] if up in rank]
            return sum(placed) / len(placed) if placed else float(names.index(name))

        ordered = sorted(names, key=weight)
        rank.update({name: float(index) for index, name in enumerate(ordered)})
        columns.append(ordered)
    return columns


def _curve(source: PlacedNode, target: PlacedNode) -> str:
    if source.x == target.x:
        x = source.x + source.width
        y1, y2 = source.y + source.height / 2, target.y + target.height / 2
        bulge = x + SIDE_LOOP + abs(y2 - y1) / 8
        return f"M{x:.0f},{y1:.0f} C{bulge:.0f},{y1:.0f} {bulge:.0f},{y2:.0f} {x:.0f},{y2:.0f}"
    x1, y1 = source.x + source.width, source.y + source.height / 2
    x2, y2 = target.x, target.y + target.height / 2
    middle = (x1 + x2) / 2
    return f"M{x1:.0f},{y1:.0f} C{middle:.0f},{y1:.0f} {middle:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"


def layout(graph: PipelineGraph) -> GraphLayout:
    """Columns left to right in layer order, each column's tables centred vertically."""
    columns = _columns(graph)
    tallest = max((len(column) for column in columns), default=0)
    height = TOP * 2 + max(tallest, 1) * ROW_HEIGHT
    nodes: dict[str, PlacedNode] = {}
    layer_of = {table.name: table.layer for table in graph.tables}
    for index, column in enumerate(columns):
        offset = (tallest - len(column)) * ROW_HEIGHT / 2
        for row, name in enumerate(column):
            x = index * COLUMN_WIDTH + (COLUMN_WIDTH - NODE_WIDTH) / 2 - SIDE_LOOP / 2
            y = TOP + offset + row * ROW_HEIGHT + (ROW_HEIGHT - NODE_HEIGHT) / 2
            nodes[name] = PlacedNode(name, layer_of[name], x, y)
    edges = tuple(
        PlacedEdge(source, target, _curve(nodes[source], nodes[target]))
        for source, target in graph.edges()
        if source in nodes and target in nodes
    )
    return GraphLayout(max(len(columns), 1) * COLUMN_WIDTH, height, graph.layers, nodes, edges)
