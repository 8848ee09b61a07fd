"""Offset paging with opaque tokens, as jobs/list and runs/list return it."""

from __future__ import annotations

from typing import Any

from lakerun.local.errors import invalid_parameter


def page_offset(token: Any) -> int:
    """The offset a `page_token` stands for (an absent token is the first page)."""
    if token in (None, ""):
        return 0
    try:
        offset = int(str(token))
    except ValueError as exc:
        raise invalid_parameter(f"Invalid page_token: {token!r}") from exc
    if offset < 0:
        raise invalid_parameter(f"Invalid page_token: {token!r}")
    return offset


def page_limit(value: int | None, default: int, maximum: int) -> int:
    """A `limit` within the endpoint's bounds, or the error Databricks gives."""
    if value is None or value == 0:
        return default
    if not 0 < value <= maximum:
        raise invalid_parameter(f"Invalid limit {value}: it must be between 1 and {maximum}")
    return value


def page_tokens(offset: int, limit: int, has_more: bool) -> dict[str, Any]:
    """`has_more`, `next_page_token` and `prev_page_token` of one page."""
    tokens: dict[str, Any] = {"has_more": has_more}
    if has_more:
        tokens["next_page_token"] = str(offset + limit)
    if offset > 0:
        tokens["prev_page_token"] = str(max(offset - limit, 0))
    return tokens
