"""Cleaning events attendance, professional registrations and training records."""

from __future__ import annotations

import pandas as pd

from pipeline.cleaning.common import (
    CleaningContext,
    conform,
    drop_exact_duplicates,
    parse_date_column,
    person_ids,
    pseudonymise_ids,
    strip_text,
    year_of,
)
from pipeline.cleaning.log import CleaningLog
from pipeline.cleaning.mappings import map_values, normalise_key
from pipeline.schema import EVENT_ROLES, EVENT_TYPES, REGISTERS, REGISTRATION_STATUSES


def is_internal(institutions: pd.Series, internal_names: tuple[str, ...]) -> pd.Series:
    """True when `attendee_institution` is one of ours (case and spacing ignored).

    A blank institution is False: the attendee cannot be shown to be internal.
    """
    ours = {normalise_key(name) for name in internal_names}
    flags = [pd.notna(name) and normalise_key(name) in ours for name in institutions]
    return pd.Series(flags, index=institutions.index, dtype="boolean")


def clean_events(raw: pd.DataFrame, ctx: CleaningContext) -> tuple[pd.DataFrame, CleaningLog]:
    """Attendance rows -> `events`; e-mails lower-cased and pseudonymised into `person_id`."""
    log = ctx.new_log("events", raw)
    raw = drop_exact_duplicates(raw, log)
    event_date = parse_date_column(raw["event_date"], column="event_date", log=log)
    institution = strip_text(raw["attendee_institution"])
    frame = pd.DataFrame(
        {
            "event_id": strip_text(raw["event_id"]),
            "event_name": strip_text(raw["event_name"]),
            "event_date": event_date,
            "event_year": year_of(event_date),
            "event_type": map_values(raw["event_type"], "event_types", column="event_type",
                                     log=log, allowed=EVENT_TYPES),
            "person_id": pseudonymise_ids(raw["attendee_email"].astype("string").str.lower(),
                                      ctx.salt),
            "attendee_institution": institution,
            "is_internal": is_internal(institution, ctx.institution.internal_institutions),
            "role": map_values(raw["role"], "roles", column="role", log=log, allowed=EVENT_ROLES),
        }
    )
    out = conform(frame, "events")
    log.rows_out = len(out)
    return out, log


def clean_registrations(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[pd.DataFrame, CleaningLog]:
    """Applications for professional registration -> `registrations`."""
    log = ctx.new_log("registrations", raw)
    raw = drop_exact_duplicates(raw, log)
    frame = pd.DataFrame(
        {
            "person_id": person_ids(raw["staff_id"], ctx, log),
            "register": map_values(raw["register"], "registers", column="register", log=log,
                                   allowed=REGISTERS),
            "application_date": parse_date_column(
                raw["application_date"], column="application_date", log=log
            ),
            "status": map_values(raw["status"], "registration_statuses", column="status",
                                 log=log, allowed=REGISTRATION_STATUSES),
            "registered_date": parse_date_column(
                raw["registered_date"], column="registered_date", log=log
            ),
            "cohort": strip_text(raw["cohort"]),
        }
    )
    out = conform(frame, "registrations")
    log.rows_out = len(out)
    return out, log


def clean_training(raw: pd.DataFrame, ctx: CleaningContext) -> tuple[pd.DataFrame, CleaningLog]:
    """Course completions -> `training`."""
    log = ctx.new_log("training", raw)
    raw = drop_exact_duplicates(raw, log)
    completed = parse_date_column(raw["completed_date"], column="completed_date", log=log)
    frame = pd.DataFrame(
        {
            "person_id": person_ids(raw["staff_id"], ctx, log),
            "course": strip_text(raw["course"]),
            "provider": strip_text(raw["provider"]),
            "completed_date": completed,
            "completed_year": year_of(completed),
            "category": strip_text(raw["category"]),
        }
    )
    out = conform(frame, "training")
    log.rows_out = len(out)
    return out, log
