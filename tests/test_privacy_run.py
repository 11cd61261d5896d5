"""A name that reaches a report fails the whole run, and nothing is published.

A deliberately leaky report notebook quotes a free-text answer from the raw data (the way
a careless analysis would); the runner's leak scan must catch the name after rendering,
fail the run loudly, and leave the previous reports of that year untouched.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest

from pipeline.runner import PipelineError, RunConfig, run
from pipeline.schema import RAW_COLUMNS
from pipeline.stages import Stage

PLANTED_NAME = "Gwendolyn Fairweather"
YEAR = 2023

LEAKY_SOURCE = '''\
from IPython.display import Markdown, display

from pipeline.io import read_raw

answers = read_raw(raw_dir, "motivation_survey")
comment = answers["comments"].iloc[0] if quote_comment else "(not quoted)"
display(Markdown(f"One respondent wrote: {comment}"))
'''


def _notebook(path: Path) -> None:
    parameters = nbformat.v4.new_code_cell(
        'year = None\nraw_dir = "data/raw/demo"\ninstitution = "icr"\nprocessed_dir = None\n'
        "work_dir = None\nquote_comment = False"
    )
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(LEAKY_SOURCE)])
    nb.metadata["kernelspec"] = {"name": "tc-pipeline", "display_name": "tc", "language": "python"}
    nbformat.write(nb, path)


def _raw(folder: Path) -> Path:
    folder.mkdir()
    (folder / "DEMO").write_text("synthetic test data\n")
    staff = dict.fromkeys(RAW_COLUMNS["hr_staff"], "x")
    staff.update(census_date="31/12/2023", staff_id="00123", full_name=PLANTED_NAME,
                 email="g.fairweather@example.ac.uk", fte="1")
    (folder / "hr_staff.csv").write_text(",".join(staff) + "\n" + ",".join(staff.values()) + "\n")
    survey = dict.fromkeys(RAW_COLUMNS["motivation_survey"], "4")
    survey.update(response_id="R1", submitted_at="01/06/2023",
                  comments=f"My line manager {PLANTED_NAME} never listens")
    (folder / "motivation_survey.csv").write_text(
        ",".join(survey) + "\n" + ",".join(survey.values()) + "\n"
    )
    return folder


def _config(root: Path, quote_comment: bool) -> RunConfig:
    stage = Stage("leaky", "leaky.ipynb", "Leaky report", report=True, inputs=("raw:*",),
                  extra_parameters={"quote_comment": quote_comment})
    return RunConfig(
        raw_dir=root / "raw", year=YEAR, stages=(stage,), root=root, notebooks_dir=root,
        processed_root=root / "processed", reports_root=root / "reports",
        work_root=root / "work", echo=lambda line: None,
    )


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_a_leaked_name_fails_the_run_and_keeps_the_previous_reports(tmp_path: Path) -> None:
    _raw(tmp_path / "raw")
    (tmp_path / "processed" / str(YEAR)).mkdir(parents=True)  # no pseudonyms to scan for
    _notebook(tmp_path / "leaky.ipynb")
    run(_config(tmp_path, quote_comment=False))
    published = tmp_path / "reports" / str(YEAR)
    before = _digests(published)
    assert PLANTED_NAME not in (published / "leaky.html").read_text()

    with pytest.raises(PipelineError) as failure:
        run(_config(tmp_path, quote_comment=True))

    message = str(failure.value)
    assert "leak" in message.lower() and "Nothing was published" in message
    assert _digests(published) == before
