"""Helpers shared by the analysis tests: typed processed tables, metric-row assertions."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.schema import PROCESSED_COLUMNS


def typed(records: list[dict], table: str) -> pd.DataFrame:
    """A processed table with every schema column, in the schema's dtypes."""
    frame = pd.DataFrame(records)
    for column, dtype in PROCESSED_COLUMNS[table].items():
        if column not in frame.columns:
            frame[column] = pd.NA
        frame[column] = frame[column].astype(dtype)
    return frame[list(PROCESSED_COLUMNS[table])]


def metric_row(metrics: pd.DataFrame, metric: str, group: str = "") -> pd.Series:
    """The one row of `metric` with `group`; fails when there is none or several."""
    rows = metrics[(metrics["metric"] == metric) & (metrics["group"] == group)]
    assert len(rows) == 1, f"{metric} {group!r}: {len(rows)} rows"
    return rows.iloc[0]


def assert_share(
    metrics: pd.DataFrame, metric: str, group: str, numerator: int, denominator: int
) -> None:
    """The row's numerator and denominator are these, and its value is their ratio."""
    row = metric_row(metrics, metric, group)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(numerator / denominator, abs=1e-12)
