"""Agent progress sent to the control plane as signed callback events, when the task was given a callback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from lakerun.executor.callbacks import CallbackClient, CallbackError

log = logging.getLogger(__name__)


class CallbackProgress:
    """Each step a `progress` event; figures a `result` event the attempt keeps.

    A control plane that cannot be reached never fails the conversion: polling is the correctness path.
    """

    def __init__(self, client: CallbackClient) -> None:
        self.client = client

    @classmethod
    def from_environment(cls, argv: Sequence[str] | None = None) -> CallbackProgress | None:
        """Progress for the callback configured by `--lakerun-*` arguments or variables, else None."""
        client = CallbackClient.from_env(argv)
        return cls(client) if client is not None else None

    def __call__(self, fraction: float, message: str, figures: dict[str, Any] | None = None) -> None:
        """Sends the step, then its figures."""
        self._send("progress", {"progress": fraction, "message": message, "task": "convert"})
        if figures:
            self._send("result", figures)

    def failed(self, error: str) -> None:
        """Ends the attempt with the conversion's own error rather than a bare exit code."""
        self._send("failed", {"error": error})

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            self.client.send(kind, payload)
        except CallbackError as exc:
            log.warning("could not report %s to the control plane: %s", kind, exc)


class ConsoleProgress:
    """Progress on stderr, for runs from a shell."""

    def __call__(self, fraction: float, message: str, figures: dict[str, Any] | None = None) -> None:
        """Prints the step."""
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


class BothProgress:
    """Reports to several sinks."""

    def __init__(self, *sinks: Any) -> None:
        self.sinks = [sink for sink in sinks if sink is not None]

    def __call__(self, fraction: float, message: str, figures: dict[str, Any] | None = None) -> None:
        """Forwards to every sink."""
        for sink in self.sinks:
            sink(fraction, message, figures)
