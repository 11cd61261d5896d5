"""Metric rows as published in `reports/<year>/metrics.csv` (contract section 4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from pipeline.schema import METRICS_COLUMNS


def group_key(**conditions: object) -> str:
    """`group` value: `column=value` conditions joined by `;` in the order given."""
    return ";".join(f"{col}={val}" for col, val in conditions.items())


def metric_row(
    metric: str,
    value: float | str | None,
    numerator: float | None = None,
    denominator: float | None = None,
    group: str = "",
) -> dict[str, object]:
    """One unsuppressed metric row. A count has value == numerator and no denominator."""
    return {
        "metric": metric, "group": group, "value": value, "numerator": numerator,
        "denominator": denominator, "suppressed": False,
    }


def share_row(metric: str, numerator: int, denominator: int, group: str = "") -> dict[str, object]:
    """A share (0..1); value is blank when the denominator is 0."""
    value = numerator / denominator if denominator else None
    return metric_row(metric, value, numerator, denominator, group)


def count_row(metric: str, count: float, group: str = "") -> dict[str, object]:
    """A count: value and numerator both hold the count."""
    return metric_row(metric, count, count, None, group)


def metrics_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Rows to a frame with exactly the contract's columns, in order."""
    frame = pd.DataFrame(list(rows), columns=list(METRICS_COLUMNS))
    frame["group"] = frame["group"].fillna("").astype(str)
    frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool)
    return frame
