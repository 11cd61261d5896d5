"""Workforce analysis: headcount, FTE, turnover, fixed-term share, leavers, promotions.

Pure functions of processed tables (`pipeline.schema.PROCESSED_COLUMNS`): no file I/O.
Metric functions return unsuppressed metric frames (`pipeline.metrics`); disclosure control
is applied later, at publication. Readings of the contract: `docs/qa/assumptions.md`.

Shared helpers for the analysis modules (year prefixes, category counts, display tables
from a metrics frame) live here too, and `workforce_metrics` is the single entry point
for the metrics of this module, `recognition` and `engagement`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from pipeline.analysis.stats import wilson_interval
from pipeline.config import Institution
from pipeline.metrics import count_row, group_key, metrics_frame, share_row
from pipeline.schema import CONTRACT_TYPES, GENDERS, LEAVING_REASONS

# Label for a blank category, so that groups still add up to the total.
UNKNOWN = "unknown"
TOTAL = "Total"
WORKFORCE_TABLES = ("hr_staff", "hr_leavers", "hr_promotions")
ALL_TABLES = (*WORKFORCE_TABLES, "registrations", "events", "training")
# Breakdowns of headcount and FTE, in the order the contract names them.
BREAKDOWNS = ("grade", "division", "contract_type", "gender")
FIXED_TERM = "Fixed-term"

Row = dict[str, object]


class MissingColumnError(KeyError):
    """A processed table lacks a column the analysis needs."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def require_columns(frame: pd.DataFrame, table: str, columns: Iterable[str]) -> None:
    """Raise `MissingColumnError` naming the table and every missing column."""
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise MissingColumnError(
            f"Table {table!r} lacks column(s) {missing}; it has {list(frame.columns)}"
        )


def flag(values: pd.Series) -> pd.Series:
    """A nullable boolean (or comparison) as plain bool, blank counted as False."""
    return values.fillna(False).astype(bool)


def in_year(years: pd.Series, year: int) -> pd.Series:
    """Mask of rows whose year column (Int64, may be blank) equals `year`."""
    return flag(years == year)


def date_in_year(dates: pd.Series, year: int) -> pd.Series:
    """Mask of rows whose date falls in calendar `year` (blank dates never do)."""
    return flag(pd.to_datetime(dates).dt.year == year)


def categories(values: pd.Series, canonical: Sequence[str] = ()) -> list[str]:
    """Canonical categories first (so zeros are shown), then other values seen, sorted.

    Blank values become `UNKNOWN` so that the groups of a breakdown add up to its total.
    """
    seen = set(values.astype("string").fillna(UNKNOWN))
    return [*canonical, *sorted(seen - set(canonical))]


def distinct_by(
    frame: pd.DataFrame, by: str, cats: Sequence[str], id_col: str = "person_id"
) -> dict[str, int]:
    """Distinct `id_col` per category of `by`, zero for categories absent from the frame."""
    keys = frame[by].astype("string").fillna(UNKNOWN)
    counts = frame[id_col].groupby(keys).nunique()
    return {cat: int(counts.get(cat, 0)) for cat in cats}


def rows_by(frame: pd.DataFrame, by: str, cats: Sequence[str]) -> dict[str, int]:
    """Number of rows per category of `by`, zero for categories absent from the frame."""
    counts = frame[by].astype("string").fillna(UNKNOWN).value_counts()
    return {cat: int(counts.get(cat, 0)) for cat in cats}


def with_year(group: str, year: int) -> str:
    """Trend group: `year=YYYY` first, then the group's own conditions."""
    prefix = group_key(year=year)
    return f"{prefix};{group}" if group else prefix


def split_year(group: str, reporting_year: int) -> tuple[int, str]:
    """Inverse of `with_year`: (year, rest); rows without `year=` are the reporting year's."""
    if group.startswith("year="):
        head, _, rest = group.partition(";")
        return int(head.removeprefix("year=")), rest
    return reporting_year, group


