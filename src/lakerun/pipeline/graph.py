"""The dependency graph of a pipeline's tables, derived from their inputs: order, cycles, lineage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lakerun.pipeline.config.base import layer_rank


@dataclass(frozen=True)
class TableGraph:
    """Tables in a valid run order, with each table's upstream tables."""

    order: tuple[str, ...]
    upstream: Mapping[str, tuple[str, ...]]
    layers: Mapping[str, str]

    def upstream_closure(self, names: Iterable[str]) -> set[str]:
        """The named tables and every table they read, directly or not."""
        seen: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending.extend(self.upstream[name])
        return seen

    def layer_order(self) -> list[str]:
        """The layers in the order their first table runs."""
        return list(dict.fromkeys(self.layers[name] for name in self.order))

    def layer_upstream(self, layer: str) -> list[str]:
        """The other layers whose tables the tables of `layer` read."""
        found = {
            self.layers[up]
            for name in self.order
            if self.layers[name] == layer
            for up in self.upstream[name]
            if self.layers[up] != layer
        }
        return [name for name in self.layer_order() if name in found]


def build_graph(upstream: Mapping[str, Sequence[str]], layers: Mapping[str, str]) -> TableGraph:
    """The graph of `upstream` (table -> tables read); unknown names and cycles raise ValueError."""
    for name, inputs in upstream.items():
        unknown = [item for item in inputs if item not in upstream]
        if unknown:
            raise ValueError(
                f"table `{name}` reads `{unknown[0]}`, which is not a table of this pipeline "
                f"(tables: {', '.join(upstream)}); an external source needs `type: files` or `type: table`"
            )
    declared = {name: index for index, name in enumerate(upstream)}
    order: list[str] = []
    remaining = dict(upstream)
    while remaining:
        ready = [n for n, ins in remaining.items() if all(i in order for i in ins)]
        if not ready:
            raise ValueError(f"the tables' inputs form a cycle: {' -> '.join(_cycle(remaining))}")
        chosen = min(ready, key=lambda n: (layer_rank(layers[n]), declared[n]))
        order.append(chosen)
        del remaining[chosen]
    return TableGraph(
        order=tuple(order), upstream={n: tuple(v) for n, v in upstream.items()}, layers=dict(layers)
    )


def _cycle(remaining: Mapping[str, Sequence[str]]) -> list[str]:
    path: list[str] = []
    node = next(iter(remaining))
    while node not in path:
        path.append(node)
        node = next(i for i in remaining[node] if i in remaining)
    return [*path[path.index(node) :], node]
