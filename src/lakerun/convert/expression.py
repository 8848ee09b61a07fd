"""NiFi Expression Language → PySpark Column source code, for the functions flows use most.

Flowfile attributes are columns in the converted code, so `${amount:gt(100)}` becomes
`(F.col('amount').cast('double') > F.lit(100))`. An unknown function raises ExpressionError naming it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from lakerun.convert.errors import ExpressionError

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_PARAMETER = re.compile(r"#\{([^}]+)\}")


class Arg(str):
    """An argument's Column code; `literal` is its Python literal when it was written as one."""

    literal: str | None = None


def _arg(code: str, literal: str | None) -> Arg:
    arg = Arg(code)
    arg.literal = literal
    return arg


def _lit(arg: str, function: str) -> str:
    """The Python literal of an argument a Spark function takes only as a plain value."""
    literal = getattr(arg, "literal", None)
    if literal is None:
        raise ExpressionError(f"{function}() needs a literal argument here, not an expression")
    return literal


def _num(c: str) -> str:
    return f"{c}.cast('double')"


def _substring(c: str, a: list[Arg]) -> str:
    start = f"({a[0]}) + F.lit(1)"
    if len(a) == 1:
        return f"F.substr({c}, {start})"
    return f"F.substr({c}, {start}, ({a[1]}) - ({a[0]}))"


def _after(c: str, a: list[Arg]) -> str:
    text = _lit(a[0], "substringAfter")
    return f"F.when(F.locate({text}, {c}) > 0, F.substr({c}, F.locate({text}, {c}) + F.lit(len({text})))).otherwise({c})"


# name -> (argument count or None for any, renderer of (column, args) into code)
FUNCTIONS: dict[str, tuple[int | None, Callable[[str, list[Arg]], str]]] = {
    "equals": (1, lambda c, a: f"({c} == {a[0]})"),
    "equalsIgnoreCase": (1, lambda c, a: f"(F.lower({c}) == F.lower({a[0]}))"),
    "contains": (1, lambda c, a: f"{c}.contains({a[0]})"),
    "startsWith": (1, lambda c, a: f"{c}.startswith({a[0]})"),
    "endsWith": (1, lambda c, a: f"{c}.endswith({a[0]})"),
    "gt": (1, lambda c, a: f"({_num(c)} > {a[0]})"),
    "ge": (1, lambda c, a: f"({_num(c)} >= {a[0]})"),
    "lt": (1, lambda c, a: f"({_num(c)} < {a[0]})"),
    "le": (1, lambda c, a: f"({_num(c)} <= {a[0]})"),
    "isEmpty": (0, lambda c, a: f"(F.coalesce(F.trim({c}), F.lit('')) == F.lit(''))"),
    "isNull": (0, lambda c, a: f"{c}.isNull()"),
    "notNull": (0, lambda c, a: f"{c}.isNotNull()"),
    "not": (0, lambda c, a: f"(~{c})"),
    "and": (1, lambda c, a: f"({c} & {a[0]})"),
    "or": (1, lambda c, a: f"({c} | {a[0]})"),
    "toUpper": (0, lambda c, a: f"F.upper({c})"),
    "toLower": (0, lambda c, a: f"F.lower({c})"),
    "trim": (0, lambda c, a: f"F.trim({c})"),
    "length": (0, lambda c, a: f"F.length({c})"),
    "substring": (None, _substring),
    "substringBefore": (1, lambda c, a: f"F.substring_index({c}, {_lit(a[0], 'substringBefore')}, 1)"),
    "substringAfter": (1, _after),
    "substringAfterLast": (1, lambda c, a: f"F.substring_index({c}, {_lit(a[0], 'substringAfterLast')}, -1)"),
    "replace": (2, lambda c, a: f"F.replace({c}, {a[0]}, {a[1]})"),
    "replaceAll": (2, lambda c, a: f"F.regexp_replace({c}, {a[0]}, {a[1]})"),
    "replaceNull": (1, lambda c, a: f"F.coalesce({c}, {a[0]})"),
    "replaceEmpty": (
        1,
        lambda c, a: f"F.when(F.coalesce(F.trim({c}), F.lit('')) == F.lit(''), {a[0]}).otherwise({c})",
    ),
    "append": (1, lambda c, a: f"F.concat({c}, {a[0]})"),
    "prepend": (1, lambda c, a: f"F.concat({a[0]}, {c})"),
    "toNumber": (0, lambda c, a: f"{c}.cast('long')"),
    "toDecimal": (0, lambda c, a: f"{c}.cast('double')"),
    "toString": (0, lambda c, a: f"{c}.cast('string')"),
    "plus": (1, lambda c, a: f"({c} + {a[0]})"),
    "minus": (1, lambda c, a: f"({c} - {a[0]})"),
    "multiply": (1, lambda c, a: f"({c} * {a[0]})"),
    "divide": (1, lambda c, a: f"({c} / {a[0]})"),
    "mod": (1, lambda c, a: f"({c} % {a[0]})"),
    "matches": (1, lambda c, a: f"{c}.rlike({'^(?:' + ast.literal_eval(_lit(a[0], 'matches')) + ')$'!r})"),
    "find": (1, lambda c, a: f"{c}.rlike({_lit(a[0], 'find')})"),
    "in": (None, lambda c, a: f"{c}.isin({', '.join(a)})"),
    "ifElse": (2, lambda c, a: f"F.when({c}, {a[0]}).otherwise({a[1]})"),
    "toDate": (
        None,
        lambda c, a: f"F.to_timestamp({c}, {_lit(a[0], 'toDate')})" if a else f"F.to_timestamp({c})",
    ),
    "format": (1, lambda c, a: f"F.date_format({c}, {_lit(a[0], 'format')})"),
}

