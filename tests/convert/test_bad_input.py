"""Bad input: each a clear outcome (an error naming the element, or a human request), never a crash."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from lakerun.convert.agent import FAILED, AgentRequest, DeterministicAgent
from lakerun.convert.conversion import convert
from lakerun.convert.errors import FlowGraphError, FlowReadError
from lakerun.convert.reader import read_flow, read_flow_bytes
from tests.convert.conftest import FLOWS


def _processor(pid: str, kind: str, **properties: str) -> dict[str, object]:
    return {
        "identifier": pid,
        "name": pid.title(),
        "type": f"org.apache.nifi.processors.standard.{kind}",
        "properties": properties,
    }


def _link(cid: str, source: str, destination: str, relationship: str = "success") -> dict[str, object]:
    return {
        "identifier": cid,
        "source": {"id": source, "type": "PROCESSOR"},
        "destination": {"id": destination, "type": "PROCESSOR"},
        "selectedRelationships": [relationship],
    }


def _definition(
    processors: list[dict[str, object]], connections: list[dict[str, object]], **extra: object
) -> bytes:
    contents = {
        "identifier": "root",
        "name": "bad",
        "processors": processors,
        "connections": connections,
        **extra,
    }
    return json.dumps({"flowContents": contents}).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<template><snippet><processors>", "malformed XML"),
        (b'{"flowContents": {"identifier": ', "malformed JSON"),
        (b"<html><body/></html>", "root element <html>"),
        (b'{"name": "x"}', "found keys: name"),
        (b"[1, 2]", "a NiFi flow is a JSON object"),
        (b"just text", "neither XML nor JSON"),
        (b"\x1f\x8b\x08\x00broken", "broken gzip"),
        (b"<template><name>t</name></template>", "<template> has no <snippet>"),
        (
            b"<template><snippet><processors><id>p1</id><config/></processors></snippet></template>",
            "processor p1: <processors> has no <type>",
        ),
        (_definition([{"identifier": "p1", "properties": {}}], []), "processor p1 has no `type`"),
        (
            _definition([], [{"identifier": "c1", "source": "p1"}]),
            "connection c1 needs `source` and `destination`",
        ),
        (_definition([], [], funnels="oops"), "`funnels` must be a list"),
    ],
)
def test_malformed_input_names_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(FlowReadError, match=r"flow\.bin") as error:
        read_flow_bytes(data, "flow.bin")
    assert message in str(error.value)


def test_entity_expansion_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><template>&b;</template>'
    with pytest.raises(FlowReadError, match="unsafe or unreadable XML"):
        read_flow_bytes(bomb, "bomb.xml")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FlowReadError, match="cannot read the file"):
        read_flow(tmp_path / "nope.xml")


def test_cycle_names_its_processors() -> None:
    data = _definition(
        [
            _processor("a", "UpdateAttribute", x="1"),
            _processor("b", "UpdateAttribute", y="2"),
            _processor("c", "LogAttribute"),
        ],
        [_link("1", "a", "b"), _link("2", "b", "c"), _link("3", "c", "a")],
    )
    flow = read_flow_bytes(data, "loop.json")
    with pytest.raises(
        FlowGraphError,
        match=r"data cycle: .*A \(UpdateAttribute\) -> B \(UpdateAttribute\) -> C \(LogAttribute\) -> A",
    ):
        convert(flow)


def test_a_retry_loop_is_not_a_cycle() -> None:
    data = _definition(
        [_processor("a", "GenerateFlowFile"), _processor("b", "PutFile", Directory="/out")],
        [_link("1", "a", "b"), _link("2", "b", "b", "retry"), _link("3", "b", "b", "failure")],
    )
    conversion = convert(read_flow_bytes(data, "retry.json"))
    assert conversion.counts()["converted"] == 2


def test_connection_to_a_missing_processor_is_an_error() -> None:
    data = _definition([_processor("a", "GenerateFlowFile")], [_link("1", "a", "ghost")])
    with pytest.raises(FlowGraphError, match="connection 1 refers to a missing processor ghost"):
        convert(read_flow_bytes(data, "dangling.json"))


def test_unknown_processor_and_missing_service_become_human_requests() -> None:
    data = _definition(
        [
            _processor("a", "GenerateFlowFile"),
            {"identifier": "m", "name": "Magic", "type": "com.vendor.Magic", "properties": {}},
            _processor(
                "q", "QueryRecord", **{"Record Reader": "svc-missing", "big": "SELECT * FROM FLOWFILE"}
            ),
        ],
        [_link("1", "a", "m"), _link("2", "m", "q")],
    )
    conversion = convert(read_flow_bytes(data, "gaps.json"))
    reasons = {request.processor: request.reason for request in conversion.requests}
    assert reasons == {
        "Magic": "no catalogue entry for processor type com.vendor.Magic",
        "Q": "property 'Record Reader' refers to controller service svc-missing, which is not in the flow",
    }
    notebook = next(iter(conversion.notebooks.values()))
    assert notebook.count("# LAKERUN HUMAN REQUEST:") == 2
    assert "lakerun_unconverted('Magic'" in notebook
    assert conversion.coverage == pytest.approx(1 / 3)


def test_the_agent_ends_a_broken_flow_with_the_error(tmp_path: Path) -> None:
    path = tmp_path / "flow.xml.gz"
    path.write_bytes(gzip.compress(b"<flowController><rootGroup><name>x</name></rootGroup></flowController>"))
    result = DeterministicAgent().run(AgentRequest("f", str(path), str(tmp_path / "out")))
    assert result.status == FAILED
    assert result.error == f"{path}: <rootGroup> has no <id>"
    assert not (tmp_path / "out").exists()


def test_every_test_flow_converts_without_crashing() -> None:
    for path in FLOWS.iterdir():
        conversion = convert(read_flow(path))
        assert len(conversion.outcomes) == len(conversion.flow.processors)
