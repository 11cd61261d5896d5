"""Leak scan: search every file under `reports/` for identifiers from the raw data.

Identifiers are every full name (as "First Last" and "Last, First"), e-mail address and
staff ID in the raw files, plus the pseudonyms in the processed tables. A match anywhere
(text, attributes, PDF text, files inside .xlsx/.zip, file names) is a leak, and so is an
executed notebook or a raw pandas table (`class="dataframe"`) in the shared folder.

Choices, so that the scan is strict but not noisy:

- names are matched as whole names, case-insensitive, with any whitespace between parts;
  single-word names and first names alone are not scanned (too generic: "Green", "Hall");
- staff IDs are matched with and without leading zeros (Excel drops them); an ID shorter
  than `MIN_BARE_ID_LENGTH` characters would match ordinary numbers (years, counts), so it
  is only matched after a label such as "ID", "staff ID" or "employee no";
- base64 `data:` URIs (embedded images) are removed and HTML entities decoded first;
- in `metrics.csv`, the cells of the number columns (`value`, `numerator`, `denominator`)
  that hold numbers are quantities, not identifiers: a count of 127,260 survey answers is
  not staff ID 127260. Anything else in them, and every other column, is scanned.

CLI: `python -m pipeline.leakscan --raw-dir DIR --reports-dir DIR [--processed-dir DIR]`
exits 1 with a loud message when anything leaks (2 when there is nothing to scan for).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import re
import sys
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline.schema import METRICS_COLUMNS, RAW_COLUMNS

NAME_COLUMNS = ("full_name",)
EMAIL_COLUMNS = ("email", "attendee_email")
ID_COLUMNS = ("staff_id",)
MIN_BARE_ID_LENGTH = 5
CONTEXT_CHARS = 40
RAW_SUFFIXES = (".csv", ".xlsx")
ZIP_SUFFIXES = (".xlsx", ".docx", ".pptx", ".odt", ".ods", ".zip")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", re.I)
_PDFIUM_LOCK = threading.Lock()

Reader = Callable[[Path, str], pd.DataFrame]


class LeakScanError(RuntimeError):
    """The scan could not run (no raw folder, nothing to scan for, no reports folder)."""


class PrivacyLeakError(RuntimeError):
    """Identifiers from the raw data were found in the shared reports."""

    def __init__(self, leaks: list[Leak]) -> None:
        self.leaks = leaks
        super().__init__(format_leaks(leaks))


@dataclass(frozen=True)
class Identifiers:
    """What must never appear in a shared report. Its repr shows counts, not values."""

    names: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    staff_ids: frozenset[str] = frozenset()
    pseudonyms: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.names) + len(self.emails) + len(self.staff_ids) + len(self.pseudonyms)

    def __repr__(self) -> str:
        return (
            f"Identifiers(names={len(self.names)}, emails={len(self.emails)}, "
            f"staff_ids={len(self.staff_ids)}, pseudonyms={len(self.pseudonyms)})"
        )


@dataclass(frozen=True)
class Leak:
    """One identifier (or forbidden file) found in a shared file."""

    file: Path
    kind: str  # name, email, staff_id, pseudonym, notebook, raw_table
    text: str
    context: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind} {self.text!r} in '...{self.context}...'"


# ---------------------------------------------------------------------------------------------
# Collecting identifiers
# ---------------------------------------------------------------------------------------------


def collect_identifiers(
    raw_dir: Path, processed_dir: Path | None = None, *, reader: Reader | None = None
) -> Identifiers:
    """Every name, e-mail and staff ID in the raw folder, and pseudonyms in processed tables.

    `reader(raw_dir, dataset)` defaults to `pipeline.io.read_raw`. Datasets whose file is
    absent are skipped; a file that cannot be read is an error (the scan must not pass
    because a file was unreadable).
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise LeakScanError(f"Raw folder {raw_dir} does not exist: nothing to scan for")
    if reader is None:
        from pipeline.io import read_raw as reader
    values: dict[str, set[str]] = {"name": set(), "email": set(), "staff_id": set()}
    for dataset, columns in RAW_COLUMNS.items():
        wanted = [c for c in columns if c in (*NAME_COLUMNS, *EMAIL_COLUMNS, *ID_COLUMNS)]
        if not wanted or not _raw_file_exists(raw_dir, dataset):
            continue
        frame = reader(raw_dir, dataset)
        for column in wanted:
            if column in frame.columns:
                kind = _kind_of(column)
                values[kind].update(_clean_values(frame[column]))
    return Identifiers(
        names=frozenset(n for v in values["name"] if (n := _normalise_name(v))),
        emails=frozenset(e.lower() for e in values["email"] if "@" in e),
        staff_ids=frozenset(values["staff_id"]),
        pseudonyms=frozenset(_pseudonyms(processed_dir) if processed_dir else ()),
    )


