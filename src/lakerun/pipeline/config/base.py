"""The base every config model shares: unknown keys are errors and field docstrings become schema text."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

LayerName = Literal["raw", "bronze", "silver", "gold"]
"""The four medallion layers, in the order they run."""

LAYER_ORDER: tuple[LayerName, ...] = ("raw", "bronze", "silver", "gold")


class StrictModel(BaseModel):
    """A frozen model that rejects unknown keys, so a typo is an error instead of a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
