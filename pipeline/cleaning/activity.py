"""Cleaning the action plan's activity log (evidence for each action)."""

from __future__ import annotations

import pandas as pd

from pipeline.cleaning.common import (
    CleaningContext,
    conform,
    drop_exact_duplicates,
    parse_date_column,
    parse_numbers,
    strip_text,
    year_of,
)
from pipeline.cleaning.log import CleaningLog


def normalise_action_ids(values: pd.Series) -> pd.Series:
    """`' 3h) '`, `'3 h'`, `'3h.'` -> `'3h'`: spaces and list punctuation go, case stays.

    Case is kept because plans differ (`3h` at ICR, `V1` at Imperial); compare action IDs
    with the plan case-insensitively.
    """
    text = values.astype("string").str.strip()
    return text.str.replace(r"[\s\).:]+", "", regex=True).replace("", pd.NA)


def clean_activity_log(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[pd.DataFrame, CleaningLog]:
    """Evidence rows -> `activity_log` (value as a number, `1,200` and `80%` accepted)."""
    log = ctx.new_log("activity_log", raw)
    raw = drop_exact_duplicates(raw, log)
    when = parse_date_column(raw["date"], column="date", log=log)
    frame = pd.DataFrame(
        {
            "action_id": normalise_action_ids(raw["action_id"]),
            "date": when,
            "year": year_of(when),
            "activity": strip_text(raw["activity"]),
            "metric": strip_text(raw["metric"]),
            "value": parse_numbers(raw["value"], column="value", log=log),
            "notes": strip_text(raw["notes"]),
        }
    )
    out = conform(frame, "activity_log")
    log.rows_out = len(out)
    return out, log