def over_years(
    per_year: Callable[[int], pd.DataFrame], years: Iterable[int], reporting_year: int
) -> pd.DataFrame:
    """Metrics of the reporting year (plain groups), then earlier years as `year=` rows."""
    earlier = sorted(y for y in set(years) if y < reporting_year)
    frames = [per_year(reporting_year)]
    for year in earlier:
        frame = per_year(year)
        frames.append(frame.assign(group=[with_year(g, year) for g in frame["group"]]))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return metrics_frame([])
    return metrics_frame(pd.concat(frames, ignore_index=True).to_dict("records"))


def breakdown_counts(metric: str, counts: Mapping[str, int], by: str) -> list[Row]:
    """Count rows `metric` with group `by=<category>`, one per category."""
    return [count_row(metric, n, group_key(**{by: cat})) for cat, n in counts.items()]


# ---------------------------------------------------------------------------------------------
# Selections
# ---------------------------------------------------------------------------------------------

STAFF_COLUMNS = ("census_year", "person_id", "fte", "is_technical", *BREAKDOWNS)
LEAVER_COLUMNS = (
    "person_id", "leave_year", "leaving_reason", "exit_questionnaire_completed",
    "contract_type", "is_technical",
)
PROMOTION_COLUMNS = ("person_id", "effective_year", "from_grade", "to_grade")


def census_years(hr_staff: pd.DataFrame, up_to: int | None = None) -> list[int]:
    """Years that have a census (any staff), ascending, optionally up to `up_to`."""
    require_columns(hr_staff, "hr_staff", ["census_year"])
    years = sorted(int(y) for y in hr_staff["census_year"].dropna().unique())
    return [y for y in years if up_to is None or y <= up_to]


def has_census(hr_staff: pd.DataFrame, year: int) -> bool:
    """True when `hr_staff` holds a census (of any staff) for `year`."""
    return bool(in_year(hr_staff["census_year"], year).any())


def technical_census(hr_staff: pd.DataFrame, year: int) -> pd.DataFrame:
    """Technical staff at the census of `year`."""
    require_columns(hr_staff, "hr_staff", STAFF_COLUMNS)
    mask = in_year(hr_staff["census_year"], year) & flag(hr_staff["is_technical"])
    return hr_staff[mask]


def technical_headcount(hr_staff: pd.DataFrame, year: int) -> int:
    """Distinct technical people at the census of `year` (0 when there is none)."""
    return int(technical_census(hr_staff, year)["person_id"].nunique())


def technical_leavers(hr_leavers: pd.DataFrame, year: int) -> pd.DataFrame:
    """Technical leavers (job family of the leaver record) with `leave_date` in `year`."""
    require_columns(hr_leavers, "hr_leavers", LEAVER_COLUMNS)
    mask = in_year(hr_leavers["leave_year"], year) & flag(hr_leavers["is_technical"])
    return hr_leavers[mask]


def technical_promotions(
    hr_promotions: pd.DataFrame, institution: Institution, year: int
) -> pd.DataFrame:
    """Promotions effective in `year` to one of the institution's technical grades."""
    require_columns(hr_promotions, "hr_promotions", PROMOTION_COLUMNS)
    mask = in_year(hr_promotions["effective_year"], year) & flag(
        hr_promotions["to_grade"].isin(institution.grade_order)
    )
    return hr_promotions[mask]


def canonical_values(institution: Institution, by: str) -> tuple[str, ...]:
    """Categories always shown for a breakdown, zero or not (for secondary suppression)."""
    return {
        "grade": institution.grade_order,
        "division": institution.divisions,
        "contract_type": CONTRACT_TYPES,
        "gender": GENDERS,
        "leaving_reason": LEAVING_REASONS,
    }.get(by, ())


# ---------------------------------------------------------------------------------------------
# Metrics for one year (plain groups; `over_years` adds the trend prefix)
# ---------------------------------------------------------------------------------------------


