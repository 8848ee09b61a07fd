"""A task for end-to-end tests: reports progress through the signed callback client, then ends as told."""

import sys
import time
from pathlib import Path

from lakerun.executor.callbacks import CallbackClient

mode = next((arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--mode=")), "ok")
client = CallbackClient.from_env()
print("task started", mode, "callbacks" if client else "no callbacks", flush=True)
if client:
    client.progress(0.5, "half way", task="main")
fail_once = next((arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--fail-once=")), None)
if fail_once and not Path(fail_once).exists():
    Path(fail_once).write_text("failed once")
    mode = "crash"
if mode == "crash-nul":
    print("a log line with a NUL \x00 byte", flush=True)
    raise RuntimeError("task exploded with a NUL \x00 in its error")
if mode == "crash":
    print("about to crash", flush=True)
    raise RuntimeError("task exploded on purpose")
if mode == "sleep":
    time.sleep(120)
release = next((arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--wait-for=")), None)
while release and not Path(release).exists():
    time.sleep(0.1)
if client:
    client.send("completed", {"result": {"rows": 42}})
print("task done", flush=True)
