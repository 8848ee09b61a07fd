"""Driven by the conformance suite inside the Dagster venv: an asset that runs a Databricks task
through `PipesDatabricksClient` (context and messages through DBFS, bootstrap through the new
cluster's `spark_env_vars`), the task reporting metadata back. argv: host, token. Prints JSON."""

import io
import json
import sys

import dagster as dg
from dagster_databricks import PipesDatabricksClient
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

# PipesDbfsMessageWriter reads cluster settings from the active SparkSession, which Databricks starts
# before the task; the local workspace starts its `spark` on first use, so the task touches it first.
TASK = """
spark.conf.get("spark.app.name")
from dagster_pipes import PipesDbfsContextLoader, PipesDbfsMessageWriter, open_dagster_pipes

with open_dagster_pipes(context_loader=PipesDbfsContextLoader(), message_writer=PipesDbfsMessageWriter()) as pipes:
    pipes.log.info("hello from the local workspace")
    rows = pipes.get_extra("rows")
    pipes.report_asset_materialization(metadata={"rows": rows * 2, "source": "lakerun"})
"""


def main() -> None:
    client = WorkspaceClient(host=sys.argv[1], token=sys.argv[2])
    client.dbfs.upload("dbfs:/scripts/pipes_task.py", io.BytesIO(TASK.encode()), overwrite=True)
    task = jobs.SubmitTask.from_dict(
        {
            "task_key": "pipes",
            "new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "local", "num_workers": 0},
            "libraries": [{"pypi": {"package": "dagster-pipes==1.13.28"}}],
            "spark_python_task": {"python_file": "dbfs:/scripts/pipes_task.py"},
        }
    )

    @dg.asset
    def doubled(
        context: dg.AssetExecutionContext, pipes_databricks: PipesDatabricksClient
    ) -> dg.MaterializeResult:
        return pipes_databricks.run(task=task, context=context, extras={"rows": 21}).get_materialize_result()

    result = dg.materialize(
        [doubled], resources={"pipes_databricks": PipesDatabricksClient(client=client)}, raise_on_error=False
    )
    if not result.success:
        run = next(iter(client.jobs.list_runs(limit=1, expand_tasks=True)))
        output = client.jobs.get_run_output(run.tasks[0].run_id)
        print(json.dumps({"success": False, "error": output.error, "logs": (output.logs or "")[-2000:]}))
        return
    events = result.asset_materializations_for_node("doubled")
    metadata = {key: value.value for key, value in events[0].metadata.items()} if events else {}
    print(
        json.dumps(
            {
                "success": result.success,
                "metadata": {k: v for k, v in metadata.items() if k in ("rows", "source")},
            }
        )
    )


if __name__ == "__main__":
    main()