def _raw_file_exists(raw_dir: Path, dataset: str) -> bool:
    return any(
        p.is_file() and p.stem.lower() == dataset and p.suffix.lower() in RAW_SUFFIXES
        for p in raw_dir.iterdir()
    )


def _kind_of(column: str) -> str:
    if column in NAME_COLUMNS:
        return "name"
    return "email" if column in EMAIL_COLUMNS else "staff_id"


def _clean_values(series: pd.Series) -> set[str]:
    texts = series.dropna().astype(str).str.strip()
    return set(texts[texts != ""])


def _normalise_name(name: str) -> str:
    """`"Smith,  Alice"` -> `"Alice Smith"`; one-word names -> `""` (not scanned)."""
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    parts = name.split()
    return " ".join(parts) if len(parts) >= 2 else ""


def _pseudonyms(processed_dir: Path) -> set[str]:
    processed_dir = Path(processed_dir)
    if not processed_dir.is_dir():
        raise LeakScanError(f"Processed folder {processed_dir} does not exist")
    found: set[str] = set()
    for path in sorted(processed_dir.rglob("*.parquet")):
        if "person_id" in pq.read_schema(path).names:
            found |= _clean_values(pd.read_parquet(path, columns=["person_id"])["person_id"])
    return found


# ---------------------------------------------------------------------------------------------
# Scanning
# ---------------------------------------------------------------------------------------------


