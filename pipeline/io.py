"""Reading raw files: find `<dataset>.csv|.xlsx`, detect the encoding, normalise headers.

Everything arrives as text (or <NA> for blank): mapping, dates and numbers are the
cleaning step's job, so that nothing (e.g. "N/A") is silently coerced while reading.
Raw files are only ever opened for reading.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

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


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, header=0, engine="openpyxl")
    except Exception as err:  # openpyxl raises many kinds for a file that is not xlsx
        raise RawDataError(f"{path.name} could not be read as an .xlsx workbook: {err}") from err
    frame.columns = [_cell_to_text(c) for c in frame.columns]
    return frame.map(_cell_to_text)


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
