"""Command line: `python -m pipeline report|share|check-privacy|kernel` (the Makefile calls it).

Every command writes a log to `work/logs/<timestamp>-<command>.log` and exits 0 on success,
1 on a failure explained in one message (no traceback wall; the traceback is in the log).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

from pipeline import paths
from pipeline.runner import PipelineError

SHARED_SUFFIXES = (".html", ".pdf", ".csv", ".json")


class Log:
    """Echo to the terminal and to a log file a person can read after a scheduled run."""

    def __init__(self, command: str, logs_dir: Path = paths.WORK_ROOT / "logs") -> None:
        logs_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.path = logs_dir / f"{stamp}-{command}.log"
        self.handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def __call__(self, line: str, *, err: bool = False) -> None:
        print(line, file=sys.stderr if err else sys.stdout, flush=True)
        self.handle.write(f"{dt.datetime.now():%H:%M:%S} {line}\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def latest_report_year(reports_root: Path = paths.REPORTS_ROOT) -> int:
    """The latest year that has a published report folder."""
    years = sorted(int(p.name) for p in reports_root.glob("[0-9]" * 4) if p.is_dir())
    if not years:
        raise PipelineError(f"No reports in {reports_root}: run `make report` first")
    return years[-1]


def cmd_report(args: argparse.Namespace, log: Log) -> int:
    from pipeline.runner import RunConfig, run

    config = RunConfig(
        raw_dir=Path(args.raw_dir), institution=args.institution, year=args.year,
        jobs=args.jobs, force=args.force, echo=log,
    )
    result = run(config)
    log(f"Index: {result.index}")
    return 0


def share_bundle(report_dir: Path, target: Path) -> Path:
    """Zip the shareable files of one year's reports (never notebooks or processed data)."""
    files = sorted(
        p for p in report_dir.iterdir() if p.is_file() and p.suffix.lower() in SHARED_SUFFIXES
    )
    if not any(p.name == "index.html" for p in files):
        raise PipelineError(f"{report_dir} has no index.html: run `make report` first")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, f"{target.stem}/{path.name}")
    return target


def raw_dir_of_reports(year: int, given: str | None,
                       reports_root: Path = paths.REPORTS_ROOT) -> Path:
    """The raw folder to scan the reports against: `given`, else the one the year's
    reports were made from (their manifest.json), so a scan never checks real reports
    against the demo data's names."""
    if given:
        return Path(given)
    manifest = reports_root / str(year) / "manifest.json"
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))["raw_dir"]
    except (OSError, ValueError, KeyError) as err:
        raise PipelineError(
            f"{manifest}: cannot tell which raw folder reports/{year}/ were made from "
            f"({err!r}); pass it: make check-privacy RAW_DIR=<raw folder>"
        ) from err
    raw_dir = Path(recorded) if Path(recorded).is_absolute() else paths.ROOT / recorded
    if not raw_dir.is_dir():
        raise PipelineError(
            f"reports/{year}/ were made from {recorded}, which is not there any more; pass "
            "the folder holding those raw files: make check-privacy RAW_DIR=<raw folder>"
        )
    return raw_dir


def _privacy_findings(year: int, raw_dir: Path, log: Log) -> list[object] | None:
    from pipeline.runner import LeakChecks, RunConfig, make_layout

    layout = make_layout(RunConfig(raw_dir=raw_dir, year=year))
    leaks = LeakChecks(layout).scan(layout.report_dir)
    if leaks is None:
        log("warning: leak scan unavailable (pipeline.leakscan missing)", err=True)
    return leaks


def cmd_check_privacy(args: argparse.Namespace, log: Log) -> int:
    year = args.year or latest_report_year()
    raw_dir = raw_dir_of_reports(year, args.raw_dir)
    leaks = _privacy_findings(year, raw_dir, log)
    if leaks:
        raise PipelineError(
            f"reports/{year}/: {len(leaks)} identifier(s) from the raw data found:\n  - "
            + "\n  - ".join(map(str, leaks[:20]))
        )
    log(f"reports/{year}/: no identifiers from {raw_dir} found" if leaks is not None
        else f"reports/{year}/: not checked")
    return 0 if leaks is not None else 1


def cmd_share(args: argparse.Namespace, log: Log) -> int:
    year = args.year or latest_report_year()
    if _privacy_findings(year, raw_dir_of_reports(year, args.raw_dir), log):
        raise PipelineError(f"reports/{year}/ failed the leak scan: run `make check-privacy`")
    target = paths.REPORTS_ROOT / f"technician-commitment-{year}.zip"
    share_bundle(paths.report_dir(year), target)
    log(f"Bundle for the staff association: {target}")
    return 0


def cmd_kernel(args: argparse.Namespace, log: Log) -> int:
    from pipeline.runner import install_kernel

    log(f"Kernel spec: {install_kernel()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, tuple[Callable, str]] = {
        "report": (cmd_report, "run the notebooks and publish reports/<year>/"),
        "share": (cmd_share, "zip reports/<year>/ for the staff association"),
        "check-privacy": (cmd_check_privacy, "scan reports/<year>/ for identifiers"),
        "kernel": (cmd_kernel, "install the project's Jupyter kernel into this environment"),
    }
    for name, (handler, help_text) in commands.items():
        command = sub.add_parser(name, help=help_text)
        command.set_defaults(handler=handler)
        if name == "kernel":
            continue
        command.add_argument("--year", type=int, default=None,
                             help="reporting year (default: latest census / latest report)")
        if name == "report":
            command.add_argument("--raw-dir", default="data/raw/demo", help="raw data folder")
        else:
            command.add_argument("--raw-dir", default=None,
                                 help="raw data folder (default: the reports' manifest says)")
        command.add_argument("--institution", default="icr", help="institution config name")
        if name == "report":
            command.add_argument("--jobs", type=int, default=2, help="notebooks run at once")
            command.add_argument("--force", action="store_true", help="ignore the cache")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    log = Log(args.command)
    try:
        code = args.handler(args, log)
    except PipelineError as error:
        log(f"ERROR: {error}", err=True)
        log(f"Log: {log.path}", err=True)
        code = 1
    except KeyboardInterrupt:
        log("Interrupted: nothing was published; reports/ is as it was before this run.",
            err=True)
        code = 130  # the shell's code for Ctrl-C
    except Exception:  # noqa: BLE001 - a person gets one line; the log gets the traceback
        log.handle.write(traceback.format_exc())
        log(f"Unexpected error: {sys.exc_info()[1]!r}. Traceback in {log.path}", err=True)
        code = 2
    finally:
        log.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
