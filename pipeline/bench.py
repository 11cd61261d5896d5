"""`make bench`: how long runs take, and what the notebooks cost over plain Python.

Prints one table (issue 9 targets in the last column):

- on the demo data (`data/raw/demo` copied to a temporary folder, never changed in place):
  a cold full run, a second run with nothing changed, and a run after one raw file changed;
  each is a `python` process of its own, as `make report` is;
- `plain_run`: the notebooks' own code (cleaning, validation, metrics, tables, charts) in
  one plain Python process, without kernels, papermill, HTML or PDF, and the ratio of the
  cold notebook run to it: the cost of notebooks themselves, and of printing them;
- a scale run: `plain_run` on 100,000 staff per census over 5 censuses and 1,000,000 staff
  survey responses, with its time and peak memory. The data is made once from the demo files
  (`make_scale_data`: copies with new IDs, e-mails and response IDs, so it keeps the data
  contract and the demo's mess) and cached under `work/bench/`, outside the timings.
  The whole notebook run (HTML and PDF) is then timed on it too, unless
  `--scale-plain-only`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import paths

STAFF_PER_CENSUS = 100_000
SURVEY_RESPONSES = 1_000_000
DEMO_SEED = 2023
BENCH_ROOT = paths.WORK_ROOT / "bench"
SCALE_FORMAT = 1  # bump when make_scale_data changes what it writes
TARGETS = {
    "cold": ("< 30 s", 30.0), "nothing": ("< 1 s", 1.0), "scale": ("< 120 s", 120.0),
    "memory": ("< 4 GiB", 4096.0), "ratio": ("< 1.5", 1.5),
}


# ---------------------------------------------------------------------------- plain path


def plain_run(
    raw_dir: Path, processed_dir: Path, work_dir: Path, institution: str, year: int,
) -> dict[str, float]:
    """Every stage notebook's own code, in stage order, in this process; seconds per stage.

    The code cells run with `exec` in a fresh namespace per notebook, with the parameters
    the runner would pass: the same cleaning, validation, metrics, tables and charts,
    without kernels, papermill, nbconvert or PDF. What a notebook displays is formatted as
    its HTML (as the kernel does) and dropped. The difference from a full run is therefore
    the cost of running the work as notebooks and printing them.
    """
    from pipeline.forkserver import skip_slow_iri_checker
    from pipeline.stages import STAGES, topological_order

    skip_slow_iri_checker()  # as the runner and its kernels do: a fair comparison
    params = {"year": year, "raw_dir": str(raw_dir), "institution": institution,
              "processed_dir": str(processed_dir), "work_dir": str(work_dir)}
    timings: dict[str, float] = {}
    for stage in topological_order(STAGES):
        cells = _code_cells(paths.NOTEBOOKS_DIR / stage.notebook)
        started = time.perf_counter()
        namespace: dict[str, Any] = {"__name__": "__main__", "display": _format, **params}
        with contextlib.redirect_stdout(io.StringIO()):  # say() prints outside IPython
            for number, source in cells:
                _run_cell(source, namespace, f"{stage.notebook} cell {number}")
        timings[stage.name] = time.perf_counter() - started
    return timings


def _code_cells(notebook: Path) -> list[tuple[int, str]]:
    """(position, source) of each code cell except the parameters cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(number, "".join(cell["source"])) for number, cell in enumerate(cells, start=1)
            if cell["cell_type"] == "code"
            and "parameters" not in cell.get("metadata", {}).get("tags", [])]


def _run_cell(source: str, namespace: dict[str, Any], where: str) -> None:
    """Run a cell as a kernel would: a last bare expression is displayed."""
    import ast

    tree = ast.parse(source, filename=where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, where, "exec"), namespace)  # noqa: S102 - our own notebooks
    if last is not None:
        _format(eval(compile(ast.Expression(last.value), where, "eval"), namespace))  # noqa: S307


def _format(*objects: Any) -> None:  # noqa: ANN401 - anything a notebook shows
    """What the kernel's display does with an object: its HTML, or its text."""
    for obj in objects:
        if obj is not None:
            obj._repr_html_() if hasattr(obj, "_repr_html_") else repr(obj)


# ---------------------------------------------------------------------------- scale data


