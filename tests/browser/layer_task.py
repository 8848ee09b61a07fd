"""A task for browser tests: reports a few progress steps over ~3 seconds, then completes or crashes as told."""

import sys
import time

from lakerun.executor.callbacks import CallbackClient

mode = next((arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--mode=")), "ok")
client = CallbackClient.from_env()
for step, message in enumerate(("reading raw files", "cleaning rows", "writing bronze table"), start=1):
    print(f"step {step}: {message}", flush=True)
    if client:
        client.progress(step / 4, message, task="bronze")
    time.sleep(1.0)
if mode == "crash":
    print("about to crash", flush=True)
    raise RuntimeError("bronze layer exploded on purpose")
if client:
    client.send("completed", {"result": {"rows_out": 1234}})
print("done", flush=True)
