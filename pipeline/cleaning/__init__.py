"""Cleaning: raw files -> typed, PII-free processed tables (Parquet) and a cleaning log.

`clean_all` is the wiring (read, clean, write); the `clean_<dataset>` functions are pure
functions of a raw text frame (see `pipeline.io.read_raw`) and a `CleaningContext`.
Writes are atomic per dataset: a dataset that fails leaves no table behind (a stale one
from an earlier run is removed), and nothing is ever written under the raw folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipeline.cleaning.activity import clean_activity_log
from pipeline.cleaning.common import CleaningContext, conform, infer_id_width
from pipeline.cleaning.destinations import clean_destinations_survey
from pipeline.cleaning.events import clean_events, clean_registrations, clean_training
from pipeline.cleaning.hr import clean_hr_leavers, clean_hr_promotions, clean_hr_staff
from pipeline.cleaning.log import LOG_FILE_NAME, CleaningLog, read_logs, write_logs
from pipeline.cleaning.mappings import MappingError
from pipeline.cleaning.surveys import clean_motivation_survey, clean_staff_survey
from pipeline.config import Institution, pseudonym_salt
from pipeline.io import RawDataError, RawSource, find_raw_file, read_raw_with_source
from pipeline.schema import DATASETS

__all__ = [
    "CLEANERS", "CleaningContext", "CleaningLog", "clean_all", "clean_dataset", "clean_frame",
    "conform", "read_logs", "LOG_FILE_NAME",
]

Cleaner = Callable[[pd.DataFrame, CleaningContext], tuple[object, CleaningLog]]
CLEANERS: dict[str, Cleaner] = {
    "hr_staff": clean_hr_staff,
    "hr_leavers": clean_hr_leavers,
    "hr_promotions": clean_hr_promotions,
    "destinations_survey": clean_destinations_survey,
    "motivation_survey": clean_motivation_survey,
    "staff_survey": clean_staff_survey,
    "events": clean_events,
    "registrations": clean_registrations,
    "activity_log": clean_activity_log,
    "training": clean_training,
}
# The processed tables each dataset produces (motivation also writes two long tables).
OUTPUTS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in DATASETS},
    "motivation_survey": (
        "motivation_survey", "motivation_ambitions", "motivation_comment_themes",
    ),
}


def clean_frame(
    dataset: str, raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[dict[str, pd.DataFrame], CleaningLog]:
    """Clean one raw frame; always returns {table name: frame} (pure, no I/O)."""
    result, log = CLEANERS[dataset](raw, ctx)
    tables = result if isinstance(result, dict) else {dataset: result}
    return tables, log


def check_output_dir(raw_dir: Path, processed_dir: Path) -> None:
    """Refuse an output folder that is, or is inside, the raw folder."""
    raw, out = Path(raw_dir).resolve(), Path(processed_dir).resolve()
    if out == raw or out.is_relative_to(raw):
        raise RawDataError(
            f"Refusing to write processed data to {processed_dir}: it is inside the raw "
            f"folder {raw_dir}, which the pipeline never writes to"
        )


def write_tables(tables: dict[str, pd.DataFrame], processed_dir: Path) -> None:
    """Write each table to `<name>.parquet`: all to temporary files first, then rename."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    temps: dict[Path, Path] = {}
    try:
        for name, frame in tables.items():
            final = processed_dir / f"{name}.parquet"
            temp = processed_dir / f".{name}.parquet.tmp{os.getpid()}"
            temps[temp] = final
            frame.to_parquet(temp, index=False)
        for temp, final in temps.items():
            temp.replace(final)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)


def _remove_outputs(dataset: str, processed_dir: Path) -> None:
    for name in OUTPUTS[dataset]:
        (processed_dir / f"{name}.parquet").unlink(missing_ok=True)


def clean_dataset(
    raw_dir: Path,
    processed_dir: Path,
    dataset: str,
    ctx: CleaningContext,
    preread: tuple[pd.DataFrame, RawSource] | None = None,
) -> CleaningLog:
    """Read, clean and write one dataset; on failure remove its (stale) tables and re-raise.

    `preread`: the dataset's raw frame and source when the caller has already read it.
    """
    check_output_dir(raw_dir, processed_dir)
    try:
        raw, source = preread or read_raw_with_source(raw_dir, dataset)
        tables, log = clean_frame(dataset, raw, _with_source(ctx, source))
        write_tables(tables, Path(processed_dir))
    except Exception:
        _remove_outputs(dataset, Path(processed_dir))
        raise
    return log


def _with_source(ctx: CleaningContext, source: RawSource) -> CleaningContext:
    return replace(ctx, source=source, file=source.file)


def _file_name(raw_dir: Path, dataset: str) -> str:
    try:
        return find_raw_file(raw_dir, dataset).name
    except RawDataError:
        return ""


def clean_all(
    raw_dir: Path,
    processed_dir: Path,
    institution: Institution,
    datasets: Iterable[str] = DATASETS,
) -> dict[str, CleaningLog]:
    """Clean every dataset from `raw_dir` into `processed_dir` and write `cleaning_log.json`.

    A dataset that fails is recorded in the log (its `error`) and leaves no table; the
    others are still written. Then one `RawDataError` lists every failure.
    """
    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    check_output_dir(raw_dir, processed_dir)
    salt = pseudonym_salt(raw_dir)
    # The census sets the staff ID width for every dataset, so one person has one pseudonym.
    try:
        staff = read_raw_with_source(raw_dir, "hr_staff")
    except RawDataError:
        staff = None  # hr_staff's own cleaning below reports the problem
    width = infer_id_width(staff[0]["staff_id"]) if staff else None
    ctx = CleaningContext(institution=institution, salt=salt, id_width=width)
    logs: dict[str, CleaningLog] = {}
    for dataset in datasets:
        preread = staff if dataset == "hr_staff" else None
        try:
            logs[dataset] = clean_dataset(raw_dir, processed_dir, dataset, ctx, preread)
        except (RawDataError, MappingError) as err:  # input or mapping-table problems
            logs[dataset] = CleaningLog(dataset=dataset, file=_file_name(raw_dir, dataset),
                                        error=str(err))
    processed_dir.mkdir(parents=True, exist_ok=True)
    write_logs(logs, processed_dir / LOG_FILE_NAME)
    failures = [f"{name}: {log.error}" for name, log in logs.items() if log.error]
    if failures:
        raise RawDataError("Cleaning failed for:\n" + "\n".join(failures))
    return logs
