"""`quality_assessment`: six dimension scores, overall score, level and recommendations, from the data.

The scores come from `lakerun.quality` (one-pass profile, anomaly catalogue, TestGen-style scores;
formulas in docs/quality-scores.md). `assess_dataset` is the ONE function the executor calls; the
source-level score rolls all datasets' profiles up by data points, never by averaging averages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.engines.readers import DatasetInfo, ReadError
from lakerun.engines.sql import EngineError
from lakerun.executor.context import RunContext, utcnow
from lakerun.executor.extraction import column_rows, source_row, table_row
from lakerun.executor.scan import MAX_LISTED, NothingProcessedError, SourceScan
from lakerun.quality import QualityAssessment, TableProfile, assess, evaluate

LEVELS = ((90.0, "Excellent"), (80.0, "Good"), (70.0, "Fair"), (60.0, "Poor"))
"""Seed 000's quality levels: the first threshold the overall score reaches."""
EMPTY_LEVEL = "Empty"
"""The level of data with no rows: nothing was measured, so it is neither good nor bad."""
RECOMMEND_BELOW = {"uniqueness": 90.0}
DEFAULT_RECOMMEND_BELOW = 85.0
GOOD_NEWS = "Data quality is good - maintain current standards"
EMPTY_NEWS = "The data has no rows: load it before its quality can be assessed"


def quality_level(score: float, records: float | None = None) -> str:
    """Seed 000's level name for an overall score in 0-100; `Empty` when there were no records."""
    if records == 0:
        return EMPTY_LEVEL
    return next((name for threshold, name in LEVELS if score >= threshold), "Critical")


@dataclass
class DatasetQuality:
    """Scores of one dataset (0-100) and the assessment they came from."""

    overall_score: float
    dimensions: dict[str, float]
    assessment: QualityAssessment

    @property
    def level(self) -> str:
        """Excellent, Good, Fair, Poor, Critical, or Empty for a dataset with no rows."""
        return quality_level(self.overall_score, self.assessment.total_data_points)

    def recommendations(self) -> list[str]:
        """One recommendation per weak dimension, naming the anomalies that pulled it down."""
        return recommendations(self.dimensions, self.assessment)


def _percent(fraction: float) -> float:
    return round(100.0 * fraction, 2)


def assess_dataset(data: Any, name: str = "dataset") -> DatasetQuality:
    """Profile an Arrow table or dataset and score it on the six dimensions (0-100)."""
    engine = DuckDBEngine(threads=2)
    try:
        if isinstance(data, pa.Table):
            engine.copy_in(name, data)
        else:
            engine.register(name, data)
        result = assess(engine, name)
    finally:
        engine.close()
    return DatasetQuality(
        _percent(result.score), {k: _percent(v) for k, v in result.dimensions.items()}, result
    )


def recommendations(dimensions: dict[str, float], assessment: QualityAssessment) -> list[str]:
    """Advice that agrees with the level: each dimension under its threshold with the anomalies behind
    it; below Excellent, at least the weakest dimension that has evidence; the good-news line only for
    Excellent data."""
    if not assessment.total_data_points:
        return [EMPTY_NEWS]
    evidence = assessment.evidence["by_dimension"]
    weak = [d for d, score in dimensions.items() if score < RECOMMEND_BELOW.get(d, DEFAULT_RECOMMEND_BELOW)]
    level = quality_level(_percent(assessment.score))
    if not weak and level != "Excellent":
        with_evidence = [d for d in dimensions if evidence.get(d)]
        weak = sorted(with_evidence, key=lambda d: dimensions[d])[:1]
    notes = [
        f"Improve {d} ({dimensions[d]:.1f}): {'; '.join(evidence.get(d, [])[:3]) or 'see the anomalies'}"
        for d in weak
    ]
    return notes or [GOOD_NEWS]


def _sample(scan: SourceScan, dataset: Any, info: Any, rows: int) -> pa.Table:
    batches = list(scan.reader.iter_batches(dataset, info, limit=rows or None))
    return pa.Table.from_batches(batches, schema=batches[0].schema) if batches else info.schema.empty_table()


