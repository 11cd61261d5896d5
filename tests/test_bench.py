"""`make bench` helpers: the plain run executes the notebooks' own code; scale data."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import bench, paths
from pipeline.io import read_raw


def test_code_cells_are_the_notebooks_code_without_the_parameters_cell() -> None:
    cells = bench._code_cells(paths.NOTEBOOKS_DIR / "20_workforce.ipynb")
    sources = [source for _, source in cells]
    assert any('setup("20_workforce"' in source for source in sources)
    assert not any(source.startswith("year = None") for source in sources)


def test_a_cell_shows_its_last_expression_as_a_kernel_would(monkeypatch) -> None:
    shown: list[object] = []
    monkeypatch.setattr(bench, "_format", shown.append)
    namespace: dict[str, object] = {}
    bench._run_cell("x = 20\nx + 1", namespace, "cell 1")
    bench._run_cell("y = x * 2", namespace, "cell 2")  # an assignment shows nothing
    assert shown == [21] and namespace["y"] == 40
    with pytest.raises(ZeroDivisionError):
        bench._run_cell("1 / 0", namespace, "cell 3")


def test_scale_data_copies_the_demo_with_new_identifiers(tmp_path: Path) -> None:
    from pipeline.demo import generate

    demo = generate(tmp_path / "demo", scale=0.05)
    data = bench.make_scale_data(demo, tmp_path / "bench", staff_per_census=300,
                                 survey_responses=400)
    staff = read_raw(data.raw_dir, "hr_staff")
    censuses = staff["census_date"].nunique()
    assert len(staff) >= 300 * censuses and data.staff_copies > 1  # 300 a census on average
    assert len(read_raw(data.raw_dir, "staff_survey")) >= 400
    # each copy is a new set of people: as many distinct e-mails as the demo, times copies
    demo_emails = read_raw(demo, "hr_staff")["email"].dropna().nunique()
    assert staff["email"].dropna().nunique() == demo_emails * data.staff_copies
    assert (data.raw_dir / "DEMO").is_file()  # still marked synthetic
    again = bench.make_scale_data(demo, tmp_path / "bench", staff_per_census=300,
                                  survey_responses=400)
    assert again.seconds == 0 and again.raw_dir == data.raw_dir  # cached
