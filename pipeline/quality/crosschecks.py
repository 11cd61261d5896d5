"""Derived check columns: cross-column and cross-table rules computed in pandas.

Each function returns a boolean Series that is True where the rule holds or does not
apply (a blank input is the job of a not-null expectation, not of these rules). The
validator adds them to the dataset's frame as `qc_*` columns and lets a GX
expectation count the False rows, so the results carry counts and samples like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.config import Institution
from pipeline.quality.suites import DATE_YEARS


def _holds(condition: pd.Series) -> pd.Series:
    """Rule outcome as plain bool: <NA> (rule not applicable) counts as holding."""
    return condition.astype("boolean").fillna(True).astype(bool)


def _not_before(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """`later >= earlier`, <NA> where either is blank (NaT compares False in numpy)."""
    return (later >= earlier).astype("boolean").mask(later.isna() | earlier.isna())


def year_matches_date(frame: pd.DataFrame, date_col: str, year_col: str) -> pd.Series:
    """The year column equals the calendar year of the date column."""
    years = pd.to_datetime(frame[date_col]).dt.year.astype("Int64")
    return _holds(years == frame[year_col].astype("Int64"))


def started_by_census(staff: pd.DataFrame) -> pd.Series:
    """A person at a census started on or before the census date."""
    return _holds(_not_before(staff["census_date"], staff["start_date"]))


def is_technical_matches(frame: pd.DataFrame, institution: Institution) -> pd.Series:
    """`is_technical` is True exactly for the institution's technical job families."""
    expected = frame["job_family"].isin(institution.technical_job_families)
    expected = expected.astype("boolean").mask(frame["job_family"].isna())
    return _holds(frame["is_technical"].astype("boolean") == expected)


def on_earlier_census(leavers: pd.DataFrame, staff: pd.DataFrame) -> pd.Series:
    """A leaver appears on a census before leaving, whenever they were employed at one.

    A leaver must be on the latest census before their leave date if they had started by
    then (a blank start date counts as started). Someone who joined and left between two
    censuses, or left before the first census in the data, cannot be checked and passes.
    """
    census_dates = np.sort(staff["census_date"].dropna().unique())
    leave = leavers["leave_date"].to_numpy(dtype="datetime64[ns]")
    position = np.searchsorted(census_dates.astype("datetime64[ns]"), leave, side="left")
    previous = pd.Series(pd.NaT, index=leavers.index, dtype="datetime64[ns]")
    has_previous = (position > 0) & ~np.isnat(leave)
    previous[has_previous] = census_dates[position[has_previous] - 1]
    employed_then = previous.notna() & ~(leavers["start_date"] > previous).fillna(False)

    first_census = staff.groupby("person_id", dropna=True)["census_date"].min()
    seen = leavers["person_id"].map(first_census)
    was_on_census = (seen <= leavers["leave_date"]).fillna(False)
    return _holds(~employed_then | was_on_census | leavers["person_id"].isna())


def grade_ranks(grades: pd.Series, grade_order: tuple[str, ...]) -> pd.Series:
    """Position in the technical grade order (0 = lowest); <NA> for other grades."""
    return grades.map({grade: rank for rank, grade in enumerate(grade_order)}).astype("Int64")


def goes_up_grade_order(promotions: pd.DataFrame, institution: Institution) -> pd.Series:
    """A promotion between two technical grades ends higher than it started."""
    from_rank = grade_ranks(promotions["from_grade"], institution.grade_order)
    to_rank = grade_ranks(promotions["to_grade"], institution.grade_order)
    return _holds(to_rank > from_rank)


def registered_not_before_applied(registrations: pd.DataFrame) -> pd.Series:
    """A registration is not dated before its application."""
    return _holds(
        _not_before(registrations["registered_date"], registrations["application_date"])
    )


def registered_has_date(registrations: pd.DataFrame) -> pd.Series:
    """Status `registered` comes with a registered date (else the year cannot be told)."""
    registered = registrations["status"].eq("registered").astype("boolean").fillna(False)
    return _holds(~registered | registrations["registered_date"].notna())


def response_in_survey(answers: pd.DataFrame, survey: pd.DataFrame) -> pd.Series:
    """A long-table row points at a response in the motivation survey."""
    keys = ["survey_year", "response_id"]
    known = pd.MultiIndex.from_frame(survey[keys].astype({"survey_year": "Int64"}))
    mine = pd.MultiIndex.from_frame(answers[keys].astype({"survey_year": "Int64"}))
    return pd.Series(mine.isin(known), index=answers.index)


@dataclass(frozen=True)
class Rule:
    """A derived check column: which table it goes on and which inputs it needs."""

    dataset: str
    column: str
    needs: dict[str, tuple[str, ...]]
    compute: Callable[[dict[str, pd.DataFrame], Institution], pd.Series]


