"""NiFi XML flows: `<template>` exports (1.x) and the `flow.xml.gz` a NiFi 1.x node keeps on disk."""

from __future__ import annotations

from xml.etree.ElementTree import Element  # nosec B405 - parsing goes through defusedxml

from defusedxml import ElementTree

from lakerun.convert.errors import FlowReadError
from lakerun.convert.model import (
    FUNNEL,
    INPUT_PORT,
    OUTPUT_PORT,
    Connection,
    ControllerService,
    Flow,
    Parameter,
    Passage,
    ProcessGroup,
    Processor,
    Scheduling,
)


def read_xml(text: str, origin: str) -> Flow:
    """The flow of a template or flow.xml document; `origin` names the file in errors."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise FlowReadError(f"{origin}: malformed XML: {exc}") from exc
    except Exception as exc:
        raise FlowReadError(f"{origin}: unsafe or unreadable XML: {type(exc).__name__}: {exc}") from exc
    if root.tag == "template":
        return _TemplateReader(origin).read(root)
    if root.tag == "flowController":
        return _FlowXmlReader(origin).read(root)
    raise FlowReadError(
        f"{origin}: root element <{root.tag}> is neither a NiFi <template> nor a <flowController> (flow.xml)"
    )


def _text(element: Element, tag: str, default: str = "") -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None and found.text is not None else default


def _required(element: Element, tag: str, where: str) -> str:
    value = _text(element, tag)
    if not value:
        raise FlowReadError(f"{where}: <{element.tag}> has no <{tag}>")
    return value


def _int(value: str, default: int = 1) -> int:
    try:
        return int(value)
    except ValueError:
        return default


class _TemplateReader:
    """Reads `<template><snippet>`: components in plural containers, properties as key/value entries."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def read(self, root: Element) -> Flow:
        snippet = root.find("snippet")
        if snippet is None:
            raise FlowReadError(f"{self.origin}: <template> has no <snippet>")
        root_id = _text(root, "groupId") or "root"
        flow = Flow(
            name=_text(root, "name") or "template", source_format="nifi-template", root_group_id=root_id
        )
        flow.groups[root_id] = ProcessGroup(root_id, flow.name, None)
        self._contents(flow, snippet, root_id)
        return flow

    def _contents(self, flow: Flow, contents: Element, group_id: str) -> None:
        for element in contents.findall("processors"):
            processor = self._processor(element, group_id)
            flow.processors[processor.id] = processor
        for element in contents.findall("controllerServices"):
            service_id = _required(element, "id", self.origin)
            flow.services[service_id] = ControllerService(
                service_id,
                _text(element, "name"),
                _required(element, "type", f"{self.origin}: controller service {service_id}"),
                group_id,
                self._entries(element.find("properties")),
            )
        for tag, kind in (("funnels", FUNNEL), ("inputPorts", INPUT_PORT), ("outputPorts", OUTPUT_PORT)):
            for element in contents.findall(tag):
                passage_id = _required(element, "id", self.origin)
                flow.passages[passage_id] = Passage(passage_id, kind, _text(element, "name"), group_id)
        for element in contents.findall("connections"):
            flow.connections.append(self._connection(element, group_id))
        for element in contents.findall("processGroups"):
            child_id = _required(element, "id", self.origin)
            variables = self._entries(element.find("variables"))
            flow.groups[child_id] = ProcessGroup(child_id, _text(element, "name"), group_id, None, variables)
            inner = element.find("contents")
            if inner is not None:
                self._contents(flow, inner, child_id)

    def _processor(self, element: Element, group_id: str) -> Processor:
        processor_id = _required(element, "id", self.origin)
        where = f"{self.origin}: processor {processor_id}"
        config = element.find("config")
        if config is None:
            raise FlowReadError(f"{where}: <processors> has no <config>")
        return Processor(
            id=processor_id,
            name=_text(element, "name") or processor_id,
            type=_required(element, "type", where),
            group_id=group_id,
            properties=self._entries(config.find("properties")),
            scheduling=Scheduling(
                _text(config, "schedulingStrategy", "TIMER_DRIVEN"),
                _text(config, "schedulingPeriod", "0 sec"),
                _int(_text(config, "concurrentlyScheduledTaskCount", "1")),
            ),
            auto_terminated=tuple(
                (item.text or "").strip() for item in config.findall("autoTerminatedRelationships")
            ),
        )

    def _connection(self, element: Element, group_id: str) -> Connection:
        connection_id = _required(element, "id", self.origin)
        where = f"{self.origin}: connection {connection_id}"
        source, destination = element.find("source"), element.find("destination")
        if source is None or destination is None:
            raise FlowReadError(f"{where}: <connections> needs both <source> and <destination>")
        return Connection(
            connection_id,
            _required(source, "id", where),
            _text(source, "type", "PROCESSOR"),
            _required(destination, "id", where),
            _text(destination, "type", "PROCESSOR"),
            tuple((item.text or "").strip() for item in element.findall("selectedRelationships")),
            group_id,
        )

    def _entries(self, container: Element | None) -> dict[str, str]:
        if container is None:
            return {}
        values: dict[str, str] = {}
        for entry in container.findall("entry"):
            key = _text(entry, "key")
            value = entry.find("value")
            if key and value is not None and value.text is not None:
                values[key] = value.text
        return values


