"""Charts drawn on the server: value-share bars, a numeric column's quantile strip, a score line as SVG points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

QUANTILES = (
    ("min", "min_value"),
    ("p25", "percentile_25"),
    ("median", "percentile_50"),
    ("p75", "percentile_75"),
    ("p95", "percentile_95"),
    ("max", "max_value"),
)


@dataclass(frozen=True)
class Bar:
    """One value and its share of the rows, for a horizontal bar."""

    label: str
    count: int
    percent: float


def share_bars(pairs: Sequence[tuple[str, int] | list[object]], total: float) -> list[Bar]:
    """Bars for (value, count) pairs as shares of `total` rows (top values, patterns)."""
    bars = []
    for label, count in pairs:
        number = int(count) if isinstance(count, int | float | str) else 0
        bars.append(Bar(str(label), number, round(100.0 * number / total, 1) if total else 0.0))
    return bars


@dataclass(frozen=True)
class Mark:
    """A labelled point on a 0-100 axis."""

    label: str
    value: float
    position: float


def quantile_strip(metrics: Mapping[str, object]) -> list[Mark]:
    """Min, quartiles, p95 and max of a numeric column placed on one axis; empty when not measured."""
    values = [(label, metrics.get(key)) for label, key in QUANTILES]
    known = [(label, float(v)) for label, v in values if isinstance(v, int | float)]
    if len(known) < 2:
        return []
    low, high = min(v for _, v in known), max(v for _, v in known)
    span = (high - low) or 1.0
    return [Mark(label, value, round(100.0 * (value - low) / span, 2)) for label, value in known]


@dataclass(frozen=True)
class LineChart:
    """An SVG polyline of scores (0-1) over runs, with a dot per run."""

    width: int
    height: int
    points: str
    dots: list[tuple[float, float, str, float]]


def score_line(
    series: Sequence[tuple[str, float]], width: int = 640, height: int = 160, pad: int = 24
) -> LineChart:
    """Scores in run order on a fixed 0-1 axis, so a drop looks like a drop; a single run is one dot in
    the middle, where the next run's point will join it."""
    step = (width - 2 * pad) / max(1, len(series) - 1)
    first = pad if len(series) > 1 else width / 2
    dots = [
        (round(first + i * step, 1), round(height - pad - score * (height - 2 * pad), 1), label, score)
        for i, (label, score) in enumerate(series)
    ]
    return LineChart(width, height, " ".join(f"{x},{y}" for x, y, _, _ in dots), dots)


LIKELIHOODS = ("Definite", "Likely", "Possible", "Potential PII")


def anomaly_groups(anomalies: Sequence[Mapping[str, object]]) -> list[tuple[str, list[Mapping[str, object]]]]:
    """Anomalies grouped by likelihood (TestGen's severity), most certain first, largest prevalence first."""
    groups: dict[str, list[Mapping[str, object]]] = {}
    for anomaly in anomalies:
        groups.setdefault(str(anomaly.get("likelihood") or "Unrated"), []).append(anomaly)
    order = {name: rank for rank, name in enumerate(LIKELIHOODS)}

    def weight(anomaly: Mapping[str, object]) -> float:
        value = anomaly.get("dq_prevalence")
        return -float(value) if isinstance(value, int | float) else 0.0

    return [
        (name, sorted(items, key=weight))
        for name, items in sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]


def is_assessment(result: object) -> bool:
    """True when a run's result is a quality assessment (`QualityAssessment.to_dict()`): score, dimensions,
    anomalies and profiles."""
    if not isinstance(result, Mapping):
        return False
    return (
        isinstance(result.get("score"), int | float)
        and isinstance(result.get("dimensions"), Mapping)
        and isinstance(result.get("anomalies"), list)
        and isinstance(result.get("profiles"), list)
    )


def score_series(results: Sequence[tuple[int, object]]) -> list[tuple[str, float]]:
    """(label, score) of the attempts whose result is an assessment, oldest first, from (number, result)."""
    return [
        (f"#{number}", float(result["score"]))
        for number, result in sorted(results, key=lambda pair: pair[0])
        if is_assessment(result) and isinstance(result, Mapping)
    ]


@dataclass(frozen=True)
class HistogramBar:
    """One bin of a histogram placed in SVG units, with its range as text and its row count."""

    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass(frozen=True)
class Histogram:
    """A column's equal-width bins as SVG bars on a count axis starting at zero."""

    width: int
    height: int
    bars: list[HistogramBar]
    peak: int
    low: str
    high: str


def bound_text(value: float, dates: bool) -> str:
    """A bin edge as text: a UTC date (with the time when it has one) for date columns, else a short number."""
    if not dates:
        return f"{value:.4g}"
    moment = datetime.fromtimestamp(value, UTC)
    return moment.strftime("%Y-%m-%d %H:%M" if moment.hour or moment.minute else "%Y-%m-%d")


def histogram_chart(
    bins: Sequence[Sequence[float]], dates: bool = False, width: int = 560, height: int = 180, pad: int = 28
) -> Histogram | None:
    """Bars for `[low, high, count]` bins (edges in epoch seconds when `dates`); None when there is nothing."""
    if not bins:
        return None
    peak = max(int(b[2]) for b in bins) or 1
    step = (width - 2 * pad) / len(bins)
    usable = height - 2 * pad
    bars = [
        HistogramBar(
            round(pad + i * step, 1), round(height - pad - usable * int(c) / peak, 1),
            round(max(step - 1.5, 1.0), 1), round(usable * int(c) / peak, 1),
            f"{bound_text(lo, dates)} to {bound_text(hi, dates)}", int(c),
        )
        for i, (lo, hi, c) in enumerate(bins)
    ]  # fmt: skip
    return Histogram(width, height, bars, peak, bound_text(bins[0][0], dates), bound_text(bins[-1][1], dates))


SHARES = (
    ("Null", "null_value_ct", "record_ct"),
    ("Distinct", "distinct_value_ct", "value_ct"),
    ("Blank", "zero_length_ct", "value_ct"),
    ("Zero", "zero_value_ct", "value_ct"),
    ("Negative", "negative_value_ct", "value_ct"),
)


def column_shares(metrics: Mapping[str, object], record_ct: float) -> list[Bar]:
    """Null share of the rows, and distinct, blank, zero and negative shares of the values, where measured."""
    totals = {"record_ct": record_ct, "value_ct": metrics.get("value_ct")}
    bars = []
    for label, key, of in SHARES:
        count, total = metrics.get(key), totals[of]
        if isinstance(count, int | float) and isinstance(total, int | float) and total:
            bars.append(Bar(label, int(count), round(min(100.0, 100.0 * float(count) / float(total)), 1)))
    return bars
