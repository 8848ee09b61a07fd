"""NiFi JSON flows: flow definitions and registry snapshots (`flowContents`, 1.x and 2.x) and 2.x `flow.json.gz`."""

from __future__ import annotations

import json
from typing import Any

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

_KIND_ALIASES = {"REMOTE_INPUT_PORT": INPUT_PORT, "REMOTE_OUTPUT_PORT": OUTPUT_PORT}


def read_json(text: str, origin: str) -> Flow:
    """The flow of a JSON document; `origin` names the file in errors."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlowReadError(f"{origin}: malformed JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise FlowReadError(f"{origin}: a NiFi flow is a JSON object, not {type(document).__name__}")
    return _JsonReader(origin).read(document)


class _JsonReader:
    """Reads versioned components (`identifier`, `properties`, `processGroups` ...) into the flow graph."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def read(self, document: dict[str, Any]) -> Flow:
        if "flowContents" in document:
            root, fmt = document["flowContents"], "nifi-flow-definition"
        elif "rootGroup" in document:
            root, fmt = document["rootGroup"], "nifi-flow-json"
        else:
            keys = ", ".join(sorted(document)[:8]) or "none"
            raise FlowReadError(
                f"{self.origin}: a NiFi JSON flow has `flowContents` (flow definition, registry snapshot) "
                f"or `rootGroup` (NiFi 2 flow.json); found keys: {keys}"
            )
        root = self._object(root, "flowContents" if fmt == "nifi-flow-definition" else "rootGroup")
        root_id = str(root.get("identifier") or root.get("instanceIdentifier") or "root")
        flow = Flow(name=str(root.get("name") or "flow"), source_format=fmt, root_group_id=root_id)
        self._parameter_contexts(flow, document.get("parameterContexts") or {})
        self._group(flow, root, None)
        for item in self._list(document, "controllerServices"):
            service = self._service(item, root_id)
            flow.services[service.id] = service
        for item in (document.get("externalControllerServices") or {}).values():
            if isinstance(item, dict) and item.get("type"):
                service = self._service(item, root_id)
                flow.services.setdefault(service.id, service)
        return flow

    def _parameter_contexts(self, flow: Flow, contexts: Any) -> None:
        entries = [
            self._object(c, "parameterContexts[]")
            for c in (contexts.values() if isinstance(contexts, dict) else contexts)
        ]
        for context in entries:
            name = str(context.get("name") or "")
            if not name:
                raise FlowReadError(f"{self.origin}: a parameter context has no `name`")
            parameters: dict[str, Parameter] = {}
            for item in self._list(context, "parameters"):
                sensitive = bool(item.get("sensitive"))
                value = None if sensitive or item.get("value") is None else str(item["value"])
                parameters[str(item.get("name"))] = Parameter(str(item.get("name")), value, sensitive)
            flow.parameter_contexts[name] = parameters
        for context in entries:
            own = flow.parameter_contexts[str(context["name"])]
            for inherited in context.get("inheritedParameterContexts") or []:
                for key, parameter in flow.parameter_contexts.get(str(inherited), {}).items():
                    own.setdefault(key, parameter)

    def _group(self, flow: Flow, group: dict[str, Any], parent_id: str | None) -> None:
        group_id = self._id(group, "process group")
        flow.groups[group_id] = ProcessGroup(
            group_id,
            str(group.get("name") or group_id),
            parent_id,
            group.get("parameterContextName") or None,
            {str(k): str(v) for k, v in (group.get("variables") or {}).items()},
        )
        for item in self._list(group, "processors"):
            processor = self._processor(item, group_id)
            flow.processors[processor.id] = processor
        for item in self._list(group, "controllerServices"):
            service = self._service(item, group_id)
            flow.services[service.id] = service
        for key, kind in (("funnels", FUNNEL), ("inputPorts", INPUT_PORT), ("outputPorts", OUTPUT_PORT)):
            for item in self._list(group, key):
                passage_id = self._id(item, key)
                flow.passages[passage_id] = Passage(passage_id, kind, str(item.get("name") or ""), group_id)
        for item in self._list(group, "connections"):
            flow.connections.append(self._connection(item, group_id))
        for item in self._list(group, "processGroups"):
            self._group(flow, item, group_id)

    def _processor(self, item: dict[str, Any], group_id: str) -> Processor:
        processor_id = self._id(item, "processor")
        if not item.get("type"):
            raise FlowReadError(f"{self.origin}: processor {processor_id} has no `type`")
        return Processor(
            id=processor_id,
            name=str(item.get("name") or processor_id),
            type=str(item["type"]),
            group_id=group_id,
            properties={str(k): str(v) for k, v in (item.get("properties") or {}).items() if v is not None},
            scheduling=Scheduling(
                str(item.get("schedulingStrategy") or "TIMER_DRIVEN"),
                str(item.get("schedulingPeriod") or "0 sec"),
                int(item.get("concurrentlyScheduledTaskCount") or 1),
            ),
            auto_terminated=tuple(str(r) for r in item.get("autoTerminatedRelationships") or ()),
        )

    def _service(self, item: dict[str, Any], group_id: str) -> ControllerService:
        service_id = self._id(item, "controller service")
        if not item.get("type"):
            raise FlowReadError(f"{self.origin}: controller service {service_id} has no `type`")
        properties = {str(k): str(v) for k, v in (item.get("properties") or {}).items() if v is not None}
        return ControllerService(
            service_id, str(item.get("name") or ""), str(item["type"]), group_id, properties
        )

    def _connection(self, item: dict[str, Any], group_id: str) -> Connection:
        connection_id = self._id(item, "connection")
        source, destination = item.get("source"), item.get("destination")
        if not isinstance(source, dict) or not isinstance(destination, dict):
            raise FlowReadError(
                f"{self.origin}: connection {connection_id} needs `source` and `destination` objects"
            )
        for end, name in ((source, "source"), (destination, "destination")):
            if not end.get("id"):
                raise FlowReadError(f"{self.origin}: connection {connection_id} has a {name} without `id`")
        return Connection(
            connection_id,
            str(source["id"]),
            _KIND_ALIASES.get(str(source.get("type")), str(source.get("type") or "PROCESSOR")),
            str(destination["id"]),
            _KIND_ALIASES.get(str(destination.get("type")), str(destination.get("type") or "PROCESSOR")),
            tuple(str(r) for r in item.get("selectedRelationships") or ()),
            group_id,
        )

    def _id(self, item: dict[str, Any], what: str) -> str:
        identifier = item.get("identifier") or item.get("instanceIdentifier") or item.get("id")
        if not identifier:
            raise FlowReadError(f"{self.origin}: a {what} has no `identifier`")
        return str(identifier)

    def _list(self, item: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = item.get(key) or []
        if not isinstance(value, list):
            raise FlowReadError(f"{self.origin}: `{key}` must be a list, not {type(value).__name__}")
        return [self._object(entry, key + "[]") for entry in value]

    def _object(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise FlowReadError(f"{self.origin}: `{where}` must be an object, not {type(value).__name__}")
        return value
