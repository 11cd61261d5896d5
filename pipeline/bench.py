"""`make bench`: how long runs take, and what notebooks cost over plain Python.

Prints, on the demo data: a cold full run, a second run with nothing changed, a run after
one raw file changed; a scale run on generated data (about 100,000 staff per census over
5 censuses and 1,000,000 survey responses) with time and peak memory; and the ratio of the
cold run to the same notebooks' code executed in one plain Python process (no kernels, no
papermill, no rendering). Each run is a separate `python` process, as `make report` is.
Targets (issue 9): nothing changed < 1 s, cold < 30 s, scale < 120 s and < 4 GiB, ratio < 1.5.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline import paths
from pipeline.stages import STAGES, topological_order

STAFF_PER_CENSUS = 100_000
DEMO_SEED = 2023


def _run_cli(root: Path, raw_dir: Path, institution: str, force: bool = False) -> dict:
    """One pipeline run in a fresh process; returns seconds, peak RSS (MiB) and output."""
    code = (
        "import sys; from pathlib import Path; from pipeline.runner import RunConfig, run; "
        f"r = Path({str(root)!r}); "
        f"res = run(RunConfig(raw_dir=Path({str(raw_dir)!r}), institution={institution!r}, "
        f"force={force}, processed_root=r/'processed', reports_root=r/'reports', "
        "work_root=r/'work', echo=lambda line: print(line, flush=True))); "
        "print('EXECUTED', ','.join(res.executed))"
    )
    return _timed([sys.executable, "-c", code])


def _timed(cmd: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.ROOT)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode:
        raise SystemExit(f"bench: run failed ({' '.join(cmd[:3])} ...):\n{proc.stdout}\n"
                         f"{proc.stderr[-3000:]}")
    executed = [line.split(" ", 1)[1] for line in proc.stdout.splitlines()
                if line.startswith("EXECUTED ")]
    return {"seconds": seconds, "peak_mib": peak_mib, "executed": executed[-1:] or [""],
            "stdout": proc.stdout}


def inline_code(raw_dir: Path, work: Path, institution: str, year: int) -> str:
    """Python that runs every stage notebook's code cells in one process, in stage order."""
    blocks = []
    for stage in topological_order(STAGES):
        notebook = paths.NOTEBOOKS_DIR / stage.notebook
        if not notebook.exists():
            continue
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        params = {
            "year": year, "raw_dir": str(raw_dir), "institution": institution,
            "processed_dir": str(work / "processed" / str(year)),
            "work_dir": str(work / "work" / str(year)), **stage.extra_parameters,
        }
        source = "\n".join(f"{k} = {v!r}" for k, v in params.items())
        for cell in cells:
            if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", []):
                text = "".join(cell["source"])
                source += "\n" + "\n".join(
                    line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))
                )
        blocks.append(f"exec(compile({source!r}, {stage.name!r}, 'exec'), {{}})")
    return "\n".join(blocks)


def _inline_run(raw_dir: Path, work: Path, institution: str, year: int) -> dict:
    script = work / "inline.py"
    script.write_text(
        "import contextlib, io, matplotlib\nmatplotlib.use('Agg')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        + "\n".join("    " + line for line in
                    inline_code(raw_dir, work, institution, year).splitlines()),
        encoding="utf-8",
    )
    return _timed([sys.executable, str(script)])


def _report_year(root: Path) -> int:
    return max(int(p.name) for p in (root / "reports").iterdir() if p.name.isdigit())


def _generate(out: Path, institution: str, scale: float) -> Path:
    from pipeline.demo import generate

    with contextlib.redirect_stdout(io.StringIO()):
        return generate(out, institution=institution, seed=DEMO_SEED, scale=scale)


def _line(label: str, result: dict, target: str = "") -> None:
    executed = result["executed"][0] or "nothing"
    print(f"{label:<34} {result['seconds']:7.2f} s  peak {result['peak_mib']:7.0f} MiB  "
          f"executed: {executed}  {target}", flush=True)


def _touch_one_raw_file(raw_dir: Path) -> str:
    """Change one raw file the way an export does: a trailing blank row."""
    target = sorted(raw_dir.glob("staff_survey.*"))[0]
    if target.suffix == ".csv":
        with open(target, "ab") as handle:
            handle.write(b"\r\n")
    else:
        target.touch()
    return target.name


def _rows(raw_dir: Path, dataset: str) -> int:
    path = next(raw_dir.glob(f"{dataset}.csv"), None)
    if path is None:
        return -1
    with open(path, "rb") as handle:
        return sum(1 for _ in handle) - 1


def bench_demo(base: Path, institution: str) -> dict:
    raw = _generate(base / "raw", institution, scale=1.0)
    cold = _run_cli(base, raw, institution)
    _line("cold full run (demo)", cold, "[target < 30 s]")
    _line("second run, nothing changed", _run_cli(base, raw, institution), "[target < 1 s]")
    changed = _touch_one_raw_file(raw)
    _line(f"after changing {changed}", _run_cli(base, raw, institution))
    inline = _inline_run(raw, base / "inline", institution, _report_year(base))
    _line("same notebooks, one plain process", inline)
    ratio = cold["seconds"] / inline["seconds"]
    print(f"{'notebook overhead (cold / plain)':<34} {ratio:7.2f}x  [target < 1.5]", flush=True)
    return cold


def bench_scale(base: Path, institution: str, scale: float | None) -> None:
    probe = _generate(base / "probe", institution, scale=0.2)
    per_census = _rows(probe, "hr_staff") / 0.2 / 5
    scale = scale or STAFF_PER_CENSUS / max(per_census, 1)
    started = time.perf_counter()
    raw = _generate(base / "raw", institution, scale=scale)
    print(f"scale data (scale={scale:.0f}): hr_staff {_rows(raw, 'hr_staff'):,} rows, "
          f"staff_survey {_rows(raw, 'staff_survey'):,}, motivation_survey "
          f"{_rows(raw, 'motivation_survey'):,} (generated in "
          f"{time.perf_counter() - started:.0f} s, not timed below)", flush=True)
    _line("scale run (cold)", _run_cli(base, raw, institution), "[target < 120 s, < 4 GiB]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__)
    parser.add_argument("--institution", default="icr")
    parser.add_argument("--skip-scale", action="store_true", help="only the demo-data runs")
    parser.add_argument("--scale", type=float, default=None, help="override the scale factor")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tc-bench-") as tmp:
        bench_demo(Path(tmp) / "demo", args.institution)
        if not args.skip_scale:
            bench_scale(Path(tmp) / "scale", args.institution, args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
