"""The runner: incremental reruns, failure safety, parameters, publishing, scheduling.

Tiny notebooks (under tests/notebooks/, or written by a test; no pandas in the kernel) keep
each execution under a second; one cold run is shared (copied per test). The end-to-end test
runs the real notebooks once, on a small demo set.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipeline import forkserver, paths
from pipeline.leakscan import pdf_pages_text
from pipeline.runner import (
    PipelineError,
    RunConfig,
    RunTools,
    change_reason,
    check_parameters,
    code_dependencies,
    collect_metrics,
    recover_interrupted_swap,
    run,
    swap_into_place,
)
from pipeline.schema import METRICS_COLUMNS
from pipeline.stages import STAGES as PIPELINE_STAGES
from pipeline.stages import Stage, makespan, priorities, start_order

NOTEBOOKS = Path(__file__).parent / "notebooks"
YEAR = 2023


def _report(name: str, dataset: str, order: int) -> Stage:
    return Stage(
        name, "report.ipynb", f"Report {dataset.upper()}", report=True, depends_on=("clean",),
        inputs=(f"processed:{dataset}",), order=order,
        extra_parameters={"dataset": dataset, "stage": name},
    )


STAGES = (
    Stage("clean", "clean.ipynb", "Cleaning", report=False, inputs=("raw:*",)),
    _report("report_x", "x", order=2),
    _report("report_y", "y", order=1),
    Stage("later", "not_written_yet.ipynb", "Later", report=True, depends_on=("clean",)),
)


def _config(root: Path, lines: list[str]) -> RunConfig:
    return RunConfig(
        raw_dir=root / "raw", year=YEAR, stages=STAGES, root=root, notebooks_dir=NOTEBOOKS,
        processed_root=root / "processed", reports_root=root / "reports",
        work_root=root / "work", echo=lines.append,
    )


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], object]:
    root = tmp_path_factory.mktemp("cold")
    (root / "raw").mkdir()
    (root / "raw" / "x.csv").write_text("a\n1\n2\n3\n")
    (root / "raw" / "y.csv").write_text("a\n1\n")
    (root / "raw" / "DEMO").write_text("synthetic\n")
    lines: list[str] = []
    result = run(_config(root, lines))
    return root, lines, result


@pytest.fixture
def workspace(cold: tuple[Path, list[str], object], tmp_path: Path) -> Path:
    """A private copy of the cold run (paths in the cache are relative, so it stays valid)."""
    root = tmp_path / "ws"
    shutil.copytree(cold[0], root)
    return root


def test_cold_run_publishes_index_reports_metrics_and_manifest(cold) -> None:
    root, lines, result = cold
    report_dir = root / "reports" / str(YEAR)
    assert sorted(result.executed) == ["clean", "report_x", "report_y"]
    names = sorted(p.name for p in report_dir.iterdir())
    assert names == sorted([
        "index.html", "manifest.json", "metrics.csv", "report_x.html", "report_x.pdf",
        "report_y.html", "report_y.pdf",
    ])
    assert any("skip later" in line for line in lines)
    assert any(line.startswith("[3/3]") for line in lines)
    index = (report_dir / "index.html").read_text()
    # Reports in index order (report_y has the lower order), each with HTML and PDF links.
    assert index.index("report_y.html") < index.index("report_x.html")
    for target in ("report_x.pdf", "report_y.pdf", "metrics.csv", "manifest.json"):
        assert f'href="{target}"' in index
    assert "SYNTHETIC DEMO DATA" in index and str(YEAR) in index


def test_metrics_and_manifest_match_the_inputs(cold) -> None:
    root, _, _ = cold
    report_dir = root / "reports" / str(YEAR)
    with open(report_dir / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {
        f"{name}.rows": str(len((root / "raw" / f"{name}.csv").read_text().split()) - 1)
        for name in ("x", "y")
    }
    assert {row["metric"]: row["value"] for row in rows} == expected
    assert [row["metric"] for row in rows] == sorted(expected)
    manifest = json.loads((report_dir / "manifest.json").read_text())
    for name in ("x.csv", "y.csv", "DEMO"):
        digest = hashlib.sha256((root / "raw" / name).read_bytes()).hexdigest()
        assert manifest["inputs"][f"raw/{name}"] == digest
    assert manifest["year"] == YEAR and manifest["parameters"]["raw_dir"] == "raw"
    assert set(manifest["packages"]) >= {"pandas", "papermill", "weasyprint"}
    assert manifest["stages"]["report_x"]["status"] == "done"
    assert manifest["skipped_stages"] == ["later"]


def test_second_run_executes_nothing(workspace: Path) -> None:
    lines: list[str] = []
    result = run(_config(workspace, lines))
    assert result.up_to_date and result.executed == []
    assert lines[-1] == f"Nothing changed: reports/{YEAR}/ is up to date"


def test_changed_input_reruns_exactly_its_dependants(workspace: Path) -> None:
    (workspace / "raw" / "y.csv").write_text("a\n1\n2\n3\n4\n5\n")
    lines: list[str] = []
    result = run(_config(workspace, lines))
    assert sorted(result.executed) == ["clean", "report_y"]
    assert result.stages["report_x"].status == "cached"
    assert "raw/y.csv" in result.stages["clean"].reason
    metrics = (workspace / "reports" / str(YEAR) / "metrics.csv").read_text()
    assert "y.rows,,5,5,,False" in metrics


def test_failed_stage_leaves_previous_reports_intact(workspace: Path) -> None:
    report_dir = workspace / "reports" / str(YEAR)
    before = _digests(report_dir)
    (workspace / "raw" / "x.csv").write_text("a\nboom\n")
    with pytest.raises(PipelineError) as caught:
        run(_config(workspace, []))
    message = str(caught.value)
    for expected in ("report_x", "report.ipynb", "cell", "ValueError: bad value in x",
                     "left untouched", '"dataset": "x"'):
        assert expected in message
    assert "Traceback" not in message
    assert _digests(report_dir) == before
    assert sorted(p.name for p in (workspace / "reports").iterdir()) == [str(YEAR)]
    assert (workspace / "work" / str(YEAR) / "notebooks" / "report_x.ipynb").is_file()
    triage = (workspace / "work" / str(YEAR) / "failed" / "report_x.html").read_text()
    assert "bad value in x" in triage


def test_a_demo_run_never_replaces_reports_made_from_real_data(workspace: Path) -> None:
    report_dir = workspace / "reports" / str(YEAR)
    manifest = json.loads((report_dir / "manifest.json").read_text())
    assert manifest["demo_data"] is True  # the fixture's raw folder carries the DEMO marker
    manifest.update(demo_data=False, raw_dir="data/raw/hr-2024")
    (report_dir / "manifest.json").write_text(json.dumps(manifest))
    before = _digests(report_dir)
    (workspace / "raw" / "x.csv").write_text("a\n7\n")  # something to do
    with pytest.raises(PipelineError, match=r"made from real data \(data/raw/hr-2024\).*"
                                            r"would replace them.*Nothing was changed"):
        run(_config(workspace, []))
    assert _digests(report_dir) == before


def test_unknown_parameter_is_an_error() -> None:
    params = {"year": 2023, "raw_dir": "raw", "institution": "icr", "processed_dir": "p",
              "work_dir": "w", "colour": "red"}
    with pytest.raises(PipelineError, match=r"clean.ipynb: unknown parameter\(s\) \['colour'\]"):
        check_parameters(NOTEBOOKS / "clean.ipynb", params)


def test_notebook_without_parameters_cell_is_an_error(tmp_path: Path) -> None:
    nb = json.loads((NOTEBOOKS / "clean.ipynb").read_text())
    for cell in nb["cells"]:
        cell["metadata"].pop("tags", None)
    path = tmp_path / "untagged.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(PipelineError, match="no cell tagged 'parameters'"):
        check_parameters(path, {"year": 2023})


def test_code_dependencies_follow_imports_recursively(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.sub.c import g\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text(
        "import json\ntry:\n    import pkg.d\nexcept ImportError:\n    pass\n"
        "class C:\n    def m(self):\n        if True:\n            from pkg import e\n"
    )
    for name in ("d", "e", "unused"):
        (pkg / f"{name}.py").write_text("x = [i for i in range(3)]\n")
    found = code_dependencies(["%matplotlib inline\nfrom pkg import a\nx = 1"], pkg)
    assert [p.relative_to(pkg).as_posix() for p in found] == [
        "__init__.py", "a.py", "b.py", "d.py", "e.py", "sub/__init__.py", "sub/c.py",
    ]


def test_code_dependencies_of_real_notebooks_are_pipeline_files() -> None:
    found = code_dependencies(["from pipeline import paths"])
    assert paths.PACKAGE_DIR / "paths.py" in found
    assert all(p.is_relative_to(paths.PACKAGE_DIR) for p in found)


def test_change_reason_names_what_changed() -> None:
    old = {"notebook": "n", "parameters": "p", "code": {"a.py": "1"}, "inputs": {"x": "1"}}
    new = {**old, "inputs": {"x": "2", "y": "3"}}
    assert change_reason(old, new) == "inputs changed: x, y"
    assert change_reason(None, new) == "not run before"
    assert change_reason(old, {**old, "salt": "f00d"}) == "salt changed"


def test_a_new_pseudonym_salt_reruns_the_cleaning(
    workspace: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (workspace / "raw" / "DEMO").unlink()  # demo data always uses the public demo salt
    run(_config(workspace, []))  # as real data, with the tests' salt
    monkeypatch.setenv("TC_PSEUDONYM_SALT", "a new secret for the test")
    lines: list[str] = []
    result = run(_config(workspace, lines))
    assert result.executed == ["clean"]  # the test cleaning's tables do not change
    assert any(line.endswith("running: salt changed") for line in lines), lines
    cache = (workspace / "work" / str(YEAR) / "cache.json").read_text()
    assert "a new secret" not in cache  # only a one-way fingerprint is kept


def test_collect_metrics_sorts_and_checks_columns(tmp_path: Path) -> None:
    header = ",".join(METRICS_COLUMNS)
    (tmp_path / "a.csv").write_text(f"{header}\nb.m,,1,1,,False\na.m,g=2,0.5,1,2,False\n")
    (tmp_path / "b.csv").write_text(f"{header}\na.m,g=1,0.25,1,4,False\n")
    target = tmp_path / "metrics.csv"
    assert collect_metrics([tmp_path / "a.csv", tmp_path / "b.csv"], target) == 3
    lines = target.read_text().splitlines()
    assert lines[0] == header
    assert [line.split(",")[:2] for line in lines[1:]] == [["a.m", "g=1"], ["a.m", "g=2"],
                                                          ["b.m", ""]]
    (tmp_path / "bad.csv").write_text("metric,value\nx,1\n")
    with pytest.raises(PipelineError, match="bad.csv"):
        collect_metrics([tmp_path / "bad.csv"], target)


def test_swap_replaces_folder_and_recovers_an_interrupted_swap(tmp_path: Path) -> None:
    final, new = tmp_path / "2023", tmp_path / ".2023.tmp-1"
    final.mkdir()
    (final / "old.txt").write_text("old")
    new.mkdir()
    (new / "new.txt").write_text("new")
    swap_into_place(new, final)
    assert [p.name for p in final.iterdir()] == ["new.txt"] and not new.exists()
    # A run that died after moving the old folder aside: the next run puts it back.
    final.rename(tmp_path / ".2023.previous")
    recover_interrupted_swap(final)
    assert (final / "new.txt").read_text() == "new"


# ------------------------------------------------------------------ gate, kernels, scheduling


def _write_notebook(path: Path, source: str, extra_parameters: str = "") -> None:
    """A stage notebook: the standard parameters cell, then `source` as one code cell."""
    import nbformat

    parameters = nbformat.v4.new_code_cell(
        'year = None\nraw_dir = "data/raw/demo"\ninstitution = "icr"\nprocessed_dir = None\n'
        "work_dir = None\n" + extra_parameters
    )
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "tc-pipeline", "display_name": "tc", "language": "python"}
    nbformat.write(nb, path)


def _project_with(root: Path, notebook: str, source: str) -> None:
    """`root/nb` with the test cleaning and report notebooks plus `notebook` running
    `source`, and a raw folder with one file."""
    (root / "nb").mkdir()
    for name in ("clean.ipynb", "report.ipynb"):
        shutil.copy(NOTEBOOKS / name, root / "nb" / name)
    _write_notebook(root / "nb" / notebook, source)
    (root / "raw").mkdir()
    (root / "raw" / "x.csv").write_text("a\n1\n")


# A data-quality stand-in: writes its results (with a timestamp) next to the data it checks,
# and fails on a "critical" value, after the reports have run alongside it.
GATE_SOURCE = """\
import time
from pathlib import Path

