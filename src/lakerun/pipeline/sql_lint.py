"""What sqlglot's lenient parser lets through but an engine refuses: stray commas, unknown functions,
bad regular expressions and tables that are not inputs. Each is a plan error naming the config path."""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokens import Tokenizer, TokenType

from lakerun.pipeline.errors import PlanError

AFTER_COMMA_INVALID = {
    TokenType.COMMA,
    TokenType.FROM,
    TokenType.R_PAREN,
    TokenType.WHERE,
    TokenType.GROUP_BY,
}
REGEX_FUNCTIONS = (exp.RegexpLike, exp.RegexpExtract, exp.RegexpReplace, exp.RegexpILike, exp.RegexpSplit)


def check_syntax(text: str, where: str) -> None:
    """Refuse a comma followed by another comma, `FROM`, `)` or the end, which sqlglot silently drops."""
    try:
        tokens = Tokenizer().tokenize(text)
    except TokenError as exc:
        raise PlanError(f"{where}: cannot parse `{text}`: {exc}") from None
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.COMMA:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is None or following.token_type in AFTER_COMMA_INVALID:
            shown = following.text if following else "the end"
            raise PlanError(f"{where}: stray comma before {shown} (line {token.line}, column {token.col})")


def check_functions(expression: exp.Expr, where: str) -> None:
    """Refuse functions no engine knows (sqlglot parses them as anonymous calls)."""
    for node in expression.find_all(exp.Anonymous):
        raise PlanError(f"{where}: unknown SQL function `{node.name}`")


def check_regexes(expression: exp.Expr, where: str) -> None:
    """Compile every literal regular expression given to a regex function."""
    for node in expression.find_all(*REGEX_FUNCTIONS):
        pattern = node.args.get("expression")
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            check_pattern(pattern.this, where)


def check_pattern(pattern: str, where: str) -> None:
    """A regular expression that compiles, or a plan error naming it."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise PlanError(f"{where}: invalid regular expression `{pattern}`: {exc}") from None


def check_tables(query: exp.Expr, inputs: Collection[str], where: str) -> None:
    """Every table the SQL reads is one of the table's inputs (or a CTE of the query)."""
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if (table.name in ctes or table.name in inputs) and not table.db:
            continue
        raise PlanError(
            f"{where}: `{table.sql()}` is not an input of this table; it reads: {', '.join(inputs)} "
            "(add the other table under `inputs:` to join it)"
        )


def check_expression(text: str, expression: exp.Expr, where: str) -> None:
    """All the checks that apply to a piece of config SQL."""
    check_syntax(text, where)
    check_functions(expression, where)
    check_regexes(expression, where)
