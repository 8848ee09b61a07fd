"""`lakerun profile` on what the executor reads too: object stores (moto_server), dbfs:/ paths and Excel."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from lakerun.cli.main import app
from tests.executor import sample_data
from tests.executor.cloud_servers import S3Server, moto_s3

__all__ = ["moto_s3"]

runner = CliRunner()
TABLE = pa.table({"name": [" Ann", "Bob", "", "Cy", "Bob"], "amount": [1.5, 2.0, None, -4.0, 2.0]})


def _profile(target: str, env: dict[str, str] | None = None) -> dict:
    result = runner.invoke(app, ["profile", target, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _s3(server: S3Server):
    import s3fs

    return s3fs.S3FileSystem(key="testing", secret="testing", client_kwargs={"endpoint_url": server.endpoint})


def test_profile_a_parquet_file_in_s3(tmp_path: Path, moto_s3: S3Server) -> None:
    fs = _s3(moto_s3)
    fs.mkdir("profile-s3")
    pq.write_table(TABLE, tmp_path / "people.parquet")
    fs.put_file(str(tmp_path / "people.parquet"), "profile-s3/people/part-0.parquet")
    fs.put_file(str(tmp_path / "people.parquet"), "profile-s3/people/part-1.parquet")
    profile = _profile("s3://profile-s3/people/", moto_s3.env)["profiles"][0]
    assert profile["record_ct"] == 10
    name = next(c for c in profile["columns"] if c["column_name"] == "name")
    assert name["metrics"]["lead_space_ct"] == 2 and name["metrics"]["zero_length_ct"] == 2


def test_a_location_with_several_datasets_is_named_not_guessed(tmp_path: Path, moto_s3: S3Server) -> None:
    fs = _s3(moto_s3)
    fs.mkdir("profile-many")
    pq.write_table(TABLE, tmp_path / "a.parquet")
    fs.put_file(str(tmp_path / "a.parquet"), "profile-many/a.parquet")
    fs.put_file(str(tmp_path / "a.parquet"), "profile-many/b.parquet")
    result = runner.invoke(app, ["profile", "s3://profile-many/"], env=moto_s3.env)
    assert result.exit_code == 2
    assert "holds 2 datasets (a.parquet, b.parquet)" in result.output


def test_profile_a_dbfs_path_of_the_local_workspace(tmp_path: Path) -> None:
    (tmp_path / "dbfs" / "raw").mkdir(parents=True)
    pq.write_table(TABLE, tmp_path / "dbfs" / "raw" / "people.parquet")
    data = _profile("dbfs:/raw/people.parquet", {"LAKERUN_DBFS_ROOT": str(tmp_path / "dbfs")})
    assert data["profiles"][0]["record_ct"] == 5


def test_profile_an_excel_sheet_with_real_types(tmp_path: Path) -> None:
    path = sample_data.write_xlsx(tmp_path / "orders.xlsx")
    profile = _profile(str(path))["profiles"][0]
    assert profile["record_ct"] > 0
    assert {c["general_type"] for c in profile["columns"]} - {"A"}, "xlsx numbers and dates keep their types"


def test_a_missing_object_is_a_clear_error(moto_s3: S3Server) -> None:
    _s3(moto_s3).mkdir("profile-empty")
    result = runner.invoke(app, ["profile", "s3://profile-empty/nothing.parquet"], env=moto_s3.env)
    assert result.exit_code == 2 and "does not exist" in result.output


def test_profile_a_hive_partitioned_folder_keeps_the_partition_column(tmp_path: Path) -> None:
    for region in ("eu", "us"):
        (tmp_path / "sales" / f"region={region}").mkdir(parents=True)
        pq.write_table(TABLE, tmp_path / "sales" / f"region={region}" / "part-0.parquet")
    (tmp_path / "sales" / "_SUCCESS").write_text("")
    (tmp_path / "sales" / "notes.txt").write_text("not data")
    profile = _profile(str(tmp_path / "sales"))["profiles"][0]
    assert profile["record_ct"] == 10
    region = next(c for c in profile["columns"] if c["column_name"] == "region")
    assert region["metrics"]["distinct_value_ct"] == 2
