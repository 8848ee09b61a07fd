"""Endpoints of the local workspace: the Files API for `/Volumes/...` paths (`/api/2.0/fs/...`).

The SDK's `w.dbfs.upload/download/list` send `/Volumes` paths here, as does `w.files`. Files live
under `root/volumes`; the routes are mounted through the DBFS router, which serves the same kind
of thing for `dbfs:/`.
"""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from lakerun.local.errors import DatabricksError, already_exists, invalid_parameter
from lakerun.local.file_ops import make_dirs, mtime_ms, write_atomically
from lakerun.local.params import as_bool, as_int
from lakerun.local.paths import WorkspacePaths

router = APIRouter()
MAX_PAGE_SIZE = 1000


def not_found(message: str) -> DatabricksError:
    """404 NOT_FOUND, the Files API's code for a missing file or directory."""
    return DatabricksError(404, "NOT_FOUND", message)


def _volume_path(request: Request, path: str) -> Path:
    if not path.startswith("/Volumes/"):
        raise invalid_parameter(f"The Files API serves /Volumes/... paths only, got {path!r}")
    paths: WorkspacePaths = request.app.state.paths
    return paths.resolve(path)


@router.put("/fs/files{file_path:path}")
async def upload(request: Request, file_path: str) -> Response:
    """Writes a file from the raw request body; `overwrite=false` refuses an existing file."""
    local = _volume_path(request, file_path)
    if local.is_dir():
        raise already_exists(f"A directory exists at {file_path}")
    if local.exists() and not as_bool(dict(request.query_params), "overwrite", default=True):
        raise DatabricksError(409, "ALREADY_EXISTS", f"The file being created already exists: {file_path}")
    local.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(local, await request.body())
    return Response(status_code=204)


@router.get("/fs/files{file_path:path}")
async def download(request: Request, file_path: str) -> Response:
    """The file's bytes (Range requests honoured), with length, type and modification time headers."""
    local = _existing_file(request, file_path)
    return FileResponse(local, media_type="application/octet-stream")


@router.head("/fs/files{file_path:path}")
async def file_metadata(request: Request, file_path: str) -> Response:
    """The file's metadata as headers, without a body."""
    local = _existing_file(request, file_path)
    return Response(status_code=200, headers=_metadata_headers(local))


@router.delete("/fs/files{file_path:path}")
async def delete_file(request: Request, file_path: str) -> Response:
    """Deletes one file."""
    _existing_file(request, file_path).unlink()
    return Response(status_code=204)


@router.put("/fs/directories{directory_path:path}")
async def create_directory(request: Request, directory_path: str) -> Response:
    """Creates a directory and its parents (idempotent)."""
    make_dirs(_volume_path(request, directory_path), directory_path)
    return Response(status_code=204)


@router.head("/fs/directories{directory_path:path}")
async def directory_metadata(request: Request, directory_path: str) -> Response:
    """200 when the directory exists, 404 otherwise."""
    _existing_directory(request, directory_path)
    return Response(status_code=200)


@router.get("/fs/directories{directory_path:path}")
async def list_directory(request: Request, directory_path: str) -> dict[str, Any]:
    """One page (≤ 1000) of a directory's entries, sorted by name, with `next_page_token`."""
    local = _existing_directory(request, directory_path)
    params = dict(request.query_params)
    size = min(as_int(params, "page_size", MAX_PAGE_SIZE) or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    start = as_int(params, "page_token", 0) or 0
    entries = sorted(local.iterdir())
    base = directory_path.rstrip("/")
    body: dict[str, Any] = {"contents": [_entry(base, e) for e in entries[start : start + size]]}
    if start + size < len(entries):
        body["next_page_token"] = str(start + size)
    return body


@router.delete("/fs/directories{directory_path:path}")
async def delete_directory(request: Request, directory_path: str) -> Response:
    """Deletes an empty directory."""
    local = _existing_directory(request, directory_path)
    if any(local.iterdir()):
        raise DatabricksError(400, "DIRECTORY_NOT_EMPTY", f"Directory {directory_path} is not empty")
    local.rmdir()
    return Response(status_code=204)


def _existing_file(request: Request, path: str) -> Path:
    local = _volume_path(request, path)
    if not local.is_file():
        raise not_found(f"The file {path} does not exist")
    return local


def _existing_directory(request: Request, path: str) -> Path:
    local = _volume_path(request, path)
    if not local.is_dir():
        raise not_found(f"The directory {path} does not exist")
    return local


def _metadata_headers(local: Path) -> dict[str, str]:
    stat = local.stat()
    return {
        "content-length": str(stat.st_size),
        "content-type": "application/octet-stream",
        "last-modified": formatdate(stat.st_mtime, usegmt=True),
    }


def _entry(base: str, entry: Path) -> dict[str, Any]:
    is_dir = entry.is_dir()
    info: dict[str, Any] = {
        "path": f"{base}/{entry.name}" + ("/" if is_dir else ""),
        "name": entry.name,
        "is_directory": is_dir,
        "last_modified": mtime_ms(entry),
    }
    if not is_dir:
        info["file_size"] = entry.stat().st_size
    return info
