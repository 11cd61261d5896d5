"""Rendering: code-free, self-contained HTML; a paged A4 PDF; the index."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
import pypdfium2 as pdfium
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline.leakscan import pdf_pages_text
from pipeline.render import (
    IndexEntry,
    PdfPrinter,
    RenderError,
    ReportFacts,
    external_references,
    render_html,
    render_index,
    write_pdf,
)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGMUcs5lgAEmBiSAmwMAJo0AymCZ9Z0AAAAA"
    "SUVORK5CYII="
)
FACTS = ReportFacts(
    title="Workforce", year=2023, institution="Test Institute", raw_dir="data/raw/demo",
    demo=True, run_at="22 November 2026 10:00", version="0.1.0", commit="abc123",
    inputs={"processed/2023/hr_staff.parquet": "f" * 64}, parameters={"year": 2023},
    packages={"pandas": "3.1.1"},
)


def _notebook(markdown_extra: str = "") -> nbformat.NotebookNode:
    params = new_code_cell('year = None\nPARAMETER_CELL_MARKER = 1')
    params.metadata["tags"] = ["parameters"]
    code = new_code_cell("CODE_CELL_MARKER = 1")
    code.outputs = [
        new_output("display_data", data={
            "image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure>",
        }),
        new_output("display_data", data={
            "text/html": "<table><thead><tr><th>grade</th><th>headcount</th></tr></thead>"
                         "<tbody><tr><td>SO3</td><td>42</td></tr></tbody></table>",
        }),
        new_output("stream", name="stderr", text="STDERR_WARNING_MARKER"),
    ]
    return new_notebook(cells=[
        params, new_markdown_cell("## Headcount by grade\n\nProse." + markdown_extra), code,
    ])


def test_html_has_no_code_no_prompts_and_loads_nothing() -> None:
    html = render_html(_notebook(), FACTS)
    for absent in ("CODE_CELL_MARKER", "PARAMETER_CELL_MARKER", "STDERR_WARNING_MARKER",
                   "jp-CodeMirrorEditor", "hl-ipython3", "In&nbsp;[", "require.js",
                   "mathjax", "cdn"):
        assert absent.lower() not in html.lower(), absent
    assert not re.search(r"<script[^>]+src=", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?http", html, re.IGNORECASE)
    assert external_references(html) == []
    image_sources = re.findall(r"<img[^>]+src=\"([^\"]+)\"", html)
    assert image_sources and all(src.startswith("data:image/png;base64,") for src in image_sources)


def test_html_title_block_states_the_run_facts() -> None:
    html = render_html(_notebook(), FACTS)
    for present in ("SYNTHETIC DEMO DATA", "Workforce", "Test Institute", "data/raw/demo",
                    "22 November 2026", "abc123", "Headcount by grade", "<td>SO3</td>",
                    "f" * 12, "pandas 3.1.1"):
        assert present in html, present
    assert "SYNTHETIC" not in render_html(_notebook(), ReportFacts(**{
        **FACTS.__dict__, "demo": False}))


def test_linked_image_is_refused() -> None:
    with pytest.raises(RenderError, match="external resource"):
        render_html(_notebook("\n\n![chart](https://example.org/chart.png)"), FACTS)


def test_triage_copy_keeps_code_and_errors() -> None:
    html = render_html(_notebook(), FACTS, triage=True)
    assert "CODE_CELL_MARKER" in html and "STDERR_WARNING_MARKER" in html
    assert "FAILED RUN" in html


def test_pdf_has_pages_title_and_page_numbers(tmp_path: Path) -> None:
    pdf = write_pdf(render_html(_notebook(), FACTS), tmp_path / "workforce.pdf")
    pages, metadata = pdf_pages_text(pdf.read_bytes())
    assert len(pages) >= 1
    assert "Workforce" in pages[0] and "Page 1 of" in pages[0] and "SO3" in pages[0]
    assert any("Workforce" in value for value in metadata)  # the document title
    width, height = pdfium.PdfDocument(pdf)[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_pdf_printer_process_prints_and_reports_errors(tmp_path: Path) -> None:
    html_file = tmp_path / "workforce.html"
    html_file.write_text(render_html(_notebook(), FACTS), encoding="utf-8")
    printer = PdfPrinter(1)
    try:
        with pytest.raises(RenderError, match="missing.html not written: FileNotFoundError"):
            printer.write_pdf(tmp_path / "missing.html", tmp_path / "missing.pdf")
        pdf = printer.write_pdf(html_file, tmp_path / "out" / "workforce.pdf")  # still serving
    finally:
        printer.close()
    text = pdf_pages_text(pdf.read_bytes())[0][0]
    assert "Workforce" in text and "SO3" in text


def test_index_links_reports_in_order_and_the_data() -> None:
    entries = [IndexEntry("Action-plan scorecard", "90_scorecard.html", "90_scorecard.pdf"),
               IndexEntry("Workforce", "20_workforce.html", "20_workforce.pdf")]
    html = render_index(entries, FACTS, ["Staff survey is not part of this run."])
    assert html.index("90_scorecard.html") < html.index("20_workforce.html")
    for link in ("90_scorecard.pdf", "20_workforce.pdf", "metrics.csv", "manifest.json"):
        assert f'href="{link}"' in html
    for present in ("2023", "data/raw/demo", "22 November 2026", "SYNTHETIC DEMO DATA",
                    "Staff survey is not part of this run."):
        assert present in html
    assert external_references(html) == [] and "<script" not in html
