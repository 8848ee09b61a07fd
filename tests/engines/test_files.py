"""File sources: path mapping, recursive walks, include/exclude globs, file caps, missing paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.engines.cloud_options import delta_storage_options, fsspec_options, split_azure_url
from lakerun.engines.files import FileSource, Filters, SourceError
from lakerun.engines.formats import Dataset, Discovery, formats_for
from tests.executor import sample_data


def _names(root: Path, filters: Filters) -> list[str]:
    source = FileSource.open_url(str(root))
    return sorted(d.name for d in Discovery(source, filters) if isinstance(d, Dataset))


def test_recursive_walk_with_globs(tmp_path: Path) -> None:
    for name in ("a.csv", "deep/b.csv", "deep/deeper/c.parquet", "tmp/d.csv"):
        if name.endswith(".csv"):
            sample_data.write_csv(tmp_path / name)
        else:
            sample_data.write_parquet(tmp_path / name)
    assert _names(tmp_path, Filters()) == ["a.csv", "deep/b.csv", "deep/deeper/c.parquet", "tmp/d.csv"]
    assert _names(tmp_path, Filters(include=["*.csv"], exclude=["tmp/*"])) == ["a.csv", "deep/b.csv"]


def test_max_files_truncates_the_walk(tmp_path: Path) -> None:
    for index in range(5):
        sample_data.write_csv(tmp_path / f"f{index}.csv")
    discovery = Discovery(FileSource.open_url(str(tmp_path)), Filters(max_files=3))
    assert len([d for d in discovery if isinstance(d, Dataset)]) == 3
    assert discovery.truncated


def test_a_single_file_is_one_dataset(tmp_path: Path) -> None:
    path = sample_data.write_parquet(tmp_path / "one.parquet")
    [dataset] = list(Discovery(FileSource.open_url(str(path))))
    assert isinstance(dataset, Dataset) and dataset.name == "one.parquet" and dataset.size_bytes > 0


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    source = FileSource.open_url(str(tmp_path / "nope"))
    with pytest.raises(SourceError, match="does not exist"):
        source.check_exists()


def test_workspace_paths_map_into_the_workspace_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKERUN_DBFS_ROOT", str(tmp_path / "dbfs"))
    monkeypatch.setenv("LAKERUN_VOLUMES_ROOT", str(tmp_path / "volumes"))
    sample_data.write_csv(tmp_path / "dbfs" / "mnt" / "raw" / "a.csv")
    sample_data.write_csv(tmp_path / "volumes" / "main" / "default" / "v" / "b.csv")
    for url, expected in (
        ("dbfs:/mnt/raw", "a.csv"),
        ("/dbfs/mnt/raw", "a.csv"),
        ("/Volumes/main/default/v", "b.csv"),
    ):
        source = FileSource.open_url(url)
        source.check_exists()
        assert [d.name for d in Discovery(source) if isinstance(d, Dataset)] == [expected]


def test_cloud_options_come_from_the_environment() -> None:
    env = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AZURE_STORAGE_CONNECTION_STRING": "AccountName=acct;AccountKey=k3y;BlobEndpoint=http://127.0.0.1:8/acct",
    }
    assert fsspec_options("s3", "s3://b/k", env) == {"client_kwargs": {"endpoint_url": "http://127.0.0.1:9"}}
    assert delta_storage_options("s3://b/k", env)["AWS_ALLOW_HTTP"] == "true"
    azure = delta_storage_options("az://c/p", env)
    assert azure["account_name"] == "acct" and azure["endpoint"] == "http://127.0.0.1:8/acct"
    assert split_azure_url("abfss://box@acct.dfs.core.windows.net/raw/x") == ("box", "acct", "raw/x")


def test_source_types_of_the_seed() -> None:
    assert formats_for("azure_blob") is None
    assert formats_for("CSV") is not None
    with pytest.raises(ValueError, match="unknown source_type"):
        formats_for("mainframe")


def test_azure_account_from_the_url_reaches_adlfs_and_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", "a2V5")
    source = FileSource.open_url("abfss://lake@acct.dfs.core.windows.net/raw")
    assert source.fs.account_name == "acct"
    assert source.root == "lake/raw"
    delta_url = source.uri("lake/raw/t")
    assert delta_url == "abfss://lake@acct.dfs.core.windows.net/raw/t"
    assert delta_storage_options(delta_url)["account_name"] == "acct"
