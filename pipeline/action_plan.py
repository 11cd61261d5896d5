"""Technician Commitment action plans as data: load and validate `config/action_plans/*.yaml`.

A plan lists the institution's actions (id, pillar, text, owners, success measure) and, for
each, how its status is judged (`judged_by`, a list of criteria). Three kinds of criterion:

- `metric`: a figure from `metrics.csv` (`metric`, `group`; both may be `fnmatch` patterns
  such as `item=*`) compared with a `target`, a relative `target_change` against a baseline
  year, or `comparison: exists` (the data is there, e.g. the destinations analysis was done).
- `activity`: rows of the `activity_log` dataset for the action (`action_id`, default the
  action's own id): at least `min_count` rows, or the value of an `activity_log.metric`
  compared with a target as above.
- `evidence_needed`: free text saying what evidence would settle a measure that no dataset
  holds; it is shown on the scorecard and never decides a status.

Options shared by `metric` and `activity` criteria:

- `window`: `year` (the reporting year's data, the default), `latest` (the latest year with
  data from the plan start to the reporting year: for surveys that do not run every year) or
  `to_date` (everything from the plan start to the reporting year, yearly values added up:
  for cumulative counts and one-off actions such as "steering group formed").
- `comparison`: `>=`, `<=`, `>`, `<` or `exists`.
- `combine`: when a pattern matches several series (e.g. two LinkedIn groups), `all` (each
  one must meet the target, the default) or `any` (one is enough, e.g. "the event").
- `aggregate` (activity values): how rows of one year make the year's value, `last` (by
  date: levels such as group membership, the default), `sum` or `max`.

How a status follows from the criteria is in `pipeline.analysis.scorecard`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from pipeline import paths
from pipeline.config import ConfigError

PLANS_DIR = paths.CONFIG_DIR / "action_plans"
SEEDS_DIR = PLANS_DIR / "seeds"

KINDS = ("metric", "activity", "evidence_needed")
COMPARISONS = (">=", "<=", ">", "<", "exists")
WINDOWS = ("year", "latest", "to_date")
COMBINES = ("all", "any")
AGGREGATES = ("last", "sum", "max")
STAGES = ("active", "business_as_usual")

_PLAN_KEYS = {"institution", "seed", "period", "glossary", "pillars", "actions"}
_ACTION_KEYS = {
    "id", "pillar", "text", "owners", "related_plans", "success_measure", "new", "stage",
    "judged_by",
}
_CRITERION_KEYS = {
    "metric": {
        "kind", "metric", "group", "target", "comparison", "target_change", "baseline_year",
        "window", "combine", "label",
    },
    "activity": {
        "kind", "action_id", "metric", "target", "comparison", "target_change",
        "baseline_year", "min_count", "window", "combine", "aggregate", "label",
    },
    "evidence_needed": {"kind", "text"},
}


class PlanError(ConfigError):
    """An action plan file is malformed; the message names the file and the action."""


@dataclass(frozen=True)
class Criterion:
    """One way of judging an action (see the module docstring for the fields)."""

    kind: str
    metric: str = ""
    group: str = ""
    action_id: str = ""
    target: float | None = None
    comparison: str = ">="
    target_change: float | None = None
    baseline_year: int | None = None
    min_count: int | None = None
    window: str = "year"
    combine: str = "all"
    aggregate: str = "last"
    label: str = ""
    text: str = ""

    @property
    def is_relative(self) -> bool:
        return self.target_change is not None

    @property
    def counts_rows(self) -> bool:
        """True for an activity criterion judged by the number of evidence rows."""
        return self.kind == "activity" and self.min_count is not None


@dataclass(frozen=True)
class Pillar:
    id: str
    name: str


@dataclass(frozen=True)
class Action:
    """One action (ICR) or commitment (Imperial) of a plan."""

    id: str
    pillar: str
    text: str
    owners: tuple[str, ...]
    success_measure: str
    new: bool
    stage: str
    criteria: tuple[Criterion, ...]
    related_plans: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionPlan:
    """A validated action plan."""

    name: str
    institution: str
    seed: str
    start: dt.date
    end: dt.date
    glossary: dict[str, str]
    pillars: tuple[Pillar, ...]
    actions: tuple[Action, ...]

    def pillar_name(self, pillar_id: str) -> str:
        return {p.id: p.name for p in self.pillars}[pillar_id]

    def action(self, action_id: str) -> Action:
        for action in self.actions:
            if action.id == action_id:
                return action
        raise KeyError(f"Action plan {self.name!r} has no action {action_id!r}")

    @property
    def names_owners(self) -> bool:
        """Whether the plan names owners for its actions (the Imperial plan names none)."""
        return any(action.owners for action in self.actions)

    @property
    def states_success_measures(self) -> bool:
        """Whether the plan states success measures apart from the actions' own text."""
        return any(action.success_measure for action in self.actions)

    def owners_display(self, action: Action) -> str:
        """Owner codes with their glossary meaning, e.g. `RDC (Researcher Development ...)`."""
        if not action.owners:
            return "Not named in the action plan"
        return "; ".join(
            code if self.glossary.get(code, code) == code else f"{code} ({self.glossary[code]})"
            for code in action.owners
        )


def plan_names() -> list[str]:
    """Names of the action plans the project ships."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.yaml"))


def plan_path(name: str) -> Path:
    return PLANS_DIR / f"{name}.yaml"


def load_plan(name: str) -> ActionPlan:
    """Read and validate `pipeline/config/action_plans/<name>.yaml`."""
    path = plan_path(name)
    if not path.exists():
        raise PlanError(
            f"Unknown action plan {name!r}: no file {path}. Known: {', '.join(plan_names())}"
        )
    return load_plan_file(path)


def load_plan_file(path: Path) -> ActionPlan:
    """Read and validate one action plan YAML file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PlanError(f"{path}: not valid YAML: {error}") from error
    return parse_plan(raw, name=Path(path).stem, source=str(path))


def parse_plan(raw: Any, name: str, source: str) -> ActionPlan:
    """Validate a plan read from YAML; `source` (the file) is named in every error."""
    if not isinstance(raw, Mapping):
        raise PlanError(f"{source}: expected a mapping at the top level")
    _check_keys(raw, _PLAN_KEYS, source, required=_PLAN_KEYS - {"seed"})
    start, end = _parse_period(raw["period"], source)
    glossary = _parse_glossary(raw["glossary"], source)
    pillars = _parse_pillars(raw["pillars"], source)
    if not isinstance(raw["actions"], list) or not raw["actions"]:
        raise PlanError(f"{source}: `actions` must be a non-empty list")
    actions = tuple(_parse_action(a, i, source) for i, a in enumerate(raw["actions"], 1))
    plan = ActionPlan(
        name=name, institution=str(raw["institution"]), seed=str(raw.get("seed") or ""),
        start=start, end=end, glossary=glossary, pillars=pillars, actions=actions,
    )
    _check_references(plan, source)
    return plan


def load_plan_for(institution: str) -> ActionPlan:
    """The action plan an institution's configuration names (`action_plan:`)."""
    from pipeline.config import load_institution

    return load_plan(load_institution(institution).action_plan)


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _check_keys(
    raw: Mapping[str, Any], allowed: Set[str], where: str, required: Set[str] = frozenset()
) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise PlanError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    missing = sorted(required - set(raw))
    if missing:
        raise PlanError(f"{where}: missing key(s) {missing}")


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise PlanError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)") from error


def _parse_period(raw: Any, source: str) -> tuple[dt.date, dt.date]:
    if not isinstance(raw, Mapping) or set(raw) != {"start", "end"}:
        raise PlanError(f"{source}: `period` must be a mapping with `start` and `end`")
    start = _as_date(raw["start"], f"{source}: period.start")
    end = _as_date(raw["end"], f"{source}: period.end")
    if end <= start:
        raise PlanError(f"{source}: period ends ({end}) before it starts ({start})")
    return start, end


def _parse_glossary(raw: Any, source: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PlanError(f"{source}: `glossary` must map owner codes to their meaning")
    return {str(k): str(v) for k, v in raw.items()}


def _parse_pillars(raw: Any, source: str) -> tuple[Pillar, ...]:
    if not isinstance(raw, list) or not raw:
        raise PlanError(f"{source}: `pillars` must be a non-empty list of {{id, name}}")
    pillars = []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) != {"id", "name"}:
            raise PlanError(f"{source}: each pillar needs exactly `id` and `name`, got {item!r}")
        pillars.append(Pillar(str(item["id"]), str(item["name"])))
    ids = [p.id for p in pillars]
    if len(set(ids)) != len(ids):
        raise PlanError(f"{source}: duplicate pillar ids in {ids}")
    return tuple(pillars)


def _parse_action(raw: Any, position: int, source: str) -> Action:
    if not isinstance(raw, Mapping) or "id" not in raw:
        raise PlanError(f"{source}: action #{position} has no `id`")
    where = f"{source}, action {raw['id']}"
    _check_keys(raw, _ACTION_KEYS, where, required={"id", "pillar", "text", "judged_by"})
    if not str(raw["text"]).strip():
        raise PlanError(f"{where}: `text` is empty")
    stage = raw.get("stage", "active")
    if stage not in STAGES:
        raise PlanError(f"{where}: stage {stage!r} is not one of {list(STAGES)}")
    new = raw.get("new", False)
    if not isinstance(new, bool):
        raise PlanError(f"{where}: `new` must be true or false, got {new!r}")
    criteria = raw["judged_by"]
    if not isinstance(criteria, list) or not criteria:
        raise PlanError(f"{where}: `judged_by` must list at least one criterion")
    return Action(
        id=str(raw["id"]), pillar=str(raw["pillar"]), text=" ".join(str(raw["text"]).split()),
        owners=_string_tuple(raw.get("owners"), f"{where}: owners"),
        success_measure=" ".join(str(raw.get("success_measure") or "").split()),
        new=new, stage=stage,
        criteria=tuple(_parse_criterion(c, f"{where}, criterion {i}")
                       for i, c in enumerate(criteria, 1)),
        related_plans=_string_tuple(raw.get("related_plans"), f"{where}: related_plans"),
    )


