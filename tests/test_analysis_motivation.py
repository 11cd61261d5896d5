"""Motivation survey metrics and the shared Likert helpers, on small hand-made tables."""

import math

import pandas as pd
import pytest
from metric_checks import assert_share as _assert_share
from metric_checks import metric_row as _row

from pipeline import schema
from pipeline.analysis import motivation as mo
from pipeline.config import load_institution

NA = None


def _frame(table, rows):
    dtypes = schema.PROCESSED_COLUMNS[table]
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def _response(rid, year, grade, m01, gender="Female", division="Cancer Biology", **items):
    return {"response_id": rid, "survey_year": year, "grade": grade, "gender": gender,
            "division": division, "m01": m01, **items}


@pytest.fixture
def institution():
    return load_institution("icr")


@pytest.fixture
def tables():
    survey = _frame("motivation_survey", [
        # 2023: m01 answers 5, 4, 3, Don't know, 2, 4 -> agree 3 of 5 valid.
        _response("r1", 2023, "SO1", 5, m02=1),
        _response("r2", 2023, "SO1", 4, gender="Male", m02=NA),
        _response("r3", 2023, "SO2", 3, m02=NA),
        _response("r4", 2023, "SO2", NA, gender="Male", division="Genetics and Epidemiology"),
        _response("r5", 2023, "SO3", 2),
        _response("r6", 2023, "SO3", 4, gender=NA),
        # 2022: an earlier survey, for trend rows.
        _response("q1", 2022, "SO2", 4),
        _response("q2", 2022, "SO2", 1),
        # After the reporting year: never counted.
        _response("z1", 2024, "SO2", 5),
    ])
    ambitions = _frame("motivation_ambitions", [
        {"response_id": rid, "survey_year": 2023, "ambition": amb}
        for rid, amb in [("r1", "Promotion"), ("r1", "Training"), ("r2", "Promotion"),
                         ("r3", "Promotion"), ("r3", "Promotion"), ("r5", "Management")]
    ] + [{"response_id": "q1", "survey_year": 2022, "ambition": "Training"}])
    themes = _frame("motivation_comment_themes", [
        {"response_id": rid, "survey_year": 2023, "theme": theme}
        for rid, theme in [("r1", "workload"), ("r2", "workload"), ("r2", "recognition")]
    ])
    census = [{"census_year": 2023, "person_id": f"p{i}", "job_family": "Scientific Officer"}
              for i in range(8)]
    census += [{"census_year": 2023, "person_id": "p0", "job_family": "Scientific Officer"},
               {"census_year": 2023, "person_id": "p8", "job_family": "Staff Scientist"},
               {"census_year": 2023, "person_id": "p9", "job_family": "Academic"},
               {"census_year": 2022, "person_id": "p1", "job_family": "Scientific Officer"}]
    technical = load_institution("icr").technical_job_families
    census = [{**row, "is_technical": row["job_family"] in technical} for row in census]
    return {"motivation_survey": survey, "motivation_ambitions": ambitions,
            "motivation_comment_themes": themes, "hr_staff": _frame("hr_staff", census)}




def test_agree_share_excludes_dont_know_and_blank(tables, institution):
    metrics = mo.motivation_metrics(tables, institution, 2023)
    _assert_share(metrics, "motivation.agree_share", "item=m01", 3, 5)
    _assert_share(metrics, "motivation.agree_share", "item=m02", 0, 1)
    # No valid answer at all: no row rather than a 0/0 share.
    assert metrics[metrics["group"] == "item=m03"].empty
    assert not metrics["suppressed"].any()  # disclosure control comes later


def test_answer_shares_back_the_diverging_bars(tables, institution):
    metrics = mo.motivation_metrics(tables, institution, 2023)
    expected = {"Strongly disagree": 0, "Disagree": 1, "Neither agree nor disagree": 1,
                "Agree": 2, "Strongly agree": 1}
    for answer, count in expected.items():
        _assert_share(metrics, "motivation.answer_share", f"item=m01;answer={answer}", count, 5)
    _assert_share(metrics, "motivation.answer_share", "year=2022;item=m01;answer=Agree", 1, 2)
    assert metrics[metrics["group"].str.startswith("item=m03;")].empty


