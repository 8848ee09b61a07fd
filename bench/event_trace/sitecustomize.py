"""Bench-only tracing hook: records when each event commits, reaches the bus, is heard by NOTIFY and is sent.

Loaded into `lakerun serve` processes by `bench/event_latency.py` (first on PYTHONPATH) when
`LAKERUN_BENCH_TRACE` names a file prefix; it wraps functions by name, so it fits any source tree that
has them, and writes `<prefix>.<pid>.json` at exit (also after uvicorn's graceful
shutdown on SIGTERM). Times are CLOCK_MONOTONIC, shared by the machine's processes.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import time
from typing import Any

PREFIX = os.environ.get("LAKERUN_BENCH_TRACE")
ID = re.compile(r'"id": ?(\d+), "type"')


def _install(prefix: str) -> None:
    records: dict[str, list[Any]] = {"commit": [], "bus": [], "notify": [], "send": []}
    now = time.monotonic

    from lakerun.control import events, uow

    release = uow.UnitOfWork._release

    def traced_release(self: Any) -> None:
        at = now()
        for event in self._events:
            progress = event.payload.get("progress")
            if event.type == "run.progress" and progress is not None:
                attempt = event.payload.get("attempt_id") or event.attempt_id
                records["commit"].append((event.id, (attempt, round(progress * 10_000)), at))
        release(self)

    uow.UnitOfWork._release = traced_release  # type: ignore[method-assign]

    deliver = events.EventBus.deliver

    def traced_deliver(self: Any, event: Any, *args: Any, **kwargs: Any) -> None:
        records["bus"].append((event.id, now()))
        deliver(self, event, *args, **kwargs)

    events.EventBus.deliver = traced_deliver  # type: ignore[method-assign]

    try:
        from lakerun.control import fanout
    except ImportError:
        fanout = None  # type: ignore[assignment]
    if fanout is not None and hasattr(fanout, "PgFanout"):
        heard = fanout.PgFanout._deliver

        def traced_heard(self: Any, message: str) -> Any:
            records["notify"].append((int(message.partition(":")[0]), now()))
            return heard(self, message)

        fanout.PgFanout._deliver = traced_heard  # type: ignore[method-assign]

    from starlette.websockets import WebSocket

    def wrap_send(name: str) -> None:
        original = getattr(WebSocket, name)

        async def traced_send(self: Any, data: Any, *args: Any, **kwargs: Any) -> None:
            await original(self, data, *args, **kwargs)
            text = data if isinstance(data, str) else bytes(data).decode(errors="replace")
            found = ID.search(text)
            if found:
                records["send"].append((int(found.group(1)), now()))

        setattr(WebSocket, name, traced_send)

    wrap_send("send_text")
    wrap_send("send_bytes")

    def dump() -> None:
        with open(f"{prefix}.{os.getpid()}.json", "w") as out:
            json.dump(records, out)

    def dump_and_exit(signum: int, frame: Any) -> None:
        dump()
        os._exit(0)

    atexit.register(dump)
    # uvicorn restores the handler it found once it has shut down gracefully, then raises the signal again
    signal.signal(signal.SIGTERM, dump_and_exit)


if PREFIX:
    _install(PREFIX)
