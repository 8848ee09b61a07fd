"""The dashboard's Jinja2 environment and the filters its templates share (times, durations, status badges)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lakerun.server.dashboard.charts import anomaly_groups, is_assessment, quantile_strip, share_bars

HERE = Path(__file__).resolve().parent
NAV = (
    ("runs", "/", "Runs"),
    ("subjects", "/subjects", "History"),
    ("pipelines", "/pipelines", "Pipeline"),
    ("flows", "/flows", "Flows"),
    ("quality", "/quality", "Data quality"),
    ("metadata", "/metadata", "Metadata"),
    ("workspaces", "/workspaces", "Workspaces"),
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def when(value: datetime | None) -> str:
    """A UTC timestamp to the second, or a dash."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def duration(seconds: float | None) -> str:
    """Seconds as `1h 02m`, `3m 05s` or `4.2s`."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def column_url(run_id: str, table: str, column: str) -> str:
    """The address of a column's page in a profile run."""
    return f"/quality/runs/{quote(run_id)}/column?{urlencode({'table': table, 'column': column})}"


def iso(value: datetime | None) -> str:
    """An ISO timestamp for `<time datetime=...>` and scripts."""
    return value.isoformat() if value else ""


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(when=when, duration=duration, iso=iso)
templates.env.globals.update(
    nav=NAV,
    share_bars=share_bars,
    quantile_strip=quantile_strip,
    anomaly_groups=anomaly_groups,
    is_assessment=is_assessment,
    column_url=column_url,
)


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Renders a template with the security headers every dashboard page carries."""
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
