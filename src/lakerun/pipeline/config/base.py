"""The base every config model shares: unknown keys are errors and field docstrings become schema text."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

LayerName = Literal["raw", "bronze", "silver", "gold"]
"""The four medallion layers of the single-chain `layers:` form, in the order they run."""

LAYER_ORDER: tuple[LayerName, ...] = ("raw", "bronze", "silver", "gold")

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""Table, input and layer names: usable unquoted in SQL on every engine."""


def layer_rank(layer: str) -> int:
    """Where a layer sorts among equals in the graph: the medallion layers first, user-named ones after."""
    return LAYER_ORDER.index(layer) if layer in LAYER_ORDER else len(LAYER_ORDER)


class StrictModel(BaseModel):
    """A frozen model that rejects unknown keys, so a typo is an error instead of a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
