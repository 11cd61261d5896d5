"""Workforce metrics on small constructed tables with hand-computed answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from metric_checks import metric_row as value
from metric_checks import typed

from pipeline.analysis import workforce as wf
from pipeline.analysis.stats import wilson_interval
from pipeline.config import load_institution

ICR = load_institution("icr")


def staff(year: int, person: str, **fields: object) -> dict:
    row = {
        "census_year": year, "census_date": f"{year}-12-31", "person_id": person,
        "job_family": "Scientific Officer", "grade": "SO2", "division": "Cancer Biology",
        "contract_type": "Open-ended", "fte": 1.0, "gender": "Female", "is_technical": True,
    }
    return {**row, **fields}


def leaver(year: int, person: str, **fields: object) -> dict:
    row = {
        "person_id": person, "leave_date": f"{year}-06-30", "leave_year": year, "grade": "SO2",
        "job_family": "Scientific Officer", "contract_type": "Open-ended",
        "leaving_reason": "Resignation", "exit_questionnaire_completed": True,
        "is_technical": True,
    }
    return {**row, **fields}


def promotion(year: int, person: str, from_grade: str, to_grade: str) -> dict:
    return {
        "person_id": person, "effective_date": f"{year}-10-01", "effective_year": year,
        "from_grade": from_grade, "to_grade": to_grade,
    }


@pytest.fixture
def hr_staff() -> pd.DataFrame:
    # 2022: a, b, c technical (+ one academic); 2023: a, b, d, e technical.
    return typed(
        [
            staff(2022, "a", grade="SO1"),
            staff(2022, "b", grade="SO3", fte=0.5),
            staff(2022, "c", contract_type="Fixed-term"),
            staff(2022, "z", job_family="Academic", grade="Faculty", is_technical=False),
            staff(2023, "a", grade="SO2"),
            staff(2023, "b", grade="SO3", fte=0.5, gender="Male"),
            staff(2023, "d", contract_type="Fixed-term", fte=0.8, division="Clinical Studies"),
            staff(2023, "e", contract_type="Fixed-term", gender=None),
            staff(2023, "z", job_family="Academic", grade="Faculty", is_technical=False),
        ],
        "hr_staff",
    )


@pytest.fixture
def hr_leavers() -> pd.DataFrame:
    return typed(
        [
            leaver(2023, "c", contract_type="Fixed-term", leaving_reason="End of contract",
                   exit_questionnaire_completed=None),
            leaver(2023, "y", job_family="Academic", is_technical=False),
            leaver(2022, "x", exit_questionnaire_completed=False),
        ],
        "hr_leavers",
    )


@pytest.fixture
def hr_promotions() -> pd.DataFrame:
    return typed(
        [
            promotion(2023, "a", "SO1", "SO2"),
            promotion(2023, "z", "Band 5", "Band 6"),  # not a technical grade
            promotion(2022, "b", "SO2", "SO3"),
        ],
        "hr_promotions",
    )


@pytest.fixture
def tables(hr_staff, hr_leavers, hr_promotions) -> dict[str, pd.DataFrame]:
    empty = {
        name: typed([], name) for name in ("registrations", "events", "training")
    }
    return {"hr_staff": hr_staff, "hr_leavers": hr_leavers, "hr_promotions": hr_promotions,
            **empty}




def test_headcount_total_and_groups_exclude_other_staff(hr_staff):
    metrics = wf.headcount_metrics(hr_staff, ICR, 2023)
    assert value(metrics, "workforce.headcount")["value"] == 4
    assert value(metrics, "workforce.headcount", "grade=SO2")["value"] == 3
    assert value(metrics, "workforce.headcount", "grade=SO3")["value"] == 1
    assert value(metrics, "workforce.headcount", "contract_type=Fixed-term")["value"] == 2
    assert value(metrics, "workforce.headcount", "division=Clinical Studies")["value"] == 1
    assert value(metrics, "workforce.headcount", "gender=Male")["value"] == 1
    # A blank gender is its own group, so that groups add up to the total.
    assert value(metrics, "workforce.headcount", "gender=unknown")["value"] == 1


def test_headcount_shows_every_configured_grade_with_zeros(hr_staff):
    metrics = wf.headcount_metrics(hr_staff, ICR, 2023)
    grade_groups = [g for g in metrics.loc[metrics["metric"] == "workforce.headcount", "group"]
                    if g.startswith("grade=")]
    assert grade_groups == [f"grade={g}" for g in ICR.grade_order]
    assert value(metrics, "workforce.headcount", "grade=SO5")["value"] == 0
    assert "grade=Faculty" not in set(metrics["group"])


def test_fte_is_rounded_sum_at_census(hr_staff):
    metrics = wf.headcount_metrics(hr_staff, ICR, 2023)
    assert value(metrics, "workforce.fte")["value"] == pytest.approx(1.0 + 0.5 + 0.8 + 1.0)
    assert value(metrics, "workforce.fte", "contract_type=Fixed-term")["value"] == (
        pytest.approx(1.8)
    )


def test_turnover_uses_mean_of_this_and_previous_census(hr_staff, hr_leavers):
    metrics = wf.turnover_metrics(hr_staff, hr_leavers, 2023)
    row = value(metrics, "workforce.turnover_rate")
    assert (row["numerator"], row["denominator"]) == (1, 3.5)
    assert row["value"] == pytest.approx(1 / 3.5)
    fixed = value(metrics, "workforce.turnover_rate", "contract_type=Fixed-term")
    assert (fixed["numerator"], fixed["denominator"]) == (1, 1.5)


def test_turnover_without_previous_census_uses_this_census(hr_staff, hr_leavers):
    metrics = wf.turnover_metrics(hr_staff, hr_leavers, 2022)
    row = value(metrics, "workforce.turnover_rate")
    assert (row["numerator"], row["denominator"]) == (1, 3)


def test_turnover_with_no_staff_is_blank(hr_staff, hr_leavers):
    row = value(wf.turnover_metrics(hr_staff, hr_leavers, 2030), "workforce.turnover_rate")
    assert row["denominator"] == 0
    assert pd.isna(row["value"])


def test_fixed_term_share(hr_staff, hr_leavers):
    row = value(wf.turnover_metrics(hr_staff, hr_leavers, 2023), "workforce.fixed_term_share")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 0.5)


def test_leavers_by_reason_and_blank_questionnaire_counts_as_not_done(hr_leavers):
    metrics = wf.leaver_metrics(hr_leavers, 2023)
    assert value(metrics, "leavers.count")["value"] == 1
    assert value(metrics, "leavers.count", "leaving_reason=End of contract")["value"] == 1
    assert value(metrics, "leavers.count", "leaving_reason=Resignation")["value"] == 0
    rate = value(metrics, "leavers.exit_questionnaire_rate")
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (0, 1, 0.0)


def test_no_leavers_gives_zero_count_and_blank_rate(hr_leavers):
    metrics = wf.leaver_metrics(hr_leavers, 2021)
    assert value(metrics, "leavers.count")["value"] == 0
    assert pd.isna(value(metrics, "leavers.exit_questionnaire_rate")["value"])


def test_promotions_only_to_technical_grades_and_rate_on_previous_census(
    hr_promotions, hr_staff
):
    metrics = wf.promotion_metrics(hr_promotions, hr_staff, ICR, 2023)
    assert value(metrics, "promotions.count")["value"] == 1
    assert value(metrics, "promotions.count", "from_grade=SO1")["value"] == 1
    assert value(metrics, "promotions.count", "to_grade=SO2")["value"] == 1
    rate = value(metrics, "promotions.rate")
    assert (rate["numerator"], rate["denominator"]) == (1, 3)
    by_grade = value(metrics, "promotions.rate", "from_grade=SO1")
    assert (by_grade["numerator"], by_grade["denominator"], by_grade["value"]) == (1, 1, 1.0)
    # No previous census for 2022: the rate is blank, not a division by zero.
    assert pd.isna(value(wf.promotion_metrics(hr_promotions, hr_staff, ICR, 2022),
                         "promotions.rate")["value"])


def test_entry_point_gives_reporting_year_plain_and_earlier_years_prefixed(tables):
    metrics = wf.workforce_metrics(tables, ICR, 2023)
    assert value(metrics, "workforce.headcount")["value"] == 4
    assert value(metrics, "workforce.headcount", "year=2022")["value"] == 3
    assert value(metrics, "workforce.headcount", "year=2022;grade=SO1")["value"] == 1
    assert not metrics["group"].str.startswith("year=2023").any()
    assert list(metrics.columns) == ["metric", "group", "value", "numerator", "denominator",
                                     "suppressed"]
    assert not metrics["suppressed"].any()
    assert not metrics.duplicated(["metric", "group"]).any()


def test_entry_point_rejects_year_without_census(tables):
    with pytest.raises(ValueError, match="hr_staff.*2024"):
        wf.workforce_metrics(tables, ICR, 2024)


def test_entry_point_names_missing_table(tables):
    del tables["training"]
    with pytest.raises(KeyError, match="training"):
        wf.workforce_metrics(tables, ICR, 2023)


def test_missing_column_error_names_table_and_column(hr_staff):
    with pytest.raises(wf.MissingColumnError, match="'hr_staff'.*'fte'"):
        wf.headcount_metrics(hr_staff.drop(columns="fte"), ICR, 2023)


def test_headcount_by_grade_table(hr_staff):
    table = wf.headcount_by(hr_staff, ICR, "grade", [2022, 2023])
    assert list(table.index) == [*ICR.grade_order, "Total"]
    assert list(table.columns) == [2022, 2023]
    assert table.loc["SO2", 2022] == 1 and table.loc["SO2", 2023] == 3
    assert table.loc["Total"].tolist() == [3, 4]
    fte = wf.headcount_by(hr_staff, ICR, "contract_type", [2023], measure="fte")
    assert fte.loc["Open-ended", 2023] == pytest.approx(1.5)


def test_year_on_year_change_and_percentage():
    table = pd.DataFrame({2022: [2, 0], 2023: [3, 4]}, index=["SO1", "SO2"])
    change = wf.year_on_year(table)
    assert change.loc["SO1", "change"] == 1
    assert change.loc["SO1", "pct_change"] == pytest.approx(50.0)
    assert math.isnan(change.loc["SO2", "pct_change"])  # no percentage from zero


def test_rate_table_has_wilson_interval_per_year(tables):
    metrics = wf.workforce_metrics(tables, ICR, 2023)
    table = wf.rate_table(metrics, "workforce.turnover_rate", 2023)
    assert table["year"].tolist() == [2022, 2023]
    latest = table.iloc[-1]
    assert latest["rate"] == pytest.approx(1 / 3.5)
    low, high = wilson_interval(1, 3.5)
    assert (latest["ci_low"], latest["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert latest["ci_low"] < latest["rate"] < latest["ci_high"]


def test_metric_table_from_trend_rows(tables):
    metrics = wf.workforce_metrics(tables, ICR, 2023)
    table = wf.metric_table(metrics, "leavers.count", 2023, "leaving_reason")
    assert table.loc["Resignation", 2022] == 1
    assert table.loc["End of contract", 2023] == 1
    assert table.loc["Total"].tolist() == [1, 1]


def test_promotions_flow_is_grade_by_grade(hr_promotions):
    flow = wf.promotions_flow(hr_promotions, ICR, 2023)
    assert list(flow.index) == list(ICR.grade_order)
    assert flow.loc["SO1", "SO2"] == 1
    assert int(flow.to_numpy().sum()) == 1


# ---- back test against the demo generator's answer key ----------------------------------------

KEY_PREFIXES = ("workforce.", "leavers.", "promotions.", "registrations.", "events.", "training.")
ANALYSIS_TABLES = ("hr_staff", "hr_leavers", "hr_promotions", "registrations", "events", "training")


@pytest.fixture(scope="module")
def demo_key(tmp_path_factory) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    from pipeline.demo import generate

    out = generate(tmp_path_factory.mktemp("demo"), institution="icr", seed=2023, scale=0.1)
    key_dir = out / "answer_key"
    clean = {name: pd.read_parquet(key_dir / "clean" / f"{name}.parquet")
             for name in ANALYSIS_TABLES}
    key = pd.read_csv(key_dir / "metrics.csv", keep_default_na=False, na_values=[""])
    key["group"] = key["group"].fillna("").astype(str)
    return clean, key[key["metric"].str.startswith(KEY_PREFIXES)]


def test_metrics_equal_answer_key_for_every_year(demo_key):
    clean, key = demo_key
    ours = wf.workforce_metrics(clean, ICR, 2023).set_index(["metric", "group"])
    assert {2023, 2022} <= set(key["year"]), "the key should hold trend years"
    assert set(key["metric"]) >= {"workforce.headcount", "workforce.turnover_rate",
                                  "leavers.exit_questionnaire_rate", "promotions.count",
                                  "registrations.registered", "events.attendees"}
    problems = []
    for row in key.itertuples(index=False):
        group = row.group if row.year == 2023 else wf.with_year(row.group, row.year)
        if (row.metric, group) not in ours.index:
            problems.append(f"missing {row.metric} {group!r}")
            continue
        mine = ours.loc[(row.metric, group)]
        for column in ("value", "numerator", "denominator"):
            expected, got = getattr(row, column), mine[column]
            if pd.isna(expected) and pd.isna(got):
                continue
            if pd.isna(expected) or pd.isna(got) or abs(float(expected) - float(got)) > 1e-9:
                problems.append(f"{row.metric} {group!r} {column}: key {expected}, ours {got}")
    assert not problems, "\n".join(problems[:20])
