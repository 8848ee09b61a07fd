"""Endpoints of the local workspace: the Workspace API (notebooks, files and folders under `/`)."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from lakerun.local.errors import DatabricksError, already_exists, does_not_exist, invalid_parameter
from lakerun.local.file_ops import (
    decode_base64,
    make_dirs,
    mtime_ms,
    params_and_upload,
    remove,
    write_atomically,
)
from lakerun.local.notebook_formats import export_notebook
from lakerun.local.params import as_bool, request_params, required
from lakerun.local.paths import WorkspacePaths
from lakerun.local.workspace_tree import (
    JUPYTER_SUFFIX,
    LANGUAGES,
    WorkspaceObject,
    children,
    display_path,
    find_object,
    language_of_source,
    require_object,
    with_header,
)

router = APIRouter()
MAX_IMPORT_BYTES = 10 * 1024 * 1024
UNSUPPORTED_FORMATS = ("HTML", "DBC", "R_MARKDOWN")


def on_startup(app: FastAPI) -> None:
    """Creates the workspace folder so `/` lists from the first call."""
    app.state.paths.area("workspace")


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release: objects are plain files."""


def _paths(request: Request) -> WorkspacePaths:
    paths: WorkspacePaths = request.app.state.paths
    return paths


@router.post("/workspace/import")
async def import_object(request: Request) -> dict[str, Any]:
    """Imports a notebook (SOURCE, JUPYTER, AUTO) or a file (AUTO, RAW) from base64 or multipart content."""
    params, upload = await params_and_upload(request, "content", "file")
    path = display_path(str(required(params, "path")))
    content = upload if upload is not None else decode_base64(params.get("content") or "", "content")
    if len(content) > MAX_IMPORT_BYTES:
        raise DatabricksError(
            400,
            "MAX_NOTEBOOK_SIZE_EXCEEDED",
            f"File size imported is ({len(content)} bytes), exceeded max size (10485760 bytes)",
        )
    fmt = str(params.get("format") or "SOURCE").upper()
    object_path, suffix, stored = _plan_import(path, fmt, params.get("language"), content)
    paths = _paths(request)
    local = paths.resolve_workspace(object_path)
    _check_target(paths, object_path, as_bool(params, "overwrite"))
    if not local.parent.is_dir():
        raise does_not_exist(
            f"The parent folder ({display_path(str(object_path).rsplit('/', 1)[0] or '/')}) does not exist."
        )
    write_atomically(local.with_name(local.name + suffix), stored)
    return {}


@router.get("/workspace/export")
async def export_object(request: Request) -> Response:
    """Exports a notebook or file as base64 JSON, or as the raw bytes with `direct_download=true`."""
    params = await request_params(request)
    found = require_object(_paths(request), str(required(params, "path")))
    fmt = str(params.get("format") or "SOURCE").upper()
    if found.object_type == "DIRECTORY":
        raise invalid_parameter(f"Exporting the folder {found.path} is not supported by the local workspace")
    if found.object_type == "NOTEBOOK":
        content, file_type = export_notebook(found.local, found.language or "PYTHON", fmt)
    else:
        content, file_type = found.local.read_bytes(), found.local.suffix.lstrip(".")
    if as_bool(params, "direct_download"):
        return Response(content, media_type="application/octet-stream")
    body = {"content": base64.b64encode(content).decode("ascii"), "file_type": file_type}
    return Response(json.dumps(body), media_type="application/json")


@router.get("/workspace/get-status")
async def get_status(request: Request) -> dict[str, Any]:
    """The type, language, id and times of one object."""
    params = await request_params(request)
    return _describe(require_object(_paths(request), str(required(params, "path"))))


@router.get("/workspace/list")
async def list_objects(request: Request) -> dict[str, Any]:
    """The objects inside a folder (or the object itself when it is not a folder)."""
    params = await request_params(request)
    paths = _paths(request)
    found = require_object(paths, str(required(params, "path")))
    objects = children(paths, found) if found.object_type == "DIRECTORY" else [found]
    return {"objects": [_describe(obj) for obj in objects]} if objects else {}


@router.post("/workspace/mkdirs")
async def mkdirs(request: Request) -> dict[str, Any]:
    """Creates a folder and its parents; an object in the way is RESOURCE_ALREADY_EXISTS."""
    params = await request_params(request)
    path = display_path(str(required(params, "path")))
    paths = _paths(request)
    existing = find_object(paths, path)
    if existing is not None and existing.object_type != "DIRECTORY":
        raise already_exists(f"Cannot create directory {path}: a {existing.object_type.lower()} exists there")
    make_dirs(paths.resolve_workspace(path), path)
    return {}


@router.post("/workspace/delete")
async def delete(request: Request) -> dict[str, Any]:
    """Deletes an object; a non-empty folder needs `recursive` (DIRECTORY_NOT_EMPTY otherwise)."""
    params = await request_params(request)
    paths = _paths(request)
    found = require_object(paths, str(required(params, "path")))
    if found.path == "/":
        raise invalid_parameter("The workspace root cannot be deleted")
    not_empty = DatabricksError(400, "DIRECTORY_NOT_EMPTY", f"Folder ({found.path}) is not empty.")
    remove(found.local, as_bool(params, "recursive"), not_empty)
    return {}


def _plan_import(path: str, fmt: str, language: Any, content: bytes) -> tuple[str, str, bytes]:
    """(object path, suffix added to its file name, bytes to store) for one import request."""
    if fmt in UNSUPPORTED_FORMATS:
        raise invalid_parameter(
            f"Import format {fmt} is not supported by the local workspace; use SOURCE, JUPYTER, AUTO or RAW"
        )
    if fmt == "SOURCE":
        lang = str(language or "").upper()
        if lang not in LANGUAGES:
            raise invalid_parameter(
                "To import a single file as SOURCE, language must be one of PYTHON, SQL, SCALA, R"
            )
        return path, LANGUAGES[lang][0], with_header(content, lang)
    if fmt == "JUPYTER" or (fmt == "AUTO" and path.endswith(JUPYTER_SUFFIX)):
        _check_jupyter(content)
        return path.removesuffix(JUPYTER_SUFFIX), JUPYTER_SUFFIX, content
    if fmt == "AUTO":
        stem, dot, extension = path.rpartition(".")
        if dot and "/" not in extension and language_of_source(content, "." + extension):
            return stem, "." + extension, content
        return path, "", content
    if fmt == "RAW":
        return path, "", content
    raise invalid_parameter(f"Unknown import format: {fmt}")


def _check_target(paths: WorkspacePaths, object_path: str, overwrite: bool) -> None:
    existing = find_object(paths, object_path)
    if existing is None:
        return
    if existing.object_type == "DIRECTORY" or not overwrite:
        raise already_exists(f"Path ({object_path}) already exists.")
    existing.local.unlink()


def _check_jupyter(content: bytes) -> None:
    try:
        document = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise invalid_parameter(f"The content is not a Jupyter notebook: {exc}") from exc
    if not isinstance(document, dict) or "cells" not in document:
        raise invalid_parameter("The content is not a Jupyter notebook: no cells")


def _describe(obj: WorkspaceObject) -> dict[str, Any]:
    stat = obj.local.stat()
    info: dict[str, Any] = {
        "object_type": obj.object_type,
        "path": obj.path,
        "object_id": stat.st_ino,
        "resource_id": str(stat.st_ino),
        "created_at": int(stat.st_ctime * 1000),
        "modified_at": mtime_ms(obj.local),
    }
    if obj.language:
        info["language"] = obj.language
    if obj.object_type == "FILE":
        info["size"] = stat.st_size
    return info
