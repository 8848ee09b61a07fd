# Databricks notebook source
# MAGIC %md
# MAGIC # Orders routing
# MAGIC Converted from the NiFi flow **Orders routing** by lakerun (8 processors). Cells marked `LAKERUN FLAGGED` or `LAKERUN HUMAN REQUEST` need a person.

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
    'checkpoint_root': '/Volumes/main/default/nifi/checkpoints',
    'input.dir': '',
    'output.dir': '',
    'secret_scope': 'nifi',
    'staging_root': '/Volumes/main/default/nifi/staging',
}
PARAMS = {name: lakerun_param(name, default) for name, default in PARAMETER_DEFAULTS.items()}
SECRET_SCOPE = PARAMS["secret_scope"]
CHECKPOINT_ROOT = PARAMS["checkpoint_root"]
STAGING_ROOT = PARAMS["staging_root"]

# COMMAND ----------

# Processor: Get orders (GetFile) id=p-get
df_get_orders = (
    spark.read.format('csv')
    .options(**{'header': 'true', 'sep': ',', 'quote': '"', 'inferSchema': 'true', 'recursiveFileLookup': 'true'})
    .load(PARAMS['input.dir'])
    .withColumn("filename", F.col("_metadata.file_name"))
    .withColumn("absolute_path", F.col("_metadata.file_path"))
)
df_get_orders = df_get_orders.filter(F.col('filename').rlike('^(?:.*\\.csv)$'))

# COMMAND ----------

# Processor: Parse CSV (ConvertRecord) id=p-convert
# Note: ConvertRecord: rows already parsed; the writer sets the output format
df_parse_csv = df_get_orders

# COMMAND ----------

# Processor: Big orders (QueryRecord) id=p-query
df_parse_csv.createOrReplaceTempView('flowfile_big_orders')
df_big_orders__big = spark.sql('SELECT * FROM flowfile_big_orders WHERE amount > 10')

# COMMAND ----------

# Processor: Tag region (UpdateAttribute) id=p-update
df_tag_region = df_big_orders__big
df_tag_region = df_tag_region.withColumn('region', F.substring_index(F.col('filename'), '_', 1))

# COMMAND ----------

# Processor: Route by region (RouteOnAttribute) id=p-route
_cond_route_by_region_0 = (F.col('region') == F.lit('eu'))
df_route_by_region__eu = df_tag_region.filter(_cond_route_by_region_0)
df_route_by_region__unmatched = df_tag_region.filter(~(F.coalesce(_cond_route_by_region_0, F.lit(False))))

# COMMAND ----------

# Processor: Write EU (PutFile) id=p-put-eu
# Failure relationships: a failure fails this task (retries come from the job's settings)
(
    df_route_by_region__eu.drop(*['filename', 'absolute_path', 'region'])
    .write.format('csv')
    .options(**{'header': 'true', 'sep': ','})
    .mode("append")
    .save(PARAMS['output.dir'] + '/eu')
)
df_write_eu = df_route_by_region__eu

# COMMAND ----------

# Processor: Write other (PutFile) id=p-put-other
(
    df_route_by_region__unmatched.drop(*['filename', 'absolute_path', 'region'])
    .write.format('csv')
    .options(**{'header': 'true', 'sep': ','})
    .mode("append")
    .save(PARAMS['output.dir'] + '/other')
)
df_write_other = df_route_by_region__unmatched

# COMMAND ----------

# Processor: Log failures (LogAttribute) id=p-log
# Note: handles failures of Write EU: a failed task replaces it
# LogAttribute dropped: handles failures of Write EU: a failed task replaces it