folder = Path(processed_dir)
(folder / "checks.json").write_text(f'{{"checked_at": {time.time()}}}')
if "critical" in (folder / "x.txt").read_text():
    raise ValueError("critical check failed")
"""


def _gate_config(root: Path, lines: list[str]) -> RunConfig:
    stages = (
        STAGES[0], STAGES[1],
        Stage("check", "check.ipynb", "Data checks", report=False, depends_on=("clean",),
              inputs=("processed:*",), outputs=("processed:checks",), gate=True),
    )
    return RunConfig(
        raw_dir=root / "raw", year=YEAR, stages=stages, root=root, notebooks_dir=root / "nb",
        processed_root=root / "processed", reports_root=root / "reports",
        work_root=root / "work", echo=lines.append,
    )


def test_a_failed_gate_stops_publication_though_the_reports_ran_alongside(
    tmp_path: Path,
) -> None:
    _project_with(tmp_path, "check.ipynb", GATE_SOURCE)
    lines: list[str] = []
    run(_gate_config(tmp_path, lines))
    # The report did not wait for the gate: both ran after the cleaning, side by side.
    assert any("alongside" in line for line in lines if "running" in line)
    # The gate rewrites checks.json (an input folder) each run: still nothing to rerun.
    lines.clear()
    assert run(_gate_config(tmp_path, lines)).up_to_date, lines

    report_dir = tmp_path / "reports" / str(YEAR)
    before = _digests(report_dir)
    (tmp_path / "raw" / "x.csv").write_text("a\ncritical\n")
    lines.clear()
    with pytest.raises(PipelineError) as caught:
        run(_gate_config(tmp_path, lines))
    message = str(caught.value)
    assert "The data checks stage (check) stopped the run: no report was published" in message
    assert "ValueError: critical check failed" in message and "left untouched" in message
    assert any("report_x" in line and " done " in line for line in lines)  # it still ran
    assert _digests(report_dir) == before


STAMP_SOURCE = """\
import time
from pathlib import Path

