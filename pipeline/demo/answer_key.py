"""The answer key: true clean tables and true metrics, computed from the true records.

The clean tables are what a perfect cleaning of the messy raw files would give (processed
schema of `pipeline.schema.PROCESSED_COLUMNS`, no PII). Planted unmappable values appear
as <NA> in the field that held them (the row is kept), and are listed in `unmapped.csv`.
A blank `exit_questionnaire_completed` stays <NA> (never coerced to False); the metric
counts it as not completed, as `docs/qa/assumptions.md` says.

The metrics follow `docs/qa/assumptions.md` and are computed here on their own, without
the pipeline's analysis code, so that tests comparing the two can catch either side.
Only groups that occur are listed (no zero rows). Counts have value = numerator and no
denominator; `workforce.fte` likewise (value = numerator = the FTE sum, 2 decimals).
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import DEMO_SALT, Institution
from pipeline.privacy import pseudonymise
from pipeline.schema import (
    AWARENESS_ITEMS,
    MOTIVATION_ITEMS,
    PROCESSED_COLUMNS,
    STAFF_SURVEY_ITEMS,
)

KEY_COLUMNS = ("year", "metric", "group", "value", "numerator", "denominator")
SORT_KEYS: dict[str, list[str]] = {
    "hr_staff": ["census_date", "person_id"],
    "hr_leavers": ["leave_date", "person_id"],
    "hr_promotions": ["effective_date", "person_id"],
    "destinations_survey": ["response_id"],
    "motivation_survey": ["response_id"],
    "motivation_ambitions": ["response_id", "ambition"],
    "motivation_comment_themes": ["response_id", "theme"],
    "staff_survey": ["response_id"],
    "events": ["event_id", "person_id"],
    "registrations": ["application_date", "person_id", "register"],
    "activity_log": ["date", "action_id", "metric", "activity"],
    "training": ["completed_date", "person_id", "course"],
}


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Exactly the processed schema's columns, order and dtypes, sorted by the table's keys."""
    out = pd.DataFrame(index=frame.index)
    for column, dtype in PROCESSED_COLUMNS[table].items():
        values = frame[column]
        if dtype == "string":
            values = values.astype("object").where(values.notna(), None)
        out[column] = values.astype(dtype)
    keys = SORT_KEYS[table]
    return out.sort_values(keys, na_position="last", ignore_index=True)


def _person(ids: pd.Series) -> pd.Series:
    return pseudonymise(ids.astype("object"), DEMO_SALT)


def _year(dates: pd.Series) -> pd.Series:
    return dates.dt.year.astype("Int64")


def clean_tables(truth: dict[str, pd.DataFrame], inst: Institution) -> dict[str, pd.DataFrame]:
    """True processed tables from the true (already unmapped-adjusted) records."""
    tech = set(inst.technical_job_families)
    staff = truth["hr_staff"]
    leavers = truth["hr_leavers"]
    out = {
        "hr_staff": staff.assign(census_year=_year(staff["census_date"]),
                                 person_id=_person(staff["staff_id"]),
                                 is_technical=staff["job_family"].isin(tech)),
        "hr_leavers": leavers.assign(leave_year=_year(leavers["leave_date"]),
                                     person_id=_person(leavers["staff_id"]),
                                     is_technical=leavers["job_family"].isin(tech)),
        "hr_promotions": truth["hr_promotions"].assign(
            effective_year=_year(truth["hr_promotions"]["effective_date"]),
            person_id=_person(truth["hr_promotions"]["staff_id"])),
        "destinations_survey": truth["destinations_survey"].assign(
            person_id=_person(truth["destinations_survey"]["staff_id"])),
        "motivation_survey": truth["motivation_survey"].assign(
            survey_year=_year(truth["motivation_survey"]["submitted_at"])),
        "motivation_ambitions": truth["motivation_ambitions"],
        "motivation_comment_themes": truth["motivation_comment_themes"],
        "staff_survey": truth["staff_survey"],
        "events": truth["events"].assign(
            event_year=_year(truth["events"]["event_date"]),
            person_id=_person(truth["events"]["attendee_email"].str.lower()),
            is_internal=truth["events"]["attendee_institution"].str.casefold().isin(
                {i.casefold() for i in inst.internal_institutions})),
        "registrations": truth["registrations"].assign(
            person_id=_person(truth["registrations"]["staff_id"])),
        "activity_log": truth["activity_log"].assign(year=_year(truth["activity_log"]["date"])),
        "training": truth["training"].assign(
            completed_year=_year(truth["training"]["completed_date"]),
            person_id=_person(truth["training"]["staff_id"])),
    }
    return {table: conform(frame, table) for table, frame in out.items()}


# ---- metrics -------------------------------------------------------------------------------

def _count(year: int, metric: str, n: float, group: str = "") -> dict:
    return {"year": year, "metric": metric, "group": group, "value": n, "numerator": n,
            "denominator": None}


def _share(year: int, metric: str, num: float, den: float, group: str = "") -> dict:
    return {"year": year, "metric": metric, "group": group,
            "value": num / den if den else None, "numerator": num, "denominator": den}