def test_breakdowns_by_grade_division_gender(tables, institution):
    metrics = mo.motivation_metrics(tables, institution, 2023)
    _assert_share(metrics, "motivation.agree_share", "item=m01;grade=SO1", 2, 2)
    _assert_share(metrics, "motivation.agree_share", "item=m01;grade=SO2", 0, 1)
    _assert_share(metrics, "motivation.agree_share", "item=m01;grade=SO3", 1, 2)
    _assert_share(metrics, "motivation.agree_share", "item=m01;gender=Male", 1, 1)
    _assert_share(metrics, "motivation.agree_share", "item=m01;gender=Female", 1, 3)
    _assert_share(metrics, "motivation.agree_share", "item=m01;division=Cancer Biology", 3, 5)
    # r4 (the only one in that division) answered Don't know.
    assert metrics[metrics["group"] == "item=m01;division=Genetics and Epidemiology"].empty


def test_responses_and_response_rate_against_technical_headcount(tables, institution):
    metrics = mo.motivation_metrics(tables, institution, 2023)
    assert _row(metrics, "motivation.responses", "")["value"] == 6
    # 9 distinct technical people at the 2023 census (p0 twice, p9 is an academic).
    _assert_share(metrics, "motivation.response_rate", "", 6, 9)
    _assert_share(metrics, "motivation.response_rate", "year=2022", 2, 1)


def test_ambitions_and_themes(tables, institution):
    metrics = mo.motivation_metrics(tables, institution, 2023)
    _assert_share(metrics, "motivation.ambition_share", "ambition=Promotion", 3, 6)
    _assert_share(metrics, "motivation.ambition_share", "ambition=Training", 1, 6)
    _assert_share(metrics, "motivation.ambition_share", "ambition=Management", 1, 6)
    assert _row(metrics, "motivation.comment_theme_count", "theme=workload")["value"] == 2
    assert _row(metrics, "motivation.comment_theme_count", "theme=recognition")["value"] == 1
    ranked = mo.ambitions_ranked(tables["motivation_ambitions"], 6, 2023)
    assert ranked["ambition"].tolist() == ["Promotion", "Management", "Training"]
    assert ranked["rank"].tolist() == [1, 2, 3]
    themes = mo.themes_table(tables["motivation_comment_themes"], 2023)
    assert themes.to_dict("records") == [{"theme": "workload", "responses": 2},
                                         {"theme": "recognition", "responses": 1}]


def test_trend_rows_prefixed_and_later_years_ignored(tables, institution):
    metrics = mo.motivation_metrics(tables, institution, 2023)
    _assert_share(metrics, "motivation.agree_share", "year=2022;item=m01", 1, 2)
    _assert_share(metrics, "motivation.agree_share", "year=2022;item=m01;grade=SO2", 1, 2)
    _assert_share(metrics, "motivation.ambition_share", "year=2022;ambition=Training", 1, 2)
    assert not metrics["group"].str.contains("2024").any()
    years = {g.split(";")[0] for g in metrics["group"] if g.startswith("year=")}
    assert years == {"year=2022"}
    # Reporting 2022: the 2023 survey is in the future, 2022 rows lose their prefix.
    earlier = mo.motivation_metrics(tables, institution, 2022)
    _assert_share(earlier, "motivation.agree_share", "item=m01", 1, 2)
    assert not earlier["group"].str.startswith("year=").any()


def test_year_without_survey_has_no_rows_and_does_not_fail(tables, institution):
    assert mo.motivation_metrics(tables, institution, 2021).empty
    empty = {name: frame.iloc[0:0] for name, frame in tables.items()}
    result = mo.motivation_metrics(empty, institution, 2023)
    assert result.empty and list(result.columns) == list(schema.METRICS_COLUMNS)


