"""Which tasks a layer trigger selects with run-now's `only`: the layer's task, or every task for `all`."""

from __future__ import annotations

import pytest

from lakerun.control.pipelines import layer_selection


def test_a_layer_selects_its_task_and_all_selects_every_task() -> None:
    settings = {"tasks": [{"task_key": "raw"}, {"task_key": "bronze", "depends_on": [{"task_key": "raw"}]}]}
    assert layer_selection(settings, "bronze") == ["bronze"]
    assert layer_selection(settings, "all") == []
    with pytest.raises(
        ValueError, match="layer `gold` is not in this pipeline; choose one of: raw, bronze, all"
    ):
        layer_selection(settings, "gold")
