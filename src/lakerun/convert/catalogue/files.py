"""File and object-store sources and sinks: GetFile, List/Fetch pairs, HDFS, S3, SFTP, PutFile.

Sources read with `spark.read` (or Auto Loader when the conversion asks for streaming ingestion);
the record reader found downstream decides the format, and each row gets a `filename` attribute.
"""

from __future__ import annotations

from lakerun.convert.catalogue.entry import Entry, options_code, pass_through
from lakerun.convert.formats import JSON_PROCESSORS, reader_format
from lakerun.convert.steps import FLAGGED, Context, Step, Stream

_DIRECTORY = {
    "GetFile": "Input Directory",
    "ListFile": "Input Directory",
    "GetHDFS": "Directory",
    "ListHDFS": "Directory",
}


def _source_format(ctx: Context) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(shape, format, options) of what the flow does with the files next."""
    found = reader_format(ctx.downstream_service("Record Reader"))
    if found is not None:
        return "records", found[0], found[1]
    if any(kind in JSON_PROCESSORS for kind in ctx.downstream_kinds()):
        return "records", "json", (("multiLine", "true"),)
    if any(
        ctx.flow.processors[p].properties.get("Evaluation Mode") == "Entire text"
        for p in ctx.graph.downstream(ctx.processor.id)
    ):
        return "text", "text", (("wholetext", "true"),)
    return "text", "text", ()


def read_files(ctx: Context, path: str, file_filter: str | None = None, recursive: bool = True) -> Step:
    """Code reading a folder the way the flow's next steps parse it."""
    shape, fmt, options = _source_format(ctx)
    read_options = (*options, *((("recursiveFileLookup", "true"),) if recursive else ()))
    var = ctx.var()
    if ctx.autoloader:
        reader = (
            f'spark.readStream.format("cloudFiles")\n    .option("cloudFiles.format", {fmt!r})'
            f'\n    .option("cloudFiles.schemaLocation", CHECKPOINT_ROOT + "/{ctx.slug}/schema")'
        )
    else:
        reader = f"spark.read.format({fmt!r})"
    code = (
        f"{var} = (\n    {reader}{options_code(read_options)}\n    .load({path})\n"
        f'    .withColumn("filename", F.col("_metadata.file_name"))\n'
        f'    .withColumn("absolute_path", F.col("_metadata.file_path"))\n)'
    )
    if file_filter:
        code += f"\n{var} = {var}.filter(F.col('filename').rlike({'^(?:' + file_filter + ')$'!r}))"
    stream = Stream(var, ("filename", "absolute_path"), shape, fmt, options, streaming=ctx.autoloader)
    return Step(code, {"*": stream})


def directory_source(ctx: Context) -> Step:
    """GetFile, ListFile, GetHDFS, ListHDFS: a folder read."""
    kind = ctx.processor.kind
    path = ctx.text(_DIRECTORY[kind])
    file_filter = (
        ctx.prop("File Filter", "[^\\.].*") if kind in ("GetFile", "ListFile") else ctx.prop("File Filter")
    )
    recursive = (ctx.prop("Recurse Subdirectories", "true") or "true") == "true"
    step = read_files(ctx, path, file_filter, recursive)
    if kind == "GetFile" and (ctx.prop("Keep Source File", "false") == "false"):
        step.notes.append(
            "GetFile deleted its source files; the job leaves them in place (use Auto Loader cleanSource to move them)"
        )
    if kind.endswith("HDFS"):
        step.notes.append("HDFS paths are read as they are: map them to a Volume or external location")
    return step


def s3_source(ctx: Context) -> Step:
    """ListS3: the bucket and prefix read through the workspace's external location."""
    bucket = ctx.text("Bucket")
    prefix = ctx.text_of(ctx.prop("Prefix", "") or "", "Prefix")
    step = read_files(ctx, f"'s3://' + {bucket} + '/' + {prefix}")
    step.notes.append(
        "S3 access comes from a Unity Catalog external location, not the processor's credentials"
    )
    return step


def sftp_source(ctx: Context) -> Step:
    """GetSFTP/ListSFTP: Spark cannot read SFTP; files must land on a Volume first."""
    remote = ctx.prop("Remote Path", ".") or "."
    landing = f"PARAMS.get('landing__{ctx.slug}', '/Volumes/main/default/landing/{ctx.slug}')"
    ctx.parameters_used[f"landing__{ctx.slug}"] = f"/Volumes/main/default/landing/{ctx.slug}"
    step = read_files(ctx, landing)
    step.status = FLAGGED
    step.reason = (
        f"files on SFTP host {ctx.prop('Hostname', '?')} path {remote} must land on a Volume "
        f"(parameter landing__{ctx.slug}) before this job runs"
    )
    return step


def fetch(ctx: Context) -> Step:
    """FetchFile/FetchHDFS/FetchS3Object/FetchSFTP: the List* source already read the content."""
    if ctx.input is None:
        return Step(
            f"# {ctx.processor.kind} without a listing source",
            status=FLAGGED,
            reason="nothing lists the files to fetch",
        )
    return pass_through(ctx, f"{ctx.processor.kind}: content already read by the listing source")


