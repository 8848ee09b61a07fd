"""The reader: every NiFi format into one flow graph, with groups, ports, funnels, services and parameters."""

from __future__ import annotations

from pathlib import Path

from lakerun.convert.graph import Edge, build_graph
from lakerun.convert.model import FUNNEL, INPUT_PORT, OUTPUT_PORT
from lakerun.convert.reader import read_flow
from tests.convert.conftest import FLOWS


def test_template_xml_reads_processors_services_and_a_funnel() -> None:
    flow = read_flow(FLOWS / "orders_template.xml")
    assert flow.source_format == "nifi-template"
    assert flow.name == "Orders routing"
    assert len(flow.processors) == 8
    assert {s.kind for s in flow.services.values()} == {"CSVReader", "CSVRecordSetWriter"}
    get = flow.processors["p-get"]
    assert get.kind == "GetFile"
    assert get.properties["File Filter"] == ".*\\.csv"
    assert (get.scheduling.strategy, get.scheduling.period) == ("CRON_DRIVEN", "0 0 6 * * ?")
    assert flow.processors["p-convert"].auto_terminated == ("failure",)
    assert [p.kind for p in flow.passages.values()] == [FUNNEL]


def test_funnel_is_bypassed_and_failure_loops_set_aside() -> None:
    graph = build_graph(read_flow(FLOWS / "orders_template.xml"))
    assert Edge("p-route", "eu", "p-put-eu") in graph.edges
    assert Edge("p-put-eu", "failure", "p-log") in graph.error_edges
    assert graph.error_handlers == {"p-log"}
    assert graph.order.index("p-get") < graph.order.index("p-query") < graph.order.index("p-put-other")


def test_flow_xml_gz_reads_nested_groups_ports_parameters_and_variables(flow_xml_gz: Path) -> None:
    flow = read_flow(flow_xml_gz)
    assert flow.source_format == "nifi-flow-xml"
    assert flow.group_path("g-clean") == ("Ingest", "Clean")
    assert flow.parameters_for("g-clean")["bucket"].value == "acme-landing"
    token = flow.parameters_for("g-load")["kafka.token"]
    assert token.sensitive and token.value is None
    assert flow.variables_for("g-clean") == {"table.prefix": "stg_", "region": "emea"}
    assert {p.kind for p in flow.passages.values()} == {FUNNEL, INPUT_PORT, OUTPUT_PORT}
    assert flow.services["dbcp"].properties["Database Connection URL"] == "#{db.url}"
    assert flow.services["ssl"].kind == "StandardRestrictedSSLContextService"


def test_ports_and_funnels_across_three_levels_become_direct_edges(flow_xml_gz: Path) -> None:
    graph = build_graph(read_flow(flow_xml_gz))
    assert Edge("fetch-s3", "success", "jolt") in graph.edges
    assert Edge("set-region", "success", "put-db") in graph.edges
    assert Edge("put-db", "retry", "put-db") in graph.error_edges


def test_flow_definition_json_reads_parameter_context_and_variables() -> None:
    flow = read_flow(FLOWS / "logs_definition.json")
    assert flow.source_format == "nifi-flow-definition"
    assert flow.parameters_for(flow.root_group_id)["log.dir"].value == "/var/log/app"
    assert flow.parameters_for(flow.root_group_id)["api.key"].sensitive
    assert flow.variables_for(flow.root_group_id) == {"env": "prod"}
    assert flow.processors["custom"].type == "com.acme.nifi.MagicProcessor"
    assert flow.summary()["processors"] == 16


def test_nifi2_flow_json_gz_reads_inherited_parameters_and_root_services(flow_json_gz: Path) -> None:
    flow = read_flow(flow_json_gz)
    assert flow.source_format == "nifi-flow-json"
    parameters = flow.parameters_for(flow.root_group_id)
    assert parameters["landing"].value == "/Volumes/main/raw/landing"
    assert parameters["db.password"].value is None
    assert flow.services["mysql"].kind == "DBCPConnectionPool"
    assert len(flow.processors) == 19
