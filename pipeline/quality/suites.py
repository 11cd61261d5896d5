"""The expectation suites, as code: one list of checks per processed dataset.

A `Check` names a Great Expectations 1.x expectation class and its arguments; the
validator (`pipeline.quality.validate`) turns each into a GX expectation, so this module
stays importable without GX (its import costs seconds) and the suites can be read and
tested as plain data.

Levels (the choice, per the data contract and issue 4):

- **critical** stops the run before any report is made. Used where a report would be
  wrong, not just incomplete: a schema column missing or of the wrong kind, a key blank or
  duplicated (a person twice at one census), a value outside its range (FTE not in (0, 1],
  Likert code not 1..5), a date after the data's end (31 December of the reporting year,
  or of the latest census when later: see `suite_specs`), a category value that is not
  canonical (the cleaning maps what it can and turns the rest into <NA>, so a non-null
  value outside the allowed set is a mapping bug that would split a group silently), a
  derived column that disagrees with its source (year of a date, `is_technical`), and the
  cross-table checks: every leaver was on an earlier census, promotions go up the grade
  order, registered dates not before application dates.
- **warning** lets the run go on and is shown in the data-quality report. Used for what the
  cleaning could not repair and the reports can live with, counted: category values that
  are <NA> (unmapped at cleaning, or blank in the export), dates before 2000 (1950 for
  start dates), exact dtype not as in the schema when the kind is right (e.g. pandas 3's
  `datetime64[us]` for `datetime64[ns]`), no rows in the reporting year for a dataset
  other than `hr_staff`, duplicate event attendances, a registered status without date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import schema
from pipeline.config import Institution

CRITICAL = "critical"
WARNING = "warning"
LEVELS = (CRITICAL, WARNING)

EARLIEST_DATE = pd.Timestamp("2000-01-01")
EARLIEST_START_DATE = pd.Timestamp("1950-01-01")
EARLIEST_YEAR = EARLIEST_DATE.year

# Key of each processed table: not null (critical) and unique together.
KEYS: dict[str, tuple[str, ...]] = {
    "hr_staff": ("census_date", "person_id"),
    "hr_leavers": ("person_id", "leave_date"),
    "hr_promotions": ("person_id", "effective_date"),
    "destinations_survey": ("response_id",),
    "motivation_survey": ("survey_year", "response_id"),
    "motivation_ambitions": ("survey_year", "response_id", "ambition"),
    "motivation_comment_themes": ("survey_year", "response_id", "theme"),
    "staff_survey": ("survey_year", "response_id"),
    "events": ("event_id", "person_id"),
    "registrations": ("person_id", "register", "application_date"),
    "activity_log": ("action_id",),
    "training": ("person_id", "course", "completed_date"),
}
# Keys whose uniqueness is only a warning: a person may attend one event in two roles or
# take a course twice on a day; no metric double counts them.
WARNING_UNIQUE = frozenset({"events", "training"})
# Keys that identify a group, not a row: the activity log has many rows per action.
NOT_UNIQUE = frozenset({"activity_log"})
# Key columns that may be blank (an attendee without e-mail cannot be followed): warning.
NULLABLE_KEY_COLUMNS = {"events": ("person_id",)}

# (date column, its year column) pairs the cleaning derives.
DATE_YEARS: dict[str, tuple[str, str]] = {
    "hr_staff": ("census_date", "census_year"),
    "hr_leavers": ("leave_date", "leave_year"),
    "hr_promotions": ("effective_date", "effective_year"),
    "motivation_survey": ("submitted_at", "survey_year"),
    "events": ("event_date", "event_year"),
    "activity_log": ("date", "year"),
    "training": ("completed_date", "completed_year"),
}
# Year column that says which reporting year a row belongs to.
YEAR_COLUMNS: dict[str, str] = {
    **{dataset: year_col for dataset, (_, year_col) in DATE_YEARS.items()},
    "destinations_survey": "left_year",
    "motivation_ambitions": "survey_year",
    "motivation_comment_themes": "survey_year",
    "staff_survey": "survey_year",
}


@dataclass(frozen=True)
class Check:
    """One expectation: a GX 1.x expectation class name, its arguments and its level.

    `context` names extra columns shown beside the offending values in a failure's sample
    rows (person_id is never shown in the report's sample, only in the run's message and
    the JSON beside the processed data).
    """

    dataset: str
    expectation: str
    kwargs: dict[str, Any]
    level: str
    description: str
    context: tuple[str, ...] = field(default=())
    # "" = the dataset's own frame; else a long frame built by `crosschecks.long_tables`.
    table: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"Check {self.description!r}: level {self.level!r} not in {LEVELS}")

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the expectation reads."""
        if "column" in self.kwargs:
            return (self.kwargs["column"],)
        return tuple(self.kwargs.get("column_list", ()))

    @property
    def column_label(self) -> str:
        return ", ".join(self.columns)


def _year_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(year=year, month=12, day=31)