def test_likert_distribution_for_diverging_bars(tables):
    survey = tables["motivation_survey"]
    dist = mo.likert_distribution(survey[survey["survey_year"] == 2023], ["m01"], {"m01": "V"})
    assert dist["count"].tolist() == [0, 1, 1, 2, 1]
    assert dist["share"].tolist() == pytest.approx([0, 0.2, 0.2, 0.4, 0.2])
    assert set(dist["n_valid"]) == {5} and set(dist["n_missing"]) == {1}
    assert set(dist["label"]) == {"V"}
    # Disagree and half of neutral left of zero: bar starts at -(0 + 0.2 + 0.1).
    assert dist["start"].tolist() == pytest.approx([-0.3, -0.3, -0.1, 0.1, 0.5])
    neutral = dist[dist["code"] == 3].iloc[0]
    assert neutral["start"] + neutral["share"] / 2 == pytest.approx(0)


def test_agree_share_table_has_wilson_interval(tables):
    survey = tables["motivation_survey"]
    table = mo.agree_share_table(survey[survey["survey_year"] == 2023], ["m01"], by="grade",
                                 order=("SO3", "SO2", "SO1"))
    assert table["grade"].tolist() == ["SO3", "SO2", "SO1"]
    so1 = table[table["grade"] == "SO1"].iloc[0]
    assert (so1["agree"], so1["n_valid"], so1["share"]) == (2, 2, 1.0)
    # Wilson upper bound of 2/2 is 1; lower bound n/(n+z^2) for a full score.
    z = 1.959963984540054
    assert so1["ci_low"] == pytest.approx(2 / (2 + z * z), abs=1e-9)
    assert so1["ci_high"] == pytest.approx(1.0)


def test_bad_likert_code_names_table_column_and_value(tables, institution):
    tables["motivation_survey"].loc[0, "m07"] = 7
    with pytest.raises(ValueError, match=r"motivation_survey.*'m07'.*\['7'\]"):
        mo.motivation_metrics(tables, institution, 2023)


def test_missing_table_or_column_is_named(tables, institution):
    with pytest.raises(KeyError, match="motivation_ambitions"):
        mo.motivation_metrics({k: v for k, v in tables.items() if k != "motivation_ambitions"},
                              institution, 2023)
    tables["motivation_survey"] = tables["motivation_survey"].drop(columns="m12")
    with pytest.raises(KeyError, match="motivation_survey.*m12"):
        mo.motivation_metrics(tables, institution, 2023)


def test_enough_responses_threshold(institution):
    threshold = mo.min_responses(institution)
    assert threshold == institution.disclosure["threshold"]
    assert not mo.enough_responses(threshold - 1, threshold)
    assert mo.enough_responses(threshold, threshold)
    hesa = type(institution)(**{**institution.__dict__, "disclosure": {"preset": "hesa"}})
    assert mo.min_responses(hesa) > 22.5
    message = mo.too_few_message("motivation survey", 2023, threshold)
    assert "2023" in message and f"fewer than {threshold}" in message


def test_trend_group():
    assert mo.trend_group("item=m01", 2023, 2023) == "item=m01"
    assert mo.trend_group("item=m01", 2021, 2023) == "year=2021;item=m01"
    assert mo.trend_group("", 2021, 2023) == "year=2021"
    assert mo.years_up_to(pd.Series([2023, 2021, None, 2021], dtype="Int64"), 2022) == [2021]


def test_display_helpers_survive_an_empty_or_tiny_year(tables):
    survey = tables["motivation_survey"]
    empty = survey.iloc[0:0]
    dist = mo.likert_distribution(empty, ["m01"])
    assert dist["n_valid"].eq(0).all() and dist["share"].isna().all()
    assert mo.agree_share_table(empty, ["m01"], by="grade").empty
    assert mo.ambitions_ranked(tables["motivation_ambitions"], 0, 2021).empty
    assert mo.themes_table(tables["motivation_comment_themes"], 2021).empty
    one = mo.agree_share_table(survey[survey["response_id"] == "r4"], ["m01"])
    assert one.iloc[0]["n_valid"] == 0 and math.isnan(one.iloc[0]["ci_low"])
