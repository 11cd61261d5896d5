"""Parsing UK dates: ISO, day-first numeric, `5 Apr 2023`, Excel serials; never month-first.

`pd.to_datetime` guesses month-first on `05/04/2023`, so we parse each distinct value
ourselves with explicit patterns. A value that fits no pattern is not guessed: it becomes
NaT and is reported. A column that looks month-first (a second field above 12 and never
a first field above 12) stops the run, because every value in it may be wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from pipeline.io import RawDataError

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){TIME}$")
NUMERIC_DMY = re.compile(rf"^(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-](\d{{4}}|\d{{2}}){TIME}$")
TEXT_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)\.?,?[ \-](\d{4}|\d{2})$")
SERIAL = re.compile(r"^\d+(?:\.\d+)?$")
# Excel serials from 1954-10-04 to 2099-12-31: anything else that is a pure number is no date.
SERIAL_RANGE = (20_000, 73_050)
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
TWO_DIGIT_PIVOT = 70  # `yy` < 70 is 20yy, else 19yy
MONTH_FIRST_SAMPLE = 5


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return year + (2000 if year < TWO_DIGIT_PIVOT else 1900)
    return year


def _safe_date(year: int, month: int, day: int) -> dt.datetime | None:
    try:
        return dt.datetime(year, month, day)
    except ValueError:
        return None


def parse_one(value: object) -> dt.datetime | None:
    """One value to a date (midnight), or None when it is no date we recognise."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if match := ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
        return _safe_date(year, month, day)
    if match := NUMERIC_DMY.match(text):
        day, month, year = match.groups()
        return _safe_date(_year(year), int(month), int(day))
    if match := TEXT_MONTH.match(text):
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name.lower())
        return _safe_date(_year(year), month, int(day)) if month else None
    if SERIAL.match(text) and SERIAL_RANGE[0] <= float(text) <= SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    return None


def _check_not_month_first(texts: pd.Series, *, file: str, column: str) -> None:
    """Raise when a column's d/m/y values only make sense month-first."""
    fields = [(m.group(0), int(m.group(1)), int(m.group(2)))
              for m in map(NUMERIC_DMY.match, texts.unique()) if m]
    if any(second > 12 for _, _, second in fields) and not any(f > 12 for _, f, _ in fields):
        sample = [text for text, _, second in fields if second > 12][:MONTH_FIRST_SAMPLE]
        raise RawDataError(
            f"{file}: column {column!r} looks month-first (US) e.g. {sample}; "
            "dates must be day-first (dd/mm/yyyy) or ISO (yyyy-mm-dd). Re-export the file."
        )


def parse_dates_with_issues(
    values: pd.Series, *, file: str, column: str
) -> tuple[pd.Series, dict[str, int]]:
    """Parse a column of dates; also return each unparseable raw value with its count."""
    present = values.dropna()
    texts = present.astype("string").str.strip()
    texts = texts[texts != ""]
    _check_not_month_first(texts, file=file, column=column)
    parsed_unique = {text: parse_one(text) for text in texts.unique()}
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    mapped = texts.map(parsed_unique)
    parsed.loc[mapped.index] = pd.to_datetime(mapped.astype(object), errors="coerce")
    bad = texts[mapped.isna()]
    return parsed.astype("datetime64[ns]"), {str(k): int(v) for k, v in bad.value_counts().items()}


def parse_dates(values: pd.Series, *, file: str, column: str) -> pd.Series:
    """Parse UK/ISO/text-month/Excel-serial dates to `datetime64[ns]`; unparseable -> NaT.

    Raises `RawDataError` (naming file, column and sample values) for a month-first column.
    Use `parse_dates_with_issues` to get the unparseable values for the cleaning log.
    """
    return parse_dates_with_issues(values, file=file, column=column)[0]


def latest_census_year(raw_dir: Path) -> int:
    """The default reporting year: the latest calendar year with an `hr_staff` census
    (contract section 1). Raises `RawDataError` naming the file when there is none."""
    from pipeline.io import read_raw

    frame = read_raw(raw_dir, "hr_staff")
    file = frame.attrs["source"].file
    years = parse_dates(frame["census_date"], file=file, column="census_date").dt.year.dropna()
    if years.empty:
        raise RawDataError(f"{file}: no readable census_date, so no reporting year")
    return int(years.max())
