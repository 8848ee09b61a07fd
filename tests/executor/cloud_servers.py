"""Session fixtures that start real object stores on loopback: moto_server (S3) and Azurite (Azure Blob).

Each is skipped with a reason when its program is missing or does not start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.components import unavailable
from tests.support.eventually import eventually

TOOLS = Path(os.environ.get("LAKERUN_TOOLS") or Path.home() / ".cache" / "lakerun" / "tools")
AZURITE = TOOLS / "azurite" / "node_modules" / ".bin" / "azurite-blob"
"""Where `make tools` installs Azurite: one per-user folder every checkout shares."""
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 60.0) -> bool:
    """Whether the server listens on `port` before it exits or `seconds` pass."""

    def listening_or_gone() -> bool:
        with socket.socket() as sock:
            return process.poll() is not None or sock.connect_ex(("127.0.0.1", port)) == 0

    with contextlib.suppress(AssertionError):
        eventually(listening_or_gone, timeout=seconds, interval=0.1, what=f"port {port}")
    return process.poll() is None and _listening(port)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass(frozen=True)
class S3Server:
    """A moto S3 endpoint and the environment a client needs to use it."""

    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }


@dataclass(frozen=True)
class AzureServer:
    """An Azurite blob endpoint and its connection string."""

    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        connection = (
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={self.endpoint};"
        )
        return {"AZURE_STORAGE_CONNECTION_STRING": connection}


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[S3Server]:
    from lakerun.local.server import free_port

    program = Path(sys.executable).with_name("moto_server")
    if not program.exists():
        unavailable("cloud", "moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    process = subprocess.Popen(
        [str(program), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait_for_port(port, process):
        _stop(process)
        unavailable("cloud", "moto_server did not start")
    yield S3Server(f"http://127.0.0.1:{port}")
    _stop(process)


@pytest.fixture(scope="session")
def azurite() -> Iterator[AzureServer]:
    from lakerun.local.server import free_port

    if not AZURITE.exists() or not shutil.which("node"):
        unavailable("cloud", "Azurite is not installed: run make tools (needs node and npm)")
    port = free_port()
    location = tempfile.mkdtemp(prefix="lakerun-azurite-")
    process = subprocess.Popen(
        [str(AZURITE), "--skipApiVersionCheck", "--loose", "--location", location, "--blobPort", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait_for_port(port, process):
        _stop(process)
        unavailable("cloud", "Azurite did not start")
    yield AzureServer(f"http://127.0.0.1:{port}/devstoreaccount1")
    _stop(process)
    shutil.rmtree(location, ignore_errors=True)
