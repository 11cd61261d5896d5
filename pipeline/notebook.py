"""What a report notebook needs, in one call: resolved parameters, data, safe display.

A notebook starts with `ctx = setup("20_workforce", year, raw_dir, institution, ...)` and
then only ever shows figures through `ctx.publish(...)` (tables), `pipeline.charts` (charts
of published tables) and `ctx.publish_metrics(...)` (metrics.csv rows): each of them goes
through `pipeline.disclosure`, so the easy way to show a number is the safe way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from pipeline import charts, paths
from pipeline.analysis.workforce import TOTAL, metric_table, rate_table, split_year, with_wilson
from pipeline.config import Institution, is_demo_source, load_institution
from pipeline.dates import latest_census_year
from pipeline.disclosure import DisclosureRules, PublishedTable, protect_metrics, publish_table
from pipeline.metrics import metrics_frame
from pipeline.schema import METRICS_COLUMNS

SUPPRESSED_TEXT = "[c]"


def resolve(path: str | Path) -> Path:
    """A path parameter: absolute as given, else relative to the repository root."""
    path = Path(path)
    return path if path.is_absolute() else paths.ROOT / path


@dataclass
class ReportContext:
    """Resolved parameters of one notebook run and the safe ways to show data."""

    stage: str
    year: int
    raw_dir: Path
    institution: Institution
    processed_dir: Path
    work_dir: Path
    rules: DisclosureRules
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def is_demo(self) -> bool:
        return is_demo_source(self.raw_dir)

    @property
    def source(self) -> str:
        """Data source line under every table and chart."""
        kind = "synthetic demo data" if self.is_demo else "HR and survey exports"
        return f"{self.institution.short_name} {kind} ({self.raw_dir.name}), {self.year}"

    def table(self, name: str) -> pd.DataFrame:
        """A processed table (read once per notebook)."""
        if name not in self._tables:
            path = self.processed_dir / f"{name}.parquet"
            if not path.exists():
                raise FileNotFoundError(
                    f"{path} is missing: run the cleaning stage (00_clean) first"
                )
            self._tables[name] = pd.read_parquet(path)
        return self._tables[name]

    def tables(self, *names: str) -> dict[str, pd.DataFrame]:
        return {name: self.table(name) for name in names}

    def publish(self, frame: pd.DataFrame, **options: object) -> PublishedTable:
        """Disclosure-controlled table, ready to display or chart (see `publish_table`)."""
        options.setdefault("source", self.source)
        return publish_table(frame, rules=self.rules, **options)

    def publish_metrics(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Protect metrics, write them for `metrics.csv`, and keep the unprotected ones for
        the scorecard in the (unshared) work folder. Returns the protected frame."""
        frame = metrics_frame(frame.to_dict("records"))
        protected = protect_metrics(frame, self.rules)
        out = self.work_dir / "metrics"
        out.mkdir(parents=True, exist_ok=True)
        protected.to_csv(out / f"{self.stage}.csv", index=False, columns=list(METRICS_COLUMNS))
        internal = self.work_dir / "metrics_internal"
        internal.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(internal / f"{self.stage}.parquet", index=False)
        return protected

    def metric_table(
        self, metrics: pd.DataFrame, metric: str, by: str, *, total: bool = True,
        caption: str = "",
    ) -> PublishedTable:
        """A protected metric as categories x years (from `publish_metrics`' result), so the
        table shows exactly what `metrics.csv` holds, withheld cells included."""
        values = metric_table(metrics, metric, self.year, by, total=total)
        values = values.apply(pd.to_numeric, errors="coerce").astype(float)
        flags = metrics.assign(value=metrics["suppressed"].astype(float))
        withheld = metric_table(flags, metric, self.year, by, total=total).fillna(0).astype(bool)
        values.index.name = None
        return self.publish(values, total_row=TOTAL if total and TOTAL in values.index else None,
                            withheld=withheld, caption=caption)

    def rate_table(
        self, metrics: pd.DataFrame, metric: str, group: str = "", *, caption: str = "",
        numerator: str = "People", denominator: str = "Out of",
    ) -> PublishedTable:
        """A protected share over the years with its 95% Wilson interval."""
        rates = rate_table(metrics, metric, self.year, group)
        table = pd.DataFrame({
            numerator: rates["numerator"], denominator: rates["denominator"],
            "Rate": rates["rate"], "95% CI from": rates["ci_low"], "to": rates["ci_high"],
        })
        table.index = rates["year"].astype(str).to_numpy()
        return self.publish(
            table, count_columns=[numerator, denominator], share_columns={"Rate": denominator},
            interval_columns={"95% CI from": "Rate", "to": "Rate"}, caption=caption,
            percent_decimals=1,
        )

    def share_list(
        self, metrics: pd.DataFrame, metric: str, by: str, *,
        where: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
        caption: str = "", numerator: str = "Yes", denominator: str = "Answers",
        only: Sequence[str] | None = None,
    ) -> PublishedTable:
        """Reporting-year shares of `metric` for each value of `by` (with `where` conditions),
        with 95% Wilson intervals: e.g. the agree share of every item (`only` some)."""
        rows = long_metrics(metrics, metric, self.year, where)
        rows = rows[rows["by"].eq(by)].set_index("value_of_by")
        if only is not None:
            rows = rows.loc[[v for v in only if v in rows.index]]
        rates = with_wilson(rows[["numerator", "denominator"]])
        table = pd.DataFrame({
            numerator: rates["numerator"], denominator: rates["denominator"],
            "Rate": rates["rate"], "95% CI from": rates["ci_low"], "to": rates["ci_high"],
        })
        table.index = [(labels or {}).get(v, v) for v in table.index]
        return self.publish(
            table, count_columns=[numerator, denominator], share_columns={"Rate": denominator},
            interval_columns={"95% CI from": "Rate", "to": "Rate"},
            withheld=_withheld(table, rows["suppressed"].to_numpy()), caption=caption,
            percent_decimals=1,
        )

    def grid(
        self, metrics: pd.DataFrame, metric: str, rows: str, columns: str, *,
        where: Mapping[str, str] | None = None, row_labels: Mapping[str, str] | None = None,
        kind: str = "share", caption: str = "",
    ) -> PublishedTable:
        """A protected metric as a grid: values of condition `rows` x values of `columns`
        (e.g. item x answer); `columns="year"` spreads the years in the data. `kind` says
        whether the values are shares or counts. Figures come protected from
        `publish_metrics`, so the grid shows exactly what `metrics.csv` holds."""
        long = long_metrics(metrics, metric, self.year, where, pair=(rows, columns))
        grid = long.pivot_table(index="row", columns="column", values="value",
                                aggfunc="first", sort=False, dropna=False)
        hidden = long.pivot_table(index="row", columns="column", values="suppressed",
                                  aggfunc="first", sort=False).reindex_like(grid)
        if columns == "year":
            grid = grid[sorted(grid.columns)]
            hidden = hidden[grid.columns]
        grid.index = [(row_labels or {}).get(v, v) for v in grid.index]
        hidden.index = grid.index
        grid.columns.name = None
        hidden = hidden.fillna(False).astype(bool)
        option = "checked_shares" if kind == "share" else "checked_counts"
        return self.publish(grid, **{option: list(grid.columns)}, withheld=hidden,
                            caption=caption)

    def side_by_side(
        self, metrics: pd.DataFrame, columns: Mapping[str, str], by: str, *,
        row_labels: Mapping[str, str] | None = None, caption: str = "",
    ) -> PublishedTable:
        """Reporting-year counts of several metrics grouped by the same condition, one
        column each (`columns`: heading -> metric), e.g. attendees and presenters per event.
        A cell is blank where that metric has no row for the group."""
        values, hidden = {}, {}
        for heading, metric in columns.items():
            rows = long_metrics(metrics, metric, self.year)
            rows = rows[rows["by"] == by].set_index("value_of_by")
            values[heading], hidden[heading] = rows["value"], rows["suppressed"]
        table = pd.DataFrame(values)
        withheld = pd.DataFrame(hidden).reindex(table.index).fillna(False).astype(bool)
        table.index = [(row_labels or {}).get(v, v) for v in table.index]
        withheld.index = table.index
        return self.publish(table, checked_counts=list(table.columns), withheld=withheld,
                            caption=caption)

    def with_change(self, table: PublishedTable, caption: str = "") -> PublishedTable:
        """`table` (rows x years) with the change between its last two years, in words and
        figures, worked out from the published cells only."""
        frame = table.numeric.copy()
        years = list(frame.columns)
        change = []
        for _, row in frame.iterrows():
            before, now = row[years[-2]], row[years[-1]]
            if pd.isna(before) or pd.isna(now):
                change.append("")
            elif before:
                change.append(f"{now - before:+,.0f} ({(now - before) / before:+.1%})")
            else:
                change.append(f"{now - before:+,.0f}")
        frame[f"Change on {years[-2]}"] = change
        return self.publish(frame, checked_counts=years, withheld=table.suppressed_mask,
                            caption=caption or table.caption)

    def analysis_metrics(self) -> pd.DataFrame:
        """Unprotected metrics of every analysis stage run so far, with a `year` column: the
        scorecard judges on true figures (it shows only statuses and protected evidence)."""
        files = sorted((self.work_dir / "metrics_internal").glob("*.parquet"))
        frames = [pd.read_parquet(f) for f in files if f.stem != self.stage]
        if not frames:
            return pd.DataFrame(columns=["year", *METRICS_COLUMNS])
        frame = pd.concat(frames, ignore_index=True)
        years = [split_year(g, self.year)[0] for g in frame["group"]]
        return frame.assign(year=years)

    def publish_non_personal(self, frame: pd.DataFrame, caption: str = "") -> PublishedTable:
        """A table whose numbers count things that are not people (actions of the plan;
        rows of a file that failed a check): no small-number rule applies to them."""
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        return publish_table(frame, rules=self.rules, checked_counts=numeric, caption=caption)

    def read_cleaning_log(self) -> Mapping[str, object]:
        return json.loads((self.processed_dir / "cleaning_log.json").read_text(encoding="utf-8"))


