"""Action-plan scorecard: how far each action got, judged from metrics and the activity log.

Call `build_scorecard(plan, metrics, activity_log, year)` for everything a report needs: the
per-action table, the per-criterion detail, the per-pillar counts and the
`action_plan.status` rows of `metrics.csv`. Inputs: `metrics` has columns `year, metric,
group, value, numerator, denominator` (unsuppressed, all years; a `year=YYYY` condition at the
start of `group` is read as the year), `activity_log` is the processed table.

Status rules. Let Y be the reporting year and f the share of the plan period elapsed by the end
of Y (1/3 in 2021 for a 2021-2023 plan). Each criterion of an action is judged first:

- `met`: the target holds in the criterion's window (for `exists`: there is data).
- `on_path`: not met yet, but progress is at or above the pro-rata path while the period
  runs: progress >= f, where progress is value / target for a cumulative (`to_date`) target
  and (value - baseline) / (required - baseline) for a relative target (`target_change`). A
  relative target with no earlier year to compare with is on path while the period runs.
- `behind`: data is there but the target is missed and progress is not on path (an annual
  target missed, progress below pro-rata, anything short of the target once the period is
  over), or the plan's earlier years have data but the reporting year has none.
- `empty`: the source exists (the metric is published, the activity log has rows for the
  action) but holds nothing for this criterion from the plan start to Y.
- `unavailable`: no source: the metric is not in `metrics` at all, or the activity log has no
  row for the action (or none with the named activity metric).
- `evidence_needed` criteria are not judged: they say what evidence would settle the measure.

The action's status, from its judged criteria (`met`, `on_path`, `behind`, `empty`):

1. none judged (all unavailable or evidence_needed) -> `no_data`;
2. all met, and no criterion unavailable -> `complete`;
3. all empty -> `not_started`;
4. the plan period is over (Y is its last year or later) and one is not met -> `at_risk`;
5. at least one met, or none behind -> `on_track` (so all met but one unavailable is
   `on_track`: the missing source could still show a shortfall);
6. otherwise (something behind, nothing met) -> `at_risk`.

Relative targets compare with a baseline: `baseline_year` when it has data, else the latest
year before the plan with data, else the first year with data. The required value is
baseline x (1 + target_change). Evidence sentences never show a figure the small-number rule
would withhold (counts below `threshold`, shares on fewer than `threshold` people), although
the status is judged on the true figures.
"""

from __future__ import annotations

import datetime as dt
import operator
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

import pandas as pd

from pipeline.action_plan import Action, ActionPlan, Criterion
from pipeline.metrics import group_key, metric_row, metrics_frame

STATUSES = ("complete", "on_track", "at_risk", "not_started", "no_data")
STATUS_LABELS = {
    "complete": "Complete", "on_track": "On track", "at_risk": "At risk",
    "not_started": "Not started", "no_data": "No data",
}
STATUS_METRIC = "action_plan.status"

MET, ON_PATH, BEHIND, EMPTY = "met", "on_path", "behind", "empty"
UNAVAILABLE, NOT_JUDGED = "unavailable", "not_judged"
JUDGED = (MET, ON_PATH, BEHIND, EMPTY)
_RANK = {MET: 3, ON_PATH: 2, BEHIND: 1, EMPTY: 0}
_STATE_WORDS = {MET: "met", ON_PATH: "on track", BEHIND: "behind", EMPTY: "not started"}

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
}
# Relative targets are products of floats (50 x 1.1 = 55.000000000000007): compare values
# rounded to this many decimals so that exactly meeting a target counts as meeting it.
_DECIMALS = 9
_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}

METRICS_INPUT_COLUMNS = ("year", "metric", "group", "value")
ACTIVITY_INPUT_COLUMNS = ("action_id", "activity", "metric", "value")
ACTION_COLUMNS = (
    "action_id", "pillar", "pillar_name", "text", "owners", "success_measure", "new", "stage",
    "status", "evidence", "evidence_needed", "criteria",
)
CRITERIA_COLUMNS = ("action_id", "criterion", "kind", "description", "state", "evidence")


