"""Staff survey metrics: technical against other staff, awareness and its change."""

import math
from statistics import NormalDist

import pandas as pd
import pytest
from metric_checks import assert_share as _assert_share
from metric_checks import metric_row as _row

from pipeline import schema
from pipeline.analysis import staff_survey as ss
from pipeline.config import load_institution

NA = None


def _frame(rows):
    dtypes = schema.PROCESSED_COLUMNS["staff_survey"]
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def _resp(rid, year, group, s01=NA, aw=NA, **items):
    return {"response_id": rid, "survey_year": year, "staff_group": group, "s01": s01,
            "aw_careers_advice": aw, **items}


@pytest.fixture
def institution():
    return load_institution("icr")


@pytest.fixture
def survey():
    return _frame([
        # 2023 technical: s01 5, 4, Don't know, 1 -> 2 of 3; awareness Yes, Yes, No, blank.
        _resp("t1", 2023, "technical", 5, "Yes", s17=4),
        _resp("t2", 2023, "technical", 4, "Yes", s17=2),
        _resp("t3", 2023, "technical", NA, "No", s17=5),
        _resp("t4", 2023, "technical", 1, NA),
        # 2023 other: s01 4, 2, 3 -> 1 of 3; their awareness answers never count.
        _resp("o1", 2023, "other", 4, "No"),
        _resp("o2", 2023, "other", 2, "No"),
        _resp("o3", 2023, "other", 3, "No"),
        # 2022: the awareness item was not asked.
        _resp("u1", 2022, "technical", 4),
        _resp("u2", 2022, "other", 4),
        # 2021 technical awareness: Yes, No, Not sure, Not sure -> 1 of 4.
        _resp("v1", 2021, "technical", 2, "Yes"),
        _resp("v2", 2021, "technical", 2, "No"),
        _resp("v3", 2021, "technical", 4, "Not sure"),
        _resp("v4", 2021, "technical", 4, "Not sure"),
        _resp("v5", 2021, "other", 5, "Yes"),
        # After the reporting year.
        _resp("w1", 2024, "technical", 5, "Yes"),
    ])