def write_stream(ctx: Context, path: str) -> Step:
    """Code writing the content of the input stream to a folder in the format it is serialized in."""
    source = ctx.require_input()
    fmt = source.fmt or ("text" if source.shape == "text" else "delta")
    options = source.options if fmt == "csv" else ()
    if fmt == "csv":
        options = tuple((k, v) for k, v in source.options if k in ("header", "sep", "quote"))
    body = f"{source.var}.drop(*{list(source.attributes)!r})" if source.attributes else source.var
    if fmt == "text" and source.shape == "records":
        body += '.select(F.to_json(F.struct("*")).alias("value"))'
    if source.streaming:
        code = (
            f"(\n    {body}\n    .writeStream.format({fmt!r}){options_code(options)}\n"
            f'    .option("checkpointLocation", CHECKPOINT_ROOT + "/{ctx.slug}")\n'
            f"    .trigger(availableNow=True)\n    .start({path})\n    .awaitTermination()\n)"
        )
    else:
        code = f'(\n    {body}\n    .write.format({fmt!r}){options_code(options)}\n    .mode("append")\n    .save({path})\n)'
    code += f"\n{ctx.var()} = {source.var}"
    return Step(code, {"*": source}, writes=path)


def put_file(ctx: Context) -> Step:
    """PutFile/PutHDFS: write to the directory."""
    step = write_stream(ctx, ctx.text("Directory"))
    if ctx.processor.kind == "PutHDFS":
        step.notes.append("HDFS directory written as it is: map it to a Volume or external location")
    return step


def put_s3(ctx: Context) -> Step:
    """PutS3Object: write under the bucket; the per-flowfile object key becomes Spark's part files."""
    key = ctx.prop("Object Key", "${filename}") or ""
    folder = key.rsplit("/", 1)[0] if "/" in key else ""
    folder_code = ctx.text_of(folder, "Object Key") if "${" not in folder else "''"
    step = write_stream(ctx, f"'s3://' + {ctx.text('Bucket')} + '/' + {folder_code}")
    step.notes.append(f"object key {key!r}: Spark names the files it writes under the folder")
    return step


def put_sftp(ctx: Context) -> Step:
    """PutSFTP: written to a Volume that a transfer job pushes to the SFTP host."""
    outbox = f"/Volumes/main/default/outbox/{ctx.slug}"
    ctx.parameters_used[f"outbox__{ctx.slug}"] = outbox
    step = write_stream(ctx, f"PARAMS.get('outbox__{ctx.slug}', {outbox!r})")
    step.status = FLAGGED
    step.reason = (
        f"files go to a Volume outbox; pushing them to SFTP host {ctx.prop('Hostname', '?')} needs a transfer"
    )
    return step


def generate(ctx: Context) -> Step:
    """GenerateFlowFile: one row holding its custom text."""
    text = ctx.prop("Custom Text", "") or ""
    code = f"{ctx.var()} = spark.createDataFrame([({text!r},)], 'value string')"
    return Step(code, {"*": Stream(ctx.var(), (), "text", "text")})


SOURCE = "files and object stores"
ENTRIES = {
    "GetFile": Entry(SOURCE, "`spark.read` (or Auto Loader) of the input directory", directory_source),
    "ListFile": Entry(SOURCE, "`spark.read` (or Auto Loader) of the input directory", directory_source),
    "FetchFile": Entry(SOURCE, "folded into the ListFile read", fetch),
    "GetHDFS": Entry(SOURCE, "`spark.read` of the directory", directory_source),
    "ListHDFS": Entry(SOURCE, "`spark.read` of the directory", directory_source),
    "FetchHDFS": Entry(SOURCE, "folded into the ListHDFS read", fetch),
    "ListS3": Entry(SOURCE, "`spark.read` of `s3://bucket/prefix`", s3_source),
    "FetchS3Object": Entry(SOURCE, "folded into the ListS3 read", fetch),
    "GetSFTP": Entry(SOURCE, "read of a landing Volume + human request for the transfer", sftp_source),
    "ListSFTP": Entry(SOURCE, "read of a landing Volume + human request for the transfer", sftp_source),
    "FetchSFTP": Entry(SOURCE, "folded into the ListSFTP read", fetch),
    "GenerateFlowFile": Entry(SOURCE, "`spark.createDataFrame` of the custom text", generate),
    "PutFile": Entry(
        SOURCE, "write in the record writer's format (Delta when none) to the directory", put_file
    ),
    "PutHDFS": Entry(SOURCE, "write to the directory", put_file),
    "PutS3Object": Entry(SOURCE, "write under `s3://bucket/key-folder`", put_s3),
    "PutSFTP": Entry(SOURCE, "write to an outbox Volume + human request for the transfer", put_sftp),
}
