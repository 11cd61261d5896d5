"""Helpers shared by the dataset cleaners: context, IDs, numbers, dates, output schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from pipeline.cleaning.log import CleaningLog
from pipeline.config import Institution
from pipeline.dates import parse_dates_with_issues
from pipeline.io import RawDataError, RawSource
from pipeline.privacy import pseudonymise
from pipeline.schema import PROCESSED_COLUMNS

# A column whose non-blank values mostly fail to parse is the wrong type (e.g. shifted
# columns): stop. Below this share, the failures are single bad values: report them.
WRONG_TYPE_SHARE = 0.5
SAMPLE = 5


@dataclass(frozen=True)
class CleaningContext:
    """What every cleaner needs besides the raw frame."""

    institution: Institution
    salt: str
    file: str = ""  # raw file name, for messages; defaults to the dataset name
    source: RawSource | None = None
    id_width: int | None = None  # staff ID width; inferred from the data when None

    def new_log(self, dataset: str, raw: pd.DataFrame) -> CleaningLog:
        source = self.source or raw.attrs.get("source")
        return CleaningLog(
            dataset=dataset,
            file=source.file if source else (self.file or dataset),
            format=source.format if source else "",
            encoding=source.encoding if source else None,
            rows_in=len(raw),
        )


def file_name(log: CleaningLog) -> str:
    return log.file or log.dataset


def drop_exact_duplicates(raw: pd.DataFrame, log: CleaningLog) -> pd.DataFrame:
    """Drop rows identical in every raw column (after stripping); count them."""
    deduplicated = raw.drop_duplicates(ignore_index=True)
    log.exact_duplicates_removed += len(raw) - len(deduplicated)
    return deduplicated


def infer_id_width(ids: pd.Series) -> int | None:
    """The most common length of all-digit staff IDs (the width Excel stripped zeros from)."""
    text = ids.dropna().astype("string").str.strip()
    digits = text[text.str.fullmatch(r"\d+").fillna(False).astype(bool)]
    if digits.empty:
        return None
    lengths = digits.str.len().value_counts()
    # Ties go to the longer width: zeros are only ever lost, never added.
    return int(max(lengths[lengths == lengths.max()].index))


def restore_leading_zeros(
    ids: pd.Series, width: int | None, log: CleaningLog
) -> pd.Series:
    """Left-pad all-digit IDs shorter than `width` with zeros (`123` -> `00123`); count them."""
    text = ids.astype("string").str.strip().replace("", pd.NA)
    if width is None:
        return text
    short = text.str.fullmatch(r"\d+").fillna(False).astype(bool) & (text.str.len() < width)
    log.ids_zero_padded += int(short.sum())
    return text.where(~short, text.str.zfill(width))


def pad_ids(ids: pd.Series, ctx: CleaningContext, log: CleaningLog) -> pd.Series:
    """Staff IDs stripped, with lost leading zeros restored to the context's (or inferred) width."""
    width = ctx.id_width if ctx.id_width is not None else infer_id_width(ids)
    return restore_leading_zeros(ids, width, log)


def person_ids(ids: pd.Series, ctx: CleaningContext, log: CleaningLog) -> pd.Series:
    """Staff IDs -> salted pseudonyms, after restoring lost leading zeros."""
    return pseudonymise_ids(pad_ids(ids, ctx, log), ctx.salt)


def pseudonymise_ids(ids: pd.Series, salt: str) -> pd.Series:
    """`privacy.pseudonymise`, hashing each distinct ID once (people recur across years)."""
    return by_unique(ids, lambda unique: pseudonymise(unique, salt)).astype("string")


def by_unique(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a Series -> Series function to the distinct values only, then map back.

    Missing values stay missing. Raw columns repeat a few spellings over many rows (a
    million survey answers hold a handful of distinct words), and `Series.map` with a dict
    costs a Python call per row; indexing by `pd.factorize` codes does not.
    """
    codes, uniques = pd.factorize(values)
    results = pd.array(func(pd.Series(uniques, dtype=values.dtype)).to_numpy(dtype=object))
    return pd.Series(results.take(codes, allow_fill=True), index=values.index)  # -1: missing


def strip_text(values: pd.Series) -> pd.Series:
    """Free category text kept as found (stripped, inner spaces collapsed), blank -> <NA>."""
    collapsed = by_unique(
        values.astype("string"), lambda unique: unique.map(lambda text: " ".join(text.split()))
    )
    return collapsed.astype("string").replace("", pd.NA)


def _raise_if_wrong_type(
    texts: pd.Series, failed: pd.Series, *, kind: str, column: str, log: CleaningLog
) -> None:
    if len(texts) and failed.sum() > WRONG_TYPE_SHARE * len(texts):
        sample = texts[failed].unique()[:SAMPLE].tolist()
        raise RawDataError(
            f"{file_name(log)}: column {column!r} should hold {kind} but "
            f"{int(failed.sum())} of {len(texts)} values are not, e.g. {sample}"
        )


def parse_numbers(values: pd.Series, *, column: str, log: CleaningLog) -> pd.Series:
    """Text to float (`1,200` and `80%` -> 1200.0 and 80.0); bad values -> NaN and logged."""
    texts = values.dropna().astype("string").str.strip()
    texts = texts[texts != ""]
    cleaned = texts.str.replace(",", "", regex=False).str.removesuffix("%").str.strip()
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    failed = numbers.isna()
    _raise_if_wrong_type(texts, failed, kind="numbers", column=column, log=log)
    if failed.any():
        log.add_unparseable_values(column, _counts(texts[failed]))
    result = pd.Series(float("nan"), index=values.index, dtype="float64")
    result.loc[numbers.index] = numbers
    return result


def parse_integers(values: pd.Series, *, column: str, log: CleaningLog) -> pd.Series:
    """Text to Int64 (e.g. years); non-whole numbers are logged as unparseable."""
    numbers = parse_numbers(values, column=column, log=log)
    whole = numbers.isna() | (numbers == numbers.round())
    if not whole.all():
        log.add_unparseable_values(column, _counts(values[~whole].astype("string")))
    return numbers.where(whole).round().astype("Int64")


def parse_date_column(values: pd.Series, *, column: str, log: CleaningLog) -> pd.Series:
    """Dates via `pipeline.dates`; unparseable values logged; a column of non-dates raises."""
    parsed, bad = parse_dates_with_issues(values, file=file_name(log), column=column)
    texts = values.dropna().astype("string").str.strip()
    texts = texts[texts != ""]
    _raise_if_wrong_type(texts, texts.isin(list(bad)), kind="dates", column=column, log=log)
    if bad:
        log.add_unparseable_dates(column, bad)
    return parsed


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


def year_of(dates: pd.Series) -> pd.Series:
    return dates.dt.year.astype("Int64")


def conform(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Exactly the processed schema's columns, in order, with its dtypes."""
    spec = PROCESSED_COLUMNS[dataset]
    missing = [c for c in spec if c not in frame.columns]
    if missing:
        raise KeyError(f"{dataset}: processed table lacks columns {missing}")
    out = frame.loc[:, list(spec)].reset_index(drop=True)
    return out.astype(spec)
