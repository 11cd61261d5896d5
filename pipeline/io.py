"""Reading raw files: find `<dataset>.csv|.xlsx`, detect the encoding, normalise headers.

Everything arrives as text (or <NA> for blank): mapping, dates and numbers are the
cleaning step's job, so that nothing (e.g. "N/A") is silently coerced while reading.
Raw files are only ever opened for reading.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from io import StringIO
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from pipeline.schema import DATASETS, OPTIONAL_RAW_COLUMNS, RAW_COLUMNS

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
UTF8_BOM = b"\xef\xbb\xbf"


class RawDataError(ValueError):
    """A raw input file is missing, unreadable or does not follow the data contract."""


@dataclass(frozen=True)
class RawSource:
    """Where a raw table came from (shown in the cleaning log)."""

    file: str
    format: str  # "csv" or "xlsx"
    encoding: str | None  # None for xlsx


def find_raw_file(raw_dir: Path, dataset: str) -> Path:
    """The one `<dataset>.csv` or `<dataset>.xlsx` in `raw_dir` (file name case-insensitive)."""
    if dataset not in DATASETS:
        raise RawDataError(f"Unknown dataset {dataset!r}; the contract has: {', '.join(DATASETS)}")
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawDataError(f"Raw folder {raw_dir} does not exist or is not a folder")
    matches = sorted(
        p for p in raw_dir.iterdir()
        if p.is_file() and p.stem.lower() == dataset and p.suffix.lower() in SUPPORTED_SUFFIXES
    )
    if len(matches) == 1:
        return matches[0]
    present = sorted(p.name for p in raw_dir.iterdir() if p.is_file())
    if not matches:
        raise RawDataError(
            f"No {dataset}.csv or {dataset}.xlsx in {raw_dir}; files there: {present or 'none'}"
        )
    raise RawDataError(
        f"More than one file for {dataset} in {raw_dir}: {[p.name for p in matches]}; "
        "keep exactly one"
    )


def detect_encoding(data: bytes) -> str:
    """`utf-8-sig` when a BOM is present, else `utf-8` if it decodes, else `cp1252` (Excel)."""
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def normalise_header(name: object) -> str:
    """`' Staff ID'`, `'STAFF-ID'`, `'\\ufeffstaff_id'` -> `'staff_id'`."""
    text = str(name).replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s\-]+", "_", text)
    return re.sub(r"_+", "_", text).strip("_")


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    if not data.strip():
        raise RawDataError(f"{path.name} is empty (no header, no rows)")
    if b"\x00" in data or data.startswith(b"PK\x03\x04") or data.startswith(b"%PDF"):
        raise RawDataError(
            f"{path.name} is not a CSV text file (binary content); export it as CSV or .xlsx"
        )
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise RawDataError(f"{path.name} is not text in UTF-8 or cp1252: {err}") from err
    try:
        frame = pd.read_csv(
            StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise RawDataError(f"{path.name} could not be read as CSV: {err}") from err
    return frame, encoding


def _cell_to_text(value: object) -> object:
    """An xlsx cell as text: dates as ISO, whole numbers without `.0` (IDs, serials)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---- .xlsx: a small, fast reader of the first sheet (values only) ----------------------
# openpyxl takes seconds on a few thousand rows of inline strings, building objects we do
# not need; this reads the sheet XML directly. Numbers in a date format come back as
# datetimes, so a date cell is told apart from an Excel serial typed as a plain number.

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show a date or time (ECMA-376 18.8.30).
BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
EXCEL_EPOCH_1900 = dt.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)


@lru_cache(maxsize=1024)
def _column_letters_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def _column_index(ref: str) -> int:
    """`'B7'` -> 1 (zero-based column)."""
    return _column_letters_index(ref.rstrip("0123456789"))


def _first_sheet_path(book: zipfile.ZipFile) -> str:
    workbook = ET.fromstring(book.read("xl/workbook.xml"))
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    if sheet is not None:
        target_id = sheet.get(f"{REL}id")
        for rel in rels.iter(f"{PKG_REL}Relationship"):
            if rel.get("Id") == target_id:
                target = rel.get("Target", "").lstrip("/")
                return target if target.startswith("xl/") else f"xl/{target}"
    return "xl/worksheets/sheet1.xml"


