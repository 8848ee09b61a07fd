"""Session fixtures that start real object stores on loopback: moto_server (S3) and Azurite (Azure Blob).

Each is skipped with a reason when its program is missing or does not start.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / ".lakerun" / "tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


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
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    process = subprocess.Popen(
        [str(program), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait_for_port(port, process):
        _stop(process)
        pytest.skip("moto_server did not start")
    yield S3Server(f"http://127.0.0.1:{port}")
    _stop(process)


@pytest.fixture(scope="session")
def azurite() -> Iterator[AzureServer]:
    from lakerun.local.server import free_port

    if not AZURITE.exists() or not shutil.which("node"):
        pytest.skip("Azurite is not installed: run ./scripts/install-test-tools.sh")
    port = free_port()
    location = tempfile.mkdtemp(prefix="lakerun-azurite-")
    process = subprocess.Popen(
        [str(AZURITE), "--skipApiVersionCheck", "--loose", "--location", location, "--blobPort", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait_for_port(port, process):
        _stop(process)
        pytest.skip("Azurite did not start")
    yield AzureServer(f"http://127.0.0.1:{port}/devstoreaccount1")
    _stop(process)
    shutil.rmtree(location, ignore_errors=True)
