"""Cleaning the HR exports: staff census, leavers, promotions.

Same person twice at one census (rule recorded in docs/qa/assumptions.md): after dropping
exact duplicates, keep one row per (`census_date`, staff ID): the one with the latest
`start_date` (the current appointment), then the highest `fte`; ties keep the first row
in file order. The rows removed are counted in `same_person_resolved`.
"""

from __future__ import annotations

import pandas as pd

from pipeline.cleaning.common import (
    CleaningContext,
    conform,
    drop_exact_duplicates,
    pad_ids,
    parse_date_column,
    parse_numbers,
    person_ids,
    pseudonymise_ids,
    strip_text,
    year_of,
)
from pipeline.cleaning.log import CleaningLog
from pipeline.cleaning.mappings import map_values


def map_hr_categories(
    raw: pd.DataFrame, ctx: CleaningContext, log: CleaningLog, columns: tuple[str, ...]
) -> dict[str, pd.Series]:
    """Map the HR category columns present in `columns` through their tables."""
    inst = ctx.institution
    tables = {
        "grade": ("grades", inst.grades),
        "job_family": ("job_families", inst.job_families),
        "division": ("divisions", inst.divisions),
        "contract_type": ("contract_types", None),
        "gender": ("genders", None),
        "leaving_reason": ("leaving_reasons", None),
    }
    return {
        column: map_values(raw[column], tables[column][0], column=column, log=log,
                           allowed=tables[column][1])
        for column in columns
    }


def _is_technical(job_family: pd.Series, ctx: CleaningContext) -> pd.Series:
    technical = job_family.isin(list(ctx.institution.technical_job_families))
    return technical.astype("boolean").mask(job_family.isna())


def resolve_same_person(frame: pd.DataFrame, log: CleaningLog) -> pd.DataFrame:
    """One row per (census_date, staff_id): latest start_date, then highest fte (see doc)."""
    ordered = frame.assign(_order=range(len(frame))).sort_values(
        ["start_date", "fte", "_order"], ascending=[False, False, True], na_position="last",
        kind="stable",
    )
    kept = ordered.drop_duplicates(["census_date", "_staff_id"], keep="first")
    # Rows without an ID or date cannot be matched to another: keep them all.
    unmatched = ordered[ordered["_staff_id"].isna() | ordered["census_date"].isna()]
    kept = pd.concat([kept.drop(unmatched.index, errors="ignore"), unmatched])
    kept = kept[~kept.index.duplicated()].sort_values("_order")
    log.same_person_resolved += len(frame) - len(kept)
    return kept.drop(columns="_order")


def clean_hr_staff(raw: pd.DataFrame, ctx: CleaningContext) -> tuple[pd.DataFrame, CleaningLog]:
    """Census rows -> `hr_staff` (names and e-mails dropped, staff IDs pseudonymised)."""
    log = ctx.new_log("hr_staff", raw)
    raw = drop_exact_duplicates(raw, log)
    census = parse_date_column(raw["census_date"], column="census_date", log=log)
    frame = pd.DataFrame(
        {
            "census_date": census,
            "census_year": year_of(census),
            "_staff_id": pad_ids(raw["staff_id"], ctx, log),
            **map_hr_categories(
                raw, ctx, log, ("job_family", "grade", "division", "contract_type", "gender")
            ),
            "job_title": strip_text(raw["job_title"]),
            "fte": parse_numbers(raw["fte"], column="fte", log=log),
            "start_date": parse_date_column(raw["start_date"], column="start_date", log=log),
            **{c: strip_text(raw[c]) for c in ("ethnicity", "disability", "age_band")},
        }
    )
    frame = resolve_same_person(frame, log)
    frame["person_id"] = pseudonymise_ids(frame["_staff_id"], ctx.salt)
    frame["is_technical"] = _is_technical(frame["job_family"], ctx)
    out = conform(frame, "hr_staff")
    log.rows_out = len(out)
    return out, log


def clean_hr_leavers(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[pd.DataFrame, CleaningLog]:
    """Leaver rows -> `hr_leavers`; exit questionnaire Yes/No -> boolean."""
    log = ctx.new_log("hr_leavers", raw)
    raw = drop_exact_duplicates(raw, log)
    leave = parse_date_column(raw["leave_date"], column="leave_date", log=log)
    exit_done = map_values(
        raw["exit_questionnaire_completed"], "yes_no", column="exit_questionnaire_completed",
        log=log,
    )
    frame = pd.DataFrame(
        {
            "person_id": person_ids(raw["staff_id"], ctx, log),
            "leave_date": leave,
            "leave_year": year_of(leave),
            **map_hr_categories(
                raw, ctx, log,
                ("grade", "job_family", "division", "contract_type", "leaving_reason"),
            ),
            "start_date": parse_date_column(raw["start_date"], column="start_date", log=log),
            "exit_questionnaire_completed": exit_done.map(
                {"Yes": True, "No": False}, na_action="ignore"
            ).astype("boolean"),
        }
    )
    frame["is_technical"] = _is_technical(frame["job_family"], ctx)
    out = conform(frame, "hr_leavers")
    log.rows_out = len(out)
    return out, log


def clean_hr_promotions(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[pd.DataFrame, CleaningLog]:
    """Promotion rows -> `hr_promotions` (grades mapped through the grades table)."""
    log = ctx.new_log("hr_promotions", raw)
    raw = drop_exact_duplicates(raw, log)
    effective = parse_date_column(raw["effective_date"], column="effective_date", log=log)
    grades = ctx.institution.grades
    frame = pd.DataFrame(
        {
            "person_id": person_ids(raw["staff_id"], ctx, log),
            "effective_date": effective,
            "effective_year": year_of(effective),
            "from_grade": map_values(raw["from_grade"], "grades", column="from_grade", log=log,
                                     allowed=grades),
            "to_grade": map_values(raw["to_grade"], "grades", column="to_grade", log=log,
                                   allowed=grades),
        }
    )
    out = conform(frame, "hr_promotions")
    log.rows_out = len(out)
    return out, log
