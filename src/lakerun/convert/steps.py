"""What a catalogue entry sees (the processor in its flow, its input stream) and what it gives back (code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from lakerun.convert.errors import ExpressionError
from lakerun.convert.expression import attribute_column, to_column
from lakerun.convert.model import ControllerService, Flow, Processor
from lakerun.errors import LakerunError

if TYPE_CHECKING:
    from lakerun.convert.graph import FlowGraph

CONVERTED = "converted"
FLAGGED = "flagged"
MANUAL = "manual"
DROPPED = "dropped"

_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")
_REFERENCE = re.compile(r"#\{([^}]+)\}|\$\{([A-Za-z0-9_.\-]+)\}")


@dataclass(frozen=True)
class Stream:
    """A DataFrame variable in the generated code and what is known about it.

    `attributes` are columns that stand for flowfile attributes (dropped before content is written);
    `shape` is `records` (parsed rows) or `text` (a `value` column of lines or whole files);
    `fmt`/`options` the serialization the content has at this point; `streaming` a Structured Stream.
    """

    var: str
    attributes: tuple[str, ...] = ()
    shape: str = "records"
    fmt: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    streaming: bool = False
    hints: tuple[tuple[str, str], ...] = ()

    def with_attributes(self, *names: str) -> Stream:
        """The same stream with more attribute columns."""
        return replace(self, attributes=tuple(dict.fromkeys((*self.attributes, *names))))

    def hint(self, name: str) -> str | None:
        """A value an upstream step left for downstream ones (e.g. ConvertJSONToSQL's table)."""
        return dict(self.hints).get(name)


@dataclass
class Step:
    """Generated code for one processor and the streams it offers per relationship (`*` = any)."""

    code: str
    outputs: dict[str, Stream] = field(default_factory=dict)
    status: str = CONVERTED
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    writes: str | None = None


class MissingServiceError(LakerunError):
    """A processor refers to a controller service the flow does not contain."""


@dataclass
class Context:
    """The processor being converted, its input and the helpers every catalogue entry shares."""

    processor: Processor
    flow: Flow
    graph: FlowGraph
    slug: str
    input: Stream | None
    parameters_used: dict[str, str | None]
    secrets_used: list[tuple[str, str]]
    autoloader: bool = False

    def prop(self, name: str, default: str | None = None) -> str | None:
        """A property's raw value."""
        return self.processor.properties.get(name, default)

    def var(self, relationship: str | None = None) -> str:
        """The variable name of this processor's output on a relationship."""
        suffix = (
            "" if relationship in (None, "success") else "__" + re.sub(r"\W+", "_", relationship).strip("_")
        )
        return f"df_{self.slug}{suffix}"

    def dynamic_properties(self, static: set[str]) -> dict[str, str]:
        """User-added properties (routes, attributes, queries): every property not in `static`."""
        return {k: v for k, v in self.processor.properties.items() if k not in static}

    def text(self, name: str, default: str | None = None) -> str:
        """Python code for a property used as plain text (paths, URLs, SQL).

        `#{param}`s become notebook parameters, process-group variables are inlined; anything that
        depends on a flowfile attribute raises ExpressionError.
        """
        raw = self.prop(name, default)
        if raw is None:
            raise ExpressionError(f"property {name!r} is not set")
        return self.text_of(raw, name)

    def text_of(self, raw: str, what: str) -> str:
        """Python code for a literal text with `#{param}` and `${variable}` references."""
        attributes = set(self.input.attributes) if self.input else set()
        for name in _VARIABLE.findall(raw):
            if name in attributes:
                raise ExpressionError(
                    f"property {what!r} depends on the flowfile attribute {name!r} ({raw!r})"
                )
        rest = _VARIABLE.sub("", raw)
        if "${" in rest:
            raise ExpressionError(
                f"property {what!r} uses expression functions on flowfile attributes ({raw!r})"
            )
        parts: list[str] = []
        index = 0
        for match in _REFERENCE.finditer(raw):
            if match.start() > index:
                parts.append(repr(raw[index : match.start()]))
            parameter, variable = match.groups()
            parts.append(self.parameter(parameter) if parameter else self.variable(variable))
            index = match.end()
        if index < len(raw) or not parts:
            parts.append(repr(raw[index:]))
        return " + ".join(parts)

    def parameter(self, name: str) -> str:
        """Code reading a NiFi parameter at run time; sensitive ones come from the secret scope."""
        parameter = self.flow.parameters_for(self.processor.group_id).get(name)
        if parameter is not None and parameter.sensitive:
            return self.secret(f"param-{name}")
        self.parameters_used[name] = parameter.value if parameter else None
        return f"PARAMS[{name!r}]"

    def el(self, text: str) -> str:
        """Column code for an Expression Language value; variables of the group are job parameters."""
        return to_column(text, self.parameter, self.subject)

    def subject(self, name: str) -> str:
        """Column code for a `${name}` subject: an attribute column, or a variable's parameter."""
        attributes = self.input.attributes if self.input else ()
        if name not in attributes and name in self.flow.variables_for(self.processor.group_id):
            return f"F.lit({self.variable(name)})"
        return attribute_column(name)

    def variable(self, name: str) -> str:
        """Code reading a process-group variable (or an undefined one the job must be given) at run time."""
        self.parameters_used[name] = self.flow.variables_for(self.processor.group_id).get(name)
        return f"PARAMS[{name!r}]"

    def secret(self, key: str) -> str:
        """Code reading a secret from the flow's scope (the key is recorded for the report)."""
        key = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-").lower()
        self.secrets_used.append(("flow", key))
        return f"dbutils.secrets.get(scope=SECRET_SCOPE, key={key!r})"

    def service(self, property_name: str) -> ControllerService | None:
        """The controller service a property points at; None when unset, an error when missing."""
        service_id = self.prop(property_name)
        if not service_id:
            return None
        service = self.flow.services.get(service_id)
        if service is None:
            raise MissingServiceError(
                f"property {property_name!r} refers to controller service {service_id}, which is not in the flow"
            )
        return service

    def downstream_service(self, property_name: str) -> ControllerService | None:
        """The first service named by `property_name` on a processor downstream (a source's record reader)."""
        for processor_id in self.graph.downstream(self.processor.id):
            service_id = self.flow.processors[processor_id].properties.get(property_name)
            if service_id and service_id in self.flow.services:
                return self.flow.services[service_id]
        return None

    def downstream_kinds(self) -> list[str]:
        """Short types of every processor downstream, nearest first."""
        return [self.flow.processors[p].kind for p in self.graph.downstream(self.processor.id)]

    def require_input(self) -> Stream:
        """The input stream; a processor with none cannot be converted."""
        if self.input is None:
            raise ExpressionError(f"{self.processor.kind} needs an incoming connection")
        return self.input
