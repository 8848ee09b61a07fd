"""Endpoints of the local workspace: Command Execution (API 1.2, also served under /api/2.x).

Python runs in long-lived contexts (see `command_contexts`). As seed scripts do, `commands/execute`
may omit `contextId`: a `%pip install` then installs onto the cluster itself (later tasks and
contexts on it see the package) and other code runs in the cluster's shared default context.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shlex
import threading
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request

from lakerun.local.cluster_libraries import check_cluster_id, register_cluster
from lakerun.local.command_contexts import Command, CommandContexts, Context, text_result
from lakerun.local.environments import install_on_cluster
from lakerun.local.errors import DatabricksError, invalid_parameter
from lakerun.local.params import request_params, required
from lakerun.local.paths import WorkspacePaths

router = APIRouter()
QUICK_ANSWER_SECONDS = 0.5
"""How long execute/create wait before answering, so quick work is done by the client's first poll."""
MAPPED_PREFIXES = ("dbfs:/", "/dbfs/", "/Workspace/", "/Volumes/")
HARMLESS_PIP_FLAGS = {"-q", "--quiet", "-U", "--upgrade", "--no-input", "--disable-pip-version-check"}


def on_startup(app: FastAPI) -> None:
    """Creates the registry of contexts; their processes can reach this workspace through the SDK."""
    config = app.state.config
    environ = {"DATABRICKS_HOST": config.url, "DATABRICKS_TOKEN": config.tokens[0]}
    app.state.command_contexts = CommandContexts(config.root, environ)
    app.state.default_contexts = {}


def on_shutdown(app: FastAPI) -> None:
    """Ends every context process."""
    app.state.command_contexts.shutdown()


def _contexts(request: Request) -> CommandContexts:
    contexts: CommandContexts = request.app.state.command_contexts
    return contexts


async def command_params(request: Request) -> dict[str, Any]:
    """JSON bodies as everywhere, plus the form-encoded bodies the 1.2 API documents (`-d k=v&...`)."""
    raw = (await request.body()).strip()
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if form and raw and not raw.startswith(b"{"):
        return {**dict(request.query_params), **dict(parse_qsl(raw.decode("utf-8")))}
    return await request_params(request)


def _language(params: dict[str, Any]) -> None:
    language = str(params.get("language") or "python").lower()
    if language != "python":
        raise invalid_parameter(f"Language {language} is not supported by the local workspace (only python)")


@router.post("/contexts/create")
async def create_context(request: Request) -> dict[str, Any]:
    """Starts a Python context on a cluster; poll `contexts/status` until Running."""
    params = await command_params(request)
    _language(params)
    context = _contexts(request).create(_known_cluster(request, params))
    await asyncio.to_thread(context.ready.wait, QUICK_ANSWER_SECONDS * 4)
    return {"id": context.id}


@router.get("/contexts/status")
async def context_status(request: Request) -> dict[str, Any]:
    """Pending, Running or Error."""
    params = await command_params(request)
    context = _contexts(request).get(_known_cluster(request, params), str(required(params, "contextId")))
    body = {"id": context.id, "status": context.status}
    if context.error:
        body["error"] = context.error
    return body


@router.post("/contexts/destroy")
async def destroy_context(request: Request) -> dict[str, Any]:
    """Ends a context and its process."""
    params = await command_params(request)
    context_id = str(required(params, "contextId"))
    _contexts(request).destroy(_known_cluster(request, params), context_id)
    return {"id": context_id}


@router.post("/commands/execute")
async def execute(request: Request) -> dict[str, Any]:
    """Queues a command; poll `commands/status` until Finished, Error or Cancelled."""
    params = await command_params(request)
    _language(params)
    cluster_id = _known_cluster(request, params)
    text = local_pip_paths(str(required(params, "command")), request.app.state.paths)
    contexts = _contexts(request)
    if params.get("contextId"):
        command = contexts.execute(contexts.get(cluster_id, str(params["contextId"])), text)
    elif text.lstrip().startswith("%pip install"):
        command = _install_on_cluster(request, cluster_id, text)
    else:
        command = contexts.execute(_default_context(request, cluster_id), text)
    await asyncio.to_thread(command.done.wait, QUICK_ANSWER_SECONDS)
    return {"id": command.id}


