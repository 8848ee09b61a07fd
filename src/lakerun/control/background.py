"""A queue drained by one daemon thread: bus listeners hand work to it so no commit waits on I/O."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")


class QueueWorker(Generic[Item]):
    """Runs `handle` for each submitted item on its own thread; `stop` finishes what is queued first."""

    thread_name = "lakerun-worker"

    def __init__(self) -> None:
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the worker thread."""
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Handles what is already queued, then stops."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)

    def submit(self, item: Item) -> None:
        """Queues one item for the worker thread."""
        self._queue.put(item)

    def handle(self, item: Item) -> None:
        """Does the work for one item; subclasses implement it."""
        raise NotImplementedError

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self.handle(item)
            except Exception:
                log.exception("%s failed on %r", self.thread_name, item)
