"""Workspace metadata apps read through the official SDK: the current user, runtimes and node types,
workspace-conf and job permissions."""

from __future__ import annotations

import pytest
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service import jobs

from tests.local.conftest import python_task


def test_current_user_is_the_owner_of_jobs_and_runs(ws_client, script) -> None:
    me = ws_client.current_user.me()
    assert me.user_name and me.active and me.id
    assert any(group.display == "admins" for group in me.groups or [])
    job_id = ws_client.jobs.create(name="mine", tasks=[python_task("t", script("ok.py", ""))]).job_id
    assert ws_client.jobs.get(job_id).creator_user_name == me.user_name


def test_spark_version_and_node_type_selectors(ws_client) -> None:
    assert ws_client.clusters.select_spark_version(latest=True, long_term_support=True) == "16.4.x-scala2.12"
    assert ws_client.clusters.select_spark_version(latest=True, scala="2.13") == "17.3.x-scala2.13"
    assert ws_client.clusters.select_node_type(local_disk=True, min_memory_gb=1) == "local"
    node = ws_client.clusters.list_node_types().node_types[0]
    assert node.num_cores >= 1 and node.memory_mb > 0


def test_workspace_conf_round_trip(ws_client) -> None:
    assert ws_client.workspace_conf.get_status(keys="enableIpAccessLists") == {"enableIpAccessLists": None}
    ws_client.workspace_conf.set_status({"enableIpAccessLists": "true", "maxTokenLifetimeDays": "90"})
    status = ws_client.workspace_conf.get_status(keys="enableIpAccessLists,maxTokenLifetimeDays")
    assert status == {"enableIpAccessLists": "true", "maxTokenLifetimeDays": "90"}


def test_job_permissions_get_set_update(ws_client, script) -> None:
    job_id = ws_client.jobs.create(name="shared", tasks=[python_task("t", script("ok.py", ""))]).job_id
    owner = ws_client.current_user.me().user_name
    acl = ws_client.jobs.get_permissions(str(job_id))
    assert acl.object_id == f"/jobs/{job_id}"
    owners = [
        e.user_name
        for e in acl.access_control_list
        if e.all_permissions[0].permission_level.value == "IS_OWNER"
    ]
    assert owners == [owner]

    viewers = [
        jobs.JobAccessControlRequest(group_name="analysts", permission_level=jobs.JobPermissionLevel.CAN_VIEW)
    ]
    ws_client.jobs.set_permissions(str(job_id), access_control_list=viewers)
    runner = jobs.JobAccessControlRequest(
        service_principal_name="etl-sp", permission_level=jobs.JobPermissionLevel.CAN_MANAGE_RUN
    )
    updated = ws_client.jobs.update_permissions(str(job_id), access_control_list=[runner])
    levels = {
        (e.group_name or e.service_principal_name or e.user_name): e.all_permissions[0].permission_level.value
        for e in updated.access_control_list
    }
    assert levels == {
        owner: "IS_OWNER",
        "admins": "CAN_MANAGE",
        "analysts": "CAN_VIEW",
        "etl-sp": "CAN_MANAGE_RUN",
    }
    replaced = ws_client.jobs.set_permissions(str(job_id), access_control_list=[])
    assert len(replaced.access_control_list) == 2
    assert {
        level.permission_level.value
        for level in ws_client.jobs.get_permission_levels(str(job_id)).permission_levels
    } >= {"CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER"}

    with pytest.raises(InvalidParameterValue, match="permission level"):
        ws_client.api_client.do(
            "PATCH",
            f"/api/2.0/permissions/jobs/{job_id}",
            body={"access_control_list": [{"user_name": "x", "permission_level": "CAN_FLY"}]},
        )
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        ws_client.jobs.get_permissions("987654")
