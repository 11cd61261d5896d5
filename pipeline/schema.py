"""The data contract in code: raw datasets, their columns, PII, and the processed tables.

`docs/data-contract.md` (a copy of the shared contract) is the source; this module is
what the code reads.
Processed tables never hold a column marked PII: staff IDs and e-mails become
`person_id` (a salted pseudonym, see `pipeline.privacy.pseudonymise`), names are dropped.
"""

from __future__ import annotations

DATASETS: tuple[str, ...] = (
    "hr_staff",
    "hr_leavers",
    "hr_promotions",
    "destinations_survey",
    "motivation_survey",
    "staff_survey",
    "events",
    "registrations",
    "activity_log",
    "training",
)

MOTIVATION_ITEMS = tuple(f"m{i:02d}" for i in range(1, 13))
STAFF_SURVEY_ITEMS = tuple(f"s{i:02d}" for i in range(1, 21))
AWARENESS_ITEMS = (
    "aw_careers_advice", "aw_promotion_criteria", "aw_mentoring", "aw_future_leaders",
)

# Canonical raw columns per dataset, in contract order.
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "hr_staff": (
        "census_date", "staff_id", "full_name", "email", "job_family", "job_title", "grade",
        "division", "contract_type", "fte", "start_date", "gender", "ethnicity", "disability",
        "age_band",
    ),
    "hr_leavers": (
        "staff_id", "full_name", "leave_date", "grade", "job_family", "division", "contract_type",
        "start_date", "leaving_reason", "exit_questionnaire_completed",
    ),
    "hr_promotions": ("staff_id", "effective_date", "from_grade", "to_grade"),
    "destinations_survey": (
        "response_id", "staff_id", "left_year", "former_grade", "destination_job_title",
        "destination_employer", "destination_sector", "still_in_science", "reason_for_leaving",
    ),
    "motivation_survey": (
        "response_id", "submitted_at", "grade", "division", "gender", "years_in_role",
        *MOTIVATION_ITEMS, "ambitions", "comments",
    ),
    "staff_survey": (
        "response_id", "survey_year", "staff_group", "grade", *STAFF_SURVEY_ITEMS,
        *AWARENESS_ITEMS,
    ),
    "events": (
        "event_id", "event_name", "event_date", "event_type", "attendee_email",
        "attendee_institution", "role",
    ),
    "registrations": (
        "staff_id", "register", "application_date", "status", "registered_date", "cohort",
    ),
    "activity_log": ("action_id", "date", "activity", "metric", "value", "notes"),
    "training": ("staff_id", "course", "provider", "completed_date", "category"),
}

# Columns that may be absent or blank in a raw file without failing the run.
OPTIONAL_RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "destinations_survey": ("staff_id", "destination_sector"),
    "motivation_survey": ("comments",),
    "activity_log": ("notes", "metric", "value"),
}

# Personal data (contract section 2, marked *). Never in data/processed/ or reports/.
PII_COLUMNS: dict[str, tuple[str, ...]] = {
    "hr_staff": ("staff_id", "full_name", "email"),
    "hr_leavers": ("staff_id", "full_name"),
    "hr_promotions": ("staff_id",),
    "destinations_survey": ("staff_id",),
    "motivation_survey": ("comments",),
    "events": ("attendee_email",),
    "registrations": ("staff_id",),
    "training": ("staff_id",),
}

# Canonical category values (contract section 2, "Canonical values").
TECHNICAL_JOB_FAMILIES = (
    "Scientific Officer", "Analytical Scientist", "Staff Scientist", "Research Management",
    "Biological Services Unit",
)
JOB_FAMILIES = (*TECHNICAL_JOB_FAMILIES, "Academic", "Postdoctoral", "Professional Services")
SO_GRADES = ("SO1", "SO2", "SO3", "SO4", "SO5")
OTHER_GRADES = (*(f"Band {i}" for i in range(1, 10)), "Faculty")
CONTRACT_TYPES = ("Open-ended", "Fixed-term")
GENDERS = ("Female", "Male", "Non-binary", "Prefer not to say")
LEAVING_REASONS = (
    "End of contract", "Resignation", "Retirement", "Redundancy", "Dismissal", "Other",
)
LIKERT = {
    "Strongly disagree": 1, "Disagree": 2, "Neither agree nor disagree": 3, "Agree": 4,
    "Strongly agree": 5,
}
DONT_KNOW = "Don't know"
YES_NO = ("Yes", "No", "Not sure")
STAFF_GROUPS = ("technical", "other")
SECTORS = (
    "academia", "industry", "healthcare", "government", "charity", "further study",
    "non-science", "unknown",
)
EVENT_TYPES = ("conference", "network", "forum", "public engagement", "training")
EVENT_ROLES = ("attendee", "presenter", "organiser")
REGISTERS = ("RSciTech", "RSci", "CSci", "RITTech", "REnvTech", "other")
REGISTRATION_STATUSES = ("applied", "registered", "withdrawn")