def _copy_id(value: Any, copy: int) -> Any:  # noqa: ANN401 - text or missing
    """A staff ID for copy `copy` of the population: digits stay digits (lost leading zeros
    stay lost, so the cleaning still restores them), anything else gets a suffix."""
    if not isinstance(value, str) or not value.strip():
        return value
    text = value.strip()
    if text.isdigit():
        return str(copy * 100_000 + int(text)) if copy else text
    return f"{text}x{copy}" if copy else text


def _copy_email(value: Any, copy: int) -> Any:  # noqa: ANN401 - text or missing
    if not isinstance(value, str) or "@" not in value or not copy:
        return value
    local, _, domain = value.partition("@")
    return f"{local}.c{copy}@{domain}"


def _copy_text(value: Any, copy: int) -> Any:  # noqa: ANN401 - text or missing
    if not isinstance(value, str) or not value.strip() or not copy:
        return value
    return f"{value.strip()}-c{copy}"


# Per dataset: columns rewritten per copy, and how.
_REWRITES: dict[str, dict[str, Callable[[Any, int], Any]]] = {
    "hr_staff": {"staff_id": _copy_id, "email": _copy_email},
    "hr_leavers": {"staff_id": _copy_id},
    "hr_promotions": {"staff_id": _copy_id},
    "registrations": {"staff_id": _copy_id},
    "training": {"staff_id": _copy_id},
    "destinations_survey": {"staff_id": _copy_id, "response_id": _copy_text},
    "motivation_survey": {"response_id": _copy_text},
    "staff_survey": {"response_id": _copy_text},
    "events": {"attendee_email": _copy_email},
}


def _flip(rewrite: Callable[[Any, int], Any], copy: int, value: Any) -> Any:  # noqa: ANN401
    return rewrite(value, copy)


def _copies(frame: Any, dataset: str, copies: int) -> Any:  # noqa: ANN401 - pandas
    import pandas as pd

    parts = []
    for copy in range(copies):
        part = frame.copy()
        for column, rewrite in _REWRITES.get(dataset, {}).items():
            if column in part.columns:
                part[column] = part[column].map(functools.partial(_flip, rewrite, copy))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class ScaleData:
    raw_dir: Path
    rows: dict[str, int]
    staff_copies: int
    survey_copies: int
    seconds: float  # to make it (0 when cached)


def make_scale_data(
    demo_dir: Path, out_root: Path = BENCH_ROOT, staff_per_census: int = STAFF_PER_CENSUS,
    survey_responses: int = SURVEY_RESPONSES,
) -> ScaleData:
    """Demo data copied up to `staff_per_census` staff per census (and as many copies of
    the other people's records) and `survey_responses` staff survey responses; cached.

    Each copy gets new staff IDs, e-mails (so event attendees still match staff) and
    response IDs; names, dates, categories and the demo's planted mess are kept, so the
    real cleaning, validation and analyses run on it. Written as UTF-8 CSV (Excel files of
    a million rows take minutes to write and read). The action-plan log is not copied.
    """
    from pipeline.io import read_raw
    from pipeline.runner import json_hash

    stamp = {
        "format": SCALE_FORMAT, "staff_per_census": staff_per_census,
        "survey_responses": survey_responses,
        "demo": {p.name: p.stat().st_size for p in sorted(demo_dir.iterdir()) if p.is_file()},
    }
    key = json_hash(stamp)[:12]
    raw_dir = out_root / f"scale-{key}" / "raw"
    marker = raw_dir.parent / "SCALE.json"  # beside the raw folder: not a raw file
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        return ScaleData(raw_dir, info["rows"], info["staff_copies"], info["survey_copies"], 0)
    started = time.perf_counter()
    shutil.rmtree(raw_dir.parent, ignore_errors=True)
    raw_dir.mkdir(parents=True)
    staff = read_raw(demo_dir, "hr_staff")
    censuses = max(1, staff["census_date"].nunique())
    staff_copies = max(1, math.ceil(staff_per_census * censuses / len(staff)))
    survey_copies = max(1, math.ceil(survey_responses / len(read_raw(demo_dir, "staff_survey"))))
    rows = {}
    for dataset in (*_REWRITES, "activity_log"):
        frame = read_raw(demo_dir, dataset)
        copies = survey_copies if dataset == "staff_survey" else (
            1 if dataset == "activity_log" else staff_copies)
        scaled = _copies(frame, dataset, copies)
        scaled.to_csv(raw_dir / f"{dataset}.csv", index=False, encoding="utf-8")
        rows[dataset] = len(scaled)
    shutil.copy(demo_dir / "DEMO", raw_dir / "DEMO")
    marker.write_text(json.dumps({**stamp, "rows": rows, "staff_copies": staff_copies,
                                  "survey_copies": survey_copies}, indent=1), encoding="utf-8")
    return ScaleData(raw_dir, rows, staff_copies, survey_copies,
                     time.perf_counter() - started)