def _year_rule(dataset: str, date_col: str, year_col: str) -> Rule:
    return Rule(
        dataset, f"qc_{year_col}_matches_{date_col}", {dataset: (date_col, year_col)},
        lambda t, _: year_matches_date(t[dataset], date_col, year_col),
    )


def _technical_rule(dataset: str) -> Rule:
    return Rule(
        dataset, "qc_is_technical_matches_job_family", {dataset: ("job_family", "is_technical")},
        lambda t, inst: is_technical_matches(t[dataset], inst),
    )


def _response_rule(dataset: str) -> Rule:
    keys = ("survey_year", "response_id")
    return Rule(
        dataset, "qc_response_in_motivation_survey", {dataset: keys, "motivation_survey": keys},
        lambda t, _: response_in_survey(t[dataset], t["motivation_survey"]),
    )


RULES: tuple[Rule, ...] = (
    *(_year_rule(dataset, *cols) for dataset, cols in DATE_YEARS.items()),
    _technical_rule("hr_staff"),
    _technical_rule("hr_leavers"),
    Rule(
        "hr_staff", "qc_started_by_census", {"hr_staff": ("start_date", "census_date")},
        lambda t, _: started_by_census(t["hr_staff"]),
    ),
    Rule(
        "hr_leavers", "qc_on_earlier_census",
        {"hr_leavers": ("person_id", "leave_date", "start_date"),
         "hr_staff": ("person_id", "census_date")},
        lambda t, _: on_earlier_census(t["hr_leavers"], t["hr_staff"]),
    ),
    Rule(
        "hr_promotions", "qc_goes_up_grade_order", {"hr_promotions": ("from_grade", "to_grade")},
        lambda t, inst: goes_up_grade_order(t["hr_promotions"], inst),
    ),
    Rule(
        "registrations", "qc_registered_not_before_applied",
        {"registrations": ("application_date", "registered_date")},
        lambda t, _: registered_not_before_applied(t["registrations"]),
    ),
    Rule(
        "registrations", "qc_registered_has_date", {"registrations": ("status", "registered_date")},
        lambda t, _: registered_has_date(t["registrations"]),
    ),
    _response_rule("motivation_ambitions"),
    _response_rule("motivation_comment_themes"),
)


def _inputs_present(rule: Rule, tables: dict[str, pd.DataFrame]) -> bool:
    return all(
        name in tables and set(columns) <= set(tables[name].columns)
        for name, columns in rule.needs.items()
    )


def add_derived_columns(
    tables: dict[str, pd.DataFrame], institution: Institution
) -> dict[str, pd.DataFrame]:
    """Copies of the tables (fresh 0..n-1 index) with the `qc_*` columns of `RULES`.

    A rule whose input tables or columns are missing is not added; its check then reports
    "not run" (the missing column already fails a critical check).
    """
    out = {name: frame.reset_index(drop=True) for name, frame in tables.items()}
    inputs = dict(out)  # rules read the tables as given, never another rule's output
    for rule in RULES:
        if _inputs_present(rule, inputs):
            out[rule.dataset] = out[rule.dataset].assign(
                **{rule.column: rule.compute(inputs, institution)}
            )
    return out


LIKERT_ITEMS = {
    "motivation_survey": schema.MOTIVATION_ITEMS,
    "staff_survey": schema.STAFF_SURVEY_ITEMS,
}


def likert_long(survey: pd.DataFrame, items: tuple[str, ...]) -> pd.DataFrame:
    """One row per answered item: survey_year, response_id, item, code (blanks dropped).

    Built with NumPy rather than `melt` (a million responses make 20 million rows): IDs
    and items as categoricals, codes as plain int64 so that GX compares them vectorised
    (it checks a nullable `Int64` column value by value in Python).
    """
    codes = survey[list(items)].to_numpy(dtype="float64", na_value=np.nan)
    rows, cols = np.nonzero(~np.isnan(codes))
    long = {
        column: survey[column].astype("category").array.take(rows)
        for column in ("survey_year", "response_id") if column in survey.columns
    }
    long["item"] = pd.Categorical.from_codes(cols, categories=list(items))
    long["code"] = codes[rows, cols].astype("int64")
    return pd.DataFrame(long)


def long_tables(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], pd.DataFrame]:
    """Long frames some checks run on, keyed (dataset, table name), e.g. Likert answers.

    A table whose inputs are missing is left out; its checks then report "not run".
    """
    out = {}
    for dataset, items in LIKERT_ITEMS.items():
        frame = tables.get(dataset)
        if frame is not None and set(items) <= set(frame.columns):
            out[(dataset, "likert")] = likert_long(frame, items)
    return out