Path(work_dir, "dependent_started").write_text(str(time.time()))
"""


def test_dependents_start_when_the_data_is_ready_not_when_the_report_is_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from pipeline import runner

    printed: dict[str, float] = {}
    real_print = runner.print_report

    def slow_print(job, layout, warnings):  # noqa: ANN001, ANN202 - test double
        time.sleep(4)  # a long PDF
        try:
            return real_print(job, layout, warnings)
        finally:
            printed[job.stage.name] = time.time()

    monkeypatch.setattr(runner, "print_report", slow_print)
    _project_with(tmp_path, "dependent.ipynb", STAMP_SOURCE)
    stages = (STAGES[0], STAGES[1], Stage("dependent", "dependent.ipynb", "Dependent",
                                          report=False, depends_on=("report_x",)))
    lines: list[str] = []
    result = run(RunConfig(
        raw_dir=tmp_path / "raw", year=YEAR, stages=stages, root=tmp_path,
        notebooks_dir=tmp_path / "nb", processed_root=tmp_path / "processed",
        reports_root=tmp_path / "reports", work_root=tmp_path / "work", echo=lines.append,
    ))
    started = float((tmp_path / "work" / str(YEAR) / "dependent_started").read_text())
    assert started < printed["report_x"] - 1, lines  # ran while report_x was printing
    assert any(line.endswith("s") and "report_x" in line and "printing: notebook done in"
               in line for line in lines), lines
    assert sorted(result.executed) == ["clean", "dependent", "report_x"]
    assert (result.report_dir / "report_x.pdf").is_file()


PROBE_SOURCE = """\
import json, os, sys
from pathlib import Path

