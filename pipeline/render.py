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
    resources = {"tc": {**asdict(facts), "css": report_css(), "triage": triage}}
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
