"""Server logging: text or one JSON object per line, request lines with attempt ids, secrets masked everywhere."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import Receive, Scope, Send

from lakerun.server.asgi import HttpMiddleware, StatusWatch

SECRET_PATTERNS = (
    re.compile(r"(lrk_)[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(dapi)[A-Za-z0-9\-]{4,}"),
    re.compile(r"((?:token|secret|password|client_secret)=)[^&\s\"']+", re.IGNORECASE),
    re.compile(r"(Bearer )[^\s\"']+"),
    re.compile(r"(://[^:/@\s]+:)[^@\s]+(?=@)"),
)
CONTEXT_FIELDS = ("attempt_id", "run_id", "workspace", "method", "path", "status", "duration_ms")
ATTEMPT_IN_PATH = re.compile(r"/v1/(?:runs|attempts)/([0-9a-f]{32}|[0-9a-f\-]{36})")
ATTEMPT_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
RUN_ID = re.compile(r"\b(?:task )?run(?:_id)?[ =#:]+(\d{1,19})\b")
request_log = logging.getLogger("lakerun.http")


def mask(text: str) -> str:
    """`text` with API tokens, PATs, bearer values, `token=`-style parameters and URL passwords replaced."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text


class MaskingFilter(logging.Filter):
    """Rewrites every record's message with secrets masked, whatever logger or library produced it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Masks in place and always keeps the record."""
        message = record.getMessage()
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, attempt/run ids when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        """The JSON line for `record`."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        line.update({k: v for k, v in ids_in(line["message"]).items() if k not in line})
        if record.exc_info:
            line["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


def ids_in(message: str) -> dict[str, str]:
    """The attempt id (a UUID) and workspace run id a log message mentions, so JSON lines can be filtered by them."""
    found = {}
    if attempt := ATTEMPT_ID.search(message):
        found["attempt_id"] = attempt.group(0)
    if run := RUN_ID.search(message):
        found["run_id"] = run.group(1)
    return found


def configure(log_format: str = "text", level: str = "info") -> None:
    """Replaces the root handlers with one masked stderr handler in `log_format` (`text` or `json`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)


class RequestLogMiddleware(HttpMiddleware):
    """Logs one line per HTTP request: method, path without its query (tokens ride there), status, attempt id."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Times the request and logs it once it has been served (status 500 when no response started)."""
        started = time.perf_counter()
        watch = StatusWatch(send)
        try:
            await self.app(scope, receive, watch)
        finally:
            status = watch.status or 500
            path = scope.get("root_path", "") + scope["path"]
            found = ATTEMPT_IN_PATH.search(path)
            extra = {
                "method": scope["method"],
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "attempt_id": found.group(1) if found else None,
            }
            request_log.info("%s %s %s", scope["method"], path, status, extra=extra)