def run_quality_assessment(ctx: RunContext) -> dict[str, Any]:
    """Score every readable dataset, store per-table scores, and roll them up for the source."""
    scan = SourceScan(ctx)
    profiles: list[TableProfile] = []
    per_dataset: dict[str, Any] = {}
    assessed = skipped = 0
    try:
        for dataset, info, _error in scan:
            if info is None:
                continue
            if assessed >= ctx.settings.quality_max_datasets:
                skipped += 1
                continue
            assessed += 1
            quality = _assess(ctx, scan, dataset, info)
            if quality is None:
                continue
            profiles.extend(quality.assessment.profiles)
            _store(ctx, dataset, info, quality)
            if len(per_dataset) < MAX_LISTED:
                per_dataset[dataset.name] = {
                    "overall_score": quality.overall_score,
                    "quality_metrics": quality.dimensions,
                }
            ctx.progress(0.5, f"assessed {dataset.name}")
        ctx.flush_staged()
        scan.require_something_read()
        ctx.store.upsert("sources", [source_row(ctx, scan)])
    finally:
        scan.close()
    if not profiles:
        raise NothingProcessedError(f"no dataset under {ctx.settings.source_path} could be assessed")
    if skipped:
        ctx.log(
            "WARNING",
            f"{skipped} dataset(s) not assessed: --quality-max-datasets={ctx.settings.quality_max_datasets}",
        )
    group = evaluate(profiles)
    overall = _percent(group.score)
    dimensions = {k: _percent(v) for k, v in group.dimensions.items()}
    return {
        "source_path": ctx.settings.source_path,
        "overall_score": overall,
        "quality_level": quality_level(overall, group.total_data_points),
        "quality_metrics": dimensions,
        "recommendations": recommendations(dimensions, group),
        "rows_assessed_per_dataset": ctx.settings.quality_rows or "all",
        "datasets_assessed": len(profiles),
        "datasets_not_assessed": skipped,
        "datasets": per_dataset,
        "anomaly_count": len(group.anomalies),
        **scan.tally.as_result(),
    }


def _assess(ctx: RunContext, scan: SourceScan, dataset: Any, info: Any) -> DatasetQuality | None:
    """Scores of one dataset, or None (a per-dataset error) when its rows cannot be read or profiled."""
    try:
        return assess_dataset(
            _sample(scan, dataset, info, ctx.settings.quality_rows), _view_name(dataset.name)
        )
    except (ReadError, EngineError) as exc:
        scan.tally.error(dataset.path, f"quality assessment failed: {exc}")
        ctx.log("ERROR", f"{dataset.name}: quality assessment failed: {exc}", dataset.path)
        return None


def _view_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_") or "dataset"
    return cleaned if not cleaned[0].isdigit() else f"t_{cleaned}"


def _store(ctx: RunContext, dataset: Any, info: DatasetInfo, quality: DatasetQuality) -> None:
    """Complete `tables` and `columns` rows (what metadata extraction writes, plus the scores and, when
    every row was profiled, each column's null and distinct counts), so this job alone fills the store."""
    evidence = {
        "quality_metrics": quality.dimensions,
        "quality_level": quality.level,
        "recommendations": quality.recommendations(),
        "anomalies": [a.to_dict() for a in quality.assessment.anomalies[:50]],
    }
    row = table_row(ctx, dataset, info, None) | {
        "quality_score": quality.overall_score,
        "quality_level": quality.level,
        "quality_json": json.dumps(evidence, default=str),
        "quality_assessed_at": utcnow(),
    }
    ctx.stage("tables", [row], only=tuple(row))
    profile = quality.assessment.profiles[0]
    whole = profile.record_ct == info.row_count and profile.sample_ratio == 1.0
    by_name = {c.column_name: c for c in profile.columns}
    columns = column_rows(ctx, dataset, info)
    for column in columns:
        measured = by_name.get(column["column_name"])
        exact = measured is not None and whole and not measured.query_error
        column["null_count"] = int(measured.number("null_value_ct")) if exact and measured else None
        distinct_known = exact and measured is not None and measured.metrics.get("distinct_is_exact")
        column["distinct_count"] = (
            int(measured.number("distinct_value_ct")) if distinct_known and measured else None
        )
        column["is_primary_key"] = bool(
            measured is not None
            and measured.functional_data_type == "ID-Unique"
            and exact
            and measured.number("null_value_ct") == 0
        )
    if columns:
        ctx.stage("columns", columns, only=tuple(columns[0]))
