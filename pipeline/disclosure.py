"""Disclosure control: the one place where small numbers are withheld or rounded.

Every figure a reader sees passes through here first:

- metrics frames (`metrics.csv`, scorecards): `protect_metrics(frame, rules)`;
- tables and the numbers behind charts: `publish_table(df, rules=...)` returns a
  `PublishedTable`, the only kind of table a notebook may display and the only input
  `pipeline.charts` accepts (its `.numeric` frame has NaN where a cell is withheld);
- after a notebook runs, `check_outputs(nb)` lists any output that bypassed this module
  (a raw DataFrame, a printed frame, an e-mail address).

Two presets (institution config, `disclosure:`):

- `threshold` (default 5): a count below the threshold (0 included) is withheld; so is a
  share whose denominator or numerator is below it. Secondary suppression then withholds
  further cells until no withheld figure can be worked back from totals and the cells
  published beside it (checked exactly with linear algebra, not only by the heuristic).
- `hesa`: HESA's rounding for staff data: counts rounded to the nearest 5 (under 2.5 shown
  as 0, halves up), percentages withheld on denominators under 22.5 and computed from
  unrounded figures. Rounding already hides small cells and totals, so no secondary
  suppression is applied.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pipeline.schema import METRICS_COLUMNS

if TYPE_CHECKING:
    import nbformat

    from pipeline.config import Institution

Preset = Literal["threshold", "hesa"]
PRESETS: tuple[str, ...] = ("threshold", "hesa")
DEFAULT_THRESHOLD = 5
HESA_BASE = 5
HESA_MIN_SHARE_DENOMINATOR = 22.5
# HESA publishes percentages to one decimal; more digits would give away unrounded counts.
HESA_SHARE_DECIMALS = 3
SUPPRESSED_MARK = "[c]"
SAFE_CLASS = "tc-safe"
# Group columns whose rows are not parts of a total: the year-less row is the reporting
# year (not the sum over years), items are different questions, events and actions are
# not a partition of anything. Secondary suppression never forms families over them.
NON_ADDITIVE_COLUMNS = frozenset({"year", "item", "event_id", "action"})


class DisclosureError(ValueError):
    """Input to disclosure control is malformed, or a table cannot be protected."""


@dataclass(frozen=True)
class DisclosureRules:
    """Small-number rules of one institution (`disclosure:` in its config file)."""

    preset: Preset = "threshold"
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise DisclosureError(
                f"disclosure preset must be one of {PRESETS}, not {self.preset!r}"
            )
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise DisclosureError(
                f"disclosure threshold must be a whole number: {self.threshold!r}"
            )
        if self.threshold < 1:
            raise DisclosureError(f"disclosure threshold must be at least 1: {self.threshold}")

    @classmethod
    def from_institution(cls, inst: Institution) -> DisclosureRules:
        """Rules from `inst.disclosure` (`preset`, `threshold`); defaults when absent."""
        settings = dict(inst.disclosure or {})
        unknown = sorted(set(settings) - {"preset", "threshold"})
        if unknown:
            raise DisclosureError(
                f"institution {inst.name!r}: unknown disclosure setting(s) {unknown}; "
                "allowed: preset, threshold"
            )
        threshold = settings.get("threshold", DEFAULT_THRESHOLD)
        if isinstance(threshold, float) and threshold.is_integer():
            threshold = int(threshold)
        return cls(preset=settings.get("preset", "threshold"), threshold=threshold)

    @property
    def is_hesa(self) -> bool:
        return self.preset == "hesa"

    def count_withheld(self, count: float) -> bool:
        """Primary suppression of a count (never under HESA: it is rounded instead)."""
        return not self.is_hesa and count < self.threshold

    def share_withheld(self, numerator: float, denominator: float) -> bool:
        """Primary suppression of a share from its (unrounded) numerator and denominator."""
        if pd.isna(denominator) or pd.isna(numerator):
            return True
        if self.is_hesa:
            return denominator < HESA_MIN_SHARE_DENOMINATOR
        return denominator < self.threshold or numerator < self.threshold

    def footnote(self) -> str:
        """What `[c]` (and, for HESA, rounding) means, for under a table."""
        if self.is_hesa:
            return (
                "Counts are rounded to the nearest 5 (under 2.5 shown as 0) and percentages "
                f"on fewer than 22.5 people are withheld ({SUPPRESSED_MARK}), as HESA "
                "publishes staff data; totals may not equal the sum of their parts."
            )
        return (
            f"{SUPPRESSED_MARK} = fewer than {self.threshold} people, or a figure from which "
            "one could be worked out: withheld to protect privacy."
        )


def hesa_round(value: float) -> float:
    """Round to the nearest 5, halves up (2.4 -> 0, 2.5 -> 5, 7 -> 5, 7.5 -> 10)."""
    if pd.isna(value):
        return value
    return float(HESA_BASE * math.floor(value / HESA_BASE + 0.5))


# ---------------------------------------------------------------------------------------------
# Secondary suppression: one engine for metrics frames and display tables
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """An additive relation a reader can use: sum(cells) == total.

    `total` is the key of the published total cell, or None when the total is a constant
    published with every shown cell (the common denominator of shares that add up to it):
    it is then known as long as one cell of the line is shown.
    """

    cells: tuple[Hashable, ...]
    total: Hashable | None = None

    @property
    def members(self) -> tuple[Hashable, ...]:
        return self.cells if self.total is None else (*self.cells, self.total)

    def is_active(self, suppressed: set[Hashable]) -> bool:
        return self.total is not None or any(c not in suppressed for c in self.cells)


def secondary_suppression(
    values: Mapping[Hashable, float], suppressed: Iterable[Hashable], lines: Sequence[_Line]
) -> set[Hashable]:
    """Withhold more cells until no withheld cell can be worked out from the lines.

    Heuristic first (a line with one withheld member gives it away: withhold its next
    smallest cell), then two exact checks: a line whose withheld cells must all be 0 (they
    sum to 0), and any withheld cell determined by the linear system of all lines.
    """
    hidden = set(suppressed)
    while (extra := _next_to_suppress(values, hidden, lines)) is not None:
        hidden.add(extra)
    return hidden


def _next_to_suppress(
    values: Mapping[Hashable, float], hidden: set[Hashable], lines: Sequence[_Line]
) -> Hashable | None:
    active = [line for line in lines if line.is_active(hidden)]
    for line in active:
        if sum(m in hidden for m in line.members) == 1:
            return _pick(line, values, hidden)
    for line in active:
        withheld = [c for c in line.cells if c in hidden]
        if withheld and line.total not in hidden and _total(values, withheld) == 0:
            return _pick(line, values, hidden)
    for key in _determined(hidden, active):
        for line in active:
            if key in line.members and any(m not in hidden for m in line.members):
                return _pick(line, values, hidden)
    if _determined(hidden, active):
        raise DisclosureError("secondary suppression could not protect a withheld cell")
    return None


def _total(values: Mapping[Hashable, float], keys: Iterable[Hashable]) -> float:
    return float(sum(values[k] for k in keys))


def _pick(line: _Line, values: Mapping[Hashable, float], hidden: set[Hashable]) -> Hashable:
    """The line's smallest shown cell; a non-zero one when the withheld ones sum to 0."""
    shown = [c for c in line.cells if c not in hidden]
    withheld_sum = _total(values, (c for c in line.cells if c in hidden))
    nonzero = [c for c in shown if not values[c] == 0]
    pool = nonzero if withheld_sum == 0 and nonzero else shown
    if pool:
        return min(pool, key=lambda c: (_sort_value(values[c]), line.cells.index(c)))
    if line.total is not None and line.total not in hidden:
        return line.total
    raise DisclosureError("secondary suppression found a line with nothing left to withhold")


