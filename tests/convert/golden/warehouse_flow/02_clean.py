# Databricks notebook source
# MAGIC %md
# MAGIC # Ingest / Clean
# MAGIC Converted from the NiFi flow **Warehouse** by lakerun (3 processors). Cells marked `LAKERUN FLAGGED` or `LAKERUN HUMAN REQUEST` need a person.

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

df_in_fetch_orders__success = spark.read.parquet(STAGING_ROOT + '/fetch_orders__success')

# COMMAND ----------

# Processor: Reshape (JoltTransformJSON) id=jolt
df_reshape = df_in_fetch_orders__success
df_reshape = df_reshape.select(F.col('id').alias('order_id'), F.col('customer.name').alias('customer_name'), F.struct(F.col('total').alias('value')).alias('amount'), *['filename', 'absolute_path'])
df_reshape = df_reshape.withColumn('currency', F.coalesce(F.col('currency'), F.lit('EUR')))

# COMMAND ----------

# Processor: Pick customer (EvaluateJsonPath) id=eval
df_pick_customer = df_reshape
df_pick_customer = df_pick_customer.withColumn('customer', F.col('customer_name'))

# COMMAND ----------

# Processor: Set region (UpdateAttribute) id=set-region
df_set_region = df_pick_customer
df_set_region = df_set_region.withColumn('region', F.upper(F.lit(PARAMS['region'])))

# COMMAND ----------

# Hand-off to Load
df_set_region.write.mode('overwrite').parquet(STAGING_ROOT + '/set_region__success')