SUBJECTS: dict[str, Callable[[list[Arg]], str]] = {
    "now": lambda a: "F.current_timestamp()",
    "UUID": lambda a: "F.expr('uuid()')",
    "literal": lambda a: a[0],
    "hostname": lambda a: "F.lit('databricks')",
}


def attribute_column(name: str) -> str:
    """Code for the column holding a flowfile attribute."""
    reference = f"`{name}`" if "." in name or " " in name else name
    return f"F.col({reference!r})"


@dataclass
class _Parser:
    """A recursive-descent reader of one `${...}` body."""

    text: str
    subject_code: Callable[[str], str] = attribute_column
    pos: int = 0

    def expression(self) -> str:
        code = self._subject()
        while self._peek(":"):
            self.pos += 1
            name = self._name()
            args = self._args()
            if name not in FUNCTIONS:
                raise ExpressionError(
                    f"NiFi expression function {name}() has no translation (in {self.text!r})"
                )
            arity, render = FUNCTIONS[name]
            if arity is not None and len(args) != arity:
                raise ExpressionError(
                    f"{name}() takes {arity} argument(s), got {len(args)} (in {self.text!r})"
                )
            code = render(code, args)
        return code

    def _subject(self) -> str:
        start = self.pos
        if self._peek("'") or self._peek('"'):
            name = self._quoted()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ":()}":
                self.pos += 1
            name = self.text[start : self.pos].strip()
        if self._peek("("):
            args = self._args()
            if name not in SUBJECTS:
                raise ExpressionError(
                    f"NiFi subjectless function {name}() has no translation (in {self.text!r})"
                )
            return SUBJECTS[name](args)
        if not name:
            raise ExpressionError(f"empty attribute name in ${{{self.text}}}")
        return self.subject_code(name)

    def _args(self) -> list[Arg]:
        if not self._peek("("):
            raise ExpressionError(f"expected '(' at {self.pos} in {self.text!r}")
        self.pos += 1
        args: list[Arg] = []
        while not self._peek(")"):
            self._skip_space()
            if self._peek("'") or self._peek('"'):
                text = self._quoted()
                args.append(_arg(f"F.lit({text!r})", repr(text)))
            elif self.text.startswith("${", self.pos):
                end = _closing(self.text, self.pos + 1)
                args.append(
                    _arg(_Parser(self.text[self.pos + 2 : end], self.subject_code).expression(), None)
                )
                self.pos = end + 1
            else:
                match = _NUMBER.match(self.text, self.pos)
                if not match:
                    raise ExpressionError(f"cannot read argument at {self.pos} in {self.text!r}")
                args.append(_arg(f"F.lit({match.group(0)})", match.group(0)))
                self.pos = match.end()
            self._skip_space()
            if self._peek(","):
                self.pos += 1
            elif not self._peek(")"):
                raise ExpressionError(f"expected ',' or ')' at {self.pos} in {self.text!r}")
        self.pos += 1
        return args

    def _name(self) -> str:
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.text, self.pos)
        if not match:
            raise ExpressionError(f"expected a function name at {self.pos} in {self.text!r}")
        self.pos = match.end()
        return match.group(0)

    def _quoted(self) -> str:
        quote = self.text[self.pos]
        end = self.text.find(quote, self.pos + 1)
        if end < 0:
            raise ExpressionError(f"unterminated string in {self.text!r}")
        value = self.text[self.pos + 1 : end]
        self.pos = end + 1
        return value

    def _peek(self, char: str) -> bool:
        return self.text.startswith(char, self.pos)

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1


def _closing(text: str, open_at: int) -> int:
    """Index of the `}` closing the `{` at open_at, skipping nested braces and quotes."""
    depth, index, quote = 0, open_at, ""
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ExpressionError(f"unclosed '${{' in {text!r}")


def to_column(
    text: str,
    parameter_code: Callable[[str], str] = lambda name: f"PARAMS[{name!r}]",
    subject_code: Callable[[str], str] = attribute_column,
) -> str:
    """Column code for a property value that may mix literal text, `${...}` expressions and `#{param}`s."""
    parts: list[str] = []
    index = 0
    while index < len(text):
        start = text.find("${", index)
        if start < 0:
            parts += _literal_parts(text[index:], parameter_code)
            break
        parts += _literal_parts(text[index:start], parameter_code)
        end = _closing(text, start + 1)
        parts.append(_Parser(text[start + 2 : end], subject_code).expression())
        index = end + 1
    if not parts:
        return "F.lit('')"
    return parts[0] if len(parts) == 1 else f"F.concat({', '.join(parts)})"


def _literal_parts(text: str, parameter_code: Callable[[str], str]) -> list[str]:
    parts: list[str] = []
    index = 0
    for match in _PARAMETER.finditer(text):
        if match.start() > index:
            parts.append(f"F.lit({text[index : match.start()]!r})")
        parts.append(f"F.lit({parameter_code(match.group(1))})")
        index = match.end()
    if index < len(text):
        parts.append(f"F.lit({text[index:]!r})")
    return parts


def has_expression(text: str) -> bool:
    """Whether a property value uses the Expression Language."""
    return "${" in text