preloaded = "pipeline.paths" in sys.modules
from pipeline import paths  # noqa: E402 - the probe looks before it imports

seen = getattr(json, "probe_marker", None)
json.probe_marker = stage
out = Path(work_dir) / "probes"
out.mkdir(parents=True, exist_ok=True)
(out / f"{stage}.json").write_text(json.dumps(
    {"pid": os.getpid(), "seen": seen, "preloaded": preloaded, "cwd": os.getcwd()}))
if stage == "die":
    os._exit(3)
"""


def _probe_config(root: Path, names: tuple[str, ...]) -> RunConfig:
    stages = tuple(  # one after the other
        Stage(name, "probe.ipynb", name, report=False, extra_parameters={"stage": name},
              depends_on=names[:i][-1:])
        for i, name in enumerate(names)
    )
    return RunConfig(
        raw_dir=root / "raw", year=YEAR, stages=stages, root=root, notebooks_dir=root,
        processed_root=root / "processed", reports_root=root / "reports",
        work_root=root / "work", jobs=1, privacy_checks=False, echo=lambda line: None,
    )


def test_each_notebook_gets_a_fresh_kernel_with_the_libraries_preloaded(tmp_path: Path) -> None:
    _write_notebook(tmp_path / "probe.ipynb", PROBE_SOURCE, 'stage = "a"\n')
    (tmp_path / "raw").mkdir()
    with pytest.raises(PipelineError, match="Kernel died"):  # a crashed kernel is reported
        run(_probe_config(tmp_path, ("a", "b", "die")))
    probes = [json.loads((tmp_path / "work" / str(YEAR) / "probes" / f"{name}.json").read_text())
              for name in ("a", "b")]
    assert probes[0]["pid"] != probes[1]["pid"]
    assert [p["seen"] for p in probes] == [None, None]  # nothing of one notebook in the next
    assert {p["cwd"] for p in probes} == {str(tmp_path)}
    if forkserver.available():
        assert all(p["preloaded"] for p in probes)  # forked from the server, not a new process


def test_a_stage_whose_code_changed_since_the_server_started_gets_an_ordinary_kernel() -> None:
    class Server:
        up = True

        def alive(self) -> bool:
            return self.up

    server, manager = Server(), type("Manager", (), {})
    tools = RunTools(kernels=server, kernel_manager=manager,  # type: ignore[arg-type]
                     kernel_code={"pipeline/a.py": "1", "pipeline/b.py": "2"})
    assert tools.forked_kernel({"pipeline/a.py": "1", "pipeline/c.py": "9"}) is manager
    assert tools.forked_kernel({"pipeline/a.py": "edited"}) is None
    server.up = False
    assert tools.forked_kernel({"pipeline/a.py": "1"}) is None
    assert RunTools().forked_kernel({}) is None


def test_start_order_is_the_fastest_in_simulation() -> None:
    costs = {"00_clean": 4.0, "10_data_quality": 10.5, "20_workforce": 7.9,
             "30_destinations": 2.7, "31_motivation": 4.3, "32_staff_survey": 3.2,
             "90_scorecard": 3.5}
    rank = priorities(PIPELINE_STAGES, costs)
    longest_first = sorted(PIPELINE_STAGES, key=lambda s: -rank[s.name])
    chosen = start_order(PIPELINE_STAGES, costs, jobs=2)
    # Data quality (nothing waits for it) goes beside the scorecard, not first.
    assert makespan(chosen, costs, 2) < makespan(longest_first, costs, 2)
    names = [s.name for s in chosen]
    assert names[0] == "00_clean" and names.index("10_data_quality") > names.index("20_workforce")
    # Without measurements (or with one worker) the order is longest chain first.
    assert start_order(PIPELINE_STAGES, costs, jobs=1) == longest_first
    assert makespan(longest_first, dict.fromkeys(costs, 1.0), 1) == 7.0


def _tables_read(notebook: Path) -> set[str]:
    """Table names a notebook passes to `ctx.table(...)` / `ctx.tables(...)`."""
    import ast
    import importlib

    names: dict[str, object] = {}
    found: set[str] = set()
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                names.update({a.name: getattr(module, a.name, None) for a in node.names})
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("table", "tables")):
                for arg in node.args:
                    if isinstance(arg, ast.Constant):
                        found.add(arg.value)
                    elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                        found.update(names[arg.value.id])
    return found


@pytest.mark.parametrize("stage", [s for s in PIPELINE_STAGES if s.report], ids=lambda s: s.name)
def test_stage_inputs_cover_the_tables_its_notebook_reads(stage: Stage) -> None:
    """A table read but not declared would not rerun the report when it changes."""
    notebook = paths.NOTEBOOKS_DIR / stage.notebook
    if not notebook.exists():
        pytest.skip(f"{stage.notebook} not written yet")
    declared = {spec.split(":", 1)[1] for spec in stage.inputs if spec.startswith("processed:")}
    if "*" in declared:
        return
    assert _tables_read(notebook) <= declared


# ------------------------------------------------------------------ end to end (real notebooks)

REAL_NOTEBOOKS = [paths.NOTEBOOKS_DIR / s.notebook for s in PIPELINE_STAGES]


def _answer_key(raw: Path, year: int) -> dict[tuple[str, str], float]:
    with open(raw / "answer_key" / "metrics.csv", newline="") as handle:
        return {
            (row["metric"], row["group"] or ""): float(row["value"])
            for row in csv.DictReader(handle)
            if row["year"] == str(year) and row["value"] not in ("", None)
            and _is_number(row["value"])
        }


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.skipif(
    not all(p.exists() for p in REAL_NOTEBOOKS),
    reason="end-to-end test waits for every stage notebook in notebooks/",
)
def test_end_to_end_on_demo_data_matches_the_answer_key(tmp_path: Path) -> None:
    from pipeline.demo import generate

    raw = generate(tmp_path / "raw", institution="icr", seed=2023, scale=0.2)
    result = run(RunConfig(
        raw_dir=raw, processed_root=tmp_path / "processed", reports_root=tmp_path / "reports",
        work_root=tmp_path / "work", echo=lambda line: None,
    ))
    report_dir = result.report_dir
    html_files = sorted(report_dir.glob("*.html"))
    assert len(html_files) == 1 + sum(s.report for s in PIPELINE_STAGES)
    for html in html_files:
        text = html.read_text()
        assert "jp-CodeMirrorEditor" not in text and "<script src" not in text
        assert "ctx = setup(" not in text
    for pdf in report_dir.glob("*.pdf"):
        assert len(pdf_pages_text(pdf.read_bytes())[0]) >= 1
    key = _answer_key(raw, result.year)
    with open(report_dir / "metrics.csv", newline="") as handle:
        ours = [row for row in csv.DictReader(handle)
                if row["suppressed"] == "False" and _is_number(row["value"])
                and not row["group"].startswith("year=")]
    pairs = [((row["metric"], row["group"]), float(row["value"])) for row in ours]
    compared = [(name, value, key[name]) for name, value in pairs if name in key]
    assert len(compared) >= 20, "too few published figures match answer-key rows"
    assert [c for c in compared if abs(c[1] - c[2]) > 1e-6] == []
