"""The runtimes and node types the local workspace lists, in the shapes the SDK's selectors read."""

from __future__ import annotations

import os
from typing import Any

LOCAL_NODE_TYPE = "local"

# Databricks runtime keys and names (the SDK's `select_spark_version` reads "LTS" and "Apache Spark x"
# from the name, the Scala version from the key).
DATABRICKS_RUNTIMES: tuple[tuple[str, str], ...] = (
    ("13.3.x-scala2.12", "13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)"),
    ("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("16.3.x-scala2.12", "16.3 (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("16.4.x-scala2.13", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)"),
    ("17.3.x-scala2.13", "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)"),
)


def local_node_type() -> dict[str, Any]:
    """This machine as a node type: its cores and memory, no GPU."""
    cores = os.cpu_count() or 1
    memory_mb = _memory_mb()
    return {
        "node_type_id": LOCAL_NODE_TYPE,
        "instance_type_id": LOCAL_NODE_TYPE,
        "description": f"This machine ({cores} cores, {memory_mb // 1024} GB)",
        "category": "General Purpose",
        "num_cores": float(cores),
        "memory_mb": memory_mb,
        "num_gpus": 0,
        "is_deprecated": False,
        "is_hidden": False,
        "photon_driver_capable": False,
        "photon_worker_capable": False,
        "support_port_forwarding": True,
        "node_instance_type": {
            "instance_type_id": LOCAL_NODE_TYPE,
            "local_disks": 1,
            "local_disk_size_gb": 0,
            "local_nvme_disks": 0,
            "local_nvme_disk_size_gb": 0,
        },
    }


def _memory_mb() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024))
    except (ValueError, OSError, AttributeError):
        return 4096
