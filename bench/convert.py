"""Benchmark: converting a generated NiFi flow of 500 processors (50 process groups of 10).

Each group is a realistic chain (ListFile → FetchFile → ConvertRecord → QueryRecord → UpdateAttribute →
RouteOnAttribute → JoltTransformJSON → UpdateRecord → PutFile → LogAttribute),
each group its own notebook and job task. Prints the time,
peak Python allocations and maximum resident memory of reading, converting and validating (compile, ruff, bandit, job). Never fails on time.

    .venv/bin/python bench/convert.py [--groups 50] [--no-validate]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from lakerun.convert.conversion import convert
from lakerun.convert.reader import read_flow
from lakerun.convert.validate import validate

STD = "org.apache.nifi.processors.standard."
CHAIN: list[tuple[str, dict[str, str]]] = [
    ("ListFile", {"Input Directory": "#{landing}/g{n}"}),
    ("FetchFile", {}),
    ("ConvertRecord", {"Record Reader": "reader", "Record Writer": "writer"}),
    (
        "QueryRecord",
        {
            "Record Reader": "reader",
            "Record Writer": "writer",
            "kept": "SELECT * FROM FLOWFILE WHERE amount > {n}",
        },
    ),
    ("UpdateAttribute", {"region": "${filename:substringBefore('_'):toUpper()}"}),
    ("RouteOnAttribute", {"eu": "${region:equals('EU')}"}),
    ("JoltTransformJSON", {"Jolt Specification": '[{"operation":"default","spec":{"source":"g{n}"}}]'}),
    (
        "UpdateRecord",
        {"Record Reader": "reader", "Record Writer": "writer", "/amount": "${field.value:multiply(100)}"},
    ),
    ("PutFile", {"Directory": "/Volumes/main/out/g{n}"}),
    ("LogAttribute", {}),
]
RELATIONSHIPS = ["success", "success", "success", "kept", "success", "eu", "success", "success", "success"]


def flow_definition(groups: int) -> dict[str, Any]:
    """A flow definition JSON with `groups` chained process groups of ten processors each."""
    children = []
    for n in range(groups):
        processors = [
            {
                "identifier": f"g{n}p{i}",
                "name": f"{kind} {n}.{i}",
                "type": STD + kind,
                "properties": {k: v.replace("{n}", str(n)) for k, v in props.items()},
            }
            for i, (kind, props) in enumerate(CHAIN)
        ]
        connections = [
            {
                "identifier": f"g{n}c{i}",
                "source": {"id": f"g{n}p{i}", "type": "PROCESSOR"},
                "destination": {"id": f"g{n}p{i + 1}", "type": "PROCESSOR"},
                "selectedRelationships": [rel],
            }
            for i, rel in enumerate(RELATIONSHIPS)
        ]
        children.append(
            {
                "identifier": f"g{n}",
                "name": f"Group {n}",
                "processors": processors,
                "connections": connections,
            }
        )
    services = [
        {"identifier": "reader", "name": "csv", "type": "org.apache.nifi.csv.CSVReader", "properties": {}},
        {
            "identifier": "writer",
            "name": "json",
            "type": "org.apache.nifi.json.JsonRecordSetWriter",
            "properties": {},
        },
    ]
    root = {
        "identifier": "root",
        "name": "Bench flow",
        "parameterContextName": "bench",
        "processGroups": children,
        "controllerServices": services,
    }
    return {
        "flowContents": root,
        "parameterContexts": {
            "bench": {"name": "bench", "parameters": [{"name": "landing", "value": "/Volumes/main/in"}]}
        },
    }


def timed(label: str, action: Any) -> Any:
    """Runs the action twice: once for time, once under tracemalloc (which slows it) for peak memory."""
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<10} {seconds * 1000:10.1f} ms   peak Python allocations {peak / 2**20:7.1f} MiB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.json"
        path.write_text(json.dumps(flow_definition(args.groups)))
        print(
            f"flow: {args.groups * len(CHAIN)} processors in {args.groups} groups, {path.stat().st_size / 1024:.0f} KiB"
        )
        flow = timed("read", lambda: read_flow(path))
        conversion = timed("convert", lambda: convert(flow))
        counts = conversion.counts()
        print(
            f"           {len(conversion.notebooks)} notebooks, {sum(len(s) for s in conversion.notebooks.values()) / 1024:.0f} KiB, {counts}"
        )
        if not args.no_validate:
            validation = timed("validate", lambda: validate(conversion.notebooks, conversion.job))
            print(
                f"           {validation.passed} passed, {validation.failed} failed, skipped {validation.skipped}"
            )
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"max RSS: this process {own:.0f} MiB, largest child (ruff, bandit) {children:.0f} MiB")


if __name__ == "__main__":
    main()