def headcount_metrics(hr_staff: pd.DataFrame, institution: Institution, year: int) -> pd.DataFrame:
    """`workforce.headcount` and `workforce.fte` at the census of `year`, total and by group."""
    staff = technical_census(hr_staff, year)
    rows: list[Row] = [count_row("workforce.headcount", int(staff["person_id"].nunique()))]
    for by in BREAKDOWNS:
        cats = categories(staff[by], canonical_values(institution, by))
        rows += breakdown_counts("workforce.headcount", distinct_by(staff, by, cats), by)
    rows.append(count_row("workforce.fte", round(float(staff["fte"].sum()), 2)))
    for by in BREAKDOWNS:
        cats = categories(staff[by], canonical_values(institution, by))
        sums = staff["fte"].groupby(staff[by].astype("string").fillna(UNKNOWN)).sum()
        rows += [
            count_row("workforce.fte", round(float(sums.get(cat, 0.0)), 2), group_key(**{by: cat}))
            for cat in cats
        ]
    return metrics_frame(rows)


def turnover_denominator(
    hr_staff: pd.DataFrame, year: int, contract_type: str | None = None
) -> float:
    """Mean technical headcount of census `year` and `year - 1` (this one alone if no previous).

    With `contract_type`, the headcounts are of staff on that contract type.
    """

    def headcount(y: int) -> int:
        staff = technical_census(hr_staff, y)
        if contract_type is not None:
            staff = staff[flag(staff["contract_type"] == contract_type)]
        return int(staff["person_id"].nunique())

    if has_census(hr_staff, year - 1):
        return (headcount(year) + headcount(year - 1)) / 2
    return float(headcount(year))


def turnover_metrics(
    hr_staff: pd.DataFrame, hr_leavers: pd.DataFrame, year: int
) -> pd.DataFrame:
    """`workforce.turnover_rate` (total and by `contract_type=`) and the fixed-term share."""
    leavers = technical_leavers(hr_leavers, year)
    rows: list[Row] = [
        share_row("workforce.turnover_rate", len(leavers), turnover_denominator(hr_staff, year))
    ]
    for contract in CONTRACT_TYPES:
        n_leavers = int(flag(leavers["contract_type"] == contract).sum())
        denominator = turnover_denominator(hr_staff, year, contract)
        rows.append(
            share_row(
                "workforce.turnover_rate", n_leavers, denominator,
                group_key(contract_type=contract),
            )
        )
    staff = technical_census(hr_staff, year)
    fixed_term = staff[flag(staff["contract_type"] == FIXED_TERM)]
    rows.append(
        share_row(
            "workforce.fixed_term_share",
            int(fixed_term["person_id"].nunique()),
            int(staff["person_id"].nunique()),
        )
    )
    return metrics_frame(rows)


def leaver_metrics(hr_leavers: pd.DataFrame, year: int) -> pd.DataFrame:
    """`leavers.count` (total, by `leaving_reason=`, by `contract_type=`) and exit rate."""
    leavers = technical_leavers(hr_leavers, year)
    rows: list[Row] = [count_row("leavers.count", len(leavers))]
    reasons = categories(leavers["leaving_reason"], LEAVING_REASONS)
    rows += breakdown_counts(
        "leavers.count", rows_by(leavers, "leaving_reason", reasons), "leaving_reason"
    )
    contracts = categories(leavers["contract_type"], CONTRACT_TYPES)
    rows += breakdown_counts(
        "leavers.count", rows_by(leavers, "contract_type", contracts), "contract_type"
    )
    completed = int(flag(leavers["exit_questionnaire_completed"]).sum())
    rows.append(share_row("leavers.exit_questionnaire_rate", completed, len(leavers)))
    return metrics_frame(rows)


def promotion_metrics(
    hr_promotions: pd.DataFrame, hr_staff: pd.DataFrame, institution: Institution, year: int
) -> pd.DataFrame:
    """`promotions.count` (total, by `from_grade=`, by `to_grade=`) and `promotions.rate`.

    The rate is promotions in `year` over the technical headcount at census `year - 1`
    (by `from_grade=`: over the headcount at that grade); blank when there is no such census.
    """
    promos = technical_promotions(hr_promotions, institution, year)
    rows: list[Row] = [count_row("promotions.count", len(promos))]
    from_cats = categories(promos["from_grade"], institution.grade_order)
    from_counts = rows_by(promos, "from_grade", from_cats)
    rows += breakdown_counts("promotions.count", from_counts, "from_grade")
    to_cats = categories(promos["to_grade"], institution.grade_order)
    rows += breakdown_counts("promotions.count", rows_by(promos, "to_grade", to_cats), "to_grade")

    previous = technical_census(hr_staff, year - 1)
    rows.append(share_row("promotions.rate", len(promos), int(previous["person_id"].nunique())))
    at_grade = distinct_by(previous, "grade", from_cats)
    rows += [
        share_row("promotions.rate", from_counts[g], at_grade[g], group_key(from_grade=g))
        for g in from_cats
    ]
    return metrics_frame(rows)


