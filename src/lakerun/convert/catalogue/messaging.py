"""Kafka (Structured Streaming) and HTTP processors (a documented pattern, or a human request)."""

from __future__ import annotations

from lakerun.convert.catalogue.entry import Entry
from lakerun.convert.steps import FLAGGED, MANUAL, Context, Step, Stream


def _brokers(ctx: Context) -> str:
    for name in ("bootstrap.servers", "Kafka Brokers", "kafka-brokers"):
        if ctx.prop(name):
            return ctx.text(name)
    return "PARAMS['kafka_bootstrap_servers']"


def consume_kafka(ctx: Context) -> Step:
    """ConsumeKafka*: a Kafka stream; each message's value is the content (text)."""
    topic_property = next((n for n in ("topic", "Topic Name(s)", "Topic Names") if ctx.prop(n)), "topic")
    topics = ctx.text(topic_property)
    subscribe = (
        "subscribePattern"
        if ctx.prop("topic_type", ctx.prop("Topic Name Format", "names")) == "pattern"
        else "subscribe"
    )
    code = (
        f'{ctx.var()} = (\n    spark.readStream.format("kafka")\n'
        f'    .option("kafka.bootstrap.servers", {_brokers(ctx)})\n'
        f"    .option({subscribe!r}, {topics})\n"
        f'    .option("startingOffsets", {("earliest" if ctx.prop("auto.offset.reset") == "earliest" else "latest")!r})\n'
        "    .load()\n"
        "    .select(F.col('value').cast('string').alias('value'), F.col('topic').alias('kafka.topic'),"
        " F.col('partition').alias('kafka.partition'), F.col('offset').alias('kafka.offset'))\n)"
    )
    stream = Stream(
        ctx.var(), ("kafka.topic", "kafka.partition", "kafka.offset"), "text", "text", streaming=True
    )
    notes = ["the consumer group is Spark's checkpoint; SASL/SSL options map to kafka.* options"]
    return Step(code, {"*": stream}, notes=notes)


def publish_kafka(ctx: Context) -> Step:
    """PublishKafka*: the content (or each record as JSON) written to the topic."""
    source = ctx.require_input()
    topic = ctx.text(next((n for n in ("topic", "Topic Name") if ctx.prop(n)), "topic"))
    value = (
        "F.col('value')"
        if source.shape == "text"
        else f"F.to_json(F.struct(*[c for c in {source.var}.columns if c not in {list(source.attributes)!r}]))"
    )
    body = f"{source.var}.select({value}.alias('value'))"
    if source.streaming:
        write = (
            f'(\n    {body}\n    .writeStream.format("kafka")\n    .option("kafka.bootstrap.servers", {_brokers(ctx)})\n'
            f'    .option("topic", {topic})\n    .option("checkpointLocation", CHECKPOINT_ROOT + "/{ctx.slug}")\n'
            "    .trigger(availableNow=True)\n    .start()\n    .awaitTermination()\n)"
        )
    else:
        write = (
            f'(\n    {body}\n    .write.format("kafka")\n    .option("kafka.bootstrap.servers", {_brokers(ctx)})\n'
            f'    .option("topic", {topic})\n    .save()\n)'
        )
    return Step(f"{write}\n{ctx.var()} = {source.var}", {"*": source})


HTTP_PATTERN = """# Pattern: call the endpoint per row with mapInPandas (requests on the executors), e.g.
# def call(batches):
#     import requests
#     for frame in batches:
#         frame["response"] = [requests.request({method!r}, {url!r}, timeout=30).text for _ in range(len(frame))]
#         yield frame
# {out} = {inp}.mapInPandas(call, schema={inp}.schema.add("response", "string"))"""


def invoke_http(ctx: Context) -> Step:
    """InvokeHTTP/GetHTTP: the request pattern carried in a flagged cell; the call needs a person's review."""
    method = ctx.prop("HTTP Method", "GET") or "GET"
    url = ctx.prop("Remote URL") or ctx.prop("URL") or "?"
    source = ctx.input
    inp = source.var if source else "spark.range(1)"
    code = HTTP_PATTERN.format(method=method, url=url, out=ctx.var(), inp=inp) + f"\n{ctx.var()} = {inp}"
    stream = source or Stream(ctx.var())
    reason = f"{ctx.processor.kind} {method} {url}: choose how to call it (mapInPandas per row, driver call, or a Lakeflow connector) and authenticate"
    outputs = {"Response": stream, "Original": stream, "*": stream}
    return Step(code, outputs, status=FLAGGED, reason=reason)


def listen_http(ctx: Context) -> Step:
    """ListenHTTP/HandleHttpRequest/Response: a job cannot listen; an endpoint must land the data."""
    reason = (
        f"{ctx.processor.kind} receives HTTP requests; a Databricks job cannot listen. Land the payloads on a "
        "Volume (an app, API gateway or Model Serving endpoint) and read them with Auto Loader"
    )
    source = ctx.input or Stream(ctx.var(), (), "text", "text")
    empty = "spark.createDataFrame([], 'value string')"
    code = f"lakerun_unconverted({ctx.processor.name!r}, {reason!r})\n{ctx.var()} = {source.var if ctx.input else empty}"
    return Step(
        code,
        {"*": source if ctx.input else Stream(ctx.var(), (), "text", "text")},
        status=MANUAL,
        reason=reason,
    )


KAFKA = "Kafka"
HTTP = "HTTP"
ENTRIES = {
    **{
        kind: Entry(KAFKA, "`spark.readStream.format('kafka')`", consume_kafka)
        for kind in (
            "ConsumeKafka",
            "ConsumeKafka_2_6",
            "ConsumeKafkaRecord_2_6",
            "ConsumeKafka_2_0",
            "ConsumeKafkaRecord_2_0",
        )
    },
    **{
        kind: Entry(KAFKA, "`write`/`writeStream.format('kafka')`", publish_kafka)
        for kind in (
            "PublishKafka",
            "PublishKafka_2_6",
            "PublishKafkaRecord_2_6",
            "PublishKafka_2_0",
            "PublishKafkaRecord_2_0",
        )
    },
    "InvokeHTTP": Entry(HTTP, "`mapInPandas` pattern in a flagged cell + human request", invoke_http),
    "GetHTTP": Entry(HTTP, "`mapInPandas` pattern in a flagged cell + human request", invoke_http),
    "ListenHTTP": Entry(HTTP, "human request: land payloads on a Volume, read with Auto Loader", listen_http),
    "HandleHttpRequest": Entry(HTTP, "human request: land payloads on a Volume", listen_http),
    "HandleHttpResponse": Entry(HTTP, "human request: answered by the receiving endpoint", listen_http),
}
