"""Destination metrics and tables, on a small hand-made table."""

import pandas as pd
import pytest
from metric_checks import assert_share as _assert_share
from metric_checks import metric_row as _row

from pipeline import schema
from pipeline.analysis import destinations as de
from pipeline.config import load_institution

NA = None


def _frame(rows):
    dtypes = schema.PROCESSED_COLUMNS["destinations_survey"]
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def _resp(rid, year, grade, sector, science, title="Lab manager", employer="Acme"):
    return {"response_id": rid, "left_year": year, "former_grade": grade,
            "destination_sector": sector, "still_in_science": science,
            "destination_job_title": title, "destination_employer": employer,
            "sector_source": "classified", "person_id": "pX"}


@pytest.fixture
def institution():
    return load_institution("icr")


@pytest.fixture
def destinations():
    return _frame([
        _resp("d1", 2023, "SO2", "academia", "Yes"),
        _resp("d2", 2023, "SO2", "academia", "Yes"),
        _resp("d3", 2023, "SO3", "industry", "No"),
        _resp("d4", 2023, "SO3", "unknown", NA, title="Travelling", employer=NA),
        _resp("d5", 2023, "SO1", "healthcare", "Not sure"),
        _resp("c1", 2022, "SO4", "unknown", "Yes", title="Consultant", employer="Self"),
        _resp("c2", 2022, "SO4", "charity", "Yes"),
        _resp("x1", 2024, "SO2", "industry", "Yes"),
    ])




def test_sector_share_every_sector_with_zeros(destinations, institution):
    metrics = de.destinations_metrics({"destinations_survey": destinations}, institution, 2023)
    shares = metrics[(metrics["metric"] == "destinations.sector_share")
                     & metrics["group"].str.startswith("sector=")]
    assert shares["group"].tolist() == [f"sector={s}" for s in schema.SECTORS]
    expected = {"academia": 2, "industry": 1, "healthcare": 1, "unknown": 1}
    for sector in schema.SECTORS:
        _assert_share(metrics, "destinations.sector_share", f"sector={sector}",
                      expected.get(sector, 0), 5)
    assert shares["value"].sum() == pytest.approx(1.0)


def test_still_in_science_excludes_blank(destinations, institution):
    metrics = de.destinations_metrics({"destinations_survey": destinations}, institution, 2023)
    _assert_share(metrics, "destinations.still_in_science_rate", "", 2, 4)
    _assert_share(metrics, "destinations.still_in_science_rate", "year=2022", 2, 2)
    assert _row(metrics, "destinations.responses", "")["value"] == 5


def test_by_former_grade(destinations, institution):
    metrics = de.destinations_metrics({"destinations_survey": destinations}, institution, 2023)
    _assert_share(metrics, "destinations.sector_share", "former_grade=SO3;sector=industry", 1, 2)
    _assert_share(metrics, "destinations.sector_share", "former_grade=SO3;sector=charity", 0, 2)
    _assert_share(metrics, "destinations.still_in_science_rate", "former_grade=SO3", 0, 1)
    _assert_share(metrics, "destinations.sector_share",
                  "year=2022;former_grade=SO4;sector=charity", 1, 2)
    shares = metrics[metrics["metric"] == "destinations.sector_share"]
    grades = [g.split(";")[0] for g in shares["group"]
              if g.startswith("former_grade=") and g.endswith("sector=academia")]
    assert grades == ["former_grade=SO1", "former_grade=SO2", "former_grade=SO3"]


def test_trend_by_left_year(destinations, institution):
    metrics = de.destinations_metrics({"destinations_survey": destinations}, institution, 2023)
    _assert_share(metrics, "destinations.sector_share", "year=2022;sector=unknown", 1, 2)
    assert not metrics["group"].str.contains("2024").any()
    assert de.destinations_metrics({"destinations_survey": destinations}, institution, 2021).empty


def test_display_tables(destinations):
    by_year = de.sector_by_year(destinations, 2023)
    assert len(by_year) == 2 * len(schema.SECTORS)
    assert by_year.groupby("left_year")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    flows = de.grade_sector_flows(destinations, [2022, 2023], ("SO1", "SO2", "SO3", "SO4"))
    assert flows["count"].sum() == 7
    so4 = flows[flows["former_grade"] == "SO4"].set_index("sector")["count"]
    assert (so4["charity"], so4["unknown"], so4["academia"]) == (1, 1, 0)
    science = de.still_in_science_table(destinations, 2023).set_index("left_year")
    assert (science.loc[2023, "yes"], science.loc[2023, "n_valid"]) == (2, 4)
    assert science.loc[2023, "ci_low"] < 0.5 < science.loc[2023, "ci_high"]


def test_flow_counts_to_date_back_the_flow_chart(destinations, institution):
    metrics = de.destinations_metrics({"destinations_survey": destinations}, institution, 2023)
    flows = metrics[metrics["metric"] == "destinations.flow_count"]
    # Grades SO1..SO4 responded up to 2023, every sector listed: 4 x 8 rows, 7 responses.
    assert len(flows) == 4 * len(schema.SECTORS)
    assert flows["value"].sum() == 7
    assert _row(metrics, "destinations.flow_count", "former_grade=SO2;sector=academia")[
        "value"] == 2
    assert _row(metrics, "destinations.flow_count", "former_grade=SO4;sector=unknown")[
        "value"] == 1
    assert _row(metrics, "destinations.flow_count", "former_grade=SO2;sector=industry")[
        "value"] == 0  # x1 left in 2024


def test_unclassified_answers_for_the_analyst(destinations):
    table = de.unclassified_answers(destinations, 2023)
    assert table["response_id"].tolist() == ["c1", "d4"]
    assert table.loc[0, "destination_employer"] == "Self"
    assert "person_id" not in table.columns


def test_blank_sector_or_bad_answer_is_named(destinations, institution):
    bad = destinations.copy()
    bad.loc[0, "destination_sector"] = pd.NA
    with pytest.raises(ValueError, match="destination_sector.*d1"):
        de.destinations_metrics({"destinations_survey": bad}, institution, 2023)
    bad = destinations.copy()
    bad.loc[0, "still_in_science"] = "yes"
    with pytest.raises(ValueError, match="still_in_science.*'yes'"):
        de.destinations_metrics({"destinations_survey": bad}, institution, 2023)


def test_display_tables_survive_no_responses(destinations):
    empty = destinations.iloc[0:0]
    assert de.sector_by_year(empty, 2023).empty
    assert de.grade_sector_flows(empty, [2023]).empty
    assert de.still_in_science_table(empty, 2023).empty
    assert de.unclassified_answers(empty, 2023).empty