@dataclass(frozen=True)
class Scorecard:
    """Everything the scorecard report shows, for one plan and reporting year."""

    plan: ActionPlan
    year: int
    actions: pd.DataFrame  # one row per action, ACTION_COLUMNS
    criteria: pd.DataFrame  # one row per criterion, CRITERIA_COLUMNS
    pillars: pd.DataFrame  # pillar x status counts (`pillar_summary`)
    metrics: pd.DataFrame  # `action_plan.status` rows (`status_metrics`)


@dataclass(frozen=True)
class _Context:
    """What every criterion needs to know about the reporting year and the plan."""

    year: int
    start_year: int
    end_year: int
    elapsed: float  # share of the plan period elapsed by the end of `year`
    threshold: int | None

    @property
    def period_over(self) -> bool:
        return self.year >= self.end_year


@dataclass(frozen=True)
class _Result:
    state: str
    evidence: str


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def build_scorecard(
    plan: ActionPlan,
    metrics: pd.DataFrame | None,
    activity_log: pd.DataFrame | None,
    year: int,
    threshold: int | None = 5,
) -> Scorecard:
    """The whole scorecard in one call: actions, criteria, pillar counts, status metrics."""
    actions, criteria = _evaluate(plan, metrics, activity_log, year, threshold)
    return Scorecard(
        plan=plan, year=year, actions=actions, criteria=criteria,
        pillars=pillar_summary(actions), metrics=status_metrics(actions),
    )


def evaluate(
    plan: ActionPlan,
    metrics: pd.DataFrame | None,
    activity_log: pd.DataFrame | None,
    year: int,
    threshold: int | None = 5,
) -> pd.DataFrame:
    """One row per action (ACTION_COLUMNS) with its status and the evidence behind it.

    `metrics` or `activity_log` may be None when the dataset is absent (criteria reading it
    are `unavailable`). `threshold`: the small-number threshold for figures quoted in
    evidence sentences (None: quote every figure).
    """
    return _evaluate(plan, metrics, activity_log, year, threshold)[0]


def pillar_summary(actions: pd.DataFrame) -> pd.DataFrame:
    """Actions per pillar and status: pillar, pillar_name, one column per status, total.

    Pillars keep the order of the scorecard (the plan's order); statuses are STATUSES.
    """
    _require(actions, "scorecard", ("pillar", "pillar_name", "status"))
    unknown = sorted(set(actions["status"]) - set(STATUSES))
    if unknown:
        raise ValueError(f"scorecard: column 'status' holds unknown values {unknown}")
    pillars = actions[["pillar", "pillar_name"]].drop_duplicates("pillar")
    counts = pd.crosstab(actions["pillar"], actions["status"]).reindex(
        index=pillars["pillar"], columns=list(STATUSES), fill_value=0
    )
    summary = pillars.set_index("pillar").join(counts).reset_index()
    summary["total"] = summary[list(STATUSES)].sum(axis=1)
    return summary.astype({s: int for s in (*STATUSES, "total")})


def status_metrics(actions: pd.DataFrame) -> pd.DataFrame:
    """`action_plan.status` rows for metrics.csv: group `action=<id>`, value the status."""
    _require(actions, "scorecard", ("action_id", "status"))
    return metrics_frame(
        metric_row(STATUS_METRIC, status, group=group_key(action=action_id))
        for action_id, status in zip(actions["action_id"], actions["status"], strict=True)
    )


def prepare_metrics(metrics: pd.DataFrame | None) -> pd.DataFrame:
    """Metrics with an int `year`, `group` without a `year=` condition, numeric values.

    Status rows (`action_plan.*`) are dropped. Raises ValueError naming the column and
    the offending values when a year or a value is not a number.
    """
    columns = ["year", "metric", "group", "value", "numerator", "denominator"]
    if metrics is None:
        return pd.DataFrame(columns=columns)
    _require(metrics, "metrics", METRICS_INPUT_COLUMNS)
    frame = metrics[~metrics["metric"].astype(str).str.startswith("action_plan.")].copy()
    frame["metric"] = frame["metric"].astype(str)
    frame["group"] = frame["group"].fillna("").astype(str)
    prefix = frame["group"].str.extract(r"^year=(\d{4})(?:;|$)")[0]
    frame["year"] = prefix.where(prefix.notna(), frame["year"])
    frame["group"] = frame["group"].str.replace(r"^year=\d{4};?", "", regex=True)
    frame["year"] = _numeric(frame["year"], "metrics", "year")
    for column in ("value", "numerator", "denominator"):
        frame[column] = (
            _numeric(frame[column], "metrics", column) if column in frame else float("nan")
        )
    frame["year"] = frame["year"].astype(int)
    return frame[columns].reset_index(drop=True)


