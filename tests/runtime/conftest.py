"""The scripted receiver fixture shared by the outbound POST tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.runtime.receiver import Receiver, Script


@pytest.fixture
def receiver() -> Iterator[Callable[[Script], Receiver]]:
    """Starts receivers answering their script; all are stopped after the test."""
    made: list[Receiver] = []

    def make(script: Script) -> Receiver:
        made.append(Receiver(script))
        return made[-1]

    yield make
    for one in made:
        one.close()
