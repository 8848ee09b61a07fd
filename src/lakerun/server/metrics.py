"""`/metrics` in Prometheus format: attempts by status, launch and callback latency, reconciler work, subscribers.

Counters and histograms are per process; under `lakerun serve --workers N` they are written to
`PROMETHEUS_MULTIPROC_DIR` and summed across workers at scrape time. Attempts by status are read from the
database at scrape time (the same in every worker); WebSocket subscribers are the scraped worker's own.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from lakerun.control.events import DomainEvent
from lakerun.control.plane import ControlPlane
from lakerun.control.reads import attempts_by_status
from lakerun.control.reconciler import PassReport
from lakerun.server.asgi import HttpMiddleware, StatusWatch

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
PENDING_LIMIT = 10_000


class Metrics:
    """The instruments of one app; registered on its own registry unless workers share a multiprocess dir."""

    def __init__(self, plane: ControlPlane) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        own = None if self.multiprocess else self.registry
        self.launch = Histogram(
            "lakerun_launch_latency_seconds",
            "Seconds from an attempt's creation to its first event carrying a workspace run id.",
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.callback = Histogram(
            "lakerun_callback_latency_seconds",
            "Seconds spent receiving one signed task callback, by HTTP status.",
            ["status"],
            registry=own,
        )
        self.reconcile = Histogram(
            "lakerun_reconciler_pass_seconds", "Duration of one reconciler pass.", registry=own
        )
        self.api_calls = Counter(
            "lakerun_reconciler_api_calls",
            "Workspace API calls made by reconciler passes.",
            ["call"],
            registry=own,
        )
        if self.multiprocess:
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry)
        self.registry.register(DatabaseCollector(plane))
        self._created: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def on_event(self, event: DomainEvent) -> None:
        """Observes launch latency from this process's events (a bus listener: quick, never blocking)."""
        if event.attempt_id is None:
            return
        with self._lock:
            if event.type == "run.created":
                if len(self._created) < PENDING_LIMIT:
                    self._created[event.attempt_id] = event.created_at
                return
            created = self._created.get(event.attempt_id) if event.payload.get("run_id") else None
            if created is not None:
                del self._created[event.attempt_id]
        if created is not None:
            self.launch.observe(max(0.0, (event.created_at - created).total_seconds()))

    def timed_pass(
        self, run_pass: Callable[[float | None], PassReport]
    ) -> Callable[[float | None], PassReport]:
        """`run_pass` that also records its duration and the list/get calls it made."""

        def timed(wait_seconds: float | None = None) -> PassReport:
            started = time.perf_counter()
            report = run_pass(wait_seconds)
            self.reconcile.observe(time.perf_counter() - started)
            self.api_calls.labels("runs/list").inc(report.listed)
            self.api_calls.labels("runs/get").inc(report.fetched)
            return report

        return timed


class DatabaseCollector(Collector):
    """Series read at scrape time: attempts by status (from the database) and this process's subscribers."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The current values."""
        attempts = GaugeMetricFamily("lakerun_attempts", "Attempts by current status.", labels=["status"])
        for status, count in attempts_by_status(self.plane.ctx).items():
            attempts.add_metric([status], count)
        yield attempts
        subscribers = GaugeMetricFamily(
            "lakerun_websocket_subscribers",
            "Open event WebSocket subscriptions in this process.",
            labels=["pid"],
        )
        subscribers.add_metric([str(os.getpid())], self.plane.bus.subscriber_count)
        yield subscribers


class CallbackTimer(HttpMiddleware):
    """Times `POST /v1/attempts/{id}/events` (the signed callbacks) into the callback latency histogram."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def wants(self, scope: Scope) -> bool:
        """Only the callbacks."""
        return scope.get("method") == "POST" and _is_callback(scope.get("path", ""))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Passes the callback through, observing its duration by status (500 when no response started)."""
        started, watch = time.perf_counter(), StatusWatch(send)
        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.callback.labels(str(watch.status or 500)).observe(time.perf_counter() - started)


def _is_callback(path: str) -> bool:
    parts = path.rstrip("/").split("/")
    return len(parts) >= 5 and parts[-4:-2] == ["v1", "attempts"] and parts[-1] == "events"


def install(app: FastAPI, plane: ControlPlane) -> Metrics:
    """Adds `/metrics` and the instruments to `app` (the reconciler pass is timed, events observed)."""
    metrics = Metrics(plane)
    plane.bus.listen(metrics.on_event)
    plane.reconciler.run_pass = metrics.timed_pass(plane.reconciler.run_pass)  # type: ignore[method-assign,assignment]
    app.add_middleware(CallbackTimer, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def scrape(_: Request) -> Response:
        body = await run_in_threadpool(generate_latest, metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics
