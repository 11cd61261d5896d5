"""The pipeline's stages as data: which notebook, what it reads, what it waits for.

The runner (`pipeline.runner`) reads this list; nothing here imports heavy libraries, so
that "nothing changed" can be decided in well under a second.

Inputs are strings the runner turns into files whose content is hashed for the cache:

- `raw:<dataset>`: `<raw_dir>/<dataset>.csv|xlsx` (`raw:*`: every raw file);
- `processed:<table>`: `<processed_dir>/<table>.parquet` (`processed:*`: every file there);
- `metrics:<stage>`: the metrics another stage wrote (`<work_dir>/metrics/<stage>.csv`).

A stage reruns when its notebook, its parameters, the `pipeline/` code it imports or one of
these files changed. `depends_on` orders stages (and stops dependants when one fails); it
does not by itself rerun a dependant: only a changed input does.

The analyses depend on the cleaning only, not on the data-quality stage: they read the same
processed tables, so they run alongside it. The data-quality stage is a `gate` instead: the
run publishes nothing unless it succeeded, exactly as when everything waited for it (reports
are swapped into `reports/<year>/` only when every stage succeeded).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Notebook parameters every stage notebook declares in its `parameters` cell.
NOTEBOOK_PARAMETERS = ("year", "raw_dir", "institution", "processed_dir", "work_dir")


@dataclass(frozen=True)
class Stage:
    """One notebook of the pipeline."""

    name: str
    notebook: str  # file name under the notebooks folder
    title: str
    report: bool  # True: rendered and shared; False: a working stage (e.g. cleaning)
    depends_on: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    order: int = 0  # position in the index (lower first); reports only
    # Optional parameters beyond NOTEBOOK_PARAMETERS this notebook accepts.
    extra_parameters: dict[str, object] = field(default_factory=dict)
    # Files the stage writes next to its inputs (same syntax as `inputs`): never part of its
    # own cache key (they change on every run), but checked like its other outputs.
    outputs: tuple[str, ...] = ()
    # A check whose failure stops publication: its message says this stage stopped the run.
    gate: bool = False
    # Modules the notebook imports late (inside a function) that its kernel can import
    # ahead, while a worker would otherwise wait for the cleaning (`ForkServer.preload`).
    preload: tuple[str, ...] = ()
    # Rough seconds (notebook, rendering, leak scan) on the demo data, until a run has
    # measured it: the runner plans the order in which to start stages with it (start_order).
    cost: float = 5.0


ANALYSIS_REPORTS = ("20_workforce", "30_destinations", "31_motivation", "32_staff_survey")

STAGES: tuple[Stage, ...] = (
    Stage(
        "00_clean", "00_clean.ipynb", "Cleaning", report=False, inputs=("raw:*",), cost=3,
    ),
    Stage(
        "10_data_quality", "10_data_quality.ipynb", "Data quality", report=True,
        depends_on=("00_clean",), inputs=("processed:*",), order=60,
        outputs=("processed:validation_results",), gate=True, cost=10,
        preload=("great_expectations",),
    ),
    Stage(
        "20_workforce", "20_workforce.ipynb", "Workforce", report=True,
        depends_on=("00_clean",), cost=7,
        inputs=(
            "processed:hr_staff", "processed:hr_leavers", "processed:hr_promotions",
            "processed:registrations", "processed:training", "processed:events",
        ),
        order=10,
    ),
    Stage(
        "30_destinations", "30_destinations.ipynb", "Destinations of leavers", report=True,
        depends_on=("00_clean",), inputs=("processed:destinations_survey",), order=20, cost=3,
    ),
    Stage(
        "31_motivation", "31_motivation.ipynb", "Motivation and ambitions", report=True,
        depends_on=("00_clean",), cost=5,
        inputs=(
            "processed:motivation_survey", "processed:motivation_ambitions",
            "processed:motivation_comment_themes", "processed:hr_staff",
        ),
        order=30,
    ),
    Stage(
        "32_staff_survey", "32_staff_survey.ipynb", "Staff survey", report=True,
        depends_on=("00_clean",), inputs=("processed:staff_survey",), order=40, cost=3,
    ),
    Stage(
        "90_scorecard", "90_scorecard.ipynb", "Action-plan scorecard", report=True,
        depends_on=ANALYSIS_REPORTS,
        inputs=(
            "processed:activity_log", "processed:events", "processed:registrations",
            "processed:training", *(f"metrics:{name}" for name in ANALYSIS_REPORTS),
        ),
        order=0, cost=3.5,
    ),
)


class StageError(ValueError):
    """The stage list is inconsistent (unknown dependency, cycle, duplicate name)."""


def by_name(stages: tuple[Stage, ...]) -> dict[str, Stage]:
    """Stages keyed by name; raises on duplicates."""
    names = [stage.name for stage in stages]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise StageError(f"Duplicate stage names: {', '.join(duplicates)}")
    return {stage.name: stage for stage in stages}


def topological_order(stages: tuple[Stage, ...]) -> list[Stage]:
    """Stages in an order where every stage comes after the stages it depends on."""
    named = by_name(stages)
    for stage in stages:
        unknown = [dep for dep in stage.depends_on if dep not in named]
        if unknown:
            raise StageError(f"Stage {stage.name} depends on unknown stage(s): {unknown}")
    ordered: list[Stage] = []
    done: set[str] = set()
    pending = list(stages)
    while pending:
        ready = [s for s in pending if all(dep in done for dep in s.depends_on)]
        if not ready:
            raise StageError(f"Dependency cycle among: {[s.name for s in pending]}")
        for stage in ready:
            ordered.append(stage)
            done.add(stage.name)
        pending = [s for s in pending if s.name not in done]
    return ordered


def dependants(stages: tuple[Stage, ...], name: str) -> set[str]:
    """Names of the stages that depend on `name`, directly or not."""
    found: set[str] = set()
    frontier = {name}
    while frontier:
        frontier = {
            s.name for s in stages if set(s.depends_on) & frontier and s.name not in found
        }
        found |= frontier
    return found


def report_stages(stages: tuple[Stage, ...]) -> list[Stage]:
    """The shared reports in index order (the scorecard first)."""
    return sorted((s for s in stages if s.report), key=lambda s: (s.order, s.name))


def metrics_file(work_dir: str | Path, stage: str) -> Path:
    """Where a notebook writes its (disclosure-protected) metrics for the runner to collect."""
    return Path(work_dir) / "metrics" / f"{stage}.csv"



def priorities(stages: tuple[Stage, ...], costs: dict[str, float]) -> dict[str, float]:
    """Each stage's cost plus the costliest chain of stages waiting for it.

    The runner starts the ready stage with the highest value first (longest chain first), so
    a long stage does not start last and leave one worker idle at the end.
    """
    named = by_name(stages)
    waiting: dict[str, list[str]] = {name: [] for name in named}
    for stage in stages:
        for dep in stage.depends_on:
            if dep in waiting:
                waiting[dep].append(stage.name)
    found: dict[str, float] = {}
    for stage in reversed(topological_order(stages)):
        after = max((found[name] for name in waiting[stage.name]), default=0.0)
        found[stage.name] = costs.get(stage.name, stage.cost) + after
    return found


def makespan(order: list[Stage], costs: dict[str, float], jobs: int) -> float:
    """Seconds to run the stages with `jobs` workers, each free worker taking the first ready
    stage in `order` (the runner's rule), if every stage took its cost."""
    done_at: dict[str, float] = {}
    running: list[tuple[float, str]] = []
    now = 0.0
    pending = list(order)
    while pending or running:
        ready = [s for s in pending if all(d in done_at and done_at[d] <= now
                                           for d in s.depends_on)]
        for stage in ready[: max(1, jobs) - len(running)]:
            pending.remove(stage)
            running.append((now + costs.get(stage.name, stage.cost), stage.name))
        if not running:  # a dependency outside the list: count it as done
            done_at.update({d: now for s in pending for d in s.depends_on})
            continue
        running.sort()
        now, name = running.pop(0)
        done_at[name] = now
    return now


def _linear_extensions(stages: list[Stage]) -> Iterator[list[Stage]]:
    """Every order of the stages in which each comes after its dependencies."""
    names = {s.name for s in stages}
    if not stages:
        yield []
        return
    for stage in stages:
        if not any(d in names for d in stage.depends_on):
            rest = [s for s in stages if s is not stage]
            for tail in _linear_extensions(rest):
                yield [stage, *tail]


def start_order(
    stages: tuple[Stage, ...], costs: dict[str, float], jobs: int, max_orders: int = 5000
) -> list[Stage]:
    """The order in which the runner starts ready stages.

    Longest chain first (`priorities`) is a good rule but not the best one here: the
    data-quality stage is the longest, yet nothing waits for it; started first, it makes the
    analyses, and the scorecard after them, finish later. So every order that respects the
    dependencies is simulated (`makespan`; up to `max_orders` of them) and the first of the
    fastest kept, starting from longest chain first so that ties keep that order.
    """
    rank = priorities(stages, costs)
    ordered = sorted(stages, key=lambda s: -rank[s.name])
    if jobs < 2:
        return ordered
    best, best_time = ordered, makespan(ordered, costs, jobs)
    for candidate in itertools.islice(_linear_extensions(ordered), max_orders):
        seconds = makespan(candidate, costs, jobs)
        if seconds < best_time - 1e-9:
            best, best_time = candidate, seconds
    return best
