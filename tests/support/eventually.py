"""Waiting for something that happens in another thread or process, with one behaviour for the whole suite.

Polls a probe until its answer is accepted and returns that answer; at the deadline the test fails with
the last answer seen, so a slow machine gives a clear failure instead of a hang or a bare `assert False`.
Deadlines are generous on purpose: they bound a broken test, they never measure speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    probe: Callable[[], T],
    until: Callable[[T], object] = bool,
    *,
    timeout: float = 60,
    interval: float = 0.05,
    ignoring: tuple[type[BaseException], ...] = (),
    what: str = "",
) -> T:
    """The first answer of `probe` that `until` accepts (by default: a truthy answer).

    Exceptions listed in `ignoring` (a server not listening yet) count as "not yet".
    Fails the test with the last answer (or error) seen when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    last: object = "no answer yet"
    while True:
        try:
            answer = probe()
        except ignoring as error:
            last = error
        else:
            if until(answer):
                return answer
            last = answer
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"{what or 'condition'} not reached within {timeout:g} s; last seen: {last!r}"
            )
        time.sleep(interval)
