# Databricks notebook source
# MAGIC %md
# MAGIC # Ingest
# MAGIC Converted from the NiFi flow **Warehouse** by lakerun (2 processors). Cells marked `LAKERUN FLAGGED` or `LAKERUN HUMAN REQUEST` need a person.

# COMMAND ----------

from pyspark.sql import Window
from pyspark.sql import functions as F


def lakerun_param(name, default):
    """A job or notebook parameter (a widget on Databricks), else the value the flow had."""
    try:
        return dbutils.widgets.get(name)
    except Exception:
        return default


def lakerun_unconverted(processor, reason):
    """Stops the job at a processor the converter could not translate, unless unconverted steps are allowed."""
    message = f"unconverted NiFi processor {processor}: {reason}"
    if str(PARAMS.get("allow_unconverted", "false")).lower() != "true":
        raise NotImplementedError(message)
    print("WARNING", message)


def lakerun_flatten(schema, separator, prefix=""):
    """Columns for every leaf of nested structs, named by their path."""
    columns = []
    for field in schema.fields:
        path = f"{prefix}.{field.name}" if prefix else field.name
        if field.dataType.typeName() == "struct":
            columns += lakerun_flatten(field.dataType, separator, path)
        else:
            columns.append(F.col(path).alias(path.replace(".", separator)))
    return columns


def lakerun_window(column):
    """Rows of one file in read order."""
    return Window.partitionBy(column).orderBy(F.monotonically_increasing_id())


PARAMETER_DEFAULTS = {
    'allow_unconverted': 'false',
    'bucket': 'acme-landing',
    'checkpoint_root': '/Volumes/main/default/nifi/checkpoints',
    'db.url': 'jdbc:postgresql://db.acme:5432/sales',
    'region': 'emea',
    'secret_scope': 'nifi',
    'staging_root': '/Volumes/main/default/nifi/staging',
    'table.prefix': 'stg_',
}
PARAMS = {name: lakerun_param(name, default) for name, default in PARAMETER_DEFAULTS.items()}
SECRET_SCOPE = PARAMS["secret_scope"]
CHECKPOINT_ROOT = PARAMS["checkpoint_root"]
STAGING_ROOT = PARAMS["staging_root"]

# COMMAND ----------

# Processor: List orders (ListS3) id=list-s3
# Note: S3 access comes from a Unity Catalog external location, not the processor's credentials
df_list_orders = (
    spark.read.format('json')
    .options(**{'multiLine': 'true', 'recursiveFileLookup': 'true'})
    .load('s3://' + PARAMS['bucket'] + '/' + 'orders/')
    .withColumn("filename", F.col("_metadata.file_name"))
    .withColumn("absolute_path", F.col("_metadata.file_path"))
)

# COMMAND ----------

# Processor: Fetch orders (FetchS3Object) id=fetch-s3
# Note: FetchS3Object: content already read by the listing source
df_fetch_orders = df_list_orders

# COMMAND ----------

# Hand-off to Ingest / Clean
df_fetch_orders.write.mode('overwrite').parquet(STAGING_ROOT + '/fetch_orders__success')