# ---------------------------------------------------------------------------- measuring


# Run in a child process: prints one JSON line with the result and the child's own peak RSS.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
args = json.loads(sys.argv[1])
if args["kind"] == "pipeline":
    from pipeline.runner import RunConfig, run
    r = Path(args["root"])
    res = run(RunConfig(raw_dir=Path(args["raw_dir"]), institution=args["institution"],
              year=args["year"], processed_root=r / "processed", reports_root=r / "reports",
              work_root=r / "work", echo=lambda line: print(line, file=sys.stderr, flush=True)))
    out = {"executed": res.executed, "year": res.year}
else:
    from pipeline.bench import plain_run
    r = Path(args["root"])
    out = {"stages": plain_run(Path(args["raw_dir"]), r / "processed", r / "work",
                               args["institution"], args["year"])}
out["self_seconds"] = time.perf_counter() - started
own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
out["peak_mib"] = own.ru_maxrss / 1024
out["children_peak_mib"] = children.ru_maxrss / 1024
out["cpu_seconds"] = sum(r.ru_utime + r.ru_stime for r in (own, children))
print("RESULT " + json.dumps(out))
"""


def measure(kind: str, root: Path, raw_dir: Path, institution: str,
            year: int | None) -> dict[str, Any]:
    """Run the pipeline (`kind="pipeline"`) or `plain_run` (`"plain"`) in a fresh process.

    Returns wall seconds (process start to exit) and peak memory: of the process itself,
    and of its largest child (kernels are grandchildren reaped by the kernel server, so
    this is the largest of the server, printers and their kernels).
    """
    args = {"kind": kind, "root": str(root), "raw_dir": str(raw_dir),
            "institution": institution, "year": year}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(args)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    seconds = time.perf_counter() - started
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise SystemExit(f"bench: {kind} run failed:\n{proc.stdout[-3000:]}\n"
                         f"{proc.stderr[-3000:]}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    result.update(seconds=seconds, log=proc.stderr)
    return result


def _change_one_raw_file(raw_dir: Path) -> str:
    """Change one raw file the way a corrected export would: one answer edited."""
    target = raw_dir / "motivation_survey.csv"
    data = target.read_bytes()
    first_row = data.index(b"\n") + 1
    target.write_bytes(data[:first_row] + data[first_row:].replace(b"Agree", b"Disagree", 1))
    return target.name


# ---------------------------------------------------------------------------- report


class Table:
    """The bench's printed table: figure, value, target, verdict."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        print(f"{'measure':<52} {'value':>14}  {'target':<9} result", flush=True)
        print("-" * 86, flush=True)

    def add(self, label: str, value: str, target: tuple[str, float] | None = None,
            number: float | None = None) -> None:
        verdict = ""
        if target is not None and number is not None:
            verdict = "ok" if number < target[1] else "MISSED"
        row = (label, value, target[0] if target else "", verdict)
        self.rows.append(row)
        print(f"{row[0]:<52} {row[1]:>14}  {row[2]:<9} {row[3]}", flush=True)


_SPIN = "import time; t = time.process_time()\nwhile time.process_time() - t < 1.0: pass"


def effective_cores(workers: int = 2) -> float:
    """How many cores this machine gives us right now: `workers` one-second CPU loops at
    once, against one alone. On a shared host the answer moves, and every figure with it."""
    def spin(count: int) -> float:
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(count)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - started

    alone = spin(1)
    return workers * alone / spin(workers)


def _executed(result: dict[str, Any]) -> str:
    return ", ".join(result.get("executed", [])) or "nothing"