# Processed tables (data/processed/<year>/<dataset>.parquet): columns and pandas dtypes.
# Dates are datetime64[ns] (normalised to midnight); categories are plain strings
# holding canonical values; Likert items are Int64 codes 1..5 with <NA> for
# "Don't know" or blank; yes/no items are strings ("Yes"/"No"/"Not sure") or <NA>.
PROCESSED_COLUMNS: dict[str, dict[str, str]] = {
    "hr_staff": {
        "census_date": "datetime64[ns]", "census_year": "Int64", "person_id": "string",
        "job_family": "string", "job_title": "string", "grade": "string", "division": "string",
        "contract_type": "string", "fte": "float64", "start_date": "datetime64[ns]",
        "gender": "string", "ethnicity": "string", "disability": "string",
        "age_band": "string", "is_technical": "boolean",
    },
    "hr_leavers": {
        "person_id": "string", "leave_date": "datetime64[ns]", "leave_year": "Int64",
        "grade": "string", "job_family": "string", "division": "string",
        "contract_type": "string", "start_date": "datetime64[ns]", "leaving_reason": "string",
        "exit_questionnaire_completed": "boolean", "is_technical": "boolean",
    },
    "hr_promotions": {
        "person_id": "string", "effective_date": "datetime64[ns]", "effective_year": "Int64",
        "from_grade": "string", "to_grade": "string",
    },
    "destinations_survey": {
        "response_id": "string", "person_id": "string", "left_year": "Int64",
        "former_grade": "string", "destination_job_title": "string",
        "destination_employer": "string", "destination_sector": "string",
        "sector_source": "string",  # "reported" (given in the file) or "classified" (rules)
        "still_in_science": "string", "reason_for_leaving": "string",
    },
    "motivation_survey": {
        "response_id": "string", "submitted_at": "datetime64[ns]", "survey_year": "Int64",
        "grade": "string", "division": "string", "gender": "string", "years_in_role": "string",
        **{item: "Int64" for item in MOTIVATION_ITEMS},
    },
    # Long tables split from motivation_survey: one row per answer chosen / theme found.
    "motivation_ambitions": {"response_id": "string", "survey_year": "Int64", "ambition": "string"},
    "motivation_comment_themes": {
        "response_id": "string", "survey_year": "Int64", "theme": "string",
    },
    "staff_survey": {
        "response_id": "string", "survey_year": "Int64", "staff_group": "string",
        "grade": "string",
        **{item: "Int64" for item in STAFF_SURVEY_ITEMS},
        **{item: "string" for item in AWARENESS_ITEMS},
    },
    "events": {
        "event_id": "string", "event_name": "string", "event_date": "datetime64[ns]",
        "event_year": "Int64", "event_type": "string", "person_id": "string",
        "attendee_institution": "string", "is_internal": "boolean", "role": "string",
    },
    "registrations": {
        "person_id": "string", "register": "string", "application_date": "datetime64[ns]",
        "status": "string", "registered_date": "datetime64[ns]", "cohort": "string",
    },
    "activity_log": {
        "action_id": "string", "date": "datetime64[ns]", "year": "Int64", "activity": "string",
        "metric": "string", "value": "float64", "notes": "string",
    },
    "training": {
        "person_id": "string", "course": "string", "provider": "string",
        "completed_date": "datetime64[ns]", "completed_year": "Int64", "category": "string",
    },
}

METRICS_COLUMNS = ("metric", "group", "value", "numerator", "denominator", "suppressed")