def _sort_value(value: float) -> float:
    return math.inf if pd.isna(value) else float(value)


def _determined(hidden: set[Hashable], lines: Sequence[_Line]) -> list[Hashable]:
    """Withheld cells whose value follows from the lines (unit vector in the row space)."""
    unknowns = sorted({m for line in lines for m in line.members if m in hidden}, key=repr)
    if not unknowns:
        return []
    column = {key: i for i, key in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknowns))
        for cell in line.cells:
            if cell in hidden:
                row[column[cell]] += 1.0
        if line.total is not None and line.total in hidden:
            row[column[line.total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    _, singular, vt = np.linalg.svd(np.array(rows))
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    return [key for key, i in column.items() if np.abs(null_space[:, i]).max(initial=0) < 1e-9]


# ---------------------------------------------------------------------------------------------
# Metrics frames
# ---------------------------------------------------------------------------------------------


def parse_group(group: str) -> tuple[tuple[str, str], ...]:
    """`"year=2021;grade=SO3"` -> `(("year", "2021"), ("grade", "SO3"))`; `""` -> `()`."""
    if not group:
        return ()
    conditions = []
    for part in str(group).split(";"):
        column, sep, value = part.partition("=")
        if not sep or not column:
            raise DisclosureError(
                f"metrics group {group!r}: condition {part!r} is not of the form column=value"
            )
        conditions.append((column.strip(), value.strip()))
    return tuple(conditions)


def protect_metrics(frame: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """Apply the institution's small-number rules to a metrics frame (`METRICS_COLUMNS`).

    Threshold preset: a count row (no denominator) is withheld below the threshold; a share
    row when its denominator or numerator is; then secondary suppression over families of
    rows (one metric, a parent group and its split by one more column), so that no withheld
    figure can be worked back from a parent total or a common denominator. HESA preset:
    counts, numerators and denominators rounded to the nearest 5; shares withheld on
    denominators under 22.5, computed from unrounded figures and published to 0.1
    percentage point; no secondary suppression (rounding protects totals). Rows whose value
    is not a number (e.g. `action_plan.status`) pass through. Withheld rows have value,
    numerator and denominator blank and `suppressed` True.
    """
    out = _metrics_copy(frame)
    records = out.to_dict("records")  # positional: plain dicts are far faster than .at
    kinds = _row_kinds(records)
    if rules.is_hesa:
        return _hesa_metrics(out, records, kinds, rules)
    values = _additive_values(records, kinds)
    primary = {
        i for i, record in enumerate(records)
        if record["suppressed"] or _primary_row(record, kinds[i], rules)
    }
    hidden = secondary_suppression(values, primary, _metric_lines(records, kinds, values))
    return _blank_rows(out, sorted(hidden))


def _metrics_copy(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in METRICS_COLUMNS if c not in frame.columns]
    if missing:
        raise DisclosureError(
            f"metrics frame lacks column(s) {missing}; it has {list(frame.columns)}"
        )
    out = frame.loc[:, list(METRICS_COLUMNS)].reset_index(drop=True).copy()
    duplicated = out[out.duplicated(["metric", "group"], keep=False)]
    if not duplicated.empty:
        pairs = sorted(set(zip(duplicated["metric"], duplicated["group"], strict=True)))
        raise DisclosureError(f"metrics frame has duplicate (metric, group) rows: {pairs[:5]}")
    for column in ("value", "numerator", "denominator"):
        out[column] = out[column].astype(object)
    out["group"] = out["group"].fillna("").astype(str)
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    return out


def _number(value: object) -> float:
    """A cell as float, NaN when blank or not a number."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


Record = Mapping[str, Any]


def _row_kinds(records: Sequence[Record]) -> dict[int, str]:
    """"share" (has a denominator), "count" (numeric value, no denominator) or "other"."""
    kinds = {}
    for i, record in enumerate(records):
        if not pd.isna(_number(record["denominator"])):
            kinds[i] = "share"
        elif not pd.isna(_number(record["value"])):
            kinds[i] = "count"
        else:
            kinds[i] = "other"
    return kinds


def _additive_values(records: Sequence[Record], kinds: Mapping[int, str]) -> dict[int, float]:
    """The quantity totals add up: the count itself, or a share's numerator."""
    return {
        i: _number(records[i]["numerator"] if kind == "share" else records[i]["value"])
        for i, kind in kinds.items()
    }


def _primary_row(row: Record, kind: str, rules: DisclosureRules) -> bool:
    if kind == "count":
        return rules.count_withheld(_number(row["value"]))
    if kind == "share":
        return rules.share_withheld(_number(row["numerator"]), _number(row["denominator"]))
    return False


def _metric_lines(
    records: Sequence[Record], kinds: Mapping[int, str], values: Mapping[int, float]
) -> list[_Line]:
    """Families: rows of one metric under a common parent group, split by one more column."""
    row_of: dict[tuple[str, frozenset], int] = {}
    families: dict[tuple[str, frozenset, str], list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        if kinds[i] == "other":
            continue
        metric, conditions = record["metric"], parse_group(record["group"])
        row_of[(metric, frozenset(conditions))] = i
        for condition in conditions:
            if condition[0] not in NON_ADDITIVE_COLUMNS:
                parent = frozenset(c for c in conditions if c != condition)
                families[(metric, parent, condition[0])].append(i)
    lines = []
    for (metric, parent, _), children in families.items():
        parent_row = row_of.get((metric, parent))
        if parent_row is not None and kinds[parent_row] == kinds[children[0]]:
            lines.append(_Line(tuple(children), parent_row))
        elif _shares_of_common_denominator(records, kinds, values, children):
            lines.append(_Line(tuple(children), None))
    return lines


def _shares_of_common_denominator(
    records: Sequence[Record],
    kinds: Mapping[int, str],
    values: Mapping[int, float],
    rows: list[int],
) -> bool:
    """Shares that split one published denominator (e.g. sectors): it is their total."""
    if any(kinds[i] != "share" for i in rows):
        return False
    denominators = {_number(records[i]["denominator"]) for i in rows}
    if len(denominators) != 1:
        return False
    (denominator,) = denominators
    return math.isclose(sum(values[i] for i in rows), denominator)


def _blank_rows(out: pd.DataFrame, rows: Sequence[int]) -> pd.DataFrame:
    for column in ("value", "numerator", "denominator"):
        out.loc[rows, column] = None
    out.loc[rows, "suppressed"] = True
    return out


def _hesa_metrics(
    out: pd.DataFrame, records: Sequence[Record], kinds: Mapping[int, str], rules: DisclosureRules
) -> pd.DataFrame:
    withheld = [i for i, record in enumerate(records) if record["suppressed"]]
    columns = {c: [r[c] for r in records] for c in ("value", "numerator", "denominator")}
    for i, kind in kinds.items():
        if kind == "other" or records[i]["suppressed"]:
            continue
        numerator = _number(records[i]["numerator"])
        if kind == "count":
            columns["value"][i] = hesa_round(_number(records[i]["value"]))
            columns["numerator"][i] = None if pd.isna(numerator) else hesa_round(numerator)
            continue
        denominator = _number(records[i]["denominator"])
        if rules.share_withheld(numerator, denominator):
            withheld.append(i)
            continue
        columns["value"][i] = round(numerator / denominator, HESA_SHARE_DECIMALS)
        columns["numerator"][i] = hesa_round(numerator)
        columns["denominator"][i] = hesa_round(denominator)
    for column, values in columns.items():
        out[column] = pd.Series(values, index=out.index, dtype=object)
    return _blank_rows(out, sorted(withheld))


# ---------------------------------------------------------------------------------------------
# Display tables
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PublishedTable:
    """A table that went through disclosure control: the only kind a notebook displays.

    `display` holds the text shown (`[c]` where withheld); `numeric` the numbers for charts
    (NaN where withheld; HESA-rounded under that preset; shares as fractions 0..1).
    """

    display: pd.DataFrame
    numeric: pd.DataFrame
    suppressed_mask: pd.DataFrame
    caption: str = ""
    source: str = ""
    footnote: str = ""
    share_columns: tuple[str, ...] = ()
    total_row: Hashable | None = None
    show_index: bool = True
    _numeric_columns: tuple[str, ...] = field(default=(), repr=False)

    @property
    def any_suppressed(self) -> bool:
        return bool(self.suppressed_mask.to_numpy().any())

    def to_html(self) -> str:
        """Styled HTML: caption, table (numbers right-aligned), footnote and source."""
        parts = [f'<div class="{SAFE_CLASS}">', _STYLE, '<table class="tc-table">']
        if self.caption:
            parts.append(f"<caption>{html.escape(self.caption)}</caption>")
        parts.append(self._header_html())
        parts.append("<tbody>")
        parts.extend(self._row_html(label, row) for label, row in self.display.iterrows())
        parts.append("</tbody></table>")
        if self.footnote:
            parts.append(f'<p class="tc-footnote">{html.escape(self.footnote)}</p>')
        if self.source:
            parts.append(f'<p class="tc-source">Source: {html.escape(self.source)}</p>')
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:  # never a frame-like text: check_outputs would flag it
        return f"PublishedTable({self.caption!r})"

    def _header_html(self) -> str:
        cells = ['<th scope="col"></th>'] if self.show_index else []
        for column in self.display.columns:
            style = _RIGHT if column in self._numeric_columns else ""
            cells.append(f'<th scope="col"{style}>{html.escape(str(column))}</th>')
        return f"<thead><tr>{''.join(cells)}</tr></thead>"

    def _row_html(self, label: Hashable, row: pd.Series) -> str:
        css = ' class="tc-total"' if self.total_row is not None and label == self.total_row else ""
        cells = [f'<th scope="row">{html.escape(str(label))}</th>'] if self.show_index else []
        for column, text in row.items():
            style = _RIGHT if column in self._numeric_columns else ""
            cells.append(f"<td{style}>{html.escape(str(text))}</td>")
        return f"<tr{css}>{''.join(cells)}</tr>"


_RIGHT = ' class="num"'
_STYLE = (
    "<style>.tc-safe .num{text-align:right;font-variant-numeric:tabular-nums}"
    ".tc-safe caption{text-align:left;font-weight:bold}"
    ".tc-safe .tc-total th,.tc-safe .tc-total td{font-weight:bold}"
    ".tc-safe .tc-footnote,.tc-safe .tc-source{font-size:0.85em}</style>"
)


def publish_table(
    df: pd.DataFrame,
    *,
    rules: DisclosureRules,
    count_columns: Sequence[str] | None = None,
    share_columns: Mapping[str, str] | None = None,
    total_row: Hashable | None = None,
    total_column: str | None = None,
    caption: str = "",
    source: str = "",
    percent_decimals: int = 0,
    withheld: pd.DataFrame | None = None,
    interval_columns: Mapping[str, str] | None = None,
    checked_shares: Sequence[str] = (),
    checked_counts: Sequence[str] = (),
) -> PublishedTable:
    """Protect a wide table and prepare it for display and charts.

    `count_columns` (default: every numeric column that is not a share) hold counts;
    `share_columns` maps a share column (fractions 0..1) to its denominator column, which
    must be in the table. `total_row` is the index label of the row holding column totals;
    `total_column` the column holding each row's total of the other count columns. Other
    numeric columns are an error (nothing is shown unprotected); text columns pass as labels.
    Threshold preset: small counts and shares withheld cell by cell, then secondary
    suppression along every row and column that has a total (share columns count through
    their numerators), and a share is withheld when a count in its row is. HESA preset:
    counts rounded, shares withheld on denominators under 22.5. `withheld` (a boolean frame
    over some of the same rows and columns) marks cells already withheld upstream, e.g. by
    `protect_metrics`: they are shown as withheld and protected like any other.
    `interval_columns` maps a confidence-bound column (fractions) to its share column: shown
    as a percentage, withheld with its share (a bound could be turned back into counts).
    `checked_shares` / `checked_counts` are columns whose figures already went through
    `protect_metrics` (e.g. a grid built from published metrics rows): they are shown as
    they are, withheld only where `withheld` says, so the table matches `metrics.csv`; the
    same columns serve for tables that count things other than people (actions of a plan).
    """
    shares = dict(share_columns or {})
    intervals = dict(interval_columns or {})
    checked = [*checked_shares, *checked_counts]
    counts = _count_columns(df, count_columns, shares, total_column, total_row, intervals,
                            checked)
    numbers = _numbers(df, [*counts, *shares, *intervals, *checked])
    already = _withheld_cells(withheld, numbers)
    if rules.is_hesa:
        hidden, numeric = _hesa_table(numbers, counts, shares, rules)
        hidden |= already
    else:
        hidden = _threshold_table(
            numbers, counts, shares, rules, total_row, total_column, already
        )
        numeric = numbers.copy()
    hidden |= {(row, bound) for bound, share in intervals.items() for row, column in hidden
               if column == share}
    if rules.is_hesa:
        numeric[list(intervals)] = numeric[list(intervals)].round(HESA_SHARE_DECIMALS)
    mask = pd.DataFrame(False, index=numbers.index, columns=numbers.columns)
    for row, column in hidden:
        mask.loc[row, column] = True
    numeric = numeric.mask(mask)
    numeric = numeric[[c for c in df.columns if c in numeric.columns]]
    mask = mask[numeric.columns]
    return PublishedTable(
        display=_display(
            df, numeric, mask, [*shares, *intervals, *checked_shares], percent_decimals
        ),
        numeric=numeric,
        suppressed_mask=mask,
        caption=caption,
        source=source,
        footnote=rules.footnote() if rules.is_hesa or mask.to_numpy().any() else "",
        share_columns=tuple(shares),
        total_row=total_row,
        show_index=not _is_default_index(df.index),
        _numeric_columns=tuple(numeric.columns),
    )


def _count_columns(
    df: pd.DataFrame,
    count_columns: Sequence[str] | None,
    shares: Mapping[str, str],
    total_column: str | None,
    total_row: Hashable | None,
    intervals: Mapping[str, str],
    checked: Sequence[str],
) -> list[str]:
    """The count columns to protect; checks every numeric column is declared: a count, a
    share, an interval bound or a figure already `checked` (checked_shares/_counts)."""
    not_counts = [*intervals, *checked]
    if isinstance(df.columns, pd.MultiIndex) or isinstance(df.index, pd.MultiIndex):
        raise DisclosureError("publish_table: flatten MultiIndex rows/columns first")
    if not df.columns.is_unique or not df.index.is_unique:
        raise DisclosureError("publish_table: row labels and column names must be unique")
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    counts = (
        [c for c in numeric if c not in shares and c not in not_counts]
        if count_columns is None else list(count_columns)
    )
    declared = set(counts) | set(shares) | set(not_counts)
    unknown = sorted(map(str, (declared | set(shares.values())) - set(df.columns)))
    if unknown:
        raise DisclosureError(
            f"publish_table: column(s) {unknown} not in the table {list(df.columns)}"
        )
    undeclared = [str(c) for c in numeric if c not in declared]
    if undeclared:
        raise DisclosureError(
            f"publish_table: numeric column(s) {undeclared} are neither count nor share "
            "columns; declare them so they are protected"
        )
    missing_denominators = sorted({d for d in shares.values() if d not in counts})
    if missing_denominators:
        raise DisclosureError(
            f"publish_table: share denominator column(s) {missing_denominators} must be "
            "count columns of the table"
        )
    orphans = sorted({s for s in intervals.values() if s is not None and s not in shares})
    if orphans:
        raise DisclosureError(
            f"publish_table: interval column(s) refer to {orphans}, which are not share columns"
        )
    if total_column is not None and total_column not in counts:
        raise DisclosureError(f"publish_table: total_column {total_column!r} is not a count column")
    if total_row is not None and total_row not in df.index:
        raise DisclosureError(f"publish_table: total_row {total_row!r} is not a row label")
    return counts


def _withheld_cells(
    withheld: pd.DataFrame | None, numbers: pd.DataFrame
) -> set[tuple[Hashable, str]]:
    if withheld is None:
        return set()
    unknown_rows = [r for r in withheld.index if r not in numbers.index]
    unknown_columns = [c for c in withheld.columns if c not in numbers.columns]
    if unknown_rows or unknown_columns:
        raise DisclosureError(
            f"publish_table: withheld has rows {unknown_rows} / columns {unknown_columns} "
            "that are not numeric cells of the table"
        )
    flags = withheld.fillna(False).astype(bool)
    return {(r, c) for c in flags.columns for r in flags.index[flags[c].to_numpy()]}


def _numbers(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    numbers = pd.DataFrame(index=df.index)
    for column in columns:
        converted = pd.to_numeric(df[column], errors="coerce").astype(float)
        bad = df[column][converted.isna() & df[column].notna()]
        if not bad.empty:
            raise DisclosureError(
                f"publish_table: column {column!r} has non-numeric values "
                f"{sorted(map(str, bad.unique()))[:5]}"
            )
        if (converted < 0).any():
            raise DisclosureError(f"publish_table: column {column!r} has negative values")
        numbers[column] = converted
    return numbers


def _threshold_table(
    numbers: pd.DataFrame,
    counts: list[str],
    shares: Mapping[str, str],
    rules: DisclosureRules,
    total_row: Hashable | None,
    total_column: str | None,
    already: set[tuple[Hashable, str]],
) -> set[tuple[Hashable, str]]:
    values: dict[tuple[Hashable, str], float] = {}
    hidden = set(already)
    for row in numbers.index:
        for column in counts:
            values[(row, column)] = count = numbers.at[row, column]
            if not pd.isna(count) and rules.count_withheld(count):
                hidden.add((row, column))
        for share, denominator_column in shares.items():
            numerator = numbers.at[row, share] * numbers.at[row, denominator_column]
            values[(row, share)] = numerator = numerator if pd.isna(numerator) else round(numerator)
            if not pd.isna(numbers.at[row, share]) and rules.share_withheld(
                numerator, numbers.at[row, denominator_column]
            ):
                hidden.add((row, share))
    lines = _table_lines(numbers.index, counts, list(shares), total_row, total_column)
    while True:
        hidden = secondary_suppression(values, hidden, lines)
        # A share shown beside a withheld count could give it back (share x denominator).
        coupled = hidden | {
            (row, share) for row, column in hidden if column in counts for share in shares
            if not pd.isna(numbers.at[row, share])
        }
        if coupled == hidden:
            return hidden
        hidden = coupled


def _table_lines(
    rows: pd.Index,
    counts: list[str],
    shares: list[str],
    total_row: Hashable | None,
    total_column: str | None,
) -> list[_Line]:
    lines = []
    if total_row is not None:
        body = [r for r in rows if r != total_row]
        for column in [*counts, *shares]:
            lines.append(_Line(tuple((r, column) for r in body), (total_row, column)))
    if total_column is not None:
        parts = [c for c in counts if c != total_column]
        for row in rows:
            lines.append(_Line(tuple((row, c) for c in parts), (row, total_column)))
    return lines


def _hesa_table(
    numbers: pd.DataFrame, counts: list[str], shares: Mapping[str, str], rules: DisclosureRules
) -> tuple[set[tuple[Hashable, str]], pd.DataFrame]:
    rounded = numbers.copy()
    hidden = set()
    for column in counts:
        rounded[column] = numbers[column].map(hesa_round)
    for share, denominator_column in shares.items():
        rounded[share] = numbers[share].round(HESA_SHARE_DECIMALS)
        for row in numbers.index:
            share_value = numbers.at[row, share]
            denominator = numbers.at[row, denominator_column]
            if not pd.isna(share_value) and rules.share_withheld(
                share_value * denominator, denominator
            ):
                hidden.add((row, share))
    return hidden, rounded


def _display(
    df: pd.DataFrame,
    numeric: pd.DataFrame,
    mask: pd.DataFrame,
    percent_columns: Sequence[str],
    percent_decimals: int,
) -> pd.DataFrame:
    shown = pd.DataFrame(index=df.index)
    for column in df.columns:
        if column not in numeric.columns:
            shown[column] = df[column].astype("string").fillna("").astype(object)
            continue
        texts = []
        for row in df.index:
            value = numeric.at[row, column]
            if mask.at[row, column]:
                texts.append(SUPPRESSED_MARK)
            elif pd.isna(value):
                texts.append("")
            elif column in percent_columns:
                texts.append(f"{value * 100:.{percent_decimals}f}%")
            else:
                texts.append(f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}")
        shown[column] = texts
    shown.index.name = None
    return shown


def _is_default_index(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


# ---------------------------------------------------------------------------------------------
# Output guard: run on every executed notebook
# ---------------------------------------------------------------------------------------------

EMAIL_PATTERN = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_FRAME_FOOTER = re.compile(r"\[\d+ rows x \d+ columns\]|^(?:Name: .*, )?dtype: \w+", re.M)
_MARKDOWN_TABLE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*\|", re.M)


class _TableFinder(HTMLParser):
    """Counts `<table>` tags that are not inside a `tc-safe` wrapper."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth_in_safe = 0
        self.unsafe_tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.depth_in_safe:
            self.depth_in_safe += tag == "div"
        elif tag == "div" and SAFE_CLASS in classes:
            self.depth_in_safe = 1
        elif tag == "table":
            self.unsafe_tables += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth_in_safe and tag == "div":
            self.depth_in_safe -= 1


def unsafe_table_count(html_text: str) -> int:
    """Number of HTML tables not produced by `PublishedTable` (not in a tc-safe div)."""
    finder = _TableFinder()
    finder.feed(html_text)
    finder.close()
    return finder.unsafe_tables


def looks_like_frame(text: str) -> bool:
    """True for a printed DataFrame/Series: its footer, or 3+ lines of right-aligned columns.

    A column is right-aligned numbers: at 2+ shared positions every line's word ends there,
    and at one of them the words below the first line are numbers.
    """
    if _FRAME_FOOTER.search(text):
        return True
    run: list[dict[int, str]] = []
    for line in text.splitlines():
        words = {m.end(): m.group(0) for m in re.finditer(r"\S+", line)}
        run = [*run, words][-3:] if len(words) >= 2 else []
        if len(run) == 3 and _aligned_numbers(run):
            return True
    return False


def _aligned_numbers(lines: list[dict[int, str]]) -> bool:
    shared = set.intersection(*(set(words) for words in lines))
    return len(shared) >= 2 and any(
        all(_NUMBER.fullmatch(words[end]) for words in lines[1:]) for end in shared
    )


_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+%?|NaN|<NA>|None")


def check_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Problems with an executed notebook's outputs: anything shown that bypassed this module.

    Flags an HTML table outside a `PublishedTable`, a printed or plain-text frame, a
    Markdown/LaTeX table, and any e-mail address. Images are fine: charts only take
    `PublishedTable.numeric`.
    """
    problems = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            problems.extend(f"cell {index}: {p}" for p in _output_problems(output))
    return problems


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_problems(output: Mapping[str, Any]) -> list[str]:
    kind = output.get("output_type")
    if kind == "stream":
        texts = {"stream": _text(output.get("text", ""))}
    elif kind in ("display_data", "execute_result"):
        texts = {
            mime: _text(data) for mime, data in output.get("data", {}).items()
            if mime.startswith("text/") or mime.endswith("json")
        }
    else:
        return []
    problems = []
    if unsafe_table_count(texts.get("text/html", "")):
        problems.append(
            "an HTML table that did not go through publish_table (a raw DataFrame?)"
        )
    plain = texts.get("stream", "") if kind == "stream" else texts.get("text/plain", "")
    if "text/html" not in texts and looks_like_frame(plain):
        problems.append(f"{kind} text that looks like a printed DataFrame or Series")
    if _MARKDOWN_TABLE.search(texts.get("text/markdown", "")) or "tabular" in texts.get(
        "text/latex", ""
    ):
        problems.append("a Markdown/LaTeX table that did not go through publish_table")
    emails = sorted({m.group(0) for t in texts.values() for m in EMAIL_PATTERN.finditer(t)})
    if emails:
        masked = ", ".join(_mask_email(e) for e in emails[:3])
        problems.append(f"{len(emails)} e-mail address(es) displayed ({masked})")
    return problems


def _mask_email(email: str) -> str:
    """`alice.smith@x.ac.uk` -> `a***@x.ac.uk`: the log names the problem, not the person."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