@router.get("/commands/status")
async def command_status(request: Request) -> dict[str, Any]:
    """A command's status and, when done, its results."""
    params = await command_params(request)
    return _contexts(request).command(str(required(params, "commandId"))).as_status()


@router.post("/commands/cancel")
async def cancel(request: Request) -> dict[str, Any]:
    """Asks a command to stop; its status becomes Cancelled."""
    params = await command_params(request)
    command = _contexts(request).command(str(required(params, "commandId")))
    _contexts(request).cancel(command)
    return {"id": command.id}


def _known_cluster(request: Request, params: dict[str, Any]) -> str:
    cluster_id = check_cluster_id(str(required(params, "clusterId")))
    register_cluster(request.app.state.config.root, cluster_id)
    return cluster_id


def _default_context(request: Request, cluster_id: str) -> Context:
    defaults: dict[str, Context] = request.app.state.default_contexts
    context = defaults.get(cluster_id)
    if context is None or context.status == "Error":
        context = _contexts(request).create(cluster_id)
        defaults[cluster_id] = context
    return context


def _install_on_cluster(request: Request, cluster_id: str, text: str) -> Command:
    packages = pip_install_packages(text)
    command = Command(secrets.token_hex(16), "", text)
    _contexts(request).record(command)
    root, contexts = request.app.state.config.root, _contexts(request)
    libraries = [{"pypi": {"package": package}} for package in packages]

    def install() -> None:
        command.status = "Running"
        try:
            output = install_on_cluster(root, cluster_id, libraries)
        except Exception as exc:
            summary = f"LIBRARY_INSTALLATION_ERROR: {exc}"
            command.finish("Finished", {"resultType": "error", "summary": summary, "cause": str(exc)})
            return
        stale = request.app.state.default_contexts.pop(cluster_id, None)
        if stale is not None:
            with contextlib.suppress(DatabricksError):
                contexts.destroy(cluster_id, stale.id)
        command.finish("Finished", text_result(output.strip() or "Installed " + " ".join(packages)))

    threading.Thread(target=install, name=f"cluster-pip-{cluster_id}", daemon=True).start()
    return command


def local_pip_paths(text: str, paths: WorkspacePaths) -> str:
    """`%pip` lines with `/dbfs/...`, `dbfs:/...`, `/Workspace/...` and `/Volumes/...` paths made local."""
    if not text.lstrip().startswith("%pip"):
        return text
    lines = []
    for line in text.splitlines():
        if not line.strip().startswith("%pip"):
            lines.append(line)
            continue
        words = _split(line)
        lines.append(shlex.join(str(paths.resolve(w)) if w.startswith(MAPPED_PREFIXES) else w for w in words))
    return "\n".join(lines)


def pip_install_packages(text: str) -> list[str]:
    """The package specs of `%pip install ...` lines run without a context (cluster-wide)."""
    packages: list[str] = []
    for line in filter(None, (raw.strip() for raw in text.strip().splitlines())):
        words = _split(line)
        if words[:2] != ["%pip", "install"]:
            raise invalid_parameter(f"Without a contextId only '%pip install' lines can be mixed: {line!r}")
        flags = [w for w in words[2:] if w.startswith("-")]
        unknown = [flag for flag in flags if flag not in HARMLESS_PIP_FLAGS]
        if unknown:
            raise invalid_parameter(f"pip options {unknown} need an execution context (pass contextId)")
        packages.extend(w for w in words[2:] if not w.startswith("-"))
    if not packages:
        raise invalid_parameter("%pip install needs at least one package")
    return packages


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise invalid_parameter(f"Cannot parse the command line {line!r}: {exc}") from exc