def test_agree_share_all_and_by_staff_group(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    _assert_share(metrics, "staff_survey.agree_share", "item=s01", 3, 6)
    _assert_share(metrics, "staff_survey.agree_share", "item=s01;staff_group=technical", 2, 3)
    _assert_share(metrics, "staff_survey.agree_share", "item=s01;staff_group=other", 1, 3)
    _assert_share(metrics, "staff_survey.agree_share", "item=s17;staff_group=technical", 2, 3)
    assert metrics[metrics["group"] == "item=s17;staff_group=other"].empty  # nobody answered
    assert metrics[metrics["group"].str.startswith("item=s02")].empty


def test_answer_shares_by_staff_group(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    metric = "staff_survey.answer_share"
    _assert_share(metrics, metric, "item=s01;staff_group=technical;answer=Strongly agree", 1, 3)
    _assert_share(metrics, metric, "item=s01;staff_group=other;answer=Disagree", 1, 3)
    _assert_share(metrics, metric, "item=s01;answer=Strongly disagree", 1, 6)
    _assert_share(metrics, metric, "item=s01;staff_group=other;answer=Strongly agree", 0, 3)


def test_responses_by_group(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    assert _row(metrics, "staff_survey.responses", "")["value"] == 7
    assert _row(metrics, "staff_survey.responses", "staff_group=technical")["value"] == 4
    assert _row(metrics, "staff_survey.responses", "staff_group=other")["value"] == 3
    assert _row(metrics, "staff_survey.responses", "year=2021;staff_group=other")["value"] == 1


def test_difference_row_and_comparison_table(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    diff = _row(metrics, "staff_survey.agree_share_difference", "item=s01")
    assert diff["value"] == pytest.approx(2 / 3 - 1 / 3)
    # The smaller agree count and valid count of the two shares (for disclosure control).
    assert (diff["numerator"], diff["denominator"]) == (1, 3)
    assert metrics[(metrics["metric"] == "staff_survey.agree_share_difference")
                   & (metrics["group"] == "item=s17")].empty

    table = ss.comparison_table(survey, 2023, ["s01"], {"s01": "Proud"})
    row = table.iloc[0]
    assert row["label"] == "Proud"
    assert (row["technical_agree"], row["technical_n"], row["other_agree"], row["other_n"]) == (
        2, 3, 1, 3)
    # Pooled z-test by hand: p = 3/6, se = sqrt(.25 * 2/3), z = (1/3) / se.
    z = (1 / 3) / math.sqrt(0.25 * (2 / 3))
    assert row["p_value"] == pytest.approx(2 * (1 - NormalDist().cdf(z)), abs=1e-12)
    assert not row["larger_than_chance"]


def test_large_difference_is_flagged_larger_than_chance():
    rows = [_resp(f"t{i}", 2023, "technical", 5) for i in range(30)]
    rows += [_resp(f"o{i}", 2023, "other", 1 + i % 3) for i in range(30)]
    table = ss.comparison_table(_frame(rows), 2023, ["s01", "s02"])
    flagged = dict(zip(table["item"], table["larger_than_chance"], strict=True))
    assert flagged == {"s01": True, "s02": False}  # s02 has no answers: no test, no flag
    assert table.iloc[0]["difference"] == pytest.approx(1.0)


def test_awareness_rate_technical_only_blank_excluded(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    _assert_share(metrics, "staff_survey.awareness_rate", "item=aw_careers_advice", 2, 3)
    _assert_share(metrics, "staff_survey.awareness_rate", "year=2021;item=aw_careers_advice",
                  1, 4)
    # Not asked in 2022, nor the other awareness items anywhere: no rows.
    assert metrics[metrics["group"] == "year=2022;item=aw_careers_advice"].empty
    assert metrics[metrics["group"].str.contains("aw_mentoring")].empty


def test_awareness_change_since_previous_survey_that_asked(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    change = _row(metrics, "staff_survey.awareness_change", "item=aw_careers_advice")
    assert change["value"] == pytest.approx((2 / 3 - 1 / 4) * 100)
    # The smaller Yes count (1 of 4 in 2021) and the smaller denominator (3 in 2023).
    assert (change["numerator"], change["denominator"]) == (1, 3)
    assert metrics[metrics["group"] == "year=2021;item=aw_careers_advice"]["metric"].tolist() == [
        "staff_survey.awareness_rate"]  # first survey: no change
    trend = ss.awareness_trend(survey, 2023, ["aw_careers_advice"])
    assert trend["survey_year"].tolist() == [2021, 2023]
    assert trend["change_pp"].iloc[1] == pytest.approx((2 / 3 - 1 / 4) * 100)


def test_trend_prefixes_and_reporting_year(survey, institution):
    metrics = ss.staff_survey_metrics({"staff_survey": survey}, institution, 2023)
    _assert_share(metrics, "staff_survey.agree_share",
                  "year=2021;item=s01;staff_group=technical", 2, 4)
    _assert_share(metrics, "staff_survey.agree_share", "year=2022;item=s01", 2, 2)
    assert not metrics["group"].str.contains("2024").any()
    assert ss.staff_survey_metrics({"staff_survey": survey}, institution, 2020).empty


def test_impact_table_is_technical_staff_on_impact_items(survey):
    table = ss.impact_table(survey, 2023, ["s17"])
    assert (table.iloc[0]["agree"], table.iloc[0]["n_valid"]) == (2, 3)


def test_display_tables_survive_a_year_with_one_group_missing(survey):
    only_tech = survey[survey["staff_group"] == "technical"]
    table = ss.comparison_table(only_tech, 2023, ["s01"])
    assert table.iloc[0]["other_n"] == 0 and not table.iloc[0]["larger_than_chance"]
    assert ss.awareness_trend(survey.iloc[0:0], 2023).empty
    assert ss.responses_by_group(survey, 2020) == {"all": 0, "technical": 0, "other": 0}


def test_bad_values_are_named(survey, institution):
    bad = survey.copy()
    bad.loc[0, "staff_group"] = "Technical staff"
    with pytest.raises(ValueError, match="staff_survey.*staff_group.*Technical staff"):
        ss.staff_survey_metrics({"staff_survey": bad}, institution, 2023)
    bad = survey.copy()
    bad.loc[0, "aw_mentoring"] = "Maybe"
    with pytest.raises(ValueError, match="aw_mentoring.*Maybe"):
        ss.staff_survey_metrics({"staff_survey": bad}, institution, 2023)
    with pytest.raises(KeyError, match="staff_survey"):
        ss.staff_survey_metrics({}, institution, 2023)


# --- Back test of the three survey modules against the demo generator's answer key ----------
# Kept in one place so the demo is generated once (a few seconds). The key is computed
# independently by `pipeline.demo`; a mismatch means one side misread docs/qa/assumptions.md.

SURVEY_MODULES = ("destinations", "motivation", "staff_survey")


@pytest.fixture(scope="module")
def demo_key(tmp_path_factory):
    generate = pytest.importorskip("pipeline.demo").generate
    key_dir = generate(tmp_path_factory.mktemp("demo") / "raw", scale=0.2) / "answer_key"
    tables = {p.stem: pd.read_parquet(p) for p in (key_dir / "clean").glob("*.parquet")}
    metrics = pd.read_csv(key_dir / "metrics.csv", keep_default_na=False, na_values=[""])
    return tables, metrics


@pytest.mark.parametrize("module", SURVEY_MODULES)
def test_survey_metrics_match_demo_answer_key(demo_key, institution, module):
    from pipeline.analysis import destinations, motivation

    entry = {"destinations": destinations.destinations_metrics,
             "motivation": motivation.motivation_metrics,
             "staff_survey": ss.staff_survey_metrics}[module]
    tables, key = demo_key
    key = key[key["metric"].str.startswith(f"{module}.")]
    assert len(key) > 0, f"the answer key holds no {module} metric"
    year = int(key["year"].max())
    # One run for the last year: earlier years' key rows are its `year=YYYY;` trend rows.
    mine = entry(tables, institution, year).set_index(["metric", "group"])
    compared = 0
    for row in key.itertuples(index=False):
        group = motivation.trend_group(row.group if isinstance(row.group, str) else "",
                                       int(row.year), year)
        if row.denominator == 0:  # our reading: a 0/0 share has no row
            assert (row.metric, group) not in mine.index
            continue
        assert (row.metric, group) in mine.index, f"missing {row.metric} {group!r}"
        got = mine.loc[(row.metric, group)]
        for column in ("value", "numerator", "denominator"):
            expected = getattr(row, column)
            if pd.isna(expected):
                assert pd.isna(got[column]), f"{row.metric} {group!r} {column}"
            else:
                assert got[column] == pytest.approx(expected, abs=1e-9), (
                    f"{row.metric} {group!r} {column}")
        compared += 1
    assert compared > 0
