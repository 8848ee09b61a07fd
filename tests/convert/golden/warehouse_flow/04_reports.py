# Databricks notebook source
# MAGIC %md
# MAGIC # Reports
# MAGIC Converted from the NiFi flow **Warehouse** by lakerun (5 processors). Cells marked `LAKERUN FLAGGED` or `LAKERUN HUMAN REQUEST` need a person.

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

# Processor: Daily totals (ExecuteSQL) id=exec-sql
df_daily_totals = spark.read.format("jdbc").options(**{"url": PARAMS['db.url'], "driver": 'org.postgresql.Driver', "user": 'etl', "password": dbutils.secrets.get(scope=SECRET_SCOPE, key='sales-db-password')}).option("query", 'SELECT day, sum(amount) AS total FROM orders GROUP BY day').load()

# COMMAND ----------

# Processor: Store totals (PutFile) id=put-totals
(
    df_daily_totals
    .write.format('delta')
    .mode("append")
    .save('/data/totals')
)
df_store_totals = df_daily_totals

# COMMAND ----------

# Processor: Read events (ConsumeKafka_2_6) id=consume
# Note: the consumer group is Spark's checkpoint; SASL/SSL options map to kafka.* options
df_read_events = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", 'kafka.acme:9092')
    .option('subscribe', 'events')
    .option("startingOffsets", 'latest')
    .load()
    .select(F.col('value').cast('string').alias('value'), F.col('topic').alias('kafka.topic'), F.col('partition').alias('kafka.partition'), F.col('offset').alias('kafka.offset'))
)

# COMMAND ----------

# Processor: Store events (PutHDFS) id=put-events
# Note: HDFS directory written as it is: map it to a Volume or external location
(
    df_read_events.drop(*['kafka.topic', 'kafka.partition', 'kafka.offset'])
    .writeStream.format('text')
    .option("checkpointLocation", CHECKPOINT_ROOT + "/store_events")
    .trigger(availableNow=True)
    .start('/data/events')
    .awaitTermination()
)
df_store_events = df_read_events

# COMMAND ----------

# Processor: Lookup rates (QueryDatabaseTableRecord) id=missing-svc
# LAKERUN HUMAN REQUEST: property 'Database Connection Pooling Service' refers to controller service dbcp-gone, which is not in the flow
# Properties: {"Database Connection Pooling Service": "dbcp-gone", "Table Name": "rates"}
lakerun_unconverted('Lookup rates', "property 'Database Connection Pooling Service' refers to controller service dbcp-gone, which is not in the flow")
df_lookup_rates = spark.range(0)