def prepare_activity_log(activity_log: pd.DataFrame | None) -> pd.DataFrame:
    """The activity log with an int `year` (from `year` or `date`) and float `value`."""
    columns = ["action_id", "year", "date", "activity", "metric", "value"]
    if activity_log is None:
        return pd.DataFrame(columns=columns)
    _require(activity_log, "activity_log", ACTIVITY_INPUT_COLUMNS)
    frame = activity_log.copy()
    if "date" not in frame:
        frame["date"] = pd.NaT
    frame["date"] = pd.to_datetime(frame["date"])
    if "year" not in frame:
        frame["year"] = frame["date"].dt.year
    frame = frame[frame["year"].notna()]
    frame["year"] = _numeric(frame["year"], "activity_log", "year").astype(int)
    frame["value"] = _numeric(frame["value"], "activity_log", "value")
    for column in ("action_id", "activity", "metric"):
        frame[column] = frame[column].astype("string").fillna("").str.strip()
    return frame[columns].sort_values(["action_id", "date"], kind="stable")


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def _evaluate(
    plan: ActionPlan,
    metrics: pd.DataFrame | None,
    activity_log: pd.DataFrame | None,
    year: int,
    threshold: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ctx = _context(plan, year, threshold)
    metric_data = prepare_metrics(metrics)
    activity_data = prepare_activity_log(activity_log)
    action_rows, criterion_rows = [], []
    for action in plan.actions:
        results = [
            _judge(c, action, metric_data, activity_data, ctx) for c in action.criteria
        ]
        action_rows.append(_action_row(plan, action, results, ctx.period_over))
        criterion_rows += [
            {"action_id": action.id, "criterion": i, "kind": c.kind,
             "description": describe(c, action.id), "state": r.state, "evidence": r.evidence}
            for i, (c, r) in enumerate(zip(action.criteria, results, strict=True), 1)
        ]
    return (
        pd.DataFrame(action_rows, columns=list(ACTION_COLUMNS)),
        pd.DataFrame(criterion_rows, columns=list(CRITERIA_COLUMNS)),
    )


def _context(plan: ActionPlan, year: int, threshold: int | None) -> _Context:
    if year < plan.start.year:
        raise ValueError(
            f"Reporting year {year} is before the action plan {plan.name!r} starts "
            f"({plan.start:%Y-%m-%d})"
        )
    year_end = min(dt.date(year, 12, 31), plan.end)
    elapsed = ((year_end - plan.start).days + 1) / ((plan.end - plan.start).days + 1)
    return _Context(year, plan.start.year, plan.end.year, elapsed, threshold)


def action_status(states: Sequence[str], period_over: bool) -> str:
    """The action's status from its criteria's states (rules in the module docstring)."""
    judged = [s for s in states if s in JUDGED]
    if not judged:
        return "no_data"
    if all(s == MET for s in judged) and UNAVAILABLE not in states:
        return "complete"
    if all(s == EMPTY for s in judged):
        return "not_started"
    if period_over and any(s != MET for s in judged):
        return "at_risk"
    if MET in judged or BEHIND not in judged:
        return "on_track"
    return "at_risk"


def _action_row(
    plan: ActionPlan, action: Action, results: list[_Result], period_over: bool
) -> dict[str, object]:
    needed = [c.text for c in action.criteria if c.kind == "evidence_needed"]
    shown = [r.evidence for r in results if r.state != NOT_JUDGED]
    return {
        "action_id": action.id, "pillar": action.pillar,
        "pillar_name": plan.pillar_name(action.pillar), "text": action.text,
        "owners": plan.owners_display(action),
        "success_measure": action.success_measure or "Not stated separately in the plan",
        "new": action.new, "stage": action.stage,
        "status": action_status([r.state for r in results], period_over),
        "evidence": "; ".join(shown) if shown else "No data source for this action.",
        "evidence_needed": " ".join(needed),
        "criteria": "; ".join(describe(c, action.id) for c in action.criteria),
    }


def _judge(
    criterion: Criterion,
    action: Action,
    metrics: pd.DataFrame,
    activity: pd.DataFrame,
    ctx: _Context,
) -> _Result:
    if criterion.kind == "metric":
        return _judge_metric(criterion, metrics, ctx)
    if criterion.kind == "activity":
        return _judge_activity(criterion, criterion.action_id or action.id, activity, ctx)
    return _Result(NOT_JUDGED, f"Not measurable from the data: {criterion.text}")


def _judge_metric(c: Criterion, metrics: pd.DataFrame, ctx: _Context) -> _Result:
    label = c.label or c.metric
    named = metrics[metrics["metric"].map(lambda m: fnmatchcase(m, c.metric))]
    if named.empty:
        return _Result(UNAVAILABLE, f"{label}: no data (metric {c.metric} is not published)")
    rows = named[named["group"].map(lambda g: fnmatchcase(g, c.group))]
    rows = rows[rows["value"].notna() & (rows["year"] <= ctx.year)]
    series = {
        key: part.drop_duplicates("year", keep="last").set_index("year").sort_index()
        for key, part in rows.groupby(["metric", "group"], sort=True)
    }
    if not series:
        return _Result(EMPTY, f"{label}: nothing yet up to {ctx.year}")
    share = c.metric.endswith(("_rate", "_share"))
    results = {
        _series_name(key, c): _judge_points(points, c, ctx, share, protect=True)
        for key, points in series.items()
    }
    return _combine(label, results, c.combine)


def _judge_activity(c: Criterion, action_id: str, log: pd.DataFrame, ctx: _Context) -> _Result:
    label = c.label or f"activity-log evidence for {action_id}"
    rows = log[log["action_id"] == action_id]
    if rows.empty:
        return _Result(UNAVAILABLE, f"{label}: no data (no activity-log entries for {action_id})")
    if c.metric:
        rows = rows[rows["metric"].map(lambda m: fnmatchcase(m, c.metric))]
        if rows.empty:
            return _Result(
                UNAVAILABLE, f"{label}: no data (no activity-log values {c.metric} for {action_id})"
            )
    rows = rows[rows["year"] <= ctx.year]
    if c.counts_rows:
        return _judge_rows(rows, c, ctx, label)
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return _Result(EMPTY, f"{label}: nothing yet up to {ctx.year}")
    aggregate = {"last": "last", "sum": "sum", "max": "max"}[c.aggregate]
    results = {}
    for name, part in rows.groupby("metric", sort=True):
        points = part.groupby("year")[["value"]].agg(aggregate)
        points["numerator"] = points["denominator"] = float("nan")
        key = str(name) if _is_pattern(c.metric) else ""
        results[key] = _judge_points(points, c, ctx, share=False, protect=False)
    return _combine(label, results, c.combine)


def _judge_rows(rows: pd.DataFrame, c: Criterion, ctx: _Context, label: str) -> _Result:
    """Activity criterion judged by the number of evidence rows in the window."""
    in_plan = rows[rows["year"] >= ctx.start_year]
    window = in_plan[in_plan["year"] == ctx.year] if c.window == "year" else in_plan
    count, needed = len(window), c.min_count or 1
    when = _when(c.window, ctx)
    if count == 0:
        if c.window == "year" and not in_plan.empty:
            last = int(in_plan["year"].max())
            return _Result(BEHIND, f"{label}: none {when} (last in {last}) [behind]")
        return _Result(EMPTY, f"{label}: none yet {when}")
    examples = ", ".join(
        textwrap.shorten(a, 60, placeholder="...") for a in window["activity"].unique()[:3] if a
    )
    entries = "1 entry" if count == 1 else f"{count} entries"
    text = f"{label}: {entries} {when} (needs {_SYMBOLS['>=']} {needed})"
    text += f", e.g. {examples}" if examples else ""
    if count >= needed:
        state = MET
    elif c.window == "to_date" and not ctx.period_over and count / needed >= ctx.elapsed:
        state = ON_PATH
    else:
        state = BEHIND
    return _Result(state, f"{text} [{_STATE_WORDS[state]}]")


def _judge_points(
    points: pd.DataFrame, c: Criterion, ctx: _Context, share: bool, protect: bool
) -> _Result:
    """Judge one yearly series (index year; columns value, numerator, denominator)."""
    threshold = ctx.threshold if protect else None
    in_plan = points[(points.index >= ctx.start_year) & (points.index <= ctx.year)]
    current = _window_value(points, in_plan, c, ctx, threshold)
    if current is None:
        if c.window == "year" and not in_plan.empty:
            last = int(in_plan.index.max())
            return _Result(BEHIND, f"none in {ctx.year} (last in {last}) [behind]")
        return _Result(EMPTY, f"nothing yet {_when(c.window, ctx)}")
    value, value_year, small = current
    fmt = _formatter(share, threshold)
    when = f"in {value_year}" if c.window != "to_date" else _when("to_date", ctx)
    if c.comparison == "exists":
        years = [value_year] if c.window != "to_date" else sorted(int(y) for y in in_plan.index)
        return _Result(MET, f"data for {', '.join(map(str, years))} [met]")
    if c.is_relative:
        return _judge_relative(points, c, ctx, (value, value_year, small), fmt, threshold)
    target = float(c.target)  # type: ignore[arg-type]  # validated: absolute targets have one
    met = _meets(value, target, c.comparison)
    progress = value / target if c.window == "to_date" and target > 0 else None
    state = _state(met, progress, c, ctx)
    text = f"{fmt(value, small)} {when} (target {_SYMBOLS[c.comparison]} {fmt(target, False)})"
    return _Result(state, f"{text} [{_STATE_WORDS[state]}]")


def _judge_relative(
    points: pd.DataFrame,
    c: Criterion,
    ctx: _Context,
    current: tuple[float, int, bool],
    fmt: Callable[[float, bool], str],
    threshold: int | None,
) -> _Result:
    value, value_year, small = current
    base_year = _baseline_year(points, c, ctx, value_year)
    if base_year is None:
        state = BEHIND if ctx.period_over else ON_PATH
        return _Result(
            state,
            f"{fmt(value, small)} in {value_year}, the first figure: the change is measured "
            f"from the next one [{_STATE_WORDS[state]}]",
        )
    base = float(points.at[base_year, "value"])
    base_small = _is_small(points.loc[base_year], threshold)
    required = base * (1 + float(c.target_change))  # type: ignore[arg-type]
    met = _meets(value, required, c.comparison)
    progress = (value - base) / (required - base) if required != base else None
    state = _state(met, progress, c, ctx)
    text = (
        f"{fmt(value, small)} in {value_year} vs {fmt(base, base_small)} in {base_year} "
        f"(target: {_relative_goal(c, base_year)}"
        + (f", {_SYMBOLS[c.comparison]} {fmt(required, base_small)})" if c.target_change else ")")
    )
    return _Result(state, f"{text} [{_STATE_WORDS[state]}]")


def _meets(value: float, target: float, comparison: str) -> bool:
    return _OPS[comparison](round(value, _DECIMALS), round(target, _DECIMALS))


def _state(met: bool, progress: float | None, c: Criterion, ctx: _Context) -> str:
    if met:
        return MET
    if progress is not None and not ctx.period_over and progress >= ctx.elapsed:
        return ON_PATH
    return BEHIND


def _window_value(
    points: pd.DataFrame,
    in_plan: pd.DataFrame,
    c: Criterion,
    ctx: _Context,
    threshold: int | None,
) -> tuple[float, int, bool] | None:
    """(value, year it is from, whether it is a small number) in the criterion's window."""
    if c.window == "year":
        if ctx.year not in points.index:
            return None
        row = points.loc[ctx.year]
        return float(row["value"]), ctx.year, _is_small(row, threshold)
    if in_plan.empty:
        return None
    if c.window == "latest":
        row = in_plan.iloc[-1]
        return float(row["value"]), int(in_plan.index[-1]), _is_small(row, threshold)
    total = float(in_plan["value"].sum())
    small = threshold is not None and total < threshold
    return total, ctx.year, small


def _baseline_year(
    points: pd.DataFrame, c: Criterion, ctx: _Context, value_year: int
) -> int | None:
    earlier = points[points.index < value_year]
    if c.baseline_year is not None and c.baseline_year in earlier.index:
        return c.baseline_year
    before_plan = earlier[earlier.index < ctx.start_year]
    if not before_plan.empty:
        return int(before_plan.index.max())
    return int(earlier.index.min()) if not earlier.empty else None


def _combine(label: str, results: dict[str, _Result], how: str) -> _Result:
    """One result from several matched series: all must meet (`all`) or the best (`any`)."""
    states = [r.state for r in results.values()]
    if how == "any":
        best_key = max(results, key=lambda k: _RANK[results[k].state])
        shown = {best_key: results[best_key]}
        state = results[best_key].state
        suffix = f" (best of {len(results)})" if len(results) > 1 else ""
    else:
        shown, suffix = results, ""
        if all(s == MET for s in states):
            state = MET
        elif BEHIND in states:
            state = BEHIND
        elif all(s == EMPTY for s in states):
            state = EMPTY
        else:
            state = ON_PATH
    parts = [f"{key}: {r.evidence}" if key else r.evidence for key, r in shown.items()]
    return _Result(state, f"{label}{suffix}: " + "; ".join(parts))


# ---------------------------------------------------------------------------------------------
# Wording and small helpers
# ---------------------------------------------------------------------------------------------


def describe(c: Criterion, action_id: str) -> str:
    """How a criterion is judged, in words (shown beside the evidence)."""
    if c.kind == "evidence_needed":
        return f"Evidence needed: {c.text}"
    source = (
        f"{c.metric}" + (f" [{c.group}]" if c.group else "")
        if c.kind == "metric"
        else f"activity log {c.action_id or action_id}" + (f" {c.metric}" if c.metric else "")
    )
    window = {"year": "in the reporting year", "latest": "latest figure in the plan period",
              "to_date": "since the plan started"}[c.window]
    if c.counts_rows:
        goal = f"at least {c.min_count} entr{'y' if c.min_count == 1 else 'ies'}"
    elif c.comparison == "exists":
        goal = "has data"
    elif c.is_relative:
        goal = _relative_goal(c, c.baseline_year or "the baseline year")
    else:
        goal = f"{_SYMBOLS[c.comparison]} {c.target:g}"
    several = " (each match)" if c.combine == "all" else " (any match)"
    return f"{source} {goal} {window}" + (several if _is_pattern(c.metric + c.group) else "")


def _relative_goal(c: Criterion, base_year: int | str) -> str:
    if c.target_change:
        return f"{c.target_change:+.0%} on {base_year}"
    at_least = c.comparison in (">=", "<=")
    up = c.comparison in (">", ">=")
    if at_least:
        return f"{'at least' if up else 'at most'} the {base_year} level"
    return f"{'up' if up else 'down'} on {base_year}"


def _when(window: str, ctx: _Context) -> str:
    if window == "year":
        return f"in {ctx.year}"
    return f"in {ctx.start_year}-{ctx.year}" if ctx.year > ctx.start_year else f"in {ctx.year}"


def _series_name(key: tuple[str, str], c: Criterion) -> str:
    """Name a matched series only when a pattern made several possible."""
    metric, group = key
    names = []
    if _is_pattern(c.metric):
        names.append(metric)
    if _is_pattern(c.group) and c.comparison != "exists":
        names.append(group)
    return " ".join(names)


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _is_small(row: pd.Series, threshold: int | None) -> bool:
    """Would the small-number rule withhold this figure? (count < threshold, or a share on
    fewer than `threshold` people, or with a numerator below it)."""
    if threshold is None:
        return False
    denominator = row.get("denominator")
    numerator = row.get("numerator")
    if pd.notna(denominator):
        return bool(denominator < threshold or (pd.notna(numerator) and numerator < threshold))
    return bool(row["value"] < threshold)


def _formatter(share: bool, threshold: int | None) -> Callable[[float, bool], str]:
    def fmt(value: float, small: bool) -> str:
        if small and threshold is not None:
            return "withheld (small numbers)" if share else f"fewer than {threshold}"
        if share:
            return f"{value:.0%}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"

    return fmt


def _numeric(values: pd.Series, table: str, column: str) -> pd.Series:
    blank = values.isna() | (values.astype("string").str.strip() == "")
    numbers = pd.to_numeric(values.where(~blank), errors="coerce")
    bad = values[numbers.isna() & ~blank]
    if not bad.empty:
        raise ValueError(
            f"{table}: column {column!r} holds values that are not numbers: "
            f"{sorted(set(map(str, bad)))[:10]}"
        )
    return numbers.astype(float)


def _require(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{table}: missing column(s) {missing}; it has {list(frame.columns)}")
