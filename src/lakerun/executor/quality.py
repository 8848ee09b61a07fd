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
from lakerun.engines.readers import ReadError
from lakerun.engines.sql import EngineError
from lakerun.executor.context import RunContext, utcnow
from lakerun.executor.scan import MAX_LISTED, NothingProcessedError, SourceScan, table_id
from lakerun.quality import QualityAssessment, TableProfile, assess, evaluate

LEVELS = ((90.0, "Excellent"), (80.0, "Good"), (70.0, "Fair"), (60.0, "Poor"))
"""Seed 000's quality levels: the first threshold the overall score reaches."""
RECOMMEND_BELOW = {"uniqueness": 90.0}
DEFAULT_RECOMMEND_BELOW = 85.0
GOOD_NEWS = "Data quality is good - maintain current standards"


def quality_level(score: float) -> str:
    """Seed 000's level name for an overall score in 0-100."""
    return next((name for threshold, name in LEVELS if score >= threshold), "Critical")


@dataclass
class DatasetQuality:
    """Scores of one dataset (0-100) and the assessment they came from."""

    overall_score: float
    dimensions: dict[str, float]
    assessment: QualityAssessment

    @property
    def level(self) -> str:
        """Excellent, Good, Fair, Poor or Critical."""
        return quality_level(self.overall_score)

    def recommendations(self) -> list[str]:
        """One recommendation per weak dimension, naming the anomalies that pulled it down."""
        return recommendations(self.dimensions, self.assessment)


def _percent(fraction: float) -> float:
    return round(100.0 * fraction, 2)


def assess_dataset(data: Any, name: str = "dataset") -> DatasetQuality:
    """Profile an Arrow table or dataset and score it on the six dimensions (0-100)."""
    engine = DuckDBEngine(threads=2)
    try:
        engine.register(name, data)
        result = assess(engine, name)
    finally:
        engine.close()
    return DatasetQuality(
        _percent(result.score), {k: _percent(v) for k, v in result.dimensions.items()}, result
    )


def recommendations(dimensions: dict[str, float], assessment: QualityAssessment) -> list[str]:
    """Advice for each dimension under its threshold; the good-news line when none is."""
    notes = []
    evidence = assessment.evidence["by_dimension"]
    for dimension, score in dimensions.items():
        if score >= RECOMMEND_BELOW.get(dimension, DEFAULT_RECOMMEND_BELOW):
            continue
        causes = "; ".join(evidence.get(dimension, [])[:3]) or "see the anomalies"
        notes.append(f"Improve {dimension} ({score:.1f}): {causes}")
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
            _store(ctx, dataset, quality)
            if len(per_dataset) < MAX_LISTED:
                per_dataset[dataset.name] = {
                    "overall_score": quality.overall_score,
                    "quality_metrics": quality.dimensions,
                }
            ctx.progress(0.5, f"assessed {dataset.name}")
        ctx.flush_staged()
        scan.require_something_read()
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
        "quality_level": quality_level(overall),
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


def _store(ctx: RunContext, dataset: Any, quality: DatasetQuality) -> None:
    evidence = {
        "quality_metrics": quality.dimensions,
        "recommendations": quality.recommendations(),
        "anomalies": [a.to_dict() for a in quality.assessment.anomalies[:50]],
    }
    row = {
        "table_id": table_id(ctx, dataset),
        "source_id": ctx.source_id,
        "table_name": dataset.name,
        "file_path": dataset.path,
        "file_format": str(dataset.format),
        "quality_score": quality.overall_score,
        "quality_level": quality.level,
        "quality_json": json.dumps(evidence, default=str),
        "quality_assessed_at": utcnow(),
    }
    ctx.stage("tables", [row], only=tuple(row))