def scan_reports(reports_dir: Path, identifiers: Identifiers) -> list[Leak]:
    """Every occurrence of an identifier in every file under `reports_dir` (recursive)."""
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        raise LeakScanError(f"Reports folder {reports_dir} does not exist")
    matcher = _Matcher(identifiers)
    leaks: list[Leak] = []
    for path in sorted(p for p in reports_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() == ".ipynb":
            leaks.append(Leak(path, "notebook", path.name, "executed notebook in shared folder"))
        for text in (str(path.relative_to(reports_dir)), *_texts(path)):
            leaks.extend(
                Leak(path, kind, text[start:end], _context(text, start, end))
                for kind, start, end in matcher.find(text)
            )
    return leaks


_WORD = re.compile(r"[\w'’-]+")
_NAME_GAP = re.compile(r"\.?\s+")
_LAST_FIRST_GAP = re.compile(r"\s*,\s*")
_BARE_TOKEN = re.compile(r"(?<![\w./-])\w+(?![\w/-]|[.,]\d)")
_LABELLED_ID = re.compile(
    r"\b(?:staff[\s_-]*(?:id|no\.?|number)|employee[\s_-]*(?:id|no\.?|number)|id)"
    r"\s*[:=#.]?\s*(\w+)(?![\w/-]|[.,]\d)",
    re.IGNORECASE,
)
_PSEUDONYM = re.compile(r"(?<!\w)p[0-9a-f]{16}(?!\w)", re.IGNORECASE)
_RAW_TABLE = re.compile(r"class=[\"'][^\"']*\bdataframe\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def _name_token(word: str) -> str:
    """Compare words ignoring case, curly apostrophes and quotes around them."""
    return word.replace("’", "'").strip("'-").lower()


class _Matcher:
    """Finds identifiers by looking up the text's words in sets (fast for thousands of them).

    Whole-word and case-insensitive: the text is split into words and every run of words
    (as "First Last" or "Last, First") is looked up; e-mails, IDs and pseudonyms likewise.
    """

    def __init__(self, identifiers: Identifiers) -> None:
        self.names = {tuple(_name_token(w) for w in n.split()) for n in identifiers.names}
        self.last_first = {(*n[-1:], *n[:-1]) for n in self.names}
        self.max_words = max((len(n) for n in self.names), default=0)
        self.first_words = {n[0] for n in self.names | self.last_first}
        self.emails = {e.lower() for e in identifiers.emails}
        ids = {v.lower() for i in identifiers.staff_ids for v in (i, i.lstrip("0") or "0")}
        self.bare_ids = {i for i in ids if len(i) >= MIN_BARE_ID_LENGTH}
        self.short_ids = {i.lstrip("0") or "0" for i in ids if len(i) < MIN_BARE_ID_LENGTH}
        self.pseudonyms = {p.lower() for p in identifiers.pseudonyms}

    def find(self, text: str) -> Iterator[tuple[str, int, int]]:
        yield from self._names(text)
        yield from (("email", *m.span()) for m in _EMAIL.finditer(text)
                    if m.group(0).lower() in self.emails)
        yield from (("staff_id", *m.span()) for m in _BARE_TOKEN.finditer(text)
                    if m.group(0).lower() in self.bare_ids)
        yield from (("staff_id", *m.span()) for m in _LABELLED_ID.finditer(text)
                    if (m.group(1).lstrip("0") or "0").lower() in self.short_ids)
        yield from (("pseudonym", *m.span()) for m in _PSEUDONYM.finditer(text)
                    if m.group(0).lower() in self.pseudonyms)
        yield from (("raw_table", *m.span()) for m in _RAW_TABLE.finditer(text))

    def _names(self, text: str) -> Iterator[tuple[str, int, int]]:
        if not self.names:
            return
        words = list(_WORD.finditer(text))
        tokens = [_name_token(w.group(0)) for w in words]
        for i in range(len(words)):
            if tokens[i] not in self.first_words:
                continue
            for n in range(2, min(self.max_words, len(words) - i) + 1):
                if self._is_name(text, words[i:i + n], tuple(tokens[i:i + n])):
                    yield "name", words[i].start(), words[i + n - 1].end()

    def _is_name(self, text: str, words: list[re.Match[str]], tokens: tuple[str, ...]) -> bool:
        gaps = [text[a.end():b.start()] for a, b in zip(words, words[1:], strict=False)]
        plain = all(_NAME_GAP.fullmatch(g) for g in gaps)
        if plain and _with_possessive(tokens) & self.names:
            return True
        return (
            bool(_LAST_FIRST_GAP.fullmatch(gaps[0]))
            and all(_NAME_GAP.fullmatch(g) for g in gaps[1:])
            and bool(_with_possessive(tokens) & self.last_first)
        )


def _with_possessive(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The words as they are, and without a final "'s" ("Alice Smith's")."""
    last = tokens[-1]
    return {tokens, (*tokens[:-1], last[:-2])} if last.endswith("'s") else {tokens}


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - CONTEXT_CHARS): end + CONTEXT_CHARS].split())


def _texts(path: Path) -> list[str]:
    """The searchable text of a file: PDF text, members of zip files, else decoded bytes."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        return [_clean(_pdf_text(path, data))]
    if suffix in ZIP_SUFFIXES and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [_clean(_decode(archive.read(name))) for name in archive.namelist()]
    text = _decode(data)
    if suffix == ".csv" and text.startswith(METRICS_HEADER):
        text = _without_quantities(text)
    return [_clean(text)]


METRICS_HEADER = ",".join(METRICS_COLUMNS)
_QUANTITY_COLUMNS = ("value", "numerator", "denominator")


def _without_quantities(metrics_csv: str) -> str:
    """metrics.csv with the numbers of its number columns blanked (see module doc)."""
    rows = list(csv.reader(io.StringIO(metrics_csv)))
    numeric = [rows[0].index(column) for column in _QUANTITY_COLUMNS]
    for row in rows[1:]:
        for index in numeric:
            if index < len(row) and _is_number(row[index]):
                row[index] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _pdf_text(path: Path, data: bytes) -> str:
    try:
        pages, metadata = pdf_pages_text(data)
    except Exception as err:  # a PDF we cannot read must fail the scan, not pass it
        raise LeakScanError(f"Could not read the text of {path}: {err}") from err
    return "\n".join(pages + metadata)


def pdf_pages_text(data: bytes) -> tuple[list[str], list[str]]:
    """The text of each page of a PDF, and its metadata values (title, author...).

    PDFium (pypdfium2) reads the text about twenty times faster than pure-Python readers.
    It is not thread-safe (the runner scans reports in several threads): one call at a
    time, and every PDFium object closed before the lock is released.
    """
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)
        try:
            pages = [_page_text(document[i]) for i in range(len(document))]
            metadata = [str(v) for v in document.get_metadata_dict().values() if v]
        finally:
            document.close()
    return pages, metadata


def _page_text(page: Any) -> str:  # noqa: ANN401 - pypdfium2 page
    textpage = page.get_textpage()
    try:
        return textpage.get_text_bounded()
    finally:
        textpage.close()
        page.close()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # binary: still find text chunks (e.g. PNG metadata)


def _clean(text: str) -> str:
    """Drop embedded base64 data, decode HTML entities and URL-encoded `@`."""
    text = _DATA_URI.sub("data:,", text)
    return html.unescape(text).replace("%40", "@")


# ---------------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------------


def format_leaks(leaks: list[Leak], limit: int = 20) -> str:
    """A loud, readable summary: counts by kind and file, then the first few leaks."""
    if not leaks:
        return "Leak scan: no identifiers found in the reports."
    by_kind = Counter(leak.kind for leak in leaks)
    files = sorted({str(leak.file) for leak in leaks})
    lines = [
        "!" * 78,
        f"PRIVACY LEAK: {len(leaks)} identifier(s) from the raw data found in the reports",
        "  " + ", ".join(f"{kind}: {n}" for kind, n in sorted(by_kind.items())),
        f"  in {len(files)} file(s): " + ", ".join(files[:10]),
        "Do NOT share these files. Fix the notebook or data, re-render, and re-scan.",
        "!" * 78,
    ]
    lines += [f"  {leak}" for leak in leaks[:limit]]
    if len(leaks) > limit:
        lines.append(f"  ... and {len(leaks) - limit} more")
    return "\n".join(lines)


def check_reports(
    raw_dir: Path, reports_dir: Path, processed_dir: Path | None = None
) -> Identifiers:
    """Scan the reports; raise `PrivacyLeakError` on any leak. For the runner and `make`.

    Raises `LeakScanError` when the raw folder yields no identifiers at all: a scan for
    nothing would pass whatever the reports hold.
    """
    identifiers = collect_identifiers(Path(raw_dir), processed_dir)
    if not len(identifiers):
        raise LeakScanError(f"No names, e-mails or staff IDs found in {raw_dir}: wrong folder?")
    leaks = scan_reports(Path(reports_dir), identifiers)
    if leaks:
        raise PrivacyLeakError(leaks)
    return identifiers


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.leakscan",
        description="Fail if any name, e-mail, staff ID or pseudonym appears in the reports.",
    )
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--reports-dir", type=Path, required=True)
    parser.add_argument("--processed-dir", type=Path, default=None)
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        identifiers = check_reports(args.raw_dir, args.reports_dir, args.processed_dir)
    except PrivacyLeakError as err:
        print(err, file=sys.stderr)
        return 1
    except LeakScanError as err:
        print(f"Leak scan could not run: {err}", file=sys.stderr)
        return 2
    files = sum(1 for p in Path(args.reports_dir).rglob("*") if p.is_file())
    print(f"Leak scan passed: {files} file(s) under {args.reports_dir}, {identifiers!r}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
