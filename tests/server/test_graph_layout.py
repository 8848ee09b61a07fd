"""The pipeline graph's geometry: a column per layer, inputs to the left, edges leaving and entering boxes."""

from __future__ import annotations

import re

from lakerun.control.pipeline_graph import PipelineGraph, TableNode, config_graph, reported_graph
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.server.dashboard.graph_layout import COLUMN_WIDTH, layout
from tests.pipeline.conftest import EXAMPLE


def test_the_demo_graph_has_a_column_per_layer_and_an_edge_per_input() -> None:
    config = load_pipeline(str(EXAMPLE / "pipeline.yml"), {"data_root": "/data"}).config
    graph = config_graph(config)
    drawn = layout(graph)
    assert drawn.layers == ("raw", "bronze", "silver", "gold")
    assert len(drawn.nodes) == 13
    columns = {layer: {n.x for n in drawn.nodes.values() if n.layer == layer} for layer in drawn.layers}
    assert all(len(xs) == 1 for xs in columns.values())
    assert [min(columns[layer]) for layer in drawn.layers] == sorted(min(xs) for xs in columns.values())
    expected = {(up, name) for name in config.ordered_tables() for up in config.graph.upstream[name]}
    assert {(e.source, e.target) for e in drawn.edges} == expected
    assert ("claims_latest", "claims_enriched") in expected
    assert all(n.x >= 0 and n.x + n.width <= drawn.width for n in drawn.nodes.values())
    assert all(n.y >= 0 and n.y + n.height <= drawn.height for n in drawn.nodes.values())
    raw_claims = graph.tables[[t.name for t in graph.tables].index("raw_claims")]
    assert raw_claims.sources == ("/data/raw/claims",)


def test_edges_start_at_the_input_and_end_at_the_reader() -> None:
    graph = PipelineGraph(
        ("bronze", "silver"),
        (
            TableNode("a", "bronze"),
            TableNode("b", "bronze"),
            TableNode("joined", "silver", ("a", "b")),
            TableNode("latest", "silver", ("joined",)),
        ),
    )
    drawn = layout(graph)
    for edge in drawn.edges:
        start = tuple(float(v) for v in re.match(r"M([\d.]+),([\d.]+)", edge.path).groups())
        end = tuple(float(v) for v in re.search(r" ([\d.]+),([\d.]+)$", edge.path).groups())
        source, target = drawn.nodes[edge.source], drawn.nodes[edge.target]
        assert start[0] == round(source.x + source.width)
        assert source.y <= start[1] <= source.y + source.height
        assert target.y <= end[1] <= target.y + target.height
    same_column = next(e for e in drawn.edges if e.target == "latest")
    assert drawn.nodes["joined"].x == drawn.nodes["latest"].x
    assert drawn.width == 2 * COLUMN_WIDTH and same_column.path.count("C") == 1


def test_an_empty_graph_still_draws() -> None:
    drawn = layout(PipelineGraph(("raw",), ()))
    assert drawn.nodes == {} and drawn.edges == () and drawn.height > 0


def test_without_the_config_the_graph_holds_the_tables_runs_reported() -> None:
    graph = reported_graph(["raw", "bronze"], {"orders": "bronze", "landing": "raw", "extra": "adhoc"})
    assert graph.layers == ("raw", "bronze", "adhoc")
    assert [(t.name, t.layer) for t in graph.tables] == [
        ("landing", "raw"),
        ("orders", "bronze"),
        ("extra", "adhoc"),
    ]
    assert graph.edges() == [] and len(layout(graph).nodes) == 3