class _SuiteBuilder:
    """Collects the checks of one dataset; small helpers keep `suite_specs` readable."""

    def __init__(self, dataset: str, end_year: int) -> None:
        self.dataset = dataset
        self.end_year = end_year  # no date may fall after 31 December of this year
        self.checks: list[Check] = []

    def add(
        self, expectation: str, level: str, description: str,
        context: Iterable[str] = (), **kwargs: Any,
    ) -> None:
        check = Check(self.dataset, expectation, kwargs, level, description, tuple(context))
        # GX drops an expectation equal to one already in the suite: keep the first only.
        if not any(c.expectation == expectation and c.kwargs == kwargs for c in self.checks):
            self.checks.append(check)

    def columns_exist(self) -> None:
        """All schema columns present (extra columns are a pandas pre-check warning)."""
        self.add(
            "ExpectTableColumnsToMatchSet", CRITICAL, "schema columns present",
            column_set=list(schema.PROCESSED_COLUMNS[self.dataset]), exact_match=False,
        )

    def not_null(self, column: str, level: str, what: str = "not blank") -> None:
        context = [c for c in KEYS.get(self.dataset, ()) if c != column]
        self.add("ExpectColumnValuesToNotBeNull", level, f"{column} {what}", context, column=column)

    def key(self) -> None:
        key = KEYS[self.dataset]
        nullable = NULLABLE_KEY_COLUMNS.get(self.dataset, ())
        for column in key:
            self.not_null(column, WARNING if column in nullable else CRITICAL)
        level = WARNING if self.dataset in WARNING_UNIQUE else CRITICAL
        if self.dataset in NOT_UNIQUE:
            return
        if len(key) == 1:
            self.add("ExpectColumnValuesToBeUnique", level, f"{key[0]} unique", column=key[0])
        else:
            self.add(
                "ExpectCompoundColumnsToBeUnique", level,
                f"one row per {' and '.join(key)}", column_list=list(key),
            )

    def category(self, column: str, allowed: Iterable[str], null_level: str | None = WARNING,
                 what: str = "canonical values") -> None:
        """Value in the allowed set (critical); <NA> = unmapped or blank (`null_level`)."""
        self.add(
            "ExpectColumnValuesToBeInSet", CRITICAL, f"{column} in {what}",
            column=column, value_set=list(allowed),
        )
        if null_level is not None:
            self.not_null(column, null_level, "mapped (not <NA>)")

    def date_range(self, column: str, earliest: pd.Timestamp = EARLIEST_DATE) -> None:
        end = _year_end(self.end_year)
        self.add(
            "ExpectColumnValuesToBeBetween", CRITICAL, f"{column} not after {end.date()}",
            column=column, max_value=end,
        )
        self.add(
            "ExpectColumnValuesToBeBetween", WARNING, f"{column} not before {earliest.date()}",
            column=column, min_value=earliest,
        )

    def year_range(self, column: str) -> None:
        self.add(
            "ExpectColumnValuesToBeBetween", CRITICAL, f"{column} not after {self.end_year}",
            column=column, max_value=self.end_year,
        )
        self.add(
            "ExpectColumnValuesToBeBetween", WARNING, f"{column} not before {EARLIEST_YEAR}",
            column=column, min_value=EARLIEST_YEAR,
        )

    def likert(self) -> None:
        """Likert codes 1..5, checked on the answers in long form (one expectation, not
        one per item: GX costs about 15 ms per expectation); the sample names the item."""
        self.checks.append(Check(
            self.dataset, "ExpectColumnValuesToBeBetween", {"column": "code", "min_value": 1,
                                                             "max_value": 5},
            CRITICAL, "Likert codes 1..5", ("item", "survey_year", "response_id"), "likert",
        ))

    def derived_true(self, column: str, level: str, description: str,
                     context: Iterable[str]) -> None:
        """A boolean column from `crosschecks` must be True on every row."""
        self.add(
            "ExpectColumnValuesToBeInSet", level, description, context,
            column=column, value_set=[True],
        )

    def in_reporting_year(self, year: int) -> None:
        column = YEAR_COLUMNS[self.dataset]
        level = CRITICAL if self.dataset == "hr_staff" else WARNING
        self.add(
            "ExpectColumnDistinctValuesToContainSet", level, f"has rows with {column} = {year}",
            column=column, value_set=[year],
        )


def _common(b: _SuiteBuilder, year: int) -> None:
    b.columns_exist()
    b.key()
    if b.dataset in DATE_YEARS:
        date_col, year_col = DATE_YEARS[b.dataset]
        b.not_null(date_col, CRITICAL)
        b.derived_true(
            f"qc_{year_col}_matches_{date_col}", CRITICAL, f"{year_col} is the year of {date_col}",
            (date_col, year_col),
        )
    if b.dataset in YEAR_COLUMNS:
        b.in_reporting_year(year)


