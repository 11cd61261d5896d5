"""Assertions on metrics frames shared by the analysis tests."""

from __future__ import annotations

import pandas as pd
import pytest


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
