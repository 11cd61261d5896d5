"""The runner: executes the stage notebooks with papermill, renders, publishes atomically.

One Python process drives everything (papermill's CLI costs ~2 s a notebook); each notebook
runs in its own kernel, two at a time. A stage runs again only when its cache key changed:
a hash of its notebook (without outputs), its parameters, the `pipeline/` code it imports,
the configuration data files and the input files it declares (see `pipeline.stages`).

Reports are built in `reports/.<year>.tmp-<pid>/` and swapped into `reports/<year>/` only
when every stage succeeded and the leak scan is clean; a failed run leaves the previous
reports untouched and keeps the failed notebook under `work/<year>/` for triage.

Where the time goes, and what keeps it short (docs/qa/runner.md has the measurements):

- the "nothing changed" path imports no pandas, papermill or Great Expectations and parses
  each `pipeline/` file once;
- kernels are forked from a process that imported the notebooks' libraries once
  (`pipeline.forkserver`), and killed as soon as their notebook is done;
- each report is rendered, printed to PDF (in printer processes, `pipeline.render`) and
  leak-scanned in its worker as soon as its notebook is done;
- ready stages start in the order that a simulation says finishes soonest
  (`pipeline.stages.start_order`, with each stage's last measured time).
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import forkserver, paths
from pipeline.config import (
    ConfigError,
    ensure_salt,
    is_demo_source,
    load_institution,
    pseudonym_salt,
)
from pipeline.stages import (
    NOTEBOOK_PARAMETERS,
    STAGES,
    Stage,
    by_name,
    metrics_file,
    report_stages,
    start_order,
    topological_order,
)

KERNEL_NAME = "tc-pipeline"
KERNEL_DISPLAY_NAME = "Technician Commitment (project)"
# Data files the code reads (mapping tables, institution configuration): part of every key.
CODE_DATA_DIRS = ("config", "cleaning/mappings")
REPORTED_PACKAGES = (
    "pandas", "numpy", "great-expectations", "papermill", "nbconvert", "matplotlib", "seaborn",
    "weasyprint",
)
CACHE_VERSION = 2  # 2: rendered reports in a folder per stage
EXCERPT_LINES = 6


class PipelineError(RuntimeError):
    """A run failed. The message is written for a person: what failed, where, what to do."""


@dataclass
class RunConfig:
    """Everything one run needs. Tests point the folders at a temporary directory."""

    raw_dir: Path
    institution: str = "icr"
    year: int | None = None
    jobs: int = 2
    force: bool = False
    stages: tuple[Stage, ...] = STAGES
    root: Path = paths.ROOT
    notebooks_dir: Path = paths.NOTEBOOKS_DIR
    processed_root: Path = paths.PROCESSED_ROOT
    reports_root: Path = paths.REPORTS_ROOT
    work_root: Path = paths.WORK_ROOT
    kernel_name: str = KERNEL_NAME
    privacy_checks: bool = True
    echo: Callable[[str], None] = print
    # Fork each kernel from a process that imported the notebooks' libraries once (Linux).
    fork_kernels: bool = True


@dataclass(frozen=True)
class Layout:
    """The folders of one run (one reporting year)."""

    root: Path
    raw_dir: Path
    year: int
    processed_dir: Path
    work_dir: Path
    report_dir: Path

    @property
    def cache_file(self) -> Path:
        return self.work_dir / "cache.json"

    def executed(self, stage: str) -> Path:
        return self.work_dir / "notebooks" / f"{stage}.ipynb"

    def rendered_dir(self, stage: str) -> Path:
        """A report's HTML and PDF, in a folder of their own (leak-scanned on their own)."""
        return self.work_dir / "rendered" / stage

    def rendered(self, stage: str, suffix: str) -> Path:
        return self.rendered_dir(stage) / f"{stage}{suffix}"

    def failed(self, stage: str) -> Path:
        return self.work_dir / "failed" / f"{stage}.html"

    def rel(self, path: Path) -> str:
        """A path as the notebooks see it: relative to the root when inside it."""
        path = Path(path).resolve()
        try:
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


@dataclass
class StageResult:
    """What happened to one stage in this run."""

    name: str
    status: str  # done | cached | failed | skipped (no notebook) | not run (after a failure)
    seconds: float = 0.0
    key: str = ""
    reason: str = ""
    error: str = ""


@dataclass
class RunResult:
    """What a run did; `index` is the published index.html."""

    year: int
    report_dir: Path
    index: Path
    up_to_date: bool
    stages: dict[str, StageResult] = field(default_factory=dict)

    @property
    def executed(self) -> list[str]:
        return [name for name, result in self.stages.items() if result.status == "done"]


# ---------------------------------------------------------------------------- hashing


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def json_hash(value: object) -> str:
    """sha256 of a value as JSON with sorted keys: the same value, the same hash."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def notebook_cells(path: Path) -> list[dict[str, Any]]:
    """A notebook's cells as plain dicts (JSON only: no nbformat import on the fast path)."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_fingerprint(path: Path) -> str:
    """Hash of what a notebook does: cell types, sources and tags; outputs ignored."""
    cells = [
        (cell["cell_type"], _source(cell), sorted(cell.get("metadata", {}).get("tags", [])))
        for cell in notebook_cells(path)
    ]
    return json_hash(cells)


_IMPORT_RE = re.compile(
    r"^\s*(?:from\s+(pipeline[\w.]*)\s+import\s+([\w, ]+)|import\s+(pipeline[\w.]*))",
    re.MULTILINE,
)


def _imports_in_source(source: str, package: str) -> set[str]:
    """Module names a piece of code imports (absolute, with `from X import y` as X and X.y)."""
    cleaned = "\n".join(
        "" if line.lstrip().startswith(("%", "!", "?")) else line for line in source.splitlines()
    )
    try:
        tree = ast.parse(cleaned)
    except SyntaxError:  # odd notebook syntax: fall back to a line scan
        found: set[str] = set()
        for frm, names, imp in _IMPORT_RE.findall(cleaned):
            found.add(imp or frm)
            found.update(f"{frm}.{n.strip()}" for n in names.split(",") if frm and n.strip())
        return found
    return _imports_in_tree(tree, package, current=package)


