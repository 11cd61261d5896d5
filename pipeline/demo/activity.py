"""True `activity_log` rows: evidence the coordinator logged for each action.

ICR (first seed, actions `1a`..`4f`) writes these metrics (activity_log.metric):
`mailing_list_members` (1a), `intranet_profiles` (1b), `photography_entries` (1c),
`public_engagement_so_participants` (1d), `pilot_applicants` (2a), `registration_articles`
(2c), `so_presenters_icr_conference` (2e), `newsletters_issued` (3a: one row per issue,
value 1; 4 in 2021 and 2022, 3 in 2023), `rits_so_attendees` (3b),
`future_leaders_so_applicants` (3f), `linkedin_members_so_alumni` and
`linkedin_members_research_technicians` (3h: one row per group per year 2020-2023, the
first group grows over 10% a year, the second less), `steering_group_members` and
`steering_group_meetings` (4a), `motivation_survey_responses` (4c),
`exit_questionnaire_completion_rate` (4d, share 0..1), `external_attendees_technical_conference`
(4f). Rows without a metric record an activity (2b, 3d, 3e, 3g, 3j, 4b, 4e).
Actions with no evidence at all (the scorecard shows `no_data`): 2d, 3c, 3i.

Imperial (second seed; ids: pillar letter and number in seed order, NEW ones included,
`BAU1`..`BAU6` for "complete or business as usual"): `network_event_attendees` (V1),
`portal_case_studies` (V2), `newsletters_issued` (V3, bi-monthly, and BAU1 quarterly),
`social_media_posts` (V4), `photos_added` (V5), exhibition held (V6, 2023),
`registration_support_sessions` (R1), `external_award_nominations` (R2),
`job_descriptions_with_registration` (R3), `star_framework_applicants` (R5),
`rittech_renvtech_applicants` (R6), `technical_mentors` (C1), `conference_bursaries` (C3),
`shadowing_placements` (C5), `apprenticeship_levy_staff` (C6), `laboratory_apprentices` (S1),
`edi_training_completions` (S4), `outreach_events` (S5), `role_model_features` (BAU3).
No evidence: R4, C4, S2.
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import Institution

Row = tuple[str, pd.Timestamp, str, str | None, float | None, str | None]


def _d(year: int, month: int, day: int) -> pd.Timestamp:
    return pd.Timestamp(year, month, day)


def _per_year(action: str, years, month: int, activity: str, metric: str | None,
              values: dict[int, float] | None = None, notes: str | None = None) -> list[Row]:
    """One row per year that has a value (or every year when there are no values)."""
    out = []
    for year in years:
        if values is not None and year not in values:
            continue
        value = None if values is None else float(values[year])
        out.append((action, _d(year, month, 1), activity, metric, value, notes))
    return out


def _issues(action: str, years, per_year: dict[int, int], activity: str) -> list[Row]:
    """One row per newsletter issue, spread evenly over the year."""
    out = []
    for year in years:
        n = per_year.get(year, 0)
        for k in range(n):
            month = 1 + (12 * (k + 1)) // n - 1
            out.append((action, _d(year, month, 15), f"{activity} issue {k + 1}",
                        "newsletters_issued", 1.0, None))
    return out


def _icr_rows(years, facts: dict[str, dict[int, float]]) -> list[Row]:
    plan_years = [y for y in years if y >= 2021]
    rows: list[Row] = []
    rows += _per_year("1a", plan_years, 2, "Technician Commitment mailing list updated",
                      "mailing_list_members", facts["mailing_list"])
    rows += _per_year("1b", plan_years, 12, "SO features in the 'In Profile' section",
                      "intranet_profiles", {2021: 3, 2022: 5, 2023: 6})
    rows += _per_year("1c", plan_years, 7, "SO photography competition run",
                      "photography_entries", {2021: 18, 2022: 26, 2023: 31})
    rows += _per_year("1d", years, 12, "Public engagement data reported at SO conference",
                      "public_engagement_so_participants", facts["public_engagement"])
    rows += _per_year("2a", plan_years, 3, "Pilot professional registration programme launched",
                      "pilot_applicants", {2021: 6})
    rows += _per_year("2b", [y for y in plan_years if y == 2022], 5,
                      "Pilot feedback shared with the SO community", None,
                      notes="Article on the intranet")
    rows += _per_year("2c", plan_years, 4, "Registration information in the newsletter",
                      "registration_articles", {2021: 2, 2022: 3, 2023: 3})
    rows += _per_year("2e", years, 7, "SO presenters at the ICR Conference",
                      "so_presenters_icr_conference", facts["so_presenters"])
    rows += _issues("3a", plan_years, {2021: 4, 2022: 4, 2023: 3}, "Quarterly SO newsletter")
    rows += _per_year("3b", years, 12, "RITS cross-institutional event", "rits_so_attendees",
                      facts["rits"])
    rows += _per_year("3d", plan_years, 2, "Careers advice advertised in training bulletin", None)
    rows += _per_year("3e", [y for y in plan_years if y >= 2022], 6,
                      "Mentoring scheme article timed with promotions call", None)
    rows += _per_year("3f", plan_years, 9, "Future Leaders programme promoted",
                      "future_leaders_so_applicants", {2021: 2, 2022: 3, 2023: 5})
    rows += _per_year("3g", [y for y in plan_years if y >= 2022], 9,
                      "Career celebration lecture at the Technical Conference", None)
    for year, (alumni, techs) in {2020: (180, 95), 2021: (200, 102), 2022: (225, 108),
                                  2023: (248, 115)}.items():
        if year in years:
            rows.append(("3h", _d(year, 12, 31), "LinkedIn group membership counted",
                         "linkedin_members_so_alumni", float(alumni), "SO and SO alumni group"))
            rows.append(("3h", _d(year, 12, 31), "LinkedIn group membership counted",
                         "linkedin_members_research_technicians", float(techs),
                         "Research Technicians group"))
    rows += _per_year("3j", [y for y in plan_years if y == 2021], 9,
                      "Destinations analysis presented at the Technical Conference", None)
    rows += _per_year("4a", [y for y in plan_years if y == 2021], 6, "Steering group formed",
                      "steering_group_members", {2021: 9})
    rows += _per_year("4a", plan_years, 12, "Steering group meetings held",
                      "steering_group_meetings", {2021: 3, 2022: 4, 2023: 4})
    rows += _per_year("4b", [y for y in plan_years if y == 2022], 3,
                      "SO staff survey results discussed at SOA monthly meeting", None)
    rows += _per_year("4c", plan_years, 6, "Motivation survey run",
                      "motivation_survey_responses", facts["motivation"])
    rows += _per_year("4d", plan_years, 2, "Exit questionnaire completion reported",
                      "exit_questionnaire_completion_rate", facts["exit_rate"])
    rows += _per_year("4e", [y for y in plan_years if y == 2022], 11,
                      "Apprenticeship review paper to Head of Shared Research Facilities", None)
    rows += _per_year("4f", plan_years, 9, "RITG partners at the Technical Conference",
                      "external_attendees_technical_conference", facts["external_tech_conf"])
    return rows


def _imperial_rows(years, facts: dict[str, dict[int, float]]) -> list[Row]:
    plan_years = [y for y in years if y >= 2021]
    later = [y for y in plan_years if y >= 2022]
    rows: list[Row] = []
    rows += _per_year("V1", years, 7, "Technicians' Network annual event",
                      "network_event_attendees", facts["network_event"])
    rows += _per_year("V2", plan_years, 12, "Case studies on the Technicians' Portal",
                      "portal_case_studies", {2021: 12, 2022: 18, 2023: 25})
    rows += _issues("V3", plan_years, {2021: 6, 2022: 6, 2023: 6},
                    "Technicians' Network newsletter")
    rows += _per_year("V4", later, 12, "Social media posts about technicians",
                      "social_media_posts", {2022: 40, 2023: 65})
    rows += _per_year("V5", later, 10, "Photography project", "photos_added",
                      {2022: 120, 2023: 80})
    rows += _per_year("V6", [y for y in later if y == 2023], 7, "Technician Showcase Exhibition",
                      None)
    rows += _per_year("R1", plan_years, 3, "Registration support sessions",
                      "registration_support_sessions", {2021: 2, 2022: 2, 2023: 3})
    rows += _per_year("R2", plan_years, 11, "Nominations for external awards",
                      "external_award_nominations", {2021: 1, 2022: 3, 2023: 4})
    rows += _per_year("R3", plan_years, 12, "Job descriptions naming registration",
                      "job_descriptions_with_registration", {2021: 5, 2022: 12, 2023: 20})
    rows += _per_year("R5", later, 6, "STAR Framework applicants", "star_framework_applicants",
                      {2022: 4, 2023: 9})
    rows += _per_year("R6", later, 12, "RITTech and REnvTech applicants",
                      "rittech_renvtech_applicants", facts["it_env_registrations"])
    rows += _per_year("C1", plan_years, 12, "Technical mentors in the mentoring scheme",
                      "technical_mentors", {2021: 14, 2022: 19, 2023: 26})
    rows += _per_year("C2", plan_years, 1, "Training opportunities promoted in newsletter", None)
    rows += _per_year("C3", plan_years, 12, "Conference bursaries awarded",
                      "conference_bursaries", {2021: 6, 2022: 9, 2023: 11})
    rows += _per_year("C5", later, 12, "Work shadowing placements", "shadowing_placements",
                      {2022: 3, 2023: 7})
    rows += _per_year("C6", later, 12, "Staff using apprenticeship levy funding",
                      "apprenticeship_levy_staff", {2022: 2, 2023: 5})
    rows += _per_year("C7", [y for y in later if y == 2023], 4,
                      "Career development campaign for fixed-term staff", None)
    rows += _per_year("S1", later, 9, "Laboratory technician apprentices recruited",
                      "laboratory_apprentices", {2022: 2, 2023: 4})
    rows += _per_year("S3", [y for y in plan_years if y == 2021], 10,
                      "Technical representative joined the EDI Forum", None)
    rows += _per_year("S4", plan_years, 12, "EDI training completed by technical staff",
                      "edi_training_completions", facts["edi_training"])
    rows += _per_year("S5", plan_years, 12, "Outreach events with technicians",
                      "outreach_events", {2021: 2, 2022: 3, 2023: 4})
    rows += _issues("BAU1", plan_years, {2021: 4, 2022: 4, 2023: 4}, "Development newsletter")
    rows += _per_year("BAU2", plan_years, 12, "Technicians' Portal pages updated", None)
    rows += _per_year("BAU3", plan_years, 12, "Role models featured", "role_model_features",
                      {2021: 4, 2022: 6, 2023: 6})
    rows += _per_year("BAU4", [y for y in plan_years if y == 2021], 1,
                      "Technician Commitment coordinator in post", None)
    rows += _per_year("BAU5", plan_years, 12, "Annual monitoring report", None)
    rows += _per_year("BAU6", [y for y in later if y == 2022], 5,
                      "Technical roles in talent development planning", None)
    return rows


def activity_log(inst: Institution, years: list[int],
                 facts: dict[str, dict[int, float]]) -> pd.DataFrame:
    """Evidence rows; `facts` carries figures taken from the other true datasets."""
    builder = {"icr": _icr_rows, "imperial": _imperial_rows}.get(inst.name)
    rows = builder(years, facts) if builder else []
    frame = pd.DataFrame(rows, columns=["action_id", "date", "activity", "metric", "value",
                                        "notes"])
    frame = frame[frame["date"].dt.year.isin(years)]
    return frame.sort_values(["date", "action_id", "metric"], na_position="first",
                             ignore_index=True)