def _workforce(staff: pd.DataFrame, leavers: pd.DataFrame, year: int) -> list[dict]:
    census = staff[staff["census_year"] == year]
    if census.empty:
        return []
    rows = [_count(year, "workforce.headcount", census["person_id"].nunique())]
    for column in ("grade", "division", "contract_type", "gender"):
        for value, group in census.dropna(subset=[column]).groupby(column):
            rows.append(_count(year, "workforce.headcount", group["person_id"].nunique(),
                               f"{column}={value}"))
    rows.append(_count(year, "workforce.fte", round(float(census["fte"].sum()), 2)))
    previous = staff[staff["census_year"] == year - 1]
    heads = [census["person_id"].nunique()]
    if not previous.empty:
        heads.append(previous["person_id"].nunique())
    left = leavers[leavers["leave_year"] == year]
    rows.append(_share(year, "workforce.turnover_rate", len(left), sum(heads) / len(heads)))
    fixed = census.loc[census["contract_type"] == "Fixed-term", "person_id"].nunique()
    rows.append(_share(year, "workforce.fixed_term_share", fixed, heads[0]))
    rows.append(_count(year, "leavers.count", len(left)))
    for reason, group in left.dropna(subset=["leaving_reason"]).groupby("leaving_reason"):
        rows.append(_count(year, "leavers.count", len(group), f"leaving_reason={reason}"))
    done = int(left["exit_questionnaire_completed"].fillna(False).sum())
    rows.append(_share(year, "leavers.exit_questionnaire_rate", done, len(left)))
    return rows


def _destinations(dest: pd.DataFrame, year: int) -> list[dict]:
    answers = dest[dest["left_year"] == year]
    if answers.empty:
        return []
    rows = [
        _share(year, "destinations.sector_share", len(group), len(answers), f"sector={sector}")
        for sector, group in answers.groupby("destination_sector")
    ]
    valid = answers["still_in_science"].dropna()
    rows.append(_share(year, "destinations.still_in_science_rate", int((valid == "Yes").sum()),
                       len(valid)))
    return rows


def _registrations(regs: pd.DataFrame, year: int) -> list[dict]:
    applied = regs[regs["application_date"].dt.year == year]
    done = regs[(regs["status"] == "registered") & (regs["registered_date"].dt.year == year)]
    rows = []
    for metric, frame in (("registrations.applicants", applied),
                          ("registrations.registered", done)):
        rows.append(_count(year, metric, len(frame)))
        rows += [_count(year, metric, len(g), f"register={r}")
                 for r, g in frame.groupby("register")]
    return rows


def _agree(year: int, metric: str, answers: pd.Series, group: str) -> dict:
    valid = answers.dropna()
    return _share(year, metric, int(valid.isin([4, 5]).sum()), len(valid), group)


def _surveys(motivation: pd.DataFrame, survey: pd.DataFrame, year: int) -> list[dict]:
    rows = []
    mot = motivation[motivation["survey_year"] == year]
    if not mot.empty:
        rows += [_agree(year, "motivation.agree_share", mot[i], f"item={i}")
                 for i in MOTIVATION_ITEMS]
    ss = survey[survey["survey_year"] == year]
    if ss.empty:
        return rows
    for item in STAFF_SURVEY_ITEMS:
        rows.append(_agree(year, "staff_survey.agree_share", ss[item], f"item={item}"))
        for grp in ("technical", "other"):
            rows.append(_agree(year, "staff_survey.agree_share",
                               ss.loc[ss["staff_group"] == grp, item],
                               f"item={item};staff_group={grp}"))
    tech = ss[ss["staff_group"] == "technical"]
    for item in AWARENESS_ITEMS:
        valid = tech[item].dropna()
        rows.append(_share(year, "staff_survey.awareness_rate", int((valid == "Yes").sum()),
                           len(valid), f"item={item}"))
    return rows


def _events(events: pd.DataFrame, year: int) -> list[dict]:
    in_year = events[events["event_year"] == year]
    return [
        _count(year, "events.attendees",
               group.loc[group["is_internal"], "person_id"].nunique(), f"event_id={event_id}")
        for event_id, group in in_year.groupby("event_id")
    ]


def key_metrics(clean: dict[str, pd.DataFrame], inst: Institution,
                years: list[int]) -> pd.DataFrame:
    """Every contract metric (section 4, except action_plan.status) per year, unsuppressed."""
    staff = clean["hr_staff"][clean["hr_staff"]["is_technical"]]
    leavers = clean["hr_leavers"][clean["hr_leavers"]["is_technical"]]
    promos = clean["hr_promotions"]
    rows: list[dict] = []
    for year in years:
        rows += _workforce(staff, leavers, year)
        n_promos = int(((promos["effective_year"] == year)
                        & promos["to_grade"].isin(inst.grade_order)).sum())
        rows.append(_count(year, "promotions.count", n_promos))
        rows += _destinations(clean["destinations_survey"], year)
        rows += _registrations(clean["registrations"], year)
        rows += _events(clean["events"], year)
        rows += _surveys(clean["motivation_survey"], clean["staff_survey"], year)
    frame = pd.DataFrame(rows, columns=list(KEY_COLUMNS))
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype("float64")
    return frame
