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
"""

from __future__ import annotations

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


ANALYSIS_REPORTS = ("20_workforce", "30_destinations", "31_motivation", "32_staff_survey")

STAGES: tuple[Stage, ...] = (
    Stage(
        "00_clean", "00_clean.ipynb", "Cleaning", report=False, inputs=("raw:*",),
    ),
    Stage(
        "10_data_quality", "10_data_quality.ipynb", "Data quality", report=True,
        depends_on=("00_clean",), inputs=("processed:*",), order=60,
    ),
    Stage(
        "20_workforce", "20_workforce.ipynb", "Workforce", report=True,
        depends_on=("10_data_quality",),
        inputs=(
            "processed:hr_staff", "processed:hr_leavers", "processed:hr_promotions",
            "processed:registrations", "processed:training",
        ),
        order=10,
    ),
    Stage(
        "30_destinations", "30_destinations.ipynb", "Destinations of leavers", report=True,
        depends_on=("10_data_quality",), inputs=("processed:destinations_survey",), order=20,
    ),
    Stage(
        "31_motivation", "31_motivation.ipynb", "Motivation and ambitions", report=True,
        depends_on=("10_data_quality",),
        inputs=(
            "processed:motivation_survey", "processed:motivation_ambitions",
            "processed:motivation_comment_themes",
        ),
        order=30,
    ),
    Stage(
        "32_staff_survey", "32_staff_survey.ipynb", "Staff survey", report=True,
        depends_on=("10_data_quality",), inputs=("processed:staff_survey",), order=40,
    ),
    Stage(
        "90_scorecard", "90_scorecard.ipynb", "Action-plan scorecard", report=True,
        depends_on=ANALYSIS_REPORTS,
        inputs=(
            "processed:activity_log", "processed:events", "processed:registrations",
            "processed:training", *(f"metrics:{name}" for name in ANALYSIS_REPORTS),
        ),
        order=0,
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

