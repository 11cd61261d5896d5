"""Cleaning the surveys: motivation and ambitions survey, institution-wide staff survey.

Likert answers (words or numbers) map through `mappings/likert.csv` to a label, then to
the codes 1..5 of `schema.LIKERT`; "Don't know", N/A and blank become <NA>.
Motivation comments are never written: only their themes (`motivation_comment_themes`),
so the names a comment may hold never reach `data/processed/` and need no redaction.
"""

from __future__ import annotations

import pandas as pd

from pipeline.cleaning.common import (
    CleaningContext,
    by_unique,
    conform,
    drop_exact_duplicates,
    parse_date_column,
    parse_integers,
    strip_text,
    year_of,
)
from pipeline.cleaning.hr import map_hr_categories
from pipeline.cleaning.log import CleaningLog
from pipeline.cleaning.mappings import map_values, split_multi_select
from pipeline.cleaning.themes import comment_themes
from pipeline.schema import (
    AWARENESS_ITEMS,
    DONT_KNOW,
    LIKERT,
    MOTIVATION_ITEMS,
    STAFF_SURVEY_ITEMS,
)


def likert_codes(values: pd.Series, *, column: str, log: CleaningLog) -> pd.Series:
    """Likert answers -> Int64 codes 1..5; Don't know / N/A / blank -> <NA>."""
    labels = map_values(values, "likert", column=column, log=log, allowed=[*LIKERT, DONT_KNOW])
    return by_unique(labels, lambda unique: unique.map(LIKERT)).astype("Int64")


def _ambitions_table(frame: pd.DataFrame, raw_ambitions: pd.Series) -> pd.DataFrame:
    choices = split_multi_select(raw_ambitions).rename("ambition")
    long = pd.concat([frame[["response_id", "survey_year"]], choices], axis=1).explode("ambition")
    long = long.dropna(subset=["ambition"]).drop_duplicates()
    return conform(long, "motivation_ambitions")


def _themes_table(frame: pd.DataFrame, comments: pd.Series) -> pd.DataFrame:
    themes = comment_themes(comments)
    long = frame.loc[themes["row"], ["response_id", "survey_year"]].assign(
        theme=themes["theme"].to_numpy()
    )
    return conform(long, "motivation_comment_themes")


def clean_motivation_survey(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[dict[str, pd.DataFrame], CleaningLog]:
    """Responses -> `motivation_survey`, `motivation_ambitions`, `motivation_comment_themes`."""
    log = ctx.new_log("motivation_survey", raw)
    raw = drop_exact_duplicates(raw, log)
    submitted = parse_date_column(raw["submitted_at"], column="submitted_at", log=log)
    frame = pd.DataFrame(
        {
            "response_id": strip_text(raw["response_id"]),
            "submitted_at": submitted,
            "survey_year": year_of(submitted),
            **map_hr_categories(raw, ctx, log, ("grade", "division", "gender")),
            "years_in_role": strip_text(raw["years_in_role"]),
            **{item: likert_codes(raw[item], column=item, log=log) for item in MOTIVATION_ITEMS},
        }
    )
    tables = {
        "motivation_survey": conform(frame, "motivation_survey"),
        "motivation_ambitions": _ambitions_table(frame, raw["ambitions"]),
        "motivation_comment_themes": _themes_table(frame, raw["comments"]),
    }
    log.rows_out = len(tables["motivation_survey"])
    log.notes["ambition_rows"] = len(tables["motivation_ambitions"])
    log.notes["comments"] = int(strip_text(raw["comments"]).notna().sum())
    log.notes["comment_theme_rows"] = len(tables["motivation_comment_themes"])
    return tables, log


def clean_staff_survey(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[pd.DataFrame, CleaningLog]:
    """Responses -> `staff_survey`: Likert codes, awareness items Yes / No / Not sure."""
    log = ctx.new_log("staff_survey", raw)
    raw = drop_exact_duplicates(raw, log)
    frame = pd.DataFrame(
        {
            "response_id": strip_text(raw["response_id"]),
            "survey_year": parse_integers(raw["survey_year"], column="survey_year", log=log),
            "staff_group": map_values(raw["staff_group"], "staff_groups", column="staff_group",
                                      log=log),
            "grade": map_values(raw["grade"], "grades", column="grade", log=log,
                                allowed=ctx.institution.grades),
            **{item: likert_codes(raw[item], column=item, log=log) for item in STAFF_SURVEY_ITEMS},
            **{item: map_values(raw[item], "yes_no", column=item, log=log)
               for item in AWARENESS_ITEMS},
        }
    )
    out = conform(frame, "staff_survey")
    log.rows_out = len(out)
    return out, log
