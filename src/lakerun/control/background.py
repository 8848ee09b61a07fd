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


class LoopThread:
    """One daemon thread repeating `step` every `interval` seconds until stopped; a failing step is logged and
    tried again after `retry_seconds`, so a lost connection or a failed query never ends the loop."""

    thread_name = "lakerun-loop"
    interval = 0.0
    retry_seconds = 0.0
    step_at_start = False
    """Take the first step as soon as the thread starts, rather than after the first interval."""
    join_seconds = 10.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Asks the thread to stop and waits for its current step to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_seconds)

    def wake(self) -> None:
        """Runs the next step now instead of after the rest of the interval."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        """True once `stop` was asked (a long step checks it to end early)."""
        return self._stop.is_set()

    def wait_seconds(self) -> float:
        """How long to wait between steps unless woken: `interval`, unless a subclass reads it from settings."""
        return self.interval

    def step(self) -> None:
        """One turn of the loop; subclasses implement it."""
        raise NotImplementedError

    def _loop(self) -> None:
        if self.step_at_start and not self._stop.is_set():
            self._turn()
        while not self._waited():
            self._turn()

    def _turn(self) -> None:
        try:
            self.step()
        except Exception:
            log.exception("%s failed a turn; trying again", self.thread_name)
            self._stop.wait(self.retry_seconds)

    def _waited(self) -> bool:
        """Waits out the interval (or a wake-up); True when the loop should end."""
        self._wake.wait(self.wait_seconds())
        self._wake.clear()
        return self._stop.is_set()
