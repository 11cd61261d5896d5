"""Rendering executed notebooks into shareable reports: one-file HTML, A4 PDF, an index.

The HTML has no code, no prompts and nothing loaded from the internet (our `tc_report`
template extends nbconvert's `lab` template without its CDN scripts); figures are embedded
as base64 PNG, so the single file can be e-mailed. The PDF is the same HTML printed by
WeasyPrint (no browser, no header/footer lines; page numbers come from our CSS).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "tc_report"
CSS_PATH = TEMPLATE_DIR / TEMPLATE_NAME / "report.css"
# Cells the reader never needs: parameters (the title block shows them) and opt-outs.
REMOVE_CELL_TAGS = ("parameters", "injected-parameters", "remove_cell", "remove-cell")
REMOVE_OUTPUT_TAGS = ("remove_output", "remove-output")

# WeasyPrint shares font and Pango state between documents; one PDF at a time is safe.
_PDF_LOCK = threading.Lock()
# One exporter per thread and mode: building one and loading its templates costs ~0.1 s,
# and an exporter is not meant to be shared between threads.
_EXPORTERS = threading.local()

# Anything the page would fetch: scripts, stylesheets, images, frames not inline.
_EXTERNAL = re.compile(
    r"<(?:script|img|iframe|source|embed)\b[^>]*\bsrc\s*=\s*[\"'](?!data:)([^\"']+)"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']([^\"']+)|@import\s+(?:url\()?[\"']?([^\"')\s;]+)",
    re.IGNORECASE,
)


class RenderError(RuntimeError):
    """A report could not be rendered as a self-contained file."""


@dataclass(frozen=True)
class ReportFacts:
    """What the title block of a report says about the run that made it."""

    title: str
    year: int
    institution: str
    raw_dir: str
    demo: bool
    run_at: str
    version: str
    commit: str
    inputs: dict[str, str] = field(default_factory=dict)  # file -> sha256
    parameters: dict[str, Any] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexEntry:
    """One report in the index: title and the file names of its HTML and PDF."""

    title: str
    html: str
    pdf: str


def report_css() -> str:
    """The report stylesheet (inlined into every page)."""
    return CSS_PATH.read_text(encoding="utf-8")


def external_references(html: str) -> list[str]:
    """URLs or file paths the page would load (empty for a self-contained page)."""
    return [next(g for g in match.groups() if g) for match in _EXTERNAL.finditer(html)]


def _exporter(triage: bool):  # noqa: ANN202 - nbconvert type, imported lazily
    """This thread's exporter for the mode (code-free report, or triage copy with code)."""
    cache = _EXPORTERS.__dict__.setdefault("by_mode", {})
    if triage not in cache:
        cache[triage] = _new_exporter(triage)
    return cache[triage]


def _new_exporter(triage: bool):  # noqa: ANN202 - nbconvert type, imported lazily
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=not triage,
        exclude_input_prompt=not triage,
        exclude_output_prompt=True,
        embed_images=True,
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags=set() if triage else set(REMOVE_CELL_TAGS),
        remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS),
        enabled=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


def render_html(nb: Any, facts: ReportFacts, *, triage: bool = False) -> str:
    """An executed notebook as one self-contained HTML page with our title block.

    `triage=True` keeps the code and error output (for `work/<year>/failed/`, never shared).
    Raises RenderError when the page would load anything from outside itself.
    """
    resources = {"tc": {**asdict(facts), "css": report_css(), "triage": triage},
                 # the page <title> (browser tab, PDF title): nbconvert's default is "Notebook"
                 "metadata": {"name": f"{facts.title} {facts.year}: {facts.institution}"}}
    html, _ = _exporter(triage).from_notebook_node(nb, resources=resources)
    external = external_references(html)
    if external:
        raise RenderError(
            f"Report {facts.title!r} would load {len(external)} external resource(s), so it "
            f"would not work as a single e-mailed file: {external[:5]}. Embed images as PNG "
            "outputs instead of linking files or URLs."
        )
    return html


def write_pdf(html: str, path: Path, base_url: Path | None = None) -> Path:
    """Print the HTML to an A4 PDF with WeasyPrint."""
    from weasyprint import HTML

    path.parent.mkdir(parents=True, exist_ok=True)
    with _PDF_LOCK:
        HTML(string=html, base_url=str(base_url or path.parent)).write_pdf(path)
    return path


class PdfPrinter:
    """Prints PDFs in `workers` processes of their own (`python -m pipeline.render`).

    WeasyPrint is pure Python (1-4 s a report): printed in the runner's threads, two PDFs,
    the HTML exports and the kernels' messages would take turns on one core while the other
    waits. Each process imports WeasyPrint once, when the printer starts. Plain
    subprocesses, not multiprocessing: they need nothing from the caller's main module.
    """

    def __init__(self, workers: int) -> None:
        import queue

        self.workers = max(1, workers)
        self._idle: queue.Queue = queue.Queue()
        self._processes: list[Any] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the processes (each imports WeasyPrint, ~1 s) unless started already."""
        with self._lock:
            if self._processes:
                return
            for _ in range(self.workers):
                self._idle.put(self._spawn())

    def _spawn(self) -> Any:  # noqa: ANN401 - subprocess.Popen
        import subprocess
        import sys

        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.render"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, encoding="utf-8",
            start_new_session=True,  # Ctrl-C stops the runner, which then closes stdin
        )
        self._processes.append(process)
        return process

    def write_pdf(self, html_file: Path, path: Path) -> Path:
        """Print an HTML file (a report written by `render_html`) to `path`; blocks until done."""
        import json

        self.start()
        process = self._idle.get()
        try:
            process.stdin.write(json.dumps({"html": str(html_file), "pdf": str(path)}) + "\n")
            process.stdin.flush()
            reply = json.loads(process.stdout.readline() or '{"error": "printer stopped"}')
        except (OSError, ValueError) as error:
            reply = {"error": f"printer process failed: {error!r}"}
        finally:  # a printer that died is replaced, so one crash fails one report only
            self._idle.put(process if process.poll() is None else self._spawn())
        if "error" in reply:
            raise RenderError(f"PDF of {html_file.name} not written: {reply['error']}")
        return path

    def close(self) -> None:
        for process in self._processes:
            if process.stdin:
                process.stdin.close()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except Exception:  # noqa: BLE001 - a stuck printer must not keep the run alive
                process.kill()
                process.wait()


def serve_printer() -> None:
    """The printer process: one JSON request per line on stdin, one reply per line."""
    import json
    import os
    import sys

    # Replies get the real stdout to themselves: anything else printed (by Python or C
    # code) goes to stderr and cannot garble the protocol.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    import weasyprint  # noqa: F401 - imported before the first request, not during it

    for line in sys.stdin:
        request = json.loads(line)
        try:
            html = Path(request["html"]).read_text(encoding="utf-8")
            write_pdf(html, Path(request["pdf"]))
            reply = {"ok": True}
        except Exception as error:  # noqa: BLE001 - reported to the runner as a RenderError
            reply = {"error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def render_index(entries: list[IndexEntry], facts: ReportFacts, stage_notes: list[str]) -> str:
    """`index.html`: the reports (in the order given) with run date, year and data source."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html", "j2"])
    )
    template = env.get_template("index_page.html.j2")
    return template.render(
        entries=entries, tc=asdict(facts), css=report_css(), notes=stage_notes
    )


if __name__ == "__main__":
    serve_printer()