def _hr_staff(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("census_date")
    b.date_range("start_date", EARLIEST_START_DATE)
    _hr_categories(b, inst)
    b.add(
        "ExpectColumnValuesToBeBetween", CRITICAL, "fte in (0, 1]", ("census_date", "grade"),
        column="fte", min_value=0, max_value=1, strict_min=True,
    )
    b.not_null("fte", WARNING)
    b.derived_true(
        "qc_started_by_census", WARNING, "start_date not after census_date",
        ("census_date", "start_date"),
    )


def _hr_categories(b: _SuiteBuilder, inst: Institution) -> None:
    b.category("job_family", inst.job_families, what="the institution's job families")
    b.category("grade", inst.grades, what="the institution's grades")
    b.category("division", inst.divisions, what="the institution's divisions")
    b.category("contract_type", schema.CONTRACT_TYPES)
    if b.dataset == "hr_staff":
        b.category("gender", schema.GENDERS)
    b.derived_true(
        "qc_is_technical_matches_job_family", CRITICAL,
        "is_technical agrees with the technical job families", ("job_family", "is_technical"),
    )


def _hr_leavers(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("leave_date")
    b.date_range("start_date", EARLIEST_START_DATE)
    _hr_categories(b, inst)
    b.category("leaving_reason", schema.LEAVING_REASONS)
    b.derived_true(
        "qc_on_earlier_census", CRITICAL,
        "leaver was on an earlier census (when employed at one)",
        ("leave_date", "start_date", "grade"),
    )


def _hr_promotions(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("effective_date")
    b.category("from_grade", inst.grades, what="the institution's grades")
    b.category("to_grade", inst.grades, what="the institution's grades")
    b.derived_true(
        "qc_goes_up_grade_order", CRITICAL,
        "promotion goes up the grade order (both grades technical)",
        ("effective_date", "from_grade", "to_grade"),
    )


def _destinations(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.year_range("left_year")
    b.category("former_grade", inst.grades, what="the institution's grades")
    b.category("destination_sector", schema.SECTORS, null_level=CRITICAL)
    b.category("sector_source", ("reported", "classified"), null_level=CRITICAL)
    b.category("still_in_science", schema.YES_NO, null_level=None)


def _motivation(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("submitted_at")
    b.category("grade", inst.grades, what="the institution's grades")
    b.category("division", inst.divisions, what="the institution's divisions")
    b.category("gender", schema.GENDERS)
    b.likert()


def _motivation_long(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.year_range("survey_year")
    b.derived_true(
        "qc_response_in_motivation_survey", WARNING, "response_id is a motivation_survey response",
        ("survey_year", "response_id"),
    )


def _staff_survey(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.year_range("survey_year")
    b.category("staff_group", schema.STAFF_GROUPS)
    b.category("grade", inst.grades, what="the institution's grades")
    b.likert()
    for item in schema.AWARENESS_ITEMS:
        b.category(item, schema.YES_NO, null_level=None)


def _events(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("event_date")
    b.category("event_type", schema.EVENT_TYPES)
    b.category("role", schema.EVENT_ROLES)


def _registrations(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("application_date")
    b.date_range("registered_date")
    b.category("register", schema.REGISTERS)
    b.category("status", schema.REGISTRATION_STATUSES)
    b.derived_true(
        "qc_registered_not_before_applied", CRITICAL, "registered_date not before application_date",
        ("register", "application_date", "registered_date"),
    )
    b.derived_true(
        "qc_registered_has_date", WARNING, "status registered has a registered_date",
        ("register", "status", "application_date"),
    )


def _activity_log(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("date")


def _training(b: _SuiteBuilder, inst: Institution, year: int) -> None:
    b.date_range("completed_date")
    b.not_null("course", WARNING)


_SPECIFIC = {
    "hr_staff": _hr_staff,
    "hr_leavers": _hr_leavers,
    "hr_promotions": _hr_promotions,
    "destinations_survey": _destinations,
    "motivation_survey": _motivation,
    "motivation_ambitions": _motivation_long,
    "motivation_comment_themes": _motivation_long,
    "staff_survey": _staff_survey,
    "events": _events,
    "registrations": _registrations,
    "activity_log": _activity_log,
    "training": _training,
}


def suite_specs(
    institution: Institution, year: int, data_end_year: int | None = None
) -> dict[str, list[Check]]:
    """The checks of every processed dataset for one institution and reporting year.

    Grades, job families and divisions come from the institution's configuration; the
    other canonical values from `pipeline.schema`. No date may fall after 31 December of
    `data_end_year` (critical; default `year`): the validator passes the latest census year
    when it is later, because the cleaning keeps every year of the export and a rerun of
    an earlier reporting year must not stop on the later years' rows, which its reports
    ignore.
    """
    end_year = max(year, data_end_year or year)
    missing = set(schema.PROCESSED_COLUMNS) - set(_SPECIFIC)
    if missing:  # a dataset added to the schema needs its suite here
        raise KeyError(f"No expectation suite for processed dataset(s): {sorted(missing)}")
    specs = {}
    for dataset in schema.PROCESSED_COLUMNS:
        builder = _SuiteBuilder(dataset, end_year)
        _common(builder, year)
        _SPECIFIC[dataset](builder, institution, year)
        specs[dataset] = builder.checks
    return specs