def workforce_year_metrics(
    tables: Mapping[str, pd.DataFrame], institution: Institution, year: int
) -> pd.DataFrame:
    """All workforce metrics of one year, plain groups."""
    hr_staff, hr_leavers = tables["hr_staff"], tables["hr_leavers"]
    frames = [
        headcount_metrics(hr_staff, institution, year),
        turnover_metrics(hr_staff, hr_leavers, year),
        leaver_metrics(hr_leavers, year),
        promotion_metrics(tables["hr_promotions"], hr_staff, institution, year),
    ]
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def report_years(hr_staff: pd.DataFrame, year: int) -> list[int]:
    """Census years up to `year`; raises when `year` itself has no census."""
    years = census_years(hr_staff, up_to=year)
    if year not in years:
        raise ValueError(
            f"Table 'hr_staff' has no census in the reporting year {year} (column "
            f"'census_year'); census years present: {census_years(hr_staff)}"
        )
    return years


def workforce_metrics(
    tables: Mapping[str, pd.DataFrame], institution: Institution, year: int
) -> pd.DataFrame:
    """Every metric of the workforce, recognition and engagement analyses.

    Rows of the reporting `year` have plain groups; each earlier census year's rows repeat
    them with a `year=YYYY` condition first. Unsuppressed.
    """
    # Imported here: those modules import the helpers above.
    from pipeline.analysis.engagement import engagement_year_metrics
    from pipeline.analysis.recognition import recognition_year_metrics

    missing = [name for name in ALL_TABLES if name not in tables]
    if missing:
        raise KeyError(f"workforce_metrics needs the processed tables {missing}")
    years = report_years(tables["hr_staff"], year)

    def per_year(y: int) -> pd.DataFrame:
        return pd.concat(
            [
                workforce_year_metrics(tables, institution, y),
                recognition_year_metrics(tables["registrations"], y),
                engagement_year_metrics(
                    tables["events"], tables["training"], tables["hr_staff"], y
                ),
            ],
            ignore_index=True,
        )

    return over_years(per_year, years, year)


# ---------------------------------------------------------------------------------------------
# Display helpers: plain frames for tables and charts (pass through disclosure control first)
# ---------------------------------------------------------------------------------------------


def headcount_by(
    hr_staff: pd.DataFrame,
    institution: Institution,
    by: str,
    years: Iterable[int],
    measure: str = "headcount",
) -> pd.DataFrame:
    """Technical headcount (or FTE, `measure="fte"`) by `by`: categories x years, plus Total."""
    if by not in BREAKDOWNS:
        raise ValueError(f"headcount_by: by must be one of {BREAKDOWNS}, not {by!r}")
    if measure not in ("headcount", "fte"):
        raise ValueError(f"headcount_by: measure must be 'headcount' or 'fte', not {measure!r}")
    years = sorted(set(years))
    if not years:
        raise ValueError("headcount_by: no years given")
    frames = []
    for year in years:
        frame = headcount_metrics(hr_staff, institution, year)
        frames.append(frame.assign(group=[with_year(g, year) for g in frame["group"]]))
    metrics = pd.concat(frames, ignore_index=True)
    # Every row carries `year=`, so the reporting year passed on is never used.
    return metric_table(metrics, f"workforce.{measure}", years[-1], by)


