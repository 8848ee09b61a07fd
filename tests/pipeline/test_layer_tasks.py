"""Which tasks a layer trigger runs: the chosen layers, dependencies kept only among them."""

from __future__ import annotations

import pytest

from lakerun.control.pipelines import layer_tasks


def test_layer_tasks_keep_dependencies_inside_the_selection() -> None:
    reference = "--lakerun-callback-url={{job.parameters.lakerun_callback_url}}"
    settings = {
        "tasks": [
            {"task_key": "raw", "python_wheel_task": {"parameters": ["--layer", "raw", reference]}},
            {
                "task_key": "bronze",
                "depends_on": [{"task_key": "raw"}],
                "python_wheel_task": {"parameters": []},
            },
        ]
    }
    alone = layer_tasks(settings, "bronze")
    assert [t["task_key"] for t in alone] == ["bronze"] and "depends_on" not in alone[0]
    everything = layer_tasks(settings, "all")
    assert everything[1]["depends_on"] == [{"task_key": "raw"}]
    assert everything[0]["python_wheel_task"]["parameters"] == ["--layer", "raw"]
    with pytest.raises(ValueError, match="layer `gold` is not in this pipeline"):
        layer_tasks(settings, "gold")
