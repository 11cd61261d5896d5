"""Event and training metrics on small constructed tables."""

from __future__ import annotations

import pandas as pd
import pytest
from metric_checks import metric_row as value
from metric_checks import typed

from pipeline.analysis import engagement as eng


def at(event_id, event_type, date, person, institution="ICR", role="attendee"):
    return {
        "event_id": event_id, "event_name": f"Event {event_id}", "event_date": date,
        "event_year": int(date[:4]), "event_type": event_type, "person_id": person,
        "attendee_institution": institution, "is_internal": institution == "ICR",
        "role": role,
    }


@pytest.fixture
def events() -> pd.DataFrame:
    return typed(
        [
            # Technical conference: 3 internal people (one twice: attendee and presenter),
            # 2 presenters, 2 external attendees.
            at("C1", "conference", "2023-11-10", "a"),
            at("C1", "conference", "2023-11-10", "a", role="presenter"),
            at("C1", "conference", "2023-11-10", "b", role="presenter"),
            at("C1", "conference", "2023-11-10", "c"),
            at("C1", "conference", "2023-11-10", "x", institution="Sanger"),
            at("C1", "conference", "2023-11-10", "y", institution="Crick"),
            # Network event with a partner: cross-institutional.
            at("N1", "network", "2023-03-01", "a"),
            at("N1", "network", "2023-03-01", "d"),
            at("N1", "network", "2023-03-01", "w", institution="Crick", role="organiser"),
            # Internal forum; a participant of unknown institution is not external.
            at("F1", "forum", "2023-05-01", "b"),
            at("F1", "forum", "2023-05-01", "v", institution=None),
            # Public engagement with members of the public: not cross-institutional.
            at("P1", "public engagement", "2023-07-01", "c"),
            at("P1", "public engagement", "2023-07-01", "d"),
            at("P1", "public engagement", "2023-07-01", "u", institution="Local school"),
            # Last year's conference.
            at("C0", "conference", "2022-11-10", "a"),
        ],
        "events",
    )


@pytest.fixture
def training() -> pd.DataFrame:
    rows = [("a", 2023, "Technical"), ("a", 2023, "Leadership"), ("d", 2023, "Technical"),
            ("b", 2022, "EDI"),
            ("g", 2023, "EDI"),  # technical at the 2022 census only: left in 2023, counts
            ("q", 2023, "Technical")]  # not technical staff: not counted
    return typed(
        [{"person_id": p, "completed_year": y, "completed_date": f"{y}-04-01", "category": c,
          "course": "c", "provider": "p"} for p, y, c in rows],
        "training",
    )


@pytest.fixture
def hr_staff() -> pd.DataFrame:
    people = [(2023, "a", "Open-ended", True), (2023, "b", "Open-ended", True),
              (2023, "c", "Fixed-term", True), (2023, "d", "Fixed-term", True),
              (2023, "q", "Open-ended", False), (2022, "b", "Open-ended", True),
              (2022, "g", "Fixed-term", True)]
    return typed(
        [{"census_year": y, "census_date": f"{y}-12-31", "person_id": p, "grade": "SO2",
          "division": "Cancer Biology", "contract_type": ct, "fte": 1.0, "gender": "Female",
          "is_technical": tech} for y, p, ct, tech in people],
        "hr_staff",
    )




def test_attendees_are_distinct_internal_people_per_event(events):
    metrics = eng.event_metrics(events, 2023)
    assert value(metrics, "events.attendees", "event_id=C1")["value"] == 3
    assert value(metrics, "events.attendees", "event_id=N1")["value"] == 2
    assert value(metrics, "events.attendees", "event_id=F1")["value"] == 1
    assert "event_id=C0" not in set(metrics["group"])
    # Per event only: the contract defines no total for events.attendees.
    assert "" not in set(metrics.loc[metrics["metric"] == "events.attendees", "group"])
    assert value(metrics, "events.participants")["value"] == 4


def test_presenters_and_external_attendees_at_conferences(events):
    metrics = eng.event_metrics(events, 2023)
    assert value(metrics, "events.presenters", "event_id=C1")["value"] == 2
    assert value(metrics, "events.external_attendees", "event_id=C1")["value"] == 2
    assert value(metrics, "events.external_attendees")["value"] == 2
    assert "event_id=N1" not in set(
        metrics.loc[metrics["metric"] == "events.presenters", "group"]
    )


def test_cross_institutional_events_exclude_public_engagement_and_unknowns(events):
    held = events[events["event_year"] == 2023]
    assert eng.cross_institutional_events(held) == ["N1", "C1"]  # by date
    metrics = eng.event_metrics(events, 2023)
    # Distinct internal people at N1 (a, d) and C1 (a, b, c).
    assert value(metrics, "events.cross_institutional_attendees")["value"] == 4
    assert value(metrics, "events.cross_institutional_attendees", "event_id=N1")["value"] == 2


def test_public_engagement_and_types(events):
    metrics = eng.event_metrics(events, 2023)
    assert value(metrics, "events.public_engagement_participants")["value"] == 2
    assert value(metrics, "events.count")["value"] == 4
    assert value(metrics, "events.count", "event_type=training")["value"] == 0
    assert value(metrics, "events.attendees_by_type", "event_type=conference")["value"] == 3


def test_events_table(events):
    table = eng.events_table(events, 2023).set_index("event_id")
    assert list(table.index) == ["N1", "F1", "P1", "C1"]
    assert table.loc["C1", ["internal_attendees", "internal_presenters",
                            "external_attendees"]].tolist() == [3, 2, 2]
    assert table["cross_institutional"].tolist() == [True, False, False, True]


def test_training_completions_participants_and_uptake(training, hr_staff):
    metrics = eng.training_metrics(training, hr_staff, 2023)
    assert value(metrics, "training.completions")["value"] == 4
    assert value(metrics, "training.completions", "category=Technical")["value"] == 2
    assert value(metrics, "training.completions", "category=EDI")["value"] == 1
    assert value(metrics, "training.completions", "category=Leadership")["value"] == 1
    assert value(metrics, "training.participants")["value"] == 3
    # Uptake is among the 2023 census: a and d of a, b, c, d (g left, q is not technical).
    uptake = value(metrics, "training.uptake_rate")
    assert (uptake["numerator"], uptake["denominator"]) == (2, 4)
    fixed = value(metrics, "training.uptake_rate", "contract_type=Fixed-term")
    assert (fixed["numerator"], fixed["denominator"]) == (1, 2)


def test_training_by_category_table(training, hr_staff):
    table = eng.training_by_category(training, hr_staff, [2022, 2023])
    assert table.loc["EDI"].tolist() == [1, 1]
    assert table.loc["Total"].tolist() == [1, 4]


def test_no_events_in_year_gives_zero_counts(events, training, hr_staff):
    metrics = eng.event_metrics(events, 2019)
    assert value(metrics, "events.count")["value"] == 0
    assert value(metrics, "events.public_engagement_participants")["value"] == 0
    assert not (metrics["metric"] == "events.attendees").any()
