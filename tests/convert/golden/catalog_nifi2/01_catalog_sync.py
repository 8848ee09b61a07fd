# Databricks notebook source
# MAGIC %md
# MAGIC # Catalog sync
# MAGIC Converted from the NiFi flow **Catalog sync** by lakerun (19 processors). Cells marked `LAKERUN FLAGGED` or `LAKERUN HUMAN REQUEST` need a person.

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
    'jdbc.url': 'jdbc:mysql://mysql.acme/catalog',
    'landing': '/Volumes/main/raw/landing',
    'landing__partner_feed': '/Volumes/main/default/landing/partner_feed',
    'outbox__send_back': '/Volumes/main/default/outbox/send_back',
    'secret_scope': 'nifi',
    'staging_root': '/Volumes/main/default/nifi/staging',
}
PARAMS = {name: lakerun_param(name, default) for name, default in PARAMETER_DEFAULTS.items()}
SECRET_SCOPE = PARAMS["secret_scope"]
CHECKPOINT_ROOT = PARAMS["checkpoint_root"]
STAGING_ROOT = PARAMS["staging_root"]

# COMMAND ----------

# Processor: Products (GetFile) id=get
# Note: GetFile deleted its source files; the job leaves them in place (use Auto Loader cleanSource to move them)
df_products = (
    spark.read.format('json')
    .options(**{'multiLine': 'true', 'recursiveFileLookup': 'true'})
    .load(PARAMS['landing'] + '/products')
    .withColumn("filename", F.col("_metadata.file_name"))
    .withColumn("absolute_path", F.col("_metadata.file_path"))
)
df_products = df_products.filter(F.col('filename').rlike('^(?:[^\\.].*)$'))

# COMMAND ----------

# Processor: Each product (SplitJson) id=split
# Note: elements must be objects (structs); arrays of scalars keep `_element` instead
df_each_product = (
    df_products.select(F.explode(F.col('products')).alias('_element'), *['filename', 'absolute_path'])
    .select('_element.*', *['filename', 'absolute_path'])
)

# COMMAND ----------

# Processor: Flatten (FlattenJson) id=flatten
df_flatten = df_each_product.select(*lakerun_flatten(df_each_product.schema, '_'))

# COMMAND ----------

# Processor: Price in cents (UpdateRecord) id=update-rec
df_price_in_cents = df_flatten
df_price_in_cents = df_price_in_cents.withColumn('source', F.lit('catalog'))

# COMMAND ----------

# Processor: Batch (MergeContent) id=merge
# Note: MergeContent: flowfile batching has no equivalent; the DataFrame holds every row
df_batch = df_price_in_cents

# COMMAND ----------

# Processor: As SQL (ConvertJSONToSQL) id=to-sql
# ConvertJSONToSQL: INSERT into products; PutSQL writes the rows through JDBC
df_as_sql = df_batch

# COMMAND ----------

# Processor: Insert (PutSQL) id=put-sql
(
    df_as_sql.drop(*['filename', 'absolute_path'])
    .write.format("jdbc")
    .options(**{"url": PARAMS['jdbc.url'], "driver": 'com.mysql.cj.jdbc.Driver', "user": 'reader', "password": dbutils.secrets.get(scope=SECRET_SCOPE, key='catalog-db-password')})
    .option("dbtable", 'products')
    .mode("append")
    .save()
)
df_insert = df_as_sql

# COMMAND ----------

# Processor: Prices (QueryDatabaseTableRecord) id=qdt
# LAKERUN FLAGGED: the incremental watermark of QueryDatabaseTable needs a state table
# Note: incremental on updated_at: keep the last value (e.g. in a Delta table) and filter on it
df_prices = spark.read.format("jdbc").options(**{"url": PARAMS['jdbc.url'], "driver": 'com.mysql.cj.jdbc.Driver', "user": 'reader', "password": dbutils.secrets.get(scope=SECRET_SCOPE, key='catalog-db-password')}).option("dbtable", 'prices').load()

# COMMAND ----------

# Processor: To avro (ConvertRecord) id=convert
# Note: ConvertRecord: rows already parsed; the writer sets the output format
df_to_avro = df_prices

# COMMAND ----------

# Processor: Archive prices (PutS3Object) id=put-s3
# Note: object key 'prices/${filename}': Spark names the files it writes under the folder
(
    df_to_avro
    .write.format('avro')
    .mode("append")
    .save('s3://' + 'acme-archive' + '/' + 'prices')
)
df_archive_prices = df_to_avro

# COMMAND ----------

# Processor: Partner feed (GetSFTP) id=sftp
# LAKERUN FLAGGED: files on SFTP host sftp.partner.com path /outgoing must land on a Volume (parameter landing__partner_feed) before this job runs
df_partner_feed = (
    spark.read.format('json')
    .options(**{'multiLine': 'true', 'recursiveFileLookup': 'true'})
    .load(PARAMS.get('landing__partner_feed', '/Volumes/main/default/landing/partner_feed'))
    .withColumn("filename", F.col("_metadata.file_name"))
    .withColumn("absolute_path", F.col("_metadata.file_path"))
)

# COMMAND ----------

# Processor: Check (ValidateRecord) id=validate
# Note: invalid rows: enforce a schema on the reader (mode FAILFAST/DROPMALFORMED)
df_check = df_partner_feed
df_check__invalid = df_partner_feed.limit(0)

# COMMAND ----------

# Processor: Split records (SplitRecord) id=split-rec
# Note: SplitRecord: flowfile batching has no equivalent; the DataFrame holds every row
df_split_records = df_partner_feed

# COMMAND ----------

# Processor: Send back (PutSFTP) id=put-sftp
# LAKERUN FLAGGED: files go to a Volume outbox; pushing them to SFTP host sftp.partner.com needs a transfer
(
    df_split_records.drop(*['filename', 'absolute_path'])
    .write.format('json')
    .mode("append")
    .save(PARAMS.get('outbox__send_back', '/Volumes/main/default/outbox/send_back'))
)
df_send_back = df_split_records

# COMMAND ----------

# Processor: Heartbeat (GenerateFlowFile) id=gen
df_heartbeat = spark.createDataFrame([('alive',)], 'value string')

# COMMAND ----------

# Processor: Throttle (ControlRate) id=rate
# Note: ControlRate dropped: the cluster's size bounds the rate
df_throttle = df_heartbeat

# COMMAND ----------

# Processor: Attributes as JSON (AttributesToJSON) id=attrs
# LAKERUN HUMAN REQUEST: AttributesToJSON: no attributes are known here; list them in 'Attributes List'
# Properties: {"Destination": "flowfile-content"}
lakerun_unconverted('Attributes as JSON', "AttributesToJSON: no attributes are known here; list them in 'Attributes List'")
df_attributes_as_json = df_heartbeat

# COMMAND ----------

# Processor: Legacy (GetHDFS) id=ghdfs
# Note: HDFS paths are read as they are: map them to a Volume or external location
df_legacy = (
    spark.read.format('text')
    .options(**{'recursiveFileLookup': 'true'})
    .load('/legacy/in')
    .withColumn("filename", F.col("_metadata.file_name"))
    .withColumn("absolute_path", F.col("_metadata.file_path"))
)

# COMMAND ----------

# Processor: Legacy out (PutHDFS) id=phdfs
# Note: HDFS directory written as it is: map it to a Volume or external location
(
    df_legacy.drop(*['filename', 'absolute_path'])
    .write.format('text')
    .mode("append")
    .save('/legacy/out')
)
df_legacy_out = df_legacy
