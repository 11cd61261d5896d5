"""Report notebooks on awkward years: a survey with too few responses, a year without one.

Runs the real notebooks with papermill on a small demo set (about 5 s each), so that what a
reader sees in those years is checked, not just the functions behind it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from pipeline import paths
from pipeline.dates import parse_dates
from pipeline.demo import generate
from pipeline.disclosure import check_outputs
from pipeline.io import find_raw_file, read_raw

KEPT_RESPONSES = 3  # below the demo institution's threshold of 5


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo data where the 2023 motivation survey has only a few responses."""
    demo = generate(tmp_path_factory.mktemp("demo") / "raw", scale=0.2)
    raw = tmp_path_factory.mktemp("few") / "raw"
    shutil.copytree(demo, raw, ignore=shutil.ignore_patterns("answer_key"))
    survey = read_raw(raw, "motivation_survey")
    source = find_raw_file(raw, "motivation_survey")
    years = parse_dates(survey["submitted_at"], file=source.name, column="submitted_at").dt.year
    few = pd.concat([survey[years != 2023], survey[years == 2023].head(KEPT_RESPONSES)])
    source.unlink()
    few.to_csv(raw / "motivation_survey.csv", index=False)
    return raw


def _execute(name: str, raw: Path, work: Path, year: int) -> nbformat.NotebookNode:
    out = work / f"{name}.ipynb"
    pm.execute_notebook(
        str(paths.NOTEBOOKS_DIR / f"{name}.ipynb"), str(out), kernel_name="tc-pipeline",
        progress_bar=False,
        parameters={"year": year, "raw_dir": str(raw), "institution": "icr",
                    "processed_dir": str(work / "processed"), "work_dir": str(work)},
    )
    return nbformat.read(out, as_version=4)


def _texts(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(value) for cell in nb.cells for output in cell.get("outputs", [])
        for value in output.get("data", {}).values()
    )


@pytest.fixture(scope="module")
def work(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("work")
    _execute("00_clean", raw_dir, work, 2023)
    return work


def test_survey_with_too_few_responses_says_so_without_charts(raw_dir: Path, work: Path):
    nb = _execute("31_motivation", raw_dir, work, 2023)
    text = _texts(nb)
    assert "fewer than 5 responses in 2023" in text
    assert "tc-chart" not in text and "image/png" not in str(nb)
    assert "tc-table" not in text  # no table built on withheld numbers
    assert check_outputs(nb) == []


def test_year_without_the_survey_says_it_did_not_run(raw_dir: Path, work: Path):
    nb = _execute("32_staff_survey", raw_dir, work, 2022)
    text = _texts(nb)
    assert "no responses in 2022" in text
    assert "tc-chart" not in text and "tc-table" not in text
