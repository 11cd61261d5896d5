"""Recognition analysis: professional registration (applications, registrations, cohorts).

Pure functions of the processed `registrations` table; the export is the Technician
Commitment coordinator's record, so every row is taken to be a technical staff member's
(the table has no job family). Readings: `docs/qa/assumptions.md`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipeline.analysis.workforce import (
    breakdown_counts,
    categories,
    date_in_year,
    flag,
    require_columns,
    rows_by,
)
from pipeline.metrics import count_row, group_key, metrics_frame, share_row
from pipeline.schema import REGISTERS

REGISTRATION_COLUMNS = ("person_id", "register", "application_date", "status", "registered_date",
                        "cohort")
REGISTERED = "registered"


def applications_in(registrations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Applications made in `year` (any status)."""
    require_columns(registrations, "registrations", REGISTRATION_COLUMNS)
    return registrations[date_in_year(registrations["application_date"], year)]


def registrations_in(registrations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Registrations achieved in `year`: status `registered` and `registered_date` in `year`."""
    require_columns(registrations, "registrations", REGISTRATION_COLUMNS)
    mask = flag(registrations["status"] == REGISTERED) & date_in_year(
        registrations["registered_date"], year
    )
    return registrations[mask]


def cohorts(registrations: pd.DataFrame) -> list[str]:
    """Cohorts named anywhere in the table (blank = not in a cohort), sorted."""
    return sorted(str(c) for c in registrations["cohort"].dropna().unique() if str(c).strip())


def cohort_progress(registrations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per cohort, applications made by the end of `year` and how many were registered by then.

    Columns: cohort, applicants, registered, withdrawn, in_progress.
    """
    require_columns(registrations, "registrations", REGISTRATION_COLUMNS)
    applied = registrations[
        flag(pd.to_datetime(registrations["application_date"]).dt.year <= year)
    ]
    registered_by = flag(applied["status"] == REGISTERED) & flag(
        pd.to_datetime(applied["registered_date"]).dt.year <= year
    )
    withdrawn = flag(applied["status"] == "withdrawn")
    records = []
    for cohort in cohorts(registrations):
        in_cohort = flag(applied["cohort"] == cohort)
        n = int(in_cohort.sum())
        done = int((in_cohort & registered_by).sum())
        gone = int((in_cohort & withdrawn).sum())
        records.append(
            {"cohort": cohort, "applicants": n, "registered": done, "withdrawn": gone,
             "in_progress": n - done - gone}
        )
    return pd.DataFrame(
        records, columns=["cohort", "applicants", "registered", "withdrawn", "in_progress"]
    )


def recognition_year_metrics(registrations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Registration metrics of one year (plain groups).

    `registrations.applicants` and `registrations.registered`: total, by `register=`
    (every canonical register, zeros included) and by `cohort=` (every cohort in the table);
    `registrations.cohort_registered_share` by `cohort=`: of the cohort's applications made
    by the end of the year, the share registered by then.
    """
    applied = applications_in(registrations, year)
    achieved = registrations_in(registrations, year)
    registers = categories(registrations["register"], REGISTERS)
    named_cohorts = cohorts(registrations)
    rows = []
    for metric, frame in (
        ("registrations.applicants", applied),
        ("registrations.registered", achieved),
    ):
        rows.append(count_row(metric, len(frame)))
        rows += breakdown_counts(metric, rows_by(frame, "register", registers), "register")
        in_cohorts = rows_by(frame, "cohort", named_cohorts)
        rows += breakdown_counts(metric, in_cohorts, "cohort")
    for record in cohort_progress(registrations, year).itertuples(index=False):
        rows.append(
            share_row(
                "registrations.cohort_registered_share",
                record.registered,
                record.applicants,
                group_key(cohort=record.cohort),
            )
        )
    return metrics_frame(rows)


def registrations_by_register(
    registrations: pd.DataFrame, years: Iterable[int], measure: str = "applicants"
) -> pd.DataFrame:
    """Applications (or registrations, `measure="registered"`): register x years, plus Total."""
    select = {"applicants": applications_in, "registered": registrations_in}
    if measure not in select:
        raise ValueError(f"registrations_by_register: measure must be one of {list(select)}")
    years = sorted(set(years))
    registers = categories(registrations["register"], REGISTERS)
    table = pd.DataFrame(
        {y: rows_by(select[measure](registrations, y), "register", registers) for y in years},
        index=pd.Index(registers, name="register"),
    )
    table.loc["Total"] = table.sum()
    return table.astype(int)
