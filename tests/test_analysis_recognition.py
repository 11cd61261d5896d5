"""Professional registration metrics on a small constructed table."""

from __future__ import annotations

import pandas as pd
import pytest
from metric_checks import metric_row as value
from metric_checks import typed

from pipeline.analysis import recognition as rec
from pipeline.schema import REGISTERS


def application(person, register, applied, status="applied", registered=None, cohort=None):
    return {
        "person_id": person, "register": register, "application_date": applied,
        "status": status, "registered_date": registered, "cohort": cohort,
    }


@pytest.fixture
def registrations() -> pd.DataFrame:
    return typed(
        [
            # Pilot cohort of 2021: two registered (one in 2021, one in 2022), one withdrew.
            application("a", "RSciTech", "2021-03-01", "registered", "2021-11-01", "pilot"),
            application("b", "RSci", "2021-03-01", "registered", "2022-02-01", "pilot"),
            application("c", "RSciTech", "2021-03-01", "withdrawn", None, "pilot"),
            # 2022 and 2023 applications, no cohort.
            application("d", "RITTech", "2022-05-01", "registered", "2022-12-01"),
            application("e", "CSci", "2023-01-15"),
            application("f", "REnvTech", "2023-06-01", "registered", "2023-09-01"),
        ],
        "registrations",
    )




def test_applicants_any_status_in_year(registrations):
    metrics = rec.recognition_year_metrics(registrations, 2021)
    assert value(metrics, "registrations.applicants")["value"] == 3
    assert value(metrics, "registrations.applicants", "register=RSciTech")["value"] == 2
    assert value(metrics, "registrations.applicants", "register=CSci")["value"] == 0
    assert value(metrics, "registrations.applicants", "cohort=pilot")["value"] == 3


def test_registered_counted_in_year_of_registered_date(registrations):
    metrics = rec.recognition_year_metrics(registrations, 2022)
    assert value(metrics, "registrations.registered")["value"] == 2
    assert value(metrics, "registrations.registered", "register=RSci")["value"] == 1
    assert value(metrics, "registrations.registered", "register=RITTech")["value"] == 1
    assert value(metrics, "registrations.applicants")["value"] == 1


def test_every_register_has_a_row(registrations):
    metrics = rec.recognition_year_metrics(registrations, 2023)
    groups = set(metrics.loc[metrics["metric"] == "registrations.registered", "group"])
    assert {f"register={r}" for r in REGISTERS} <= groups
    assert value(metrics, "registrations.registered", "register=REnvTech")["value"] == 1


def test_cohort_share_registered_by_end_of_year(registrations):
    first = value(rec.recognition_year_metrics(registrations, 2021),
                  "registrations.cohort_registered_share", "cohort=pilot")
    assert (first["numerator"], first["denominator"]) == (1, 3)
    later = value(rec.recognition_year_metrics(registrations, 2022),
                  "registrations.cohort_registered_share", "cohort=pilot")
    assert (later["numerator"], later["denominator"]) == (2, 3)
    progress = rec.cohort_progress(registrations, 2022).set_index("cohort")
    assert progress.loc["pilot"].tolist() == [3, 2, 1, 0]


def test_registrations_by_register_table(registrations):
    table = rec.registrations_by_register(registrations, [2021, 2022, 2023], "registered")
    assert list(table.columns) == [2021, 2022, 2023]
    assert table.loc["RSciTech"].tolist() == [1, 0, 0]
    assert table.loc["Total"].tolist() == [1, 2, 1]


def test_missing_column_is_named(registrations):
    with pytest.raises(KeyError, match="'registrations'.*'registered_date'"):
        rec.recognition_year_metrics(registrations.drop(columns="registered_date"), 2023)
