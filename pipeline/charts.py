"""House style for charts: one look, colour-blind-safe colours, alt text, source and n.

Charts take a `PublishedTable` (from `pipeline.disclosure.publish_table`) and plot its
`.numeric` frame, where withheld cells are NaN: a suppressed number cannot reach a chart.
Each chart is returned as a `Chart`, shown in a notebook as an HTML figure with the PNG
embedded (so the report is one self-contained file) and alt text for screen readers.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from pipeline.disclosure import PublishedTable  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
)
# Diverging scale for Likert answers: disagree (orange) .. neutral (grey) .. agree (blue).
LIKERT_COLOURS = ("#B35806", "#F1A340", "#D9D9D9", "#998EC3", "#542788")
FIGSIZE = (7.5, 3.8)


def apply_style() -> None:
    """Set the house style for matplotlib and seaborn (called once per notebook)."""
    sns.set_theme(style="whitegrid", palette=list(PALETTE), font_scale=0.95)
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold",
        "axes.titlesize": 12, "axes.titlelocation": "left", "axes.spines.top": False,
        "axes.spines.right": False, "legend.frameon": False,
    })


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes, alt text and the line under it."""

    png: bytes
    alt: str
    footer: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="tc-chart"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(self.alt)}"/>'
            f"<figcaption>{html.escape(self.footer)}</figcaption></figure>"
        )

    def __repr__(self) -> str:
        return f"Chart({self.alt!r})"


def _finish(fig: plt.Figure, table: PublishedTable, alt: str, n: int | str | None) -> Chart:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    parts = [f"Source: {table.source}" if table.source else ""]
    if n is not None:
        parts.append(f"n = {n}")
    if table.any_suppressed:
        parts.append("Bars or points missing where numbers were withheld to protect privacy")
    return Chart(buffer.getvalue(), alt, " · ".join(p for p in parts if p))


def _check(table: PublishedTable) -> pd.DataFrame:
    if not isinstance(table, PublishedTable):
        raise TypeError("charts take a PublishedTable: pass data through publish_table first")
    return table.numeric


def _percent_axis(axis: matplotlib.axis.Axis) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def bar(
    table: PublishedTable,
    *,
    title: str,
    alt: str,
    columns: Sequence[str] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    percent: bool = False,
    horizontal: bool = False,
    n: int | str | None = None,
    exclude_rows: Sequence[str] = ("Total",),
) -> Chart:
    """Bars for the rows of `table` (one colour per column when several columns)."""
    data = _check(table)
    data = data.loc[[i for i in data.index if i not in exclude_rows]]
    data = data[list(columns)] if columns else data
    height = max(FIGSIZE[1], 0.22 * data.size + 1.2) if horizontal else FIGSIZE[1]
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], height))
    data.plot(kind="barh" if horizontal else "bar", ax=ax, width=0.8, legend=data.shape[1] > 1,
              color=PALETTE[: data.shape[1]])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if horizontal:
        ax.invert_yaxis()
    else:
        ax.tick_params(axis="x", labelrotation=0 if len(data) <= 6 else 45)
    if percent:
        _percent_axis(ax.xaxis if horizontal else ax.yaxis)
    return _finish(fig, table, alt, n)


def trend(
    table: PublishedTable,
    *,
    title: str,
    alt: str,
    ylabel: str = "",
    percent: bool = False,
    n: int | str | None = None,
    exclude_rows: Sequence[str] = (),
) -> Chart:
    """Lines over years: rows are series, columns are years."""
    data = _check(table)
    data = data.loc[[i for i in data.index if i not in exclude_rows]]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    years = [str(c) for c in data.columns]
    for colour, (label, row) in zip(PALETTE * 3, data.iterrows(), strict=False):
        ax.plot(years, row.to_numpy(dtype=float), marker="o", label=str(label), color=colour)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if percent:
        _percent_axis(ax.yaxis)
    if len(data) > 1:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _finish(fig, table, alt, n)


def rate_intervals(
    table: PublishedTable,
    *,
    title: str,
    alt: str,
    rate: str = "Rate",
    low: str = "95% CI from",
    high: str = "to",
    target: float | None = None,
    n: int | str | None = None,
) -> Chart:
    """A rate per row with its 95% Wilson interval as a horizontal error bar."""
    data = _check(table)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], max(2.2, 0.38 * len(data) + 1.2)))
    y = np.arange(len(data))
    values = data[rate].to_numpy(dtype=float)
    err = np.vstack([values - data[low].to_numpy(dtype=float),
                     data[high].to_numpy(dtype=float) - values])
    ax.errorbar(values, y, xerr=err, fmt="o", color=PALETTE[0], ecolor=PALETTE[4], capsize=3)
    ax.set_yticks(y, [str(i) for i in data.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    _percent_axis(ax.xaxis)
    if target is not None:
        ax.axvline(target, color=PALETTE[5], linestyle="--", label="Target")
        ax.legend(loc="lower right")
    ax.set_title(title)
    return _finish(fig, table, alt, n)


def diverging_likert(
    table: PublishedTable,
    *,
    title: str,
    alt: str,
    n: int | str | None = None,
) -> Chart:
    """Diverging stacked bars: rows are items, columns the five answer shares (1..5).

    Disagree answers extend left of zero, agree answers right, the neutral share is split
    across zero: the usual way to read agreement at a glance.
    """
    data = _check(table).fillna(0.0)
    shares = data.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0] + 1.5, max(2.5, 0.42 * len(data) + 1.4)))
    y = np.arange(len(data))
    left = -(shares[:, 0] + shares[:, 1] + shares[:, 2] / 2)
    labels = [str(c) for c in data.columns]
    for k in range(shares.shape[1]):
        ax.barh(y, shares[:, k], left=left, color=LIKERT_COLOURS[k], label=labels[k],
                edgecolor="white", height=0.75)
        left = left + shares[:, k]
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, [str(i) for i in data.index])
    ax.invert_yaxis()
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0%}"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=5, fontsize=8)
    ax.set_title(title)
    return _finish(fig, table, alt, n)


def heatmap(
    table: PublishedTable,
    *,
    title: str,
    alt: str,
    xlabel: str = "",
    ylabel: str = "",
    n: int | str | None = None,
    fmt: str = ".0f",
) -> Chart:
    """Counts of one category against another (e.g. former grade against destination)."""
    data = _check(table).astype(float)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    sns.heatmap(data, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax, linewidths=0.5,
                mask=data.isna())
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _finish(fig, table, alt, n)


# Status colours of the scorecard: complete .. no data, colour-blind safe (Okabe-Ito).
STATUS_COLOURS = ("#009E73", "#56B4E9", "#E69F00", "#CC79A7", "#BBBBBB")


def stacked_status(table: PublishedTable, *, title: str, alt: str) -> Chart:
    """Horizontal stacked bars: rows are pillars, columns the statuses in order."""
    data = _check(table).fillna(0.0)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], max(2.2, 0.5 * len(data) + 1.4)))
    left = np.zeros(len(data))
    y = np.arange(len(data))
    for colour, column in zip(STATUS_COLOURS * 2, data.columns, strict=False):
        values = data[column].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colour, label=str(column), edgecolor="white")
        for yi, (start, width) in enumerate(zip(left, values, strict=True)):
            if width:
                ax.text(start + width / 2, yi, f"{width:.0f}", ha="center", va="center",
                        fontsize=8)
        left = left + values
    ax.set_yticks(y, [str(i) for i in data.index])
    ax.invert_yaxis()
    ax.set_xlabel("Actions")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(data.columns),
              fontsize=8)
    ax.set_title(title)
    return _finish(fig, table, alt, None)
