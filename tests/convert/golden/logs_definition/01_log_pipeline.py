# Databricks notebook source
# MAGIC %md
# MAGIC # Log pipeline
# MAGIC Converted from the NiFi flow **Log pipeline** by lakerun (16 processors). Cells marked `LAKERUN FLAGGED` or `LAKERUN HUMAN REQUEST` need a person.

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
    'env': 'prod',
    'log.dir': '/var/log/app',
    'out.dir': '/data/logs',
    'secret_scope': 'nifi',
    'staging_root': '/Volumes/main/default/nifi/staging',
}
PARAMS = {name: lakerun_param(name, default) for name, default in PARAMETER_DEFAULTS.items()}
SECRET_SCOPE = PARAMS["secret_scope"]
CHECKPOINT_ROOT = PARAMS["checkpoint_root"]
STAGING_ROOT = PARAMS["staging_root"]

# COMMAND ----------

# Processor: List logs (ListFile) id=list
df_list_logs = (
    spark.read.format('text')
    .options(**{'recursiveFileLookup': 'true'})
    .load(PARAMS['log.dir'])
    .withColumn("filename", F.col("_metadata.file_name"))
    .withColumn("absolute_path", F.col("_metadata.file_path"))
)
df_list_logs = df_list_logs.filter(F.col('filename').rlike('^(?:.*\\.log)$'))

# COMMAND ----------

# Processor: Fetch log (FetchFile) id=fetch
# Note: FetchFile: content already read by the listing source
df_fetch_log = df_list_logs

# COMMAND ----------

# Processor: Lines (SplitText) id=split
# Note: SplitText: one row per line
df_lines = df_fetch_log
df_lines = df_lines.withColumn('_line', F.row_number().over(lakerun_window('filename'))).filter(F.col('_line') > 1).drop('_line')

# COMMAND ----------

# Processor: Parse level (ExtractText) id=extract
df_parse_level__all = df_lines
df_parse_level__all = df_parse_level__all.withColumn('level', F.regexp_extract(F.col('value'), '^\\S+ (\\w+) ', 1))
df_parse_level = df_parse_level__all.filter(F.col('value').rlike('^\\S+ (\\w+) '))
df_parse_level__unmatched = df_parse_level__all.filter(~(F.col('value').rlike('^\\S+ (\\w+) ')))

# COMMAND ----------

# Processor: Errors only (RouteOnContent) id=route-content
_cond_errors_only_0 = F.col('value').rlike('ERROR|FATAL')
df_errors_only__errors = df_parse_level.filter(_cond_errors_only_0)
df_errors_only__unmatched = df_parse_level.filter(~(F.coalesce(_cond_errors_only_0, F.lit(False))))

# COMMAND ----------

# Processor: Mask ips (ReplaceText) id=replace
df_mask_ips = df_errors_only__errors.withColumn('value', F.regexp_replace(F.col('value'), '\\d+\\.\\d+\\.\\d+\\.\\d+', 'x.x.x.x'))

# COMMAND ----------

# Processor: Hash line (HashContent) id=hash
df_hash_line = df_mask_ips.withColumn('hash.value', F.sha2(F.col('value'), 256))

# COMMAND ----------

# Processor: Once per line (DetectDuplicate) id=dedup
# Note: duplicates are found within one run; across runs keep the seen keys in a Delta table (MERGE)
df_once_per_line__non_duplicate = df_hash_line.dropDuplicates(['hash.value'])
df_once_per_line__duplicate = df_hash_line.exceptAll(df_once_per_line__non_duplicate)

# COMMAND ----------

# Processor: Write errors (PutFile) id=put
(
    df_once_per_line__non_duplicate.drop(*['filename', 'absolute_path', 'level', 'hash.value'])
    .write.format('text')
    .mode("append")
    .save(PARAMS['out.dir'] + '/errors/' + PARAMS['env'])
)
df_write_errors = df_once_per_line__non_duplicate

# COMMAND ----------

# Processor: Alert (InvokeHTTP) id=http
# LAKERUN FLAGGED: InvokeHTTP POST https://alerts.acme/api: choose how to call it (mapInPandas per row, driver call, or a Lakeflow connector) and authenticate
# Pattern: call the endpoint per row with mapInPandas (requests on the executors), e.g.
# def call(batches):
#     import requests
#     for frame in batches:
#         frame["response"] = [requests.request('POST', 'https://alerts.acme/api', timeout=30).text for _ in range(len(frame))]
#         yield frame
# df_alert = df_once_per_line__non_duplicate.mapInPandas(call, schema=df_once_per_line__non_duplicate.schema.add("response", "string"))
df_alert = df_once_per_line__non_duplicate

# COMMAND ----------

# Processor: Enrich (ExecuteScript) id=script
# LAKERUN HUMAN REQUEST: ExecuteScript runs a python script against the NiFi session API; rewrite it as DataFrame code
# Properties: {"Script Body": "flowFile = session.get()\nsession.transfer(flowFile, REL_SUCCESS)", "Script Engine": "python"}
# Original python:
#   flowFile = session.get()
#   session.transfer(flowFile, REL_SUCCESS)
lakerun_unconverted('Enrich', 'ExecuteScript runs a python script against the NiFi session API; rewrite it as DataFrame code')
df_enrich = df_once_per_line__non_duplicate

# COMMAND ----------

# Processor: Notify batch (Notify) id=notify
# Note: Notify dropped: task order (depends_on) replaces Wait/Notify signals
df_notify_batch = df_once_per_line__non_duplicate

# COMMAND ----------

# Processor: Receive logs (ListenHTTP) id=listen
# LAKERUN HUMAN REQUEST: ListenHTTP receives HTTP requests; a Databricks job cannot listen. Land the payloads on a Volume (an app, API gateway or Model Serving endpoint) and read them with Auto Loader
# Properties: {"Listening Port": "8081"}
lakerun_unconverted('Receive logs', 'ListenHTTP receives HTTP requests; a Databricks job cannot listen. Land the payloads on a Volume (an app, API gateway or Model Serving endpoint) and read them with Auto Loader')
df_receive_logs = spark.createDataFrame([], 'value string')

# COMMAND ----------

# Processor: Vendor magic (MagicProcessor) id=custom
# LAKERUN HUMAN REQUEST: no catalogue entry for processor type com.acme.nifi.MagicProcessor
# Properties: {"mode": "fast"}
lakerun_unconverted('Vendor magic', 'no catalogue entry for processor type com.acme.nifi.MagicProcessor')
df_vendor_magic = df_receive_logs

# COMMAND ----------

# Processor: Wait batch (Wait) id=wait
# Note: Wait dropped: task order (depends_on) replaces Wait/Notify signals
df_wait_batch = df_receive_logs

# COMMAND ----------

# Processor: Log it (LogMessage) id=logmsg
# Note: LogMessage dropped: run logs replace NiFi's bulletin log
df_log_it = df_receive_logs