def metric_table(
    metrics: pd.DataFrame, metric: str, reporting_year: int, by: str, total: bool = True
) -> pd.DataFrame:
    """From a metrics frame: `metric` by `by` as a categories x years table of values.

    Categories keep their order in the metrics frame (config order); `Total` (the ungrouped
    row) is appended when `total` and the metric has one.
    """
    frame = metrics[metrics["metric"] == metric]
    if frame.empty:
        raise ValueError(f"metric_table: no rows for metric {metric!r}")
    records, order = [], []
    for group, value in zip(frame["group"], frame["value"], strict=True):
        year, rest = split_year(group, reporting_year)
        if rest == "" and total:
            category = TOTAL
        elif rest.startswith(f"{by}=") and ";" not in rest:
            category = rest.removeprefix(f"{by}=")
        else:
            continue
        records.append((category, year, value))
        if category not in order and category != TOTAL:
            order.append(category)
    long = pd.DataFrame(records, columns=[by, "year", "value"])
    table = long.pivot_table(
        index=by, columns="year", values="value", aggfunc="first", dropna=False
    )
    rows = [*order, TOTAL] if TOTAL in table.index else order
    table = table.reindex(rows)
    table.columns.name = None
    return table


def rate_table(
    metrics: pd.DataFrame,
    metric: str,
    reporting_year: int,
    group: str = "",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """A share metric over the years: year, numerator, denominator, rate, ci_low, ci_high."""
    frame = metrics[metrics["metric"] == metric]
    records = []
    for row in frame.itertuples(index=False):
        year, rest = split_year(row.group, reporting_year)
        if rest == group:
            records.append(
                {"year": year, "numerator": row.numerator, "denominator": row.denominator}
            )
    if not records:
        raise ValueError(f"rate_table: no rows for metric {metric!r} with group {group!r}")
    table = pd.DataFrame(records).sort_values("year", ignore_index=True)
    return with_wilson(table, confidence)


def with_wilson(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Add `rate`, `ci_low`, `ci_high` (Wilson) from `numerator` and `denominator` columns.

    A zero or blank denominator gives blank rate and interval.
    """
    numerators = pd.to_numeric(frame["numerator"], errors="coerce").astype(float)
    denominators = pd.to_numeric(frame["denominator"], errors="coerce").astype(float)
    rates, lows, highs = [], [], []
    for num, den in zip(numerators, denominators, strict=True):
        if pd.isna(num) or pd.isna(den) or den <= 0:
            rates.append(float("nan"))
            lows.append(float("nan"))
            highs.append(float("nan"))
            continue
        low, high = wilson_interval(num, den, confidence)
        rates.append(num / den)
        lows.append(low)
        highs.append(high)
    return frame.assign(rate=rates, ci_low=lows, ci_high=highs)


def year_on_year(
    table: pd.DataFrame, current: int | None = None, previous: int | None = None
) -> pd.DataFrame:
    """Change between two year columns of a wide table: previous, current, change, pct_change.

    Defaults compare the last column with the one before it. `pct_change` is blank when the
    previous value is 0 or blank (a change from nothing has no percentage).
    """
    columns = list(table.columns)
    if len(columns) < 2 and (current is None or previous is None):
        raise ValueError("year_on_year needs at least two year columns")
    current = columns[-1] if current is None else current
    previous = columns[columns.index(current) - 1] if previous is None else previous
    before = pd.to_numeric(table[previous], errors="coerce").astype(float)
    after = pd.to_numeric(table[current], errors="coerce").astype(float)
    change = after - before
    pct = (change / before.where(before != 0)) * 100
    return pd.DataFrame(
        {"previous": before, "current": after, "change": change, "pct_change": pct},
        index=table.index,
    ).rename(columns={"previous": previous, "current": current})


def promotions_flow(
    hr_promotions: pd.DataFrame, institution: Institution, year: int
) -> pd.DataFrame:
    """Promotions effective in `year`: from_grade (rows) x to_grade (columns) counts."""
    promos = technical_promotions(hr_promotions, institution, year)
    from_cats = categories(promos["from_grade"], institution.grade_order)
    to_cats = categories(promos["to_grade"], institution.grade_order)
    flow = pd.crosstab(
        promos["from_grade"].astype("string").fillna(UNKNOWN),
        promos["to_grade"].astype("string").fillna(UNKNOWN),
    )
    flow = flow.reindex(index=from_cats, columns=to_cats, fill_value=0).astype(int)
    flow.index.name, flow.columns.name = "from_grade", "to_grade"
    return flow
