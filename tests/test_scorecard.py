"""Status rules of the action-plan scorecard on constructed metrics and activity evidence."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.action_plan import ActionPlan, load_plan, parse_plan
from pipeline.analysis.scorecard import (
    STATUSES,
    action_status,
    build_scorecard,
    evaluate,
    pillar_summary,
    status_metrics,
)
from pipeline.schema import METRICS_COLUMNS, PROCESSED_COLUMNS


def plan_with(*criteria: dict, action_id: str = "3h") -> ActionPlan:
    """A one-action 2021-2023 plan judged by `criteria`."""
    raw = {
        "institution": "test",
        "period": {"start": "2021-01-01", "end": "2023-12-31"},
        "glossary": {"SOA": "Scientific Officer Association"},
        "pillars": [{"id": "career_development", "name": "Career Development"}],
        "actions": [{"id": action_id, "pillar": "career_development", "text": "Grow it",
                     "owners": ["SOA"], "success_measure": "Up 10%",
                     "judged_by": list(criteria)}],
    }
    return parse_plan(raw, "test", "test.yaml")


def metric_rows(*rows: tuple) -> pd.DataFrame:
    """(year, metric, group, value[, numerator, denominator]) tuples to a metrics frame."""
    records = []
    for row in rows:
        year, metric, group, value, *rest = row
        numerator, denominator = (rest + [value, None])[:2] if rest else (value, None)
        records.append({"year": year, "metric": metric, "group": group, "value": value,
                        "numerator": numerator, "denominator": denominator})
    return pd.DataFrame(records, columns=["year", "metric", "group", "value", "numerator",
                                          "denominator"])


def log_rows(*rows: tuple) -> pd.DataFrame:
    """(action_id, date, activity, metric, value) tuples to a processed activity_log."""
    frame = pd.DataFrame(rows, columns=["action_id", "date", "activity", "metric", "value"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["year"] = frame["date"].dt.year.astype("Int64")
    frame["notes"] = pd.NA
    return frame[list(PROCESSED_COLUMNS["activity_log"])].astype(PROCESSED_COLUMNS["activity_log"])


def one(plan: ActionPlan, metrics=None, log=None, year: int = 2022) -> pd.Series:
    return evaluate(plan, metrics, log, year).iloc[0]


ATTENDEES = {"kind": "metric", "metric": "events.rits_attendees", "target": 20,
             "label": "internal attendees at RITS"}


# ---------------------------------------------------------------------------------------------
# Absolute targets
# ---------------------------------------------------------------------------------------------


def test_target_met_is_complete_with_the_figure_shown():
    row = one(plan_with(ATTENDEES), metric_rows((2021, "events.rits_attendees", "", 22)), year=2021)
    assert row["status"] == "complete"
    assert "internal attendees at RITS" in row["evidence"]
    assert "22 in 2021" in row["evidence"] and "≥ 20" in row["evidence"]


def test_annual_target_missed_is_at_risk():
    metrics = metric_rows((2021, "events.rits_attendees", "", 22),
                          (2022, "events.rits_attendees", "", 14))
    row = one(plan_with(ATTENDEES), metrics, year=2022)
    assert row["status"] == "at_risk"
    assert "14 in 2022" in row["evidence"]


def test_partial_one_criterion_met_of_two_is_on_track():
    plan = plan_with(ATTENDEES, {"kind": "metric", "metric": "events.count", "target": 3})
    metrics = metric_rows((2022, "events.rits_attendees", "", 25), (2022, "events.count", "", 2))
    assert one(plan, metrics)["status"] == "on_track"


def test_partial_at_the_end_of_the_period_is_at_risk():
    plan = plan_with(ATTENDEES, {"kind": "metric", "metric": "events.count", "target": 3})
    metrics = metric_rows((2023, "events.rits_attendees", "", 25), (2023, "events.count", "", 2))
    assert one(plan, metrics, year=2023)["status"] == "at_risk"


def test_annual_metric_missing_after_earlier_plan_years_is_at_risk():
    metrics = metric_rows((2021, "events.rits_attendees", "", 22), (2022, "events.count", "", 2))
    row = one(plan_with(ATTENDEES), metrics, year=2022)
    assert row["status"] == "at_risk"
    assert "last in 2021" in row["evidence"]


# ---------------------------------------------------------------------------------------------
# Cumulative targets against the pro-rata path
# ---------------------------------------------------------------------------------------------

PILOT = {"kind": "metric", "metric": "registrations.applicants", "group": "cohort=pilot",
         "target": 6, "window": "to_date"}


@pytest.mark.parametrize(
    ("values", "year", "status"),
    [
        ({2021: 3}, 2021, "on_track"),  # 3/6 = 0.5 >= 1/3 of the period
        ({2021: 1}, 2021, "at_risk"),  # 1/6 < 1/3
        ({2021: 3}, 2022, "at_risk"),  # 3/6 < 2/3 by the end of 2022
        ({2021: 3, 2022: 2}, 2022, "on_track"),  # 5/6 >= 2/3
        ({2021: 4, 2022: 2}, 2022, "complete"),  # 6 by 2022
        ({2021: 3, 2022: 2}, 2023, "at_risk"),  # period over, 5 < 6
        ({2020: 6}, 2021, "not_started"),  # pre-plan applications do not count
    ],
)
def test_cumulative_target_follows_the_pro_rata_path(values, year, status):
    metrics = metric_rows(*[(y, "registrations.applicants", "cohort=pilot", v, v, None)
                            for y, v in values.items()])
    metrics = pd.concat([metrics, metric_rows((2021, "registrations.applicants", "", 9))])
    assert one(plan_with(PILOT), metrics, year=year)["status"] == status


# ---------------------------------------------------------------------------------------------
# Relative targets (+10% on a baseline), in each group
# ---------------------------------------------------------------------------------------------

LINKEDIN = {"kind": "activity", "metric": "linkedin_members_*", "target_change": 0.10,
            "label": "LinkedIn group members"}


def linkedin(values: dict[int, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for year, (alumni, techs) in values.items():
        rows.append(("3h", f"{year}-12-31", "Membership counted", "linkedin_members_alumni",
                     alumni))
        rows.append(("3h", f"{year}-12-31", "Membership counted", "linkedin_members_techs",
                     techs))
    return log_rows(*rows)


@pytest.mark.parametrize(
    ("values", "year", "status"),
    [
        ({2020: (100, 50), 2022: (111, 56)}, 2022, "complete"),  # both up >= 10% on 2020
        ({2020: (100, 50), 2022: (111, 54)}, 2022, "on_track"),  # one met, one on the path
        ({2020: (100, 50), 2022: (111, 52)}, 2022, "at_risk"),  # one met, one behind the path
        ({2020: (100, 50), 2021: (105, 52)}, 2021, "on_track"),  # +5%/+4%: above 1/3 of 10%
        ({2020: (100, 50), 2022: (105, 52)}, 2022, "at_risk"),  # below 2/3 of the way
        ({2020: (100, 50), 2023: (109, 60)}, 2023, "at_risk"),  # period over, one group short
        ({2021: (100, 50)}, 2021, "on_track"),  # first figure: nothing to compare yet
        ({2021: (100, 50), 2023: (111, 55)}, 2023, "complete"),  # baseline = first plan year
    ],
)
def test_relative_target_in_each_group(values, year, status):
    row = one(plan_with(LINKEDIN), log=linkedin(values), year=year)
    assert row["status"] == status


def test_relative_target_evidence_names_both_groups_and_the_baseline():
    row = one(plan_with(LINKEDIN), log=linkedin({2020: (100, 50), 2022: (111, 52)}), year=2022)
    assert "linkedin_members_alumni: 111 in 2022 vs 100 in 2020" in row["evidence"]
    assert "linkedin_members_techs: 52 in 2022 vs 50 in 2020" in row["evidence"]
    assert "+10% on 2020" in row["evidence"]


def test_explicit_baseline_year_is_used():
    crit = {"kind": "metric", "metric": "events.pe", "target_change": 0.0, "baseline_year": 2019}
    metrics = metric_rows((2019, "events.pe", "", 40), (2020, "events.pe", "", 10),
                          (2022, "events.pe", "", 30))
    row = one(plan_with(crit), metrics, year=2022)
    assert row["status"] == "at_risk"  # 30 < 40 (2019), though above 2020
    assert "vs 40 in 2019" in row["evidence"]


def test_rising_share_on_the_latest_survey():
    crit = {"kind": "metric", "metric": "staff_survey.awareness_rate",
            "group": "item=aw_mentoring", "target_change": 0.0, "comparison": ">",
            "window": "latest"}
    metrics = metric_rows((2019, "staff_survey.awareness_rate", "item=aw_mentoring", 0.4, 40, 100),
                          (2021, "staff_survey.awareness_rate", "item=aw_mentoring", 0.5, 50, 100))
    assert one(plan_with(crit), metrics, year=2022)["status"] == "complete"
    lower = metrics.assign(value=[0.4, 0.35])
    assert one(plan_with(crit), lower, year=2022)["status"] == "at_risk"


# ---------------------------------------------------------------------------------------------
# Activity evidence: row counts, not started, no data
# ---------------------------------------------------------------------------------------------

FORMED = {"kind": "activity", "min_count": 1, "window": "to_date", "label": "steering group"}
NEWSLETTERS = {"kind": "activity", "metric": "newsletters_issued", "aggregate": "sum",
               "target": 4}


def test_one_off_activity_stays_complete_in_later_years():
    log = log_rows(("4a", "2021-06-01", "Steering group formed", None, None))
    for year in (2021, 2022, 2023):
        row = one(plan_with(FORMED, action_id="4a"), log=log, year=year)
        assert row["status"] == "complete"
        assert "Steering group formed" in row["evidence"]


def test_activity_only_logged_later_is_not_started():
    log = log_rows(("4a", "2023-06-01", "Steering group formed", None, None))
    assert one(plan_with(FORMED, action_id="4a"), log=log, year=2021)["status"] == "not_started"


@pytest.mark.parametrize(("issues", "status"), [(4, "complete"), (3, "at_risk"), (5, "complete")])
def test_newsletters_counted_per_year(issues, status):
    log = log_rows(*[("3a", f"2022-{m:02d}-15", f"Issue {m}", "newsletters_issued", 1.0)
                     for m in range(1, issues + 1)])
    assert one(plan_with(NEWSLETTERS, action_id="3a"), log=log)["status"] == status


def test_no_activity_rows_for_the_action_is_no_data():
    log = log_rows(("4a", "2021-06-01", "Steering group formed", None, None))
    row = one(plan_with(FORMED, action_id="3i"), log=log)
    assert row["status"] == "no_data"
    assert "no activity-log entries for 3i" in row["evidence"]


def test_metric_not_published_is_no_data_and_published_without_group_not_started():
    crit = {"kind": "metric", "metric": "registrations.applicants", "group": "cohort=pilot",
            "target": 6}
    assert one(plan_with(crit), metric_rows((2022, "events.count", "", 3)))["status"] == "no_data"
    other_group = metric_rows((2022, "registrations.applicants", "register=RSci", 3))
    assert one(plan_with(crit), other_group)["status"] == "not_started"


def test_only_evidence_needed_is_no_data_and_says_what_would_settle_it():
    plan = plan_with({"kind": "evidence_needed", "text": "A recommendations paper."})
    row = one(plan, metric_rows((2022, "events.count", "", 3)), log_rows())
    assert row["status"] == "no_data"
    assert row["evidence_needed"] == "A recommendations paper."


def test_unavailable_criterion_keeps_an_otherwise_met_action_on_track():
    plan = plan_with(FORMED, {"kind": "metric", "metric": "not.published", "target": 1},
                     action_id="4a")
    log = log_rows(("4a", "2021-06-01", "Steering group formed", None, None))
    assert one(plan, metric_rows((2021, "events.count", "", 1)), log, 2023)["status"] == "on_track"


def test_absent_datasets_give_no_data():
    plan = load_plan("icr")
    actions = evaluate(plan, None, None, 2022)
    assert len(actions) == len(plan.actions)
    assert set(actions["status"]) == {"no_data"}


# ---------------------------------------------------------------------------------------------
# Patterns, exists, the year= prefix, small numbers, bad input
# ---------------------------------------------------------------------------------------------


def test_exists_with_a_group_pattern():
    crit = {"kind": "metric", "metric": "destinations.sector_share", "group": "sector=*",
            "comparison": "exists", "combine": "any", "window": "to_date"}
    metrics = metric_rows((2021, "destinations.sector_share", "sector=academia", 0.5, 10, 20))
    assert one(plan_with(crit), metrics, year=2022)["status"] == "complete"
    before = metric_rows((2020, "destinations.sector_share", "sector=academia", 0.5, 10, 20))
    assert one(plan_with(crit), before, year=2022)["status"] == "not_started"


def test_any_match_is_enough_with_combine_any():
    crit = {**ATTENDEES, "group": "event_id=*", "combine": "any"}
    metrics = metric_rows((2022, "events.rits_attendees", "event_id=EV1", 8),
                          (2022, "events.rits_attendees", "event_id=EV2", 21))
    assert one(plan_with(crit), metrics)["status"] == "complete"
    assert one(plan_with({**crit, "combine": "all"}), metrics)["status"] == "at_risk"


def test_year_prefix_in_group_is_read_as_the_year():
    metrics = metric_rows((2022, "events.rits_attendees", "year=2021", 22))
    assert one(plan_with(ATTENDEES), metrics, year=2021)["status"] == "complete"


def test_small_numbers_are_not_quoted_in_evidence():
    metrics = metric_rows((2022, "events.rits_attendees", "", 3))
    row = one(plan_with(ATTENDEES), metrics)
    assert "fewer than 5" in row["evidence"] and " 3 " not in row["evidence"]
    shown = evaluate(plan_with(ATTENDEES), metrics, None, 2022, threshold=None).iloc[0]
    assert "3 in 2022" in shown["evidence"]


def test_share_on_a_small_denominator_is_withheld():
    crit = {"kind": "metric", "metric": "leavers.exit_questionnaire_rate", "target": 0.5}
    metrics = metric_rows((2022, "leavers.exit_questionnaire_rate", "", 0.75, 3, 4))
    row = one(plan_with(crit), metrics)
    assert row["status"] == "complete" and "withheld" in row["evidence"] and "75%" not in \
        row["evidence"]


def test_bad_metric_values_name_the_column_and_values():
    metrics = metric_rows((2022, "events.rits_attendees", "", "lots"))
    with pytest.raises(ValueError, match=r"metrics: column 'value' .*\['lots'\]"):
        evaluate(plan_with(ATTENDEES), metrics, None, 2022)
    with pytest.raises(KeyError, match="metrics: missing column"):
        evaluate(plan_with(ATTENDEES), metrics.drop(columns="year"), None, 2022)


def test_year_before_the_plan_is_refused():
    with pytest.raises(ValueError, match="before the action plan"):
        evaluate(plan_with(ATTENDEES), None, None, 2020)


# ---------------------------------------------------------------------------------------------
# Outputs: the per-action table, pillar summary, metrics rows
# ---------------------------------------------------------------------------------------------


def test_action_status_rules_table():
    assert action_status([], period_over=False) == "no_data"
    assert action_status(["unavailable", "not_judged"], period_over=False) == "no_data"
    assert action_status(["met", "met"], period_over=True) == "complete"
    assert action_status(["empty", "empty"], period_over=True) == "not_started"
    assert action_status(["met", "behind"], period_over=False) == "on_track"
    assert action_status(["on_path", "empty"], period_over=False) == "on_track"
    assert action_status(["behind", "on_path"], period_over=False) == "at_risk"
    assert action_status(["on_path"], period_over=True) == "at_risk"


def test_scorecard_outputs_for_a_real_plan():
    plan = load_plan("icr")
    metrics = metric_rows((2021, "registrations.applicants", "cohort=pilot", 6))
    log = log_rows(("4a", "2021-06-01", "Steering group formed", None, None),
                   ("3a", "2022-03-01", "Issue 1", "newsletters_issued", 1.0))
    card = build_scorecard(plan, metrics, log, 2022)
    actions = card.actions
    assert list(actions["action_id"]) == [a.id for a in plan.actions]
    assert actions.set_index("action_id").loc["2a", "status"] == "complete"
    assert actions.set_index("action_id").loc["3a", "status"] == "at_risk"
    assert actions.set_index("action_id").loc["1a", "owners"] == \
        "RDC (Researcher Development Coordinator)"
    assert len(card.criteria) == sum(len(a.criteria) for a in plan.actions)

    summary = card.pillars
    assert list(summary["pillar"]) == [p.id for p in plan.pillars]
    for pillar in summary.itertuples():
        statuses = actions.loc[actions["pillar"] == pillar.pillar, "status"]
        for status in STATUSES:
            assert getattr(pillar, status) == (statuses == status).sum()
        assert pillar.total == len(statuses)

    rows = card.metrics
    assert list(rows.columns) == list(METRICS_COLUMNS)
    assert set(rows["metric"]) == {"action_plan.status"}
    assert list(rows["group"]) == [f"action={a.id}" for a in plan.actions]
    assert list(rows["value"]) == list(actions["status"])
    assert not rows["suppressed"].any() and rows["numerator"].isna().all()


def test_pillar_summary_rejects_unknown_status():
    actions = pd.DataFrame({"pillar": ["v"], "pillar_name": ["V"], "status": ["done"]})
    with pytest.raises(ValueError, match="unknown values \\['done'\\]"):
        pillar_summary(actions)
    assert status_metrics(actions.assign(action_id="1a"))["value"].tolist() == ["done"]