def bench_demo(base: Path, demo_dir: Path, institution: str, table: Table) -> None:
    raw = base / "raw"
    shutil.copytree(demo_dir, raw, ignore=shutil.ignore_patterns("answer_key"))
    cold = measure("pipeline", base, raw, institution, None)
    table.add("demo: cold full run (7 notebooks, HTML + PDF)", f"{cold['seconds']:.1f} s",
              TARGETS["cold"], cold["seconds"])
    again = measure("pipeline", base, raw, institution, None)
    table.add("demo: second run, nothing changed", f"{again['seconds']:.2f} s",
              TARGETS["nothing"], again["seconds"])
    changed = _change_one_raw_file(raw)
    after = measure("pipeline", base, raw, institution, None)
    table.add(f"demo: after changing {changed}", f"{after['seconds']:.1f} s")
    table.add(f"    reran: {_executed(after)}", "")
    plain = measure("plain", base / "plain", raw, institution, cold["year"])
    table.add("demo: same notebook code, one plain process", f"{plain['seconds']:.1f} s")
    ratio = cold["seconds"] / plain["seconds"]
    table.add("demo: notebook overhead (cold run / plain)", f"{ratio:.2f}x", TARGETS["ratio"],
              ratio)
    table.add("    CPU seconds, all processes: cold run / plain",
              f"{cold['cpu_seconds']:.0f} / {plain['cpu_seconds']:.0f}")


def bench_scale(demo_dir: Path, institution: str, table: Table, notebooks: bool) -> None:
    from pipeline.dates import latest_census_year

    data = make_scale_data(demo_dir)
    made = f"made in {data.seconds:.0f} s" if data.seconds else "cached"
    table.add(f"scale data ({made}, not timed): hr_staff rows", f"{data.rows['hr_staff']:,}")
    table.add("    staff_survey responses", f"{data.rows['staff_survey']:,}")
    table.add("    motivation_survey responses", f"{data.rows['motivation_survey']:,}")
    with tempfile.TemporaryDirectory(prefix="tc-bench-scale-") as tmp:
        year = latest_census_year(data.raw_dir)
        plain = measure("plain", Path(tmp) / "plain", data.raw_dir, institution, year)
        table.add("scale: same notebook code, one plain process", f"{plain['seconds']:.1f} s",
                  TARGETS["scale"], plain["seconds"])
        table.add("scale: peak memory", f"{plain['peak_mib']:,.0f} MiB", TARGETS["memory"],
                  plain["peak_mib"])
        slowest = sorted(plain["stages"].items(), key=lambda kv: -kv[1])[:3]
        table.add("    slowest: " + ", ".join(f"{k} {v:.0f} s" for k, v in slowest), "")
        if notebooks:
            full = measure("pipeline", Path(tmp) / "notebooks", data.raw_dir, institution, year)
            peak = max(full["peak_mib"], full["children_peak_mib"])
            table.add("scale: whole notebook run (HTML + PDF)", f"{full['seconds']:.1f} s",
                      TARGETS["scale"], full["seconds"])
            table.add("scale: notebook run, largest process", f"{peak:,.0f} MiB",
                      TARGETS["memory"], peak)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institution", default="icr")
    parser.add_argument("--demo-dir", type=Path, default=None,
                        help="raw demo folder to copy (default: data/raw/demo, made if absent)")
    parser.add_argument("--skip-scale", action="store_true", help="only the demo-data runs")
    parser.add_argument("--scale-plain-only", action="store_true",
                        help="on the scale data, time only the plain run, not the notebooks")
    args = parser.parse_args(argv)
    demo_dir = args.demo_dir or (
        paths.DEMO_RAW_DIR if args.institution == "icr"
        else paths.RAW_ROOT / f"demo-{args.institution}"
    )
    if not (demo_dir / "DEMO").exists():
        from pipeline.demo import generate

        with contextlib.redirect_stdout(io.StringIO()):
            generate(demo_dir, institution=args.institution, seed=DEMO_SEED)
    started = time.perf_counter()
    table = Table()
    cores = effective_cores()
    table.add("machine: cores free now (2 CPU loops vs 1)", f"{cores:.1f} of 2")
    with tempfile.TemporaryDirectory(prefix="tc-bench-") as tmp:
        bench_demo(Path(tmp) / "demo", demo_dir, args.institution, table)
    if not args.skip_scale:
        bench_scale(demo_dir, args.institution, table, not args.scale_plain_only)
    table.add("machine: cores free at the end", f"{effective_cores():.1f} of 2")
    print("-" * 86)
    print(f"bench took {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
