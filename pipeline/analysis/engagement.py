"""Engagement analysis: events (attendance, presenters, cross-institutional) and training.

Pure functions of the processed `events`, `training` and `hr_staff` tables. A person is
counted once per event however many roles they held. Blank `person_id` (no e-mail in the
export) cannot be told apart, so such rows are not counted. Readings: `docs/qa/assumptions.md`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipeline.analysis.workforce import (
    categories,
    distinct_by,
    flag,
    in_year,
    require_columns,
    rows_by,
    technical_census,
)
from pipeline.metrics import count_row, group_key, metrics_frame, share_row
from pipeline.schema import CONTRACT_TYPES, EVENT_TYPES

EVENT_COLUMNS = (
    "event_id", "event_name", "event_date", "event_year", "event_type", "person_id",
    "attendee_institution", "is_internal", "role",
)
TRAINING_COLUMNS = ("person_id", "completed_year", "category")
CONFERENCE = "conference"
PUBLIC_ENGAGEMENT = "public engagement"
PRESENTER = "presenter"

Row = dict[str, object]


def events_in(events: pd.DataFrame, year: int) -> pd.DataFrame:
    """Event participation rows of events held in `year`."""
    require_columns(events, "events", EVENT_COLUMNS)
    return events[in_year(events["event_year"], year)]


def internal(events: pd.DataFrame) -> pd.Series:
    """Mask: the participant is from the institution (cleaning set `is_internal` from config)."""
    return flag(events["is_internal"])


def external(events: pd.DataFrame) -> pd.Series:
    """Mask: the participant is from another, named institution (blank institution: unknown)."""
    named = flag(events["attendee_institution"].astype("string").str.strip() != "")
    return ~internal(events) & named


def event_order(events: pd.DataFrame) -> list[str]:
    """Event ids by date, then id."""
    firsts = events.groupby("event_id", dropna=True)["event_date"].min()
    return [str(e) for e in firsts.sort_values(kind="stable").index]


def cross_institutional_events(events: pd.DataFrame) -> list[str]:
    """Events (not public engagement) with at least one participant from another institution.

    This is how actions 3b and 4f are recognised: events run with or open to partners.
    """
    mask = external(events) & flag(events["event_type"] != PUBLIC_ENGAGEMENT)
    ids = set(events.loc[mask, "event_id"].dropna().astype(str))
    return [e for e in event_order(events) if e in ids]


def per_event_rows(metric: str, frame: pd.DataFrame, event_ids: Iterable[str]) -> list[Row]:
    """Total (distinct people across the events) and one `event_id=` row per event."""
    frame = frame[flag(frame["event_id"].isin(list(event_ids)))]
    rows = [count_row(metric, int(frame["person_id"].nunique()))]
    counts = distinct_by(frame, "event_id", list(event_ids))
    rows += [count_row(metric, n, group_key(event_id=e)) for e, n in counts.items()]
    return rows


def event_metrics(events: pd.DataFrame, year: int) -> pd.DataFrame:
    """Event metrics of one year (plain groups); see `docs/qa/assumptions.md`."""
    held = events_in(events, year)
    ids = event_order(held)
    ours = held[internal(held)]
    types = categories(held["event_type"], EVENT_TYPES)
    conference_ids = set(held.loc[flag(held["event_type"] == CONFERENCE), "event_id"].astype(str))
    conferences = [e for e in ids if e in conference_ids]
    # events.attendees has no total row: the contract defines it per event only.
    rows: list[Row] = per_event_rows("events.attendees", ours, ids)[1:]
    rows.append(count_row("events.participants", int(ours["person_id"].nunique())))
    rows.append(count_row("events.count", len(ids)))
    event_types = held.drop_duplicates("event_id")
    rows += [count_row("events.count", n, group_key(event_type=t))
             for t, n in rows_by(event_types, "event_type", types).items()]
    rows += [count_row("events.attendees_by_type", n, group_key(event_type=t))
             for t, n in distinct_by(ours, "event_type", types).items()]
    presenters = ours[flag(ours["role"] == PRESENTER)]
    rows += per_event_rows("events.presenters", presenters, conferences)
    rows += per_event_rows("events.external_attendees", held[external(held)], conferences)
    rows += per_event_rows(
        "events.cross_institutional_attendees", ours, cross_institutional_events(held)
    )
    public = ours[flag(ours["event_type"] == PUBLIC_ENGAGEMENT)]
    rows.append(count_row("events.public_engagement_participants",
                          int(public["person_id"].nunique())))
    return metrics_frame(rows)


def technical_people(hr_staff: pd.DataFrame, year: int) -> set[str]:
    """People who were technical staff at the census of `year` or of `year - 1`.

    The training export covers all staff and has no job family; a completion in `year` is a
    technical one when its person was technical at either census around it (so that leavers
    of the year still count).
    """
    staff = pd.concat([technical_census(hr_staff, year), technical_census(hr_staff, year - 1)])
    return set(staff["person_id"].dropna().astype(str))


def training_in(training: pd.DataFrame, hr_staff: pd.DataFrame, year: int) -> pd.DataFrame:
    """Course completions in `year` by technical staff (see `technical_people`)."""
    require_columns(training, "training", TRAINING_COLUMNS)
    technical = flag(training["person_id"].isin(technical_people(hr_staff, year)))
    return training[in_year(training["completed_year"], year) & technical]


def training_metrics(training: pd.DataFrame, hr_staff: pd.DataFrame, year: int) -> pd.DataFrame:
    """Training metrics of one year (plain groups), about technical staff.

    `training.completions` (total and by `category=`, every category in the table),
    `training.participants` (distinct people), and `training.uptake_rate`: technical staff at
    the census of `year` with a completion in `year` / technical headcount (also by
    `contract_type=`, for the second seed's fixed-term action).
    """
    done = training_in(training, hr_staff, year)
    cats = categories(training["category"])
    rows: list[Row] = [count_row("training.completions", len(done))]
    rows += [count_row("training.completions", n, group_key(category=c))
             for c, n in rows_by(done, "category", cats).items()]
    rows.append(count_row("training.participants", int(done["person_id"].nunique())))
    staff = technical_census(hr_staff, year)
    staff = staff.assign(_trained=flag(staff["person_id"].isin(set(done["person_id"].dropna()))))
    rows.append(share_row("training.uptake_rate", uptake(staff), int(staff["person_id"].nunique())))
    for contract in CONTRACT_TYPES:
        subset = staff[flag(staff["contract_type"] == contract)]
        n_staff = int(subset["person_id"].nunique())
        group = group_key(contract_type=contract)
        rows.append(share_row("training.uptake_rate", uptake(subset), n_staff, group))
    return metrics_frame(rows)


def uptake(staff: pd.DataFrame) -> int:
    """Distinct people of a census selection flagged `_trained`."""
    return int(staff.loc[staff["_trained"], "person_id"].nunique())


def engagement_year_metrics(
    events: pd.DataFrame, training: pd.DataFrame, hr_staff: pd.DataFrame, year: int
) -> pd.DataFrame:
    """All event and training metrics of one year, plain groups."""
    return pd.concat(
        [event_metrics(events, year), training_metrics(training, hr_staff, year)],
        ignore_index=True,
    )


# ---------------------------------------------------------------------------------------------
# Display helpers
# ---------------------------------------------------------------------------------------------


def events_table(events: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per event held in `year`, by date.

    Columns: event_id, event_name, event_type, event_date, internal_attendees,
    internal_presenters, external_attendees, cross_institutional.
    """
    held = events_in(events, year)
    ids = event_order(held)
    ours = held[internal(held)]
    first = held.drop_duplicates("event_id").set_index("event_id")
    attendees = distinct_by(ours, "event_id", ids)
    presenters = distinct_by(ours[flag(ours["role"] == PRESENTER)], "event_id", ids)
    externals = distinct_by(held[external(held)], "event_id", ids)
    cross = set(cross_institutional_events(held))
    records = [
        {
            "event_id": e, "event_name": first.at[e, "event_name"],
            "event_type": first.at[e, "event_type"], "event_date": first.at[e, "event_date"],
            "internal_attendees": attendees[e], "internal_presenters": presenters[e],
            "external_attendees": externals[e], "cross_institutional": e in cross,
        }
        for e in ids
    ]
    columns = ["event_id", "event_name", "event_type", "event_date", "internal_attendees",
               "internal_presenters", "external_attendees", "cross_institutional"]
    return pd.DataFrame(records, columns=columns)


def training_by_category(
    training: pd.DataFrame, hr_staff: pd.DataFrame, years: Iterable[int]
) -> pd.DataFrame:
    """Course completions by technical staff: category x years, plus Total."""
    years = sorted(set(years))
    require_columns(training, "training", TRAINING_COLUMNS)
    cats = categories(training["category"])
    table = pd.DataFrame(
        {y: rows_by(training_in(training, hr_staff, y), "category", cats) for y in years},
        index=pd.Index(cats, name="category"),
    )
    table.loc["Total"] = table.sum()
    return table.astype(int)