def _statements(tree: ast.AST) -> Iterable[ast.AST]:
    """Every statement of a tree: imports are statements, so expressions (most of the nodes
    `ast.walk` would visit) need not be visited. Ten times faster on the package."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack.extend(children)


def _imports_in_tree(tree: ast.AST, package: str, current: str) -> set[str]:
    found: set[str] = set()
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                base = current.rsplit(".", node.level - 1)[0] if node.level > 1 else current
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == package or name.startswith(package + ".")}


def _module_file(module: str, package_dir: Path) -> Path | None:
    parts = module.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if parts and candidate.is_file():
            return candidate
    return package_dir / "__init__.py" if not parts else None


def code_dependencies(sources: Iterable[str], package_dir: Path = paths.PACKAGE_DIR) -> list[Path]:
    """Files of the package that code imports, followed recursively (with parent __init__s)."""
    package = package_dir.name
    pending = set().union(*(_imports_in_source(s, package) for s in sources)) if sources else set()
    seen: set[str] = set()
    files: set[Path] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module, package_dir)
        if path is None:  # `from pipeline.x import name`: a name, not a module
            continue
        files.add(path)
        parents = module.split(".")
        pending.update(".".join(parents[:i]) for i in range(1, len(parents)))
        is_package = path.name == "__init__.py"
        current = module if is_package else module.rsplit(".", 1)[0]
        pending.update(_file_imports(path, package, current) - seen)
    return sorted(files)


# (path, package, module) -> (mtime_ns, size, imports): every stage's key follows the same
# modules; parse each file once per process (the "nothing changed" check must be quick).
_FILE_IMPORTS: dict[tuple[Path, str, str], tuple[int, int, set[str]]] = {}


def _file_imports(path: Path, package: str, current: str) -> set[str]:
    stat = path.stat()
    key = (path, package, current)
    cached = _FILE_IMPORTS.get(key)
    if cached is None or cached[:2] != (stat.st_mtime_ns, stat.st_size):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        cached = (stat.st_mtime_ns, stat.st_size, _imports_in_tree(tree, package, current))
        _FILE_IMPORTS[key] = cached
    return cached[2]


def _data_files(package_dir: Path) -> list[Path]:
    found: list[Path] = []
    for sub in CODE_DATA_DIRS:
        folder = package_dir / sub
        if folder.is_dir():
            found.extend(
                p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            )
    return sorted(found)


def _files_in(folder: Path, recursive: bool) -> list[Path]:
    if not folder.is_dir():
        return []
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in pattern if p.is_file() and not p.name.startswith("."))


def _matching(stage: Stage, spec: str, layout: Layout) -> list[Path]:
    """Existing files an input (or output) spec of a stage names."""
    kind, _, name = spec.partition(":")
    if kind == "raw":
        files = _files_in(layout.raw_dir, recursive=False)
        return files if name == "*" else [p for p in files if p.stem.lower() == name]
    if kind == "processed":
        files = _files_in(layout.processed_dir, recursive=True)
        return files if name == "*" else [p for p in files if p.stem == name]
    if kind == "metrics":
        return [p for p in metric_outputs(layout, name) if p.exists()]
    raise PipelineError(f"Stage {stage.name}: unknown input kind in {spec!r}")


def own_outputs(stage: Stage, layout: Layout) -> list[Path]:
    """Files a stage writes among the files of its inputs (`Stage.outputs`)."""
    return [p for spec in stage.outputs for p in _matching(stage, spec, layout)]


def input_files(stage: Stage, layout: Layout) -> dict[str, Path | None]:
    """The files a stage reads, by display name; None for a declared file that is absent.

    A stage's own outputs are left out: they are rewritten on every run (with timings), so
    keeping them would rerun the stage every time.
    """
    found: dict[str, Path | None] = {}
    own = set(own_outputs(stage, layout))
    for spec in stage.inputs:
        chosen = [p for p in _matching(stage, spec, layout) if p not in own]
        if not chosen and not spec.endswith(":*"):
            found[spec] = None
        found.update({layout.rel(p): p for p in chosen})
    return found


def stage_key_parts(
    stage: Stage, layout: Layout, params: dict[str, Any], notebook: Path
) -> dict[str, Any]:
    """Everything a stage's result depends on, as hashes (stored to explain reruns)."""
    sources = [_source(c) for c in notebook_cells(notebook) if c["cell_type"] == "code"]
    code = code_dependencies(sources) + _data_files(paths.PACKAGE_DIR)
    parts = {
        "notebook": notebook_fingerprint(notebook),
        "parameters": json_hash(params),
        "code": {p.relative_to(paths.ROOT).as_posix(): file_sha256(p) for p in code},
        "inputs": {
            name: file_sha256(p) if p else "missing"
            for name, p in input_files(stage, layout).items()
        },
    }
    if any(spec.startswith("raw:") for spec in stage.inputs):
        parts["salt"] = salt_fingerprint(layout.raw_dir)  # new salt, new pseudonyms
    return parts


def salt_fingerprint(raw_dir: Path) -> str:
    """A short one-way fingerprint of the pseudonym salt (never the salt itself)."""
    try:
        salt = pseudonym_salt(raw_dir)
    except ConfigError:
        return "not configured"  # the cleaning notebook stops with the explanation
    return hashlib.sha256(f"tc-pipeline salt fingerprint:{salt}".encode()).hexdigest()[:12]


