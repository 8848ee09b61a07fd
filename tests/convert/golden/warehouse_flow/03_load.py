# Databricks notebook source
# MAGIC %md
# MAGIC # Load
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

df_in_set_region__success = spark.read.parquet(STAGING_ROOT + '/set_region__success')

# COMMAND ----------

# Processor: Insert orders (PutDatabaseRecord) id=put-db
# Failure relationships: a failure fails this task (retries come from the job's settings)
(
    df_in_set_region__success.drop(*['filename', 'absolute_path', 'customer', 'region'])
    .write.format("jdbc")
    .options(**{"url": PARAMS['db.url'], "driver": 'org.postgresql.Driver', "user": 'etl', "password": dbutils.secrets.get(scope=SECRET_SCOPE, key='sales-db-password')})
    .option("dbtable", PARAMS['table.prefix'] + 'orders')
    .mode("append")
    .save()
)
df_insert_orders = df_in_set_region__success

# COMMAND ----------

# Processor: Announce (PublishKafkaRecord_2_6) id=publish
(
    df_in_set_region__success.select(F.to_json(F.struct(*[c for c in df_in_set_region__success.columns if c not in ['filename', 'absolute_path', 'customer', 'region']])).alias('value'))
    .write.format("kafka")
    .option("kafka.bootstrap.servers", 'kafka.acme:9092')
    .option("topic", 'orders.loaded')
    .save()
)
df_announce = df_in_set_region__success