class _FlowXmlReader:
    """Reads `<flowController><rootGroup>`: singular component tags, properties as name/value pairs."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def read(self, root: Element) -> Flow:
        root_group = root.find("rootGroup")
        if root_group is None:
            raise FlowReadError(f"{self.origin}: <flowController> has no <rootGroup>")
        root_id = _required(root_group, "id", self.origin)
        flow = Flow(
            name=_text(root_group, "name") or "NiFi Flow",
            source_format="nifi-flow-xml",
            root_group_id=root_id,
        )
        for context in root.iterfind("parameterContexts/parameterContext"):
            context_id = _required(context, "id", self.origin)
            parameters = {
                _text(item, "name"): Parameter(
                    _text(item, "name"),
                    None if _text(item, "sensitive") == "true" else _text(item, "value"),
                    _text(item, "sensitive") == "true",
                )
                for item in context.findall("parameter")
            }
            flow.parameter_contexts[context_id] = parameters
        self._group(flow, root_group, None)
        for element in root.iterfind("controllerServices/controllerService"):
            service = self._service(element, root_id)
            flow.services[service.id] = service
        return flow

    def _group(self, flow: Flow, element: Element, parent_id: str | None) -> None:
        group_id = _required(element, "id", self.origin)
        variables = {
            item.get("name", ""): item.get("value", "")
            for item in element.findall("variable")
            if item.get("name")
        }
        flow.groups[group_id] = ProcessGroup(
            group_id,
            _text(element, "name"),
            parent_id,
            _text(element, "parameterContextId") or None,
            variables,
        )
        for item in element.findall("processor"):
            processor = self._processor(item, group_id)
            flow.processors[processor.id] = processor
        for item in element.findall("controllerService"):
            service = self._service(item, group_id)
            flow.services[service.id] = service
        for tag, kind in (("funnel", FUNNEL), ("inputPort", INPUT_PORT), ("outputPort", OUTPUT_PORT)):
            for item in element.findall(tag):
                passage_id = _required(item, "id", self.origin)
                flow.passages[passage_id] = Passage(passage_id, kind, _text(item, "name"), group_id)
        for item in element.findall("connection"):
            flow.connections.append(self._connection(item, group_id))
        for item in element.findall("processGroup"):
            self._group(flow, item, group_id)

    def _processor(self, element: Element, group_id: str) -> Processor:
        processor_id = _required(element, "id", self.origin)
        where = f"{self.origin}: processor {processor_id}"
        return Processor(
            id=processor_id,
            name=_text(element, "name") or processor_id,
            type=_required(element, "class", where),
            group_id=group_id,
            properties=self._properties(element),
            scheduling=Scheduling(
                _text(element, "schedulingStrategy", "TIMER_DRIVEN"),
                _text(element, "schedulingPeriod", "0 sec"),
                _int(_text(element, "maxConcurrentTasks", "1")),
            ),
            auto_terminated=tuple(
                (item.text or "").strip() for item in element.findall("autoTerminatedRelationship")
            ),
        )

    def _service(self, element: Element, group_id: str) -> ControllerService:
        service_id = _required(element, "id", self.origin)
        where = f"{self.origin}: controller service {service_id}"
        return ControllerService(
            service_id,
            _text(element, "name"),
            _required(element, "class", where),
            group_id,
            self._properties(element),
        )

    def _connection(self, element: Element, group_id: str) -> Connection:
        connection_id = _required(element, "id", self.origin)
        where = f"{self.origin}: connection {connection_id}"
        return Connection(
            connection_id,
            _required(element, "sourceId", where),
            _text(element, "sourceType", "PROCESSOR"),
            _required(element, "destinationId", where),
            _text(element, "destinationType", "PROCESSOR"),
            tuple((item.text or "").strip() for item in element.findall("relationship")),
            group_id,
        )

    def _properties(self, element: Element) -> dict[str, str]:
        values: dict[str, str] = {}
        for item in element.findall("property"):
            name, value = _text(item, "name"), item.find("value")
            if name and value is not None and value.text is not None:
                values[name] = value.text
        return values