def long_metrics(
    metrics: pd.DataFrame, metric: str, year: int, where: Mapping[str, str] | None = None,
    pair: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Rows of one metric in `year` whose group is `where` plus one more condition (`by`,
    `value_of_by`) or, with `pair`, plus two named conditions (`row`, `column`)."""
    want = dict(where or {})
    over_years = pair is not None and "year" in pair
    records = []
    for row in metrics[metrics["metric"] == metric].itertuples(index=False):
        row_year, rest = split_year(row.group, year)
        if (row_year != year and not over_years) or not rest:
            continue
        conditions = dict(part.split("=", 1) for part in rest.split(";"))
        if over_years:
            conditions["year"] = row_year
        if any(conditions.get(k) != v for k, v in want.items()):
            continue
        extra = {k: v for k, v in conditions.items() if k not in want}
        record = {"numerator": row.numerator, "denominator": row.denominator,
                  "value": row.value, "suppressed": bool(row.suppressed)}
        if pair is None and len(extra) == 1:
            (by, value), = extra.items()
            records.append({**record, "by": by, "value_of_by": value})
        elif pair is not None and set(extra) == set(pair):
            records.append({**record, "row": extra[pair[0]], "column": extra[pair[1]]})
    columns = ["by", "value_of_by"] if pair is None else ["row", "column"]
    frame = pd.DataFrame(records, columns=[*columns, "numerator", "denominator", "value",
                                           "suppressed"])
    for column in ("numerator", "denominator", "value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _withheld(table: pd.DataFrame, row_flags: object) -> pd.DataFrame:
    """A mask withholding whole rows of `table` (rows suppressed in metrics.csv)."""
    flags = pd.Series(list(row_flags), index=table.index, dtype=bool)
    return pd.DataFrame({c: flags for c in table.columns}, index=table.index)


def setup(
    stage: str,
    year: int | None = None,
    raw_dir: str | Path = "data/raw/demo",
    institution: str = "icr",
    processed_dir: str | Path | None = None,
    work_dir: str | Path | None = None,
) -> ReportContext:
    """Resolve a notebook's parameters (None means the default) and set the chart style."""
    raw = resolve(raw_dir)
    if not raw.is_dir():
        raise FileNotFoundError(
            f"Raw folder {raw} does not exist. For the demo data run `make demo-data` "
            "(or `make report`) first."
        )
    inst = load_institution(institution)
    year = int(year) if year is not None else latest_census_year(raw)
    processed = resolve(processed_dir) if processed_dir else paths.processed_dir(year)
    work = resolve(work_dir) if work_dir else paths.WORK_ROOT / str(year)
    charts.apply_style()
    pd.set_option("display.max_rows", 0)  # a stray frame never prints rows
    return ReportContext(stage, year, raw, inst, processed, work,
                         DisclosureRules.from_institution(inst))


def value_text(metrics: pd.DataFrame, metric: str, group: str = "", *, percent: bool = False,
               decimals: int = 0) -> str:
    """One published metric as text for a sentence: `[c]` when withheld, `n/a` if absent."""
    rows = metrics[(metrics["metric"] == metric) & (metrics["group"] == group)]
    if rows.empty or pd.isna(rows["value"].iloc[0]):
        return SUPPRESSED_TEXT if not rows.empty and bool(rows["suppressed"].iloc[0]) else "n/a"
    value = float(rows["value"].iloc[0])
    return f"{value:.{decimals}%}" if percent else f"{value:,.{decimals}f}"


def describe_change(values: pd.Series, *, percent: bool = False) -> str:
    """How the last value of a year-indexed series compares with the one before, in words
    ("up 12 (2.4%) on 2022"); empty when either value is withheld or missing."""
    if values.empty:
        return ""
    last = values.index[-1]
    values = values.dropna()
    if len(values) < 2 or values.index[-1] != last:
        return ""
    (before_year, before), (_, now) = list(values.iloc[-2:].items())
    change = now - before
    if percent:
        points = round(change * 100, 1)
        if points == 0:
            return f"unchanged on {before_year}"
        direction = "up" if points > 0 else "down"
        return f"{direction} {abs(points):.1f} percentage points on {before_year}"
    if round(change) == 0:
        return f"unchanged on {before_year}"
    relative = f" ({abs(change) / before:.1%})" if before else ""
    return f"{'up' if change > 0 else 'down'} {abs(change):,.0f}{relative} on {before_year}"


def say(text: str) -> None:
    """Show a paragraph of narrative (Markdown) in the report."""
    display(Markdown(text))
