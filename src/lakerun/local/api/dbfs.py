"""Endpoints of the local workspace: the DBFS API (files under `root/dbfs`, `dbfs:/` paths), plus the Files API for `/Volumes`."""

from __future__ import annotations

import base64
import posixpath
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from lakerun.local.api import files
from lakerun.local.dbfs_streams import MAX_BLOCK_BYTES, UploadStreams, block_too_large
from lakerun.local.errors import DatabricksError, already_exists, does_not_exist, invalid_parameter
from lakerun.local.file_ops import (
    decode_base64,
    make_dirs,
    mtime_ms,
    params_and_upload,
    remove,
    write_atomically,
)
from lakerun.local.params import as_bool, as_int, request_params, required, required_int
from lakerun.local.paths import WorkspacePaths

router = APIRouter()
router.include_router(files.router)
DEFAULT_READ_BYTES = 512 * 1024
MAX_READ_BYTES = 1024 * 1024


def on_startup(app: FastAPI) -> None:
    """Creates the DBFS folder and the registry of streaming uploads."""
    app.state.paths.area("dbfs")
    app.state.dbfs_streams = UploadStreams(app.state.config.root / "tmp" / "dbfs-uploads")


def on_shutdown(app: FastAPI) -> None:
    """Discards uploads that were never closed."""
    app.state.dbfs_streams.close_all()


def _streams(request: Request) -> UploadStreams:
    streams: UploadStreams = request.app.state.dbfs_streams
    return streams


async def _target(request: Request) -> tuple[dict[str, Any], str, Path]:
    params = await request_params(request)
    shown, local = _locate(request, params, "path")
    return params, shown, local


def _locate(request: Request, params: dict[str, Any], field: str) -> tuple[str, Path]:
    raw = str(required(params, field))
    paths: WorkspacePaths = request.app.state.paths
    return dbfs_display(raw), paths.resolve_dbfs(raw)


def dbfs_display(path: str) -> str:
    """The canonical absolute DBFS path (`dbfs:/a/./b` and `/dbfs/a/b` both give `/a/b`)."""
    bare = path.removeprefix("dbfs:")
    if bare == "/dbfs" or bare.startswith("/dbfs/"):
        bare = bare[len("/dbfs") :]
    return posixpath.normpath("/" + bare.lstrip("/"))


@router.post("/dbfs/put")
async def put(request: Request) -> dict[str, Any]:
    """Writes a whole file from base64 `contents` (≤ 1 MB) or a multipart upload of any size."""
    params, upload = await params_and_upload(request, "contents", "file")
    shown, local = _locate(request, params, "path")
    if upload is None:
        upload = decode_base64(params.get("contents") or "", "contents")
        if len(upload) > MAX_BLOCK_BYTES:
            raise block_too_large(len(upload))
    _check_writable(local, shown, as_bool(params, "overwrite"))
    local.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(local, upload)
    return {}


@router.post("/dbfs/create")
async def create(request: Request) -> dict[str, Any]:
    """Opens a streaming upload and returns its handle."""
    params, shown, local = await _target(request)
    _check_writable(local, shown, as_bool(params, "overwrite"))
    return {"handle": _streams(request).open(local)}


@router.post("/dbfs/add-block")
async def add_block(request: Request) -> dict[str, Any]:
    """Appends a base64 block (≤ 1 MB) to an open upload."""
    params = await request_params(request)
    handle = required_int(params, "handle")
    _streams(request).append(handle, decode_base64(required(params, "data"), "data"))
    return {}


@router.post("/dbfs/close")
async def close(request: Request) -> dict[str, Any]:
    """Finishes an upload; the file appears at its path."""
    params = await request_params(request)
    _streams(request).close(required_int(params, "handle"))
    return {}


@router.get("/dbfs/get-status")
async def get_status(request: Request) -> dict[str, Any]:
    """Size, type and modification time of one path."""
    _, shown, local = await _target(request)
    return _file_info(shown, _existing(local, shown))


@router.get("/dbfs/list")
async def list_files(request: Request) -> dict[str, Any]:
    """The entries of a directory, or the file itself."""
    _, shown, local = await _target(request)
    _existing(local, shown)
    if not local.is_dir():
        return {"files": [_file_info(shown, local)]}
    base = shown.rstrip("/")
    entries = [_file_info(f"{base}/{entry.name}", entry) for entry in sorted(local.iterdir())]
    return {"files": entries} if entries else {}


@router.get("/dbfs/read")
async def read(request: Request) -> dict[str, Any]:
    """Up to 1 MB of a file from `offset`, base64-encoded."""
    params, shown, local = await _target(request)
    offset = as_int(params, "offset", 0) or 0
    length = as_int(params, "length", DEFAULT_READ_BYTES)
    if offset < 0 or length is None or length < 0:
        raise invalid_parameter("offset and length must not be negative")
    if length > MAX_READ_BYTES:
        raise DatabricksError(
            400, "MAX_READ_SIZE_EXCEEDED", f"Cannot read more than {MAX_READ_BYTES} bytes at once."
        )
    if _existing(local, shown).is_dir():
        raise invalid_parameter(f"Cannot read {shown}: it is a directory")
    with local.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(length or DEFAULT_READ_BYTES)
    return {"bytes_read": len(data), "data": base64.b64encode(data).decode("ascii")}


@router.post("/dbfs/mkdirs")
async def mkdirs(request: Request) -> dict[str, Any]:
    """Creates a directory and its parents (idempotent)."""
    _, shown, local = await _target(request)
    make_dirs(local, shown)
    return {}


@router.post("/dbfs/delete")
async def delete(request: Request) -> dict[str, Any]:
    """Deletes a file or directory; a non-empty directory needs `recursive` (IO_ERROR otherwise)."""
    params, shown, local = await _target(request)
    if shown == "/":
        raise invalid_parameter("The DBFS root cannot be deleted")
    if local.exists() or local.is_symlink():
        not_empty = DatabricksError(
            400, "IO_ERROR", f"Directory {shown} is not empty; set recursive to delete it."
        )
        remove(local, as_bool(params, "recursive"), not_empty)
    return {}


@router.post("/dbfs/move")
async def move(request: Request) -> dict[str, Any]:
    """Moves a file or directory within DBFS."""
    params = await request_params(request)
    source_shown, source = _locate(request, params, "source_path")
    target_shown, target = _locate(request, params, "destination_path")
    _existing(source, source_shown)
    if target.exists():
        raise already_exists(f"A file or directory already exists at the destination {target_shown}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source.replace(target)
    return {}


def _existing(local: Path, shown: str) -> Path:
    if not local.exists():
        raise does_not_exist(f"No file or directory exists on path {shown}.")
    return local


def _check_writable(local: Path, shown: str, overwrite: bool) -> None:
    if local.is_dir():
        raise already_exists(f"A directory already exists at {shown}.")
    if local.exists() and not overwrite:
        raise already_exists(f"A file or directory already exists at the input path {shown}.")


def _file_info(shown: str, local: Path) -> dict[str, Any]:
    is_dir = local.is_dir()
    return {
        "path": shown,
        "is_dir": is_dir,
        "file_size": 0 if is_dir else local.stat().st_size,
        "modification_time": mtime_ms(local),
    }