def _string_tuple(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise PlanError(f"{where} must be a list, got {raw!r}")
    return tuple(str(v) for v in raw)


def _number(raw: Mapping[str, Any], key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanError(f"{where}: `{key}` must be a number, got {value!r}")
    return float(value)


def _choice(raw: Mapping[str, Any], key: str, options: tuple[str, ...], where: str) -> str:
    value = raw.get(key, options[0])
    if value not in options:
        raise PlanError(f"{where}: `{key}` is {value!r}; expected one of {list(options)}")
    return value


def _parse_criterion(raw: Any, where: str) -> Criterion:
    if not isinstance(raw, Mapping) or raw.get("kind") not in KINDS:
        kind = raw.get("kind") if isinstance(raw, Mapping) else raw
        raise PlanError(f"{where}: kind {kind!r} is not one of {list(KINDS)}")
    kind = raw["kind"]
    _check_keys(raw, _CRITERION_KEYS[kind], where)
    if kind == "evidence_needed":
        if not str(raw.get("text") or "").strip():
            raise PlanError(f"{where}: evidence_needed needs a `text`")
        return Criterion(kind=kind, text=" ".join(str(raw["text"]).split()))
    min_count = raw.get("min_count")
    if min_count is not None and (not isinstance(min_count, int) or min_count < 1):
        raise PlanError(f"{where}: `min_count` must be a whole number >= 1, got {min_count!r}")
    baseline = raw.get("baseline_year")
    if baseline is not None and not isinstance(baseline, int):
        raise PlanError(f"{where}: `baseline_year` must be a year, got {baseline!r}")
    criterion = Criterion(
        kind=kind, metric=str(raw.get("metric") or ""), group=str(raw.get("group") or ""),
        action_id=str(raw.get("action_id") or ""), target=_number(raw, "target", where),
        comparison=_choice(raw, "comparison", COMPARISONS, where),
        target_change=_number(raw, "target_change", where), baseline_year=baseline,
        min_count=min_count, window=_choice(raw, "window", WINDOWS, where),
        combine=_choice(raw, "combine", COMBINES, where),
        aggregate=_choice(raw, "aggregate", AGGREGATES, where),
        label=str(raw.get("label") or ""),
    )
    if kind == "activity" and criterion.min_count is None and not _has_goal(criterion):
        criterion = replace(criterion, min_count=1)
    _check_goal(criterion, where)
    return criterion


def _has_goal(c: Criterion) -> bool:
    return c.target is not None or c.target_change is not None or c.comparison == "exists"


def _check_goal(c: Criterion, where: str) -> None:
    """Exactly one goal: a row count, a target, a relative change or `exists`."""
    if c.kind == "metric" and not c.metric:
        raise PlanError(f"{where}: a metric criterion needs `metric`")
    if c.counts_rows:
        if _has_goal(c):
            raise PlanError(f"{where}: give `min_count` or a target/comparison, not both")
        if c.window == "latest":
            raise PlanError(f"{where}: `min_count` works with window `year` or `to_date`")
        return
    if c.kind == "activity" and not c.metric:
        raise PlanError(f"{where}: an activity target needs the activity_log `metric` it reads")
    goals = [c.target is not None, c.target_change is not None, c.comparison == "exists"]
    if sum(goals) != 1:
        raise PlanError(
            f"{where}: give exactly one of `target`, `target_change` or `comparison: exists`"
        )
    if c.is_relative and c.window == "to_date":
        raise PlanError(f"{where}: a relative `target_change` needs window `year` or `latest`")
    if c.baseline_year is not None and not c.is_relative:
        raise PlanError(f"{where}: `baseline_year` only goes with `target_change`")


def _check_references(plan: ActionPlan, source: str) -> None:
    """Ids unique, pillars known, owners in the glossary."""
    ids = [a.id for a in plan.actions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PlanError(f"{source}: duplicate action ids {duplicates}")
    pillar_ids = {p.id for p in plan.pillars}
    for action in plan.actions:
        where = f"{source}, action {action.id}"
        if action.pillar not in pillar_ids:
            raise PlanError(
                f"{where}: pillar {action.pillar!r} is not one of {sorted(pillar_ids)}"
            )
        unknown = [o for o in (*action.owners, *action.related_plans) if o not in plan.glossary]
        if unknown:
            raise PlanError(f"{where}: owner code(s) {unknown} not in the glossary")
