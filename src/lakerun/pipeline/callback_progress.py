"""Layer progress sent to the control plane as signed callback events, when the task was given a callback."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Sequence

from lakerun.executor.callbacks import CallbackClient, CallbackError
from lakerun.pipeline.report import LayerResult

SEQUENCE_BLOCK = 1_000_000

log = logging.getLogger(__name__)


class CallbackProgress:
    """Forwards stages as `progress` events and each layer's outcome as a `metric` event.

    A control plane that cannot be reached never fails the layer: polling is the correctness path.
    """

    def __init__(self, client: CallbackClient) -> None:
        self.client = client

    @classmethod
    def from_environment(cls, position: int, argv: Sequence[str] | None = None) -> CallbackProgress | None:
        """Progress for the callback configured by `--lakerun-*` arguments or variables, else None.

        Each task of a multi-task attempt runs in its own process, and the control plane keeps one
        event per sequence number per attempt; numbering from the position of the task's first table
        in the pipeline's run order keeps them apart.
        """
        client = CallbackClient.from_env(argv)
        if client is None:
            return None
        start = position * SEQUENCE_BLOCK + 1
        return cls(dataclasses.replace(client, _sequence=itertools.count(start)))

    def stage(self, layer: str, message: str, fraction: float) -> None:
        """Send a progress event for the layer."""
        self._send("progress", {"progress": fraction, "message": f"{layer}: {message}", "task": layer})

    def finished(self, result: LayerResult) -> None:
        """Send the layer's figures."""
        self._send("metric", {"name": "pipeline_layer", "task": result.layer, "value": result.to_dict()})

    def _send(self, kind: str, payload: dict[str, object]) -> None:
        try:
            self.client.send(kind, payload)
        except CallbackError as exc:
            log.warning("could not report %s to the control plane: %s", kind, exc)