def change_reason(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """Why a stage must run again, in words (for the progress line and the log)."""
    if not old:
        return "not run before"
    reasons = [f"{part} changed" for part in ("notebook", "parameters", "salt")
               if old.get(part) != new.get(part)]
    for part in ("code", "inputs"):
        before, after = old.get(part, {}), new[part]
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if changed:
            shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
            reasons.append(f"{part} changed: {shown}")
    return "; ".join(reasons) or "outputs missing"


# ---------------------------------------------------------------------------- cache


def load_cache(path: Path) -> dict[str, Any]:
    """The cache file, or an empty cache when absent, unreadable or of another version."""
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": CACHE_VERSION, "stages": {}}
    if cache.get("version") != CACHE_VERSION:
        return {"version": CACHE_VERSION, "stages": {}}
    return cache


def save_cache(path: Path, cache: dict[str, Any]) -> None:
    """Write the cache atomically (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def outputs_intact(entry: dict[str, Any], layout: Layout) -> bool:
    """True when every output recorded for a stage still exists with the same content."""
    for rel, digest in entry.get("outputs", {}).items():
        path = layout.root / rel if not Path(rel).is_absolute() else Path(rel)
        if not path.is_file() or file_sha256(path) != digest:
            return False
    return True


def metric_outputs(layout: Layout, stage: str) -> list[Path]:
    """A stage's published metrics and its internal (unprotected, never shared) ones."""
    internal = layout.work_dir / "metrics_internal" / f"{stage}.parquet"
    return [metrics_file(layout.work_dir, stage), internal]


def _stage_outputs(stage: Stage, layout: Layout) -> list[Path]:
    outputs = [layout.executed(stage.name), *own_outputs(stage, layout)]
    if stage.report:
        outputs += [layout.rendered(stage.name, ".html"), layout.rendered(stage.name, ".pdf")]
    outputs += [p for p in metric_outputs(layout, stage.name) if p.exists()]
    if not stage.report and any(s.startswith("raw:") for s in stage.inputs):
        outputs += _files_in(layout.processed_dir, recursive=True)
    return outputs


# ---------------------------------------------------------------------------- run facts


def _hr_staff_file(raw_dir: Path) -> Path:
    candidates = [
        p for p in _files_in(raw_dir, recursive=False)
        if p.stem.lower() == "hr_staff" and p.suffix.lower() in (".csv", ".xlsx")
    ]
    if len(candidates) != 1:
        raise PipelineError(
            f"{raw_dir}: expected one hr_staff.csv or hr_staff.xlsx to find the latest census "
            f"year, found {[p.name for p in candidates] or 'none'}; or give the year (YEAR=2023)"
        )
    return candidates[0]


def remembered_year(raw_dir: Path, work_root: Path) -> int | None:
    """The year `resolve_year` found for this hr_staff file before, else None (no pandas)."""
    try:
        digest = file_sha256(_hr_staff_file(raw_dir))
    except (PipelineError, OSError):
        return None
    year = load_json(work_root / "years.json").get(digest)
    return int(year) if year is not None else None


def resolve_year(raw_dir: Path, work_root: Path) -> int:
    """Latest census year in hr_staff, remembered by the file's hash (a fast rerun)."""
    hr_file = _hr_staff_file(raw_dir)
    digest = file_sha256(hr_file)
    memo_file = work_root / "years.json"
    memo = load_json(memo_file)
    if digest not in memo:
        memo[digest] = latest_census_year(raw_dir)
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        memo_file.write_text(json.dumps(memo, indent=1), encoding="utf-8")
    return int(memo[digest])


def latest_census_year(raw_dir: Path) -> int:
    """`dates.latest_census_year`, its errors as a PipelineError (one line for the log)."""
    from pipeline.dates import latest_census_year as from_census_dates
    from pipeline.io import RawDataError

    try:
        return from_census_dates(raw_dir)
    except RawDataError as err:
        raise PipelineError(f"{raw_dir}: {err}; or give the year (YEAR=2023)") from err


def load_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or {} when absent or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def project_version() -> str:
    """The installed project's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tc-pipeline")
    except PackageNotFoundError:
        return "unknown"


def git_commit(root: Path = paths.ROOT) -> str:
    """Short commit of the checkout (`+dirty` with uncommitted changes), else "unknown"."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the figures and the rendering."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in REPORTED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


# ---------------------------------------------------------------------------- kernel


def kernel_spec(python: str = sys.executable) -> dict[str, Any]:
    """The project's kernelspec: this interpreter (absolute path), TCP warning silenced."""
    return {
        "argv": [
            python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
            "{connection_file}", "--IPKernelApp.log_level=ERROR",
        ],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }


def install_kernel(name: str = KERNEL_NAME, prefix: Path = Path(sys.prefix)) -> Path:
    """Install the kernelspec into the environment itself (found by papermill and Lab)."""
    folder = prefix / "share" / "jupyter" / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    spec_file = folder / "kernel.json"
    wanted = kernel_spec()
    if load_json(spec_file) != wanted:
        spec_file.write_text(json.dumps(wanted, indent=1), encoding="utf-8")
    return spec_file


# ---------------------------------------------------------------------------- parameters


def stage_parameters(stage: Stage, layout: Layout, institution: str) -> dict[str, Any]:
    """The explicit values the runner passes to a stage notebook."""
    return {
        "year": layout.year,
        "raw_dir": layout.rel(layout.raw_dir),
        "institution": institution,
        "processed_dir": layout.rel(layout.processed_dir),
        "work_dir": layout.rel(layout.work_dir),
        **stage.extra_parameters,
    }


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's `parameters` cell; raises when it has none.

    Parsed with `ast` rather than `papermill.inspect_notebook`, which skips any line with a
    second `=` (e.g. `year = None  # None = latest census`) and would report it unknown.
    """
    cells = [
        c for c in notebook_cells(notebook)
        if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if not cells:
        raise PipelineError(
            f"{notebook.name}: no cell tagged 'parameters'. Add one declaring "
            f"{', '.join(NOTEBOOK_PARAMETERS)} (View > Cell toolbar > Tags in JupyterLab)."
        )
    names: set[str] = set()
    for node in ast.walk(ast.parse(_source(cells[0]))):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def check_parameters(notebook: Path, params: dict[str, Any]) -> None:
    """Raise when the notebook lacks a parameters cell or a parameter the runner passes."""
    declared = declared_parameters(notebook)
    unknown = sorted(set(params) - declared)
    if unknown:
        raise PipelineError(
            f"{notebook.name}: unknown parameter(s) {unknown}: its parameters cell declares "
            f"only {sorted(declared)}. Add them to the parameters cell or stop passing them."
        )


# ---------------------------------------------------------------------------- execution


def _excerpt(source: str, traceback: list[str] | None = None) -> str:
    """The failing lines of a cell (found in the traceback), else its first lines."""
    lines = source.rstrip().splitlines()
    text = _ANSI.sub("", "\n".join(traceback or []))
    match = re.search(r"Cell In\[\d+\], line (\d+)", text)
    if match and 0 < int(match.group(1)) <= len(lines):
        failing = int(match.group(1))
        first = max(1, failing - EXCERPT_LINES + 2)
        return "\n".join(
            f"  {'-->' if n == failing else '   '} {n:>3} | {lines[n - 1]}"
            for n in range(first, min(failing + 1, len(lines)) + 1)
        )
    shown = lines[:EXCERPT_LINES] + (["..."] if len(lines) > EXCERPT_LINES else [])
    return "\n".join("        | " + line for line in shown)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failure_message(
    stage: Stage, notebook: Path, executed: Path, params: dict[str, Any], error: Exception
) -> str:
    """One readable message: notebook, parameters, cell, source excerpt, exception."""
    from papermill.exceptions import PapermillExecutionError

    head = f"Stage {stage.name} failed in notebook {notebook.name}"
    where = f"parameters: {json.dumps(params, default=str)}"
    if isinstance(error, PapermillExecutionError):
        cell = (
            f"cell {error.cell_index} (In [{error.exec_count}]) of the executed notebook:\n"
            f"{_excerpt(error.source, error.traceback)}\n  {error.ename}: {error.evalue}"
        )
    else:
        cell = f"{type(error).__name__}: {error}"
    return f"{head}\n  {where}\n  {cell}\n  executed notebook kept at {executed}"


def _output_problems(executed: Path) -> list[str] | None:
    """Problems the disclosure output guard finds, or None when the guard is unavailable."""
    import nbformat

    try:
        from pipeline.disclosure import check_outputs
    except ImportError:
        return None
    return list(check_outputs(nbformat.read(executed, as_version=4)))


class LeakChecks:
    """The leak scan of one run, report by report as soon as each is printed.

    Scanning a PDF's text takes ~0.3 s; done in the worker thread that printed it, that time
    overlaps other stages instead of adding up at the end. Publishing then scans only the
    files not scanned clean in this run (index, metrics.csv, reports not rerun). Identifiers
    are collected once, at the first scan (after the cleaning stage: pseudonyms included).
    """

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._lock = threading.Lock()
        self._identifiers: Any = None
        self._clean: set[str] = set()  # sha256 of files scanned clean

    def scan(self, folder: Path) -> list[Any] | None:
        """Leaks in the files under `folder`; None when the leak scan is unavailable."""
        try:
            from pipeline.leakscan import collect_identifiers, scan_reports
        except ImportError:
            return None
        with self._lock:
            if self._identifiers is None:
                self._identifiers = collect_identifiers(
                    self.layout.raw_dir, self.layout.processed_dir
                )
        leaks = list(scan_reports(folder, self._identifiers))
        if not leaks:
            with self._lock:
                self._clean.update(file_sha256(p) for p in folder.rglob("*") if p.is_file())
        return leaks

    def scanned_clean(self, path: Path) -> bool:
        return file_sha256(path) in self._clean


@dataclass
class RunTools:
    """What the stages of one run share: forked kernels, PDF printers, the leak scan."""

    kernels: forkserver.ForkServer | None = None  # None: ordinary kernels
    kernel_manager: type | None = None  # jupyter_client class for the forked kernels
    kernel_code: dict[str, str] = field(default_factory=dict)  # what the server imported

    def forked_kernel(self, code: dict[str, str]) -> type | None:
        """The kernel manager class for a stage whose key has these `code` hashes, or None
        (an ordinary kernel) when the server is gone or a file it imported was edited since:
        the stage must run the code its cache key records."""
        if self.kernels is None or not self.kernels.alive():
            return None
        if any(self.kernel_code.get(path, digest) != digest for path, digest in code.items()):
            return None
        return self.kernel_manager
    printer: Any = None  # pipeline.render.PdfPrinter; None: PDFs printed in the thread
    leaks: LeakChecks | None = None  # None: privacy checks off


@dataclass
class StageJob:
    """What a worker thread needs to execute and render one stage."""

    stage: Stage
    notebook: Path
    params: dict[str, Any]
    parts: dict[str, Any]
    facts: dict[str, Any]
    tools: RunTools | None = None


def _prepare(stage: Stage, layout: Layout) -> None:
    """Remove a stage's previous outputs so a stale file can never be published."""
    for path in metric_outputs(layout, stage.name):
        path.unlink(missing_ok=True)
    if not stage.report and any(s.startswith("raw:") for s in stage.inputs):
        shutil.rmtree(layout.processed_dir, ignore_errors=True)
    for path in own_outputs(stage, layout):
        path.unlink(missing_ok=True)
    layout.executed(stage.name).parent.mkdir(parents=True, exist_ok=True)
    layout.failed(stage.name).unlink(missing_ok=True)


def execute_stage(job: StageJob, layout: Layout, config: RunConfig) -> list[str]:
    """Execute one stage's notebook and check its outputs; returns warnings.

    Raises PipelineError. A report is printed afterwards (`print_report`), while the
    stages that need this one's data already run.
    """
    import logging

    import papermill

    # We check parameters ourselves (check_parameters); papermill's own check misreads
    # lines with a second "=" in a comment and would warn about parameters that exist.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    stage, executed = job.stage, layout.executed(job.stage.name)
    check_parameters(job.notebook, job.params)
    _prepare(stage, layout)
    # Kill the kernel when the notebook is done rather than wait ~0.7 s for it to exit (every
    # output has arrived by then); save the notebook at the end and on failure only. The
    # kernel starts in the root folder through nbclient's `resources`, not papermill's `cwd`,
    # which changes this whole process's directory: unsafe with two stages in threads.
    options: dict[str, Any] = {
        "shutdown_kernel": "immediate", "resources": {"metadata": {"path": str(layout.root)}},
    }
    kernel_manager = job.tools.forked_kernel(job.parts["code"]) if job.tools else None
    if kernel_manager is not None:
        options["kernel_manager_class"] = kernel_manager
    try:
        papermill.execute_notebook(
            str(job.notebook), str(executed), parameters=job.params,
            kernel_name=config.kernel_name, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, **options,
        )
    except Exception as error:  # any failure inside the notebook or its kernel
        message = failure_message(stage, job.notebook, executed, job.params, error)
        _render_failed(job, layout)
        raise PipelineError(message) from error
    warnings = []
    problems = _output_problems(executed) if config.privacy_checks else []
    if problems is None:
        warnings.append("output guard unavailable (pipeline.disclosure.check_outputs missing)")
    elif problems:
        _render_failed(job, layout)
        raise PipelineError(
            f"Stage {stage.name}: the output guard found {len(problems)} problem(s) in "
            f"{job.notebook.name}:\n  - " + "\n  - ".join(map(str, problems[:10]))
        )
    return warnings


def print_report(job: StageJob, layout: Layout, warnings: list[str]) -> list[str]:
    """Render an executed report to HTML and PDF and leak-scan them; returns `warnings`
    with the scan's. Raises PipelineError when the report names anyone."""
    _render_report(job, layout)
    return warnings + _scan_report(job, layout)


def _scan_report(job: StageJob, layout: Layout) -> list[str]:
    """Leak-scan a printed report now; raises PipelineError when it names anyone."""
    checks = job.tools.leaks if job.tools else None
    if checks is None:
        return []
    leaks = checks.scan(layout.rendered_dir(job.stage.name))
    if leaks is None:
        return ["leak scan unavailable (pipeline.leakscan missing)"]
    if leaks:
        from pipeline.leakscan import format_leaks

        raise PipelineError(
            f"{format_leaks(leaks)}\nNothing was published: reports/{layout.year}/ is unchanged."
        )
    return []


def _facts(job: StageJob, triage: bool = False) -> Any:
    from pipeline.render import ReportFacts

    return ReportFacts(**{**job.facts, "title": job.stage.title})


def _render_report(job: StageJob, layout: Layout) -> None:
    import nbformat

    from pipeline.render import render_html, write_pdf

    nb = nbformat.read(layout.executed(job.stage.name), as_version=4)
    html = render_html(nb, _facts(job))
    html_path = layout.rendered(job.stage.name, ".html")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(html, encoding="utf-8")
    pdf_path = layout.rendered(job.stage.name, ".pdf")
    if job.tools and job.tools.printer is not None:
        job.tools.printer.write_pdf(html_path, pdf_path)
    else:
        write_pdf(html, pdf_path)


def _render_failed(job: StageJob, layout: Layout) -> None:
    """Render the failed notebook with code and errors for triage (best effort)."""
    try:
        import nbformat

        from pipeline.render import render_html

        nb = nbformat.read(layout.executed(job.stage.name), as_version=4)
        target = layout.failed(job.stage.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_html(nb, _facts(job), triage=True), encoding="utf-8")
    except Exception:  # noqa: BLE001 - triage copy is a courtesy; the error is reported anyway
        pass


# ---------------------------------------------------------------------------- scheduling


class Progress:
    """Progress lines: `[ 3/7] 20_workforce      done     2.1s`."""

    def __init__(self, total: int, echo: Callable[[str], None]) -> None:
        self.total, self.finished, self.echo = total, 0, echo
        self.width = len(str(total))

    def started(self, name: str, running: Iterable[str], reason: str) -> None:
        others = sorted(set(running) - {name})
        tail = f" (alongside {', '.join(others)})" if others else ""
        self.echo(f"[{'':>{self.width}}/{self.total}] {name:<18} running: {reason}{tail}")

    def printing(self, name: str, seconds: float) -> None:
        """The notebook is done (its dependents may start); its report is being printed."""
        self.echo(f"[{'':>{self.width}}/{self.total}] {name:<18} printing: notebook done in "
                  f"{seconds:.1f}s")

    def ended(self, name: str, status: str, seconds: float | None = None) -> None:
        self.finished += 1
        timing = f" {seconds:6.1f}s" if seconds is not None else ""
        self.echo(f"[{self.finished:>{self.width}}/{self.total}] {name:<18} {status}{timing}")


@dataclass
class _Plan:
    """Stages with a notebook, their parameters, and what the cache knows."""

    layout: Layout
    present: list[Stage]
    missing: list[Stage]
    params: dict[str, dict[str, Any]]
    cache: dict[str, Any]


def _plan(config: RunConfig, layout: Layout) -> _Plan:
    ordered = topological_order(config.stages)
    present = [s for s in ordered if (config.notebooks_dir / s.notebook).is_file()]
    missing = [s for s in ordered if s not in present]
    params = {s.name: stage_parameters(s, layout, config.institution) for s in present}
    return _Plan(layout, present, missing, params, load_cache(layout.cache_file))


def _cached_key(stage: Stage, plan: _Plan, config: RunConfig) -> tuple[dict, str, bool]:
    """(key parts, key, whether the cache holds this stage's result for that key)."""
    notebook = config.notebooks_dir / stage.notebook
    parts = stage_key_parts(stage, plan.layout, plan.params[stage.name], notebook)
    key = json_hash(parts)
    entry = plan.cache["stages"].get(stage.name, {})
    hit = not config.force and entry.get("key") == key and outputs_intact(entry, plan.layout)
    return parts, key, hit


def _published_key(plan: _Plan, keys: dict[str, str]) -> str:
    return json_hash({"stages": keys, "missing": [s.name for s in plan.missing]})


def everything_cached(plan: _Plan, config: RunConfig) -> bool:
    """True when every stage is cached and the published reports match (no heavy imports)."""
    if config.force or not (plan.layout.report_dir / "index.html").is_file():
        return False
    keys = {}
    for stage in plan.present:
        _, key, hit = _cached_key(stage, plan, config)
        if not hit:
            return False
        keys[stage.name] = key
    return plan.cache.get("published") == _published_key(plan, keys)


def _start_order(plan: _Plan, jobs: int) -> list[Stage]:
    """The stages in the order to start them when ready (`pipeline.stages.start_order`).

    Costs are the seconds each stage took when it last ran (in the cache), else its estimate
    in `pipeline.stages`.
    """
    costs = {
        name: float(entry["seconds"]) for name, entry in plan.cache["stages"].items()
        if isinstance(entry.get("seconds"), int | float)
    }
    return start_order(tuple(plan.present), costs, jobs)


def _run_stages(
    plan: _Plan, config: RunConfig, base_facts: dict[str, Any], tools: RunTools | None = None
) -> dict:
    """Execute what changed, in dependency order, `jobs` notebooks at a time; print each
    report once its notebook is done. Returns StageResults.

    A stage's dependents start as soon as its notebook has written its data, not when its
    report is printed: printing (a second pool) fills the cores while the next notebooks
    run, instead of holding a worker while the stages after it wait.
    """
    results: dict[str, StageResult] = {}
    present_names = {s.name for s in plan.present}
    progress = Progress(len(plan.present), config.echo)
    jobs = max(1, config.jobs)
    notebooks: dict[Future, tuple[StageJob, float]] = {}
    printing: dict[Future, tuple[StageJob, float]] = {}
    failed = False
    preloaded = False
    order = _start_order(plan, jobs)
    with ThreadPoolExecutor(jobs) as pool, ThreadPoolExecutor(jobs) as printers:
        try:
            while True:
                if not failed:
                    for stage in order:
                        if len(notebooks) >= jobs:
                            break  # start a stage only when a worker is free: honest "running"
                        if stage.name in results or not _deps_met(stage, results, present_names):
                            continue
                        job = _start(stage, plan, config, base_facts, results, progress)
                        if job is not None:
                            job.tools = tools
                            if stage.report and tools and tools.printer:
                                tools.printer.start()  # after the cleaning: CPU is free then
                            notebooks[pool.submit(execute_stage, job, plan.layout, config)] = (
                                job, time.perf_counter(),
                            )
                            progress.started(
                                stage.name, [j.stage.name for j, _ in notebooks.values()],
                                results[stage.name].reason,
                            )
                if not notebooks and not printing:
                    break
                if not preloaded and tools and tools.kernels and len(notebooks) < jobs:
                    # A worker waits for a dependency: let the kernel server use that core to
                    # import what later stages import late (Great Expectations).
                    preloaded = True
                    later = [m for s in order if s.name not in results for m in s.preload]
                    if later:
                        tools.kernels.preload(later)
                done, _ = wait([*notebooks, *printing], return_when=FIRST_COMPLETED)
                for future in done:
                    if future in printing:
                        job, started = printing.pop(future)
                    else:
                        job, started = notebooks.pop(future)
                        if job.stage.report and future.exception() is None:
                            results[job.stage.name].status = "printing"  # its data is ready
                            progress.printing(job.stage.name, time.perf_counter() - started)
                            printing[printers.submit(
                                print_report, job, plan.layout, future.result(),
                            )] = (job, started)
                            continue
                    failed |= not _finish(future, job, started, plan, results, progress, config)
        except BaseException:  # Ctrl-C: stop the running notebooks now, not when they end
            if tools and tools.kernels:
                tools.kernels.close()
            raise
    for stage in plan.present:
        results.setdefault(stage.name, StageResult(stage.name, "not run"))
    return results


def _deps_met(stage: Stage, results: dict[str, StageResult], present: set[str]) -> bool:
    return all(
        dep not in present
        or results.get(dep, StageResult(dep, "")).status in ("done", "cached", "printing")
        for dep in stage.depends_on
    )


def _start(stage, plan, config, base_facts, results, progress) -> StageJob | None:  # noqa: ANN001
    """Decide cached or run; returns the job to run, or None when cached."""
    parts, key, hit = _cached_key(stage, plan, config)
    if hit:
        results[stage.name] = StageResult(stage.name, "cached", key=key)
        progress.ended(stage.name, "cached")
        return None
    reason = "forced" if config.force else change_reason(
        plan.cache["stages"].get(stage.name, {}).get("parts"), parts
    )
    results[stage.name] = StageResult(stage.name, "running", key=key, reason=reason)
    facts = {
        **base_facts, "inputs": {k: v for k, v in parts["inputs"].items()},
        "parameters": plan.params[stage.name],
    }
    notebook = config.notebooks_dir / stage.notebook
    return StageJob(stage, notebook, plan.params[stage.name], parts, facts)


def _finish(future, job, started, plan, results, progress, config) -> bool:  # noqa: ANN001
    """Record a finished stage (cache entry on success). Returns False when it failed."""
    seconds = time.perf_counter() - started
    result = results[job.stage.name]
    result.seconds = round(seconds, 2)
    try:
        warnings = future.result()
    except Exception as error:  # noqa: BLE001 - reported as the stage's failure
        result.status, result.error = "failed", str(error)
        progress.ended(job.stage.name, "FAILED", seconds)
        return False
    result.status = "done"
    outputs = _stage_outputs(job.stage, plan.layout)
    plan.cache["stages"][job.stage.name] = {
        "key": result.key, "parts": job.parts,
        "outputs": {plan.layout.rel(p): file_sha256(p) for p in outputs if p.is_file()},
        "finished": _now(), "seconds": result.seconds,
    }
    save_cache(plan.layout.cache_file, plan.cache)
    progress.ended(job.stage.name, "done", seconds)
    for warning in warnings:
        config.echo(f"    warning: {job.stage.name}: {warning}")
    return True


# ---------------------------------------------------------------------------- publishing


def collect_metrics(files: Iterable[Path], target: Path) -> int:
    """Concatenate the stages' metrics files into `metrics.csv`, sorted by metric, group.

    Values are copied as text (no float reformatting). Raises PipelineError naming the file
    whose header is not the contract's. Returns the number of rows.
    """
    from pipeline.schema import METRICS_COLUMNS

    rows: list[dict[str, str]] = []
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != METRICS_COLUMNS:
                raise PipelineError(
                    f"{path}: columns {reader.fieldnames} are not the metrics columns "
                    f"{list(METRICS_COLUMNS)}"
                )
            rows.extend(reader)
    rows.sort(key=lambda row: (row["metric"], row["group"]))
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(METRICS_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def swap_into_place(new: Path, final: Path) -> None:
    """Replace `final` by `new`; the previous folder survives until the swap is done."""
    previous = final.parent / f".{final.name}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)
    new.rename(final)
    shutil.rmtree(previous, ignore_errors=True)


def recover_interrupted_swap(final: Path) -> None:
    """Put back the previous reports if a run died between the two renames."""
    previous = final.parent / f".{final.name}.previous"
    if previous.exists() and not final.exists():
        previous.rename(final)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_builds(reports_root: Path, year: int) -> None:
    """Delete half-built report folders left by runs that died."""
    for folder in reports_root.glob(f".{year}.tmp-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _pid_alive(int(pid)) or int(pid) == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)


def _manifest(plan, config, results, base_facts, started, raw_inputs) -> dict[str, Any]:  # noqa: ANN001
    finished = dt.datetime.now().astimezone()
    return {
        "year": plan.layout.year,
        "institution": config.institution,
        "raw_dir": plan.layout.rel(plan.layout.raw_dir),
        "demo_data": base_facts["demo"],
        "inputs": raw_inputs,
        "parameters": stage_parameters(Stage("", "", "", False), plan.layout, config.institution),
        "version": base_facts["version"],
        "commit": base_facts["commit"],
        "packages": base_facts["packages"],
        "python": sys.version.split()[0],
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 2),
        "stages": {
            name: {"status": r.status, "seconds": r.seconds, "key": r.key, "reason": r.reason}
            for name, r in results.items()
        },
        "skipped_stages": [s.name for s in plan.missing],
        "privacy_checks": {},
    }


def publish(
    plan: _Plan, config: RunConfig, results: dict[str, StageResult], base_facts: dict[str, Any],
    started: dt.datetime, checks: LeakChecks | None = None,
) -> Path:
    """Build the report folder beside the old one, check it, and swap it into place."""
    from pipeline.render import IndexEntry, ReportFacts, render_index

    layout = plan.layout
    config.reports_root.mkdir(parents=True, exist_ok=True)
    build = config.reports_root / f".{layout.year}.tmp-{os.getpid()}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    try:
        entries = []
        for stage in report_stages(tuple(plan.present)):
            for suffix in (".html", ".pdf"):
                shutil.copy2(layout.rendered(stage.name, suffix), build / f"{stage.name}{suffix}")
            entries.append(IndexEntry(stage.title, f"{stage.name}.html", f"{stage.name}.pdf"))
        metric_files = [
            metrics_file(layout.work_dir, s.name) for s in plan.present
            if s.report and metrics_file(layout.work_dir, s.name).exists()
        ]
        collect_metrics(metric_files, build / "metrics.csv")
        raw_inputs = {layout.rel(p): file_sha256(p) for p in _files_in(layout.raw_dir, False)}
        manifest = _manifest(plan, config, results, base_facts, started, raw_inputs)
        notes = [f"{s.title} ({s.notebook}) is not part of this run: notebook not written yet."
                 for s in plan.missing]
        index_facts = ReportFacts(**{**base_facts, "title": f"Reports {layout.year}"})
        (build / "index.html").write_text(
            render_index(entries, index_facts, notes), encoding="utf-8"
        )
        manifest["privacy_checks"]["leak_scan"] = _check_leaks(layout, build, config, checks)
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        swap_into_place(build, layout.report_dir)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return layout.report_dir / "index.html"


def _check_leaks(
    layout: Layout, build: Path, config: RunConfig, checks: LeakChecks | None = None
) -> str:
    """Scan the folder to publish: the files not already scanned clean in this run."""
    if not config.privacy_checks:
        return "disabled"
    checks = checks or LeakChecks(layout)
    pending = [p for p in sorted(build.iterdir()) if p.is_file() and not checks.scanned_clean(p)]
    scan_dir = build.parent / f"{build.name}.scan"
    shutil.rmtree(scan_dir, ignore_errors=True)
    scan_dir.mkdir()
    try:
        for path in pending:
            shutil.copy2(path, scan_dir / path.name)
        leaks = checks.scan(scan_dir)
    finally:
        shutil.rmtree(scan_dir, ignore_errors=True)
    if leaks:  # name the files as they would have been published
        leaks = [replace(leak, file=build / leak.file.name) for leak in leaks]
    if leaks is None:
        config.echo("    warning: leak scan unavailable (pipeline.leakscan missing)")
        return "unavailable"
    if leaks:
        from pipeline.leakscan import format_leaks

        raise PipelineError(
            f"{format_leaks(leaks)}\nNothing was published: reports/{layout.year}/ is unchanged."
        )
    return "clean"


# ---------------------------------------------------------------------------- entry point


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def make_layout(config: RunConfig) -> Layout:
    """Resolve the year (reading hr_staff only when not given) and the run's folders."""
    raw_dir = _raw_dir(config)
    if not raw_dir.is_dir():
        raise PipelineError(
            f"Raw folder {raw_dir} does not exist. Put the exports there, or run `make report` "
            "without RAW_DIR to use the demo data."
        )
    year = config.year if config.year is not None else resolve_year(raw_dir, config.work_root)
    return Layout(
        root=config.root, raw_dir=raw_dir, year=year,
        processed_dir=config.processed_root / str(year), work_dir=config.work_root / str(year),
        report_dir=config.reports_root / str(year),
    )


def run(config: RunConfig) -> RunResult:
    """Run the pipeline for one year. Raises PipelineError (previous reports untouched)."""
    started = dt.datetime.now().astimezone()
    kernels = _KernelServer(config)
    try:
        if (config.year is None and _raw_dir(config).is_dir()
                and remembered_year(_raw_dir(config), config.work_root) is None):
            # New data: reading the year takes pandas, and a run will follow: warm up now.
            kernels.start()
        return _run(config, started, kernels)
    finally:
        kernels.close()


class _KernelServer:
    """The run's fork server (`pipeline.forkserver`): started once, when first needed."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.server: forkserver.ForkServer | None = None
        self.code: dict[str, str] = {}  # the preloaded files' hashes when it started

    def start(self) -> RunTools:
        """Start the server; returns the tools it gives the stages (none if unavailable)."""
        if self.server is None and self.config.fork_kernels and forkserver.available():
            modules = preload_modules(self.config)
            self.code = {
                p.relative_to(paths.ROOT).as_posix(): file_sha256(p)
                for p in code_dependencies([f"import {m}" for m in modules])
            }
            self.server = forkserver.ForkServer(modules, self.config.root)
        if self.server is None or not self.server.alive():
            return RunTools()
        return RunTools(kernels=self.server, kernel_code=self.code,
                        kernel_manager=self.server.kernel_manager_class(KERNEL_DISPLAY_NAME))

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


def _run(config: RunConfig, started: dt.datetime, kernels: _KernelServer) -> RunResult:
    layout = make_layout(config)
    recover_interrupted_swap(layout.report_dir)
    keep_real_reports(layout)
    made_salt = ensure_salt(layout.raw_dir)
    if made_salt:
        config.echo(made_salt)
    plan = _plan(config, layout)
    index = layout.report_dir / "index.html"
    for stage in plan.missing:
        config.echo(f"skip {stage.name}: {stage.notebook} does not exist yet")
    if everything_cached(plan, config):
        config.echo(f"Nothing changed: {layout.rel(layout.report_dir)}/ is up to date")
        results = {s.name: StageResult(s.name, "cached") for s in plan.present}
        return RunResult(layout.year, layout.report_dir, index, True, results)
    forkserver.skip_slow_iri_checker()  # before this process imports nbformat and papermill
    tools = kernels.start()
    install_kernel(config.kernel_name)
    remove_stale_builds(config.reports_root, layout.year)
    base_facts = {
        "year": layout.year, "institution": _display_name(config.institution),
        "raw_dir": layout.rel(layout.raw_dir), "demo": is_demo_source(layout.raw_dir),
        "run_at": started.strftime("%d %B %Y %H:%M"), "version": project_version(),
        "commit": git_commit(config.root), "packages": package_versions(),
    }
    config.echo(
        f"Year {layout.year}, data {base_facts['raw_dir']}"
        f"{' (synthetic demo)' if base_facts['demo'] else ''}: {len(plan.present)} stage(s)"
    )
    from pipeline.render import PdfPrinter

    tools.printer = PdfPrinter(config.jobs)
    tools.leaks = LeakChecks(layout) if config.privacy_checks else None
    try:
        results = _run_stages(plan, config, base_facts, tools)
    finally:
        tools.printer.close()
    failures = [r for r in results.values() if r.status == "failed"]
    if failures:
        raise PipelineError(_failure_summary(failures, layout, by_name(config.stages)))
    published = publish(plan, config, results, base_facts, started, tools.leaks)
    keys = {name: r.key or plan.cache["stages"][name]["key"] for name, r in results.items()}
    plan.cache["published"] = _published_key(plan, keys)
    save_cache(layout.cache_file, plan.cache)
    return RunResult(layout.year, layout.report_dir, published, False, results)


def keep_real_reports(layout: Layout) -> None:
    """Refuse a demo run that would replace reports (and processed data) made from real
    data for the same year: both live in folders named by the year alone."""
    published = load_json(layout.report_dir / "manifest.json")
    if published.get("demo_data") is False and is_demo_source(layout.raw_dir):
        raise PipelineError(
            f"{layout.rel(layout.report_dir)}/ holds reports made from real data "
            f"({published.get('raw_dir', 'unknown folder')}); this run on the demo data "
            f"({layout.rel(layout.raw_dir)}) would replace them and "
            f"{layout.rel(layout.processed_dir)}/. Nothing was changed. To run the demo, "
            "move that reports folder elsewhere first, or pass YEAR= for another year."
        )


def _raw_dir(config: RunConfig) -> Path:
    raw_dir = Path(config.raw_dir)
    return raw_dir if raw_dir.is_absolute() else config.root / raw_dir


def preload_modules(config: RunConfig) -> list[str]:
    """The `pipeline` modules the stage notebooks import (the forked kernels import them)."""
    modules: set[str] = set()
    package = paths.PACKAGE_DIR.name
    for stage in config.stages:
        notebook = config.notebooks_dir / stage.notebook
        if notebook.is_file():
            for cell in notebook_cells(notebook):
                if cell["cell_type"] == "code":
                    modules |= _imports_in_source(_source(cell), package)
    return sorted(m for m in modules if _module_file(m, paths.PACKAGE_DIR) is not None)


def _display_name(institution: str) -> str:
    try:
        return load_institution(institution).display_name
    except Exception:  # noqa: BLE001 - tests and new institutions may have no config file
        return institution


def _failure_summary(
    failures: list[StageResult], layout: Layout, stages: dict[str, Stage] | None = None
) -> str:
    body = "\n\n".join(r.error for r in failures)
    previous = layout.rel(layout.report_dir)
    kept = "left untouched" if layout.report_dir.exists() else "not created"
    triage = layout.rel(layout.work_dir / "failed")
    gates = [stages[r.name] for r in failures if stages and r.name in stages
             and stages[r.name].gate]
    stopped = "".join(
        f"The {g.title.lower()} stage ({g.name}) stopped the run: no report was published, "
        "although the other stages may have finished.\n" for g in gates
    )
    return (
        f"{body}\n\n{stopped}Run failed at stage {', '.join(r.name for r in failures)}: "
        f"{previous}/ {kept}. Triage copy with code: {triage}/."
    )
