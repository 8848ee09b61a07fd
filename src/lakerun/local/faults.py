"""Faults on demand: 429 with Retry-After, 5xx, latency and slow cluster starts, per endpoint and rate.

Rules come from `WorkspaceConfig.faults` (the CLI's `--fault` flags or a `--faults-file`), so
clients' retry and polling logic can be tested against a workspace that misbehaves like the real one.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ERROR_CODES = {429: "REQUEST_LIMIT_EXCEEDED", 500: "INTERNAL_ERROR", 503: "TEMPORARILY_UNAVAILABLE"}


class FaultRule(BaseModel):
    """One misbehaviour of the workspace."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["error", "latency", "cluster_start"]
    """`error` answers with `status`; `latency` delays the answer; `cluster_start` holds runs in PENDING."""
    path: str = "*"
    """Glob on the API path after `/api/<version>/`, e.g. `jobs/runs/get` or `jobs/*`."""
    method: str | None = None
    """Only this HTTP method (GET, POST); any when unset."""
    rate: float = Field(1.0, ge=0.0, le=1.0)
    """Share of matching requests (or runs) affected."""
    times: int | None = Field(None, ge=1)
    """Stop after this many injections; unlimited when unset."""
    status: int = Field(429, ge=400, le=599)
    """HTTP status of an `error` fault."""
    retry_after: int | None = Field(None, ge=0)
    """Retry-After header (seconds) of an `error` fault; 429s default to 1."""
    latency_ms: int = Field(0, ge=0)
    """Delay added by a `latency` fault."""
    seconds: float = Field(0.0, ge=0.0)
    """How long a `cluster_start` fault keeps a run in PENDING."""


def parse_fault(text: str) -> FaultRule:
    """A rule from the CLI form `KIND[:key=value,...]`, e.g. `error:status=429,path=jobs/runs/get,rate=0.5`."""
    kind, _, rest = text.partition(":")
    fields: dict[str, Any] = {"kind": kind.strip().replace("-", "_")}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"Fault option {item!r} must look like key=value (in {text!r})")
        fields[key.strip()] = value.strip()
    return _validated(fields, text)


def load_faults_file(path: Path) -> list[FaultRule]:
    """Rules from a JSON or YAML file holding a list of rule objects."""
    data = (
        yaml.safe_load(path.read_text()) if path.suffix in (".yaml", ".yml") else json.loads(path.read_text())
    )
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of fault rules")
    return [_validated(item, f"{path} item {number}") for number, item in enumerate(data, start=1)]


def rules_from_cli(specs: list[str], faults_file: Path | None) -> list[dict[str, Any]]:
    """The rules given by `--fault` flags and a `--faults-file`, as plain dicts for `WorkspaceConfig`."""
    rules = load_faults_file(faults_file) if faults_file else []
    rules += [parse_fault(spec) for spec in specs]
    return [rule.model_dump(exclude_defaults=True) | {"kind": rule.kind} for rule in rules]


def _validated(fields: dict[str, Any], where: str) -> FaultRule:
    try:
        return FaultRule.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"Invalid fault rule {where}: {problems}") from exc


class FaultInjector:
    """Decides, request by request, which rules fire; thread-safe counters for `times`."""

    def __init__(self, rules: Sequence[FaultRule | dict[str, Any]], seed: int | None = None) -> None:
        self.rules = [r if isinstance(r, FaultRule) else FaultRule.model_validate(r) for r in rules]
        self._fired = [0] * len(self.rules)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def firing(self, kind: str, method: str = "", path: str = "") -> list[FaultRule]:
        """The rules of one kind that fire for this request (or run, for `cluster_start`)."""
        fired = []
        with self._lock:
            for index, rule in enumerate(self.rules):
                if rule.kind != kind or not fnmatch(path, rule.path):
                    continue
                if rule.method and rule.method.upper() != method.upper():
                    continue
                if (
                    rule.times is not None and self._fired[index] >= rule.times
                ) or self._random.random() >= rule.rate:
                    continue
                self._fired[index] += 1
                fired.append(rule)
        return fired

    def cluster_start_seconds(self) -> float:
        """How long a starting run waits in PENDING (0 when no rule fires)."""
        return sum(rule.seconds for rule in self.firing("cluster_start"))


def install_faults(app: FastAPI, injector: FaultInjector) -> None:
    """Adds the middleware that applies `error` and `latency` rules to `/api/...` requests."""
    app.state.faults = injector

    @app.middleware("http")
    async def inject_faults(request: Request, call_next):  # type: ignore[no-untyped-def]
        path = request.url.path
        if injector.rules and path.startswith("/api/"):
            endpoint = path.split("/", 3)[3] if path.count("/") >= 3 else ""
            for rule in injector.firing("latency", request.method, endpoint):
                await asyncio.sleep(rule.latency_ms / 1000)
            for rule in injector.firing("error", request.method, endpoint):
                return _error(rule, endpoint)
        return await call_next(request)


def _error(rule: FaultRule, endpoint: str) -> JSONResponse:
    retry_after = rule.retry_after if rule.retry_after is not None else (1 if rule.status == 429 else None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    code = ERROR_CODES.get(rule.status, "INTERNAL_ERROR" if rule.status >= 500 else "BAD_REQUEST")
    body = {"error_code": code, "message": f"Injected fault on {endpoint}: HTTP {rule.status}"}
    return JSONResponse(body, status_code=rule.status, headers=headers)