def _is_1904(book: zipfile.ZipFile) -> bool:
    properties = ET.fromstring(book.read("xl/workbook.xml")).find(f"{MAIN}workbookPr")
    return properties is not None and properties.get("date1904") in ("1", "true")


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles whose number format is a date."""
    if "xl/styles.xml" not in book.namelist():
        return set()
    styles = ET.fromstring(book.read("xl/styles.xml"))
    custom = {
        int(fmt.get("numFmtId", -1)): fmt.get("formatCode", "")
        for fmt in styles.iter(f"{MAIN}numFmt")
    }
    date_ids = set(BUILTIN_DATE_FORMATS)
    for fmt_id, code in custom.items():
        bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)  # drop literals and colours
        if re.search(r"[dyDY]", bare):
            date_ids.add(fmt_id)
    xfs = styles.find(f"{MAIN}cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", 0)) in date_ids}


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    root = ET.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{MAIN}t")) for si in root.iter(f"{MAIN}si")]


def _value(cell: ET.Element, shared: list[str], date_styles: set[int], epoch: dt.datetime):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
    raw = cell.findtext(f"{MAIN}v")
    if raw is None:
        return None
    if kind == "s":
        return shared[int(raw)]
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    number = float(raw)
    if int(cell.get("s", 0)) in date_styles:
        return epoch + dt.timedelta(seconds=round(number * 86400))
    return number


def read_xlsx_rows(path: Path) -> list[list[object]]:
    """All rows of the first sheet, each a list of values (None for an empty cell)."""
    with zipfile.ZipFile(path) as book:
        shared, date_styles = _shared_strings(book), _date_styles(book)
        epoch = EXCEL_EPOCH_1904 if _is_1904(book) else EXCEL_EPOCH_1900
        rows: list[list[object]] = []
        with book.open(_first_sheet_path(book)) as sheet:
            for _, element in ET.iterparse(sheet, events=("end",)):
                if element.tag != f"{MAIN}row":
                    continue
                row: list[object] = []
                for position, cell in enumerate(element.iter(f"{MAIN}c")):
                    index = _column_index(cell.get("r")) if cell.get("r") else position
                    row.extend([None] * (index - len(row)))
                    row.append(_value(cell, shared, date_styles, epoch))
                row_number = int(element.get("r", len(rows) + 1))
                rows.extend([] for _ in range(row_number - 1 - len(rows)))
                rows.append(row)
                element.clear()
    return rows


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        rows = read_xlsx_rows(path)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError) as err:
        raise RawDataError(f"{path.name} could not be read as an .xlsx workbook: {err}") from err
    if not rows:
        raise RawDataError(f"{path.name} is empty (no header, no rows)")
    width = max(len(row) for row in rows)
    rows = [[_cell_to_text(v) for v in row] + [""] * (width - len(row)) for row in rows]
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def _tidy(frame: pd.DataFrame, path: Path, dataset: str) -> pd.DataFrame:
    """Normalise headers, blank cells and blank rows; check the contract's columns."""
    headers = [normalise_header(c) for c in frame.columns]
    keep = [not (h == "" or h.startswith("unnamed")) or frame.iloc[:, i].str.strip().ne("").any()
            for i, h in enumerate(headers)]
    frame = frame.loc[:, keep]
    headers = [h for h, k in zip(headers, keep, strict=True) if k]
    duplicated = sorted({h for h in headers if headers.count(h) > 1})
    if duplicated:
        raise RawDataError(f"{path.name}: columns {duplicated} appear more than once")
    frame = frame.set_axis(headers, axis=1)
    frame = frame.apply(lambda col: col.astype("string").str.strip()).replace("", pd.NA)
    frame = frame.dropna(how="all").reset_index(drop=True)
    required = [c for c in RAW_COLUMNS[dataset] if c not in OPTIONAL_RAW_COLUMNS.get(dataset, ())]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise RawDataError(
            f"{path.name}: missing required column(s) {missing}; columns found: {headers}"
        )
    if frame.empty:
        raise RawDataError(f"{path.name} has a header but no data rows")
    for column in OPTIONAL_RAW_COLUMNS.get(dataset, ()):
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame


def read_raw_with_source(raw_dir: Path, dataset: str) -> tuple[pd.DataFrame, RawSource]:
    """Read one dataset's raw file as text, with where it came from.

    Columns are canonical snake_case; every cell is a stripped string or <NA> (blank);
    fully blank rows are dropped; absent optional columns are added as blank.
    """
    path = find_raw_file(Path(raw_dir), dataset)
    if path.suffix.lower() == ".xlsx":
        frame, source = _read_xlsx(path), RawSource(path.name, "xlsx", None)
    else:
        frame, encoding = _read_csv(path)
        source = RawSource(path.name, "csv", encoding)
    return _tidy(frame, path, dataset), source


def read_raw(raw_dir: Path, dataset: str) -> pd.DataFrame:
    """Read `<raw_dir>/<dataset>.csv|.xlsx` as text with canonical headers (see module doc).

    Raises `RawDataError` naming the file and the problem (missing column, empty, not CSV).
    The frame's `attrs["source"]` records file, format and encoding.
    """
    frame, source = read_raw_with_source(raw_dir, dataset)
    frame.attrs["source"] = source
    return frame
