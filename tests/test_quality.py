"""Data-quality suites: valid tables pass; each way of breaking them stops or warns."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline import schema
from pipeline.config import load_institution
from pipeline.quality import (
    CRITICAL,
    WARNING,
    DataQualityError,
    ValidationReport,
    suite_specs,
    validate_tables,
)
from pipeline.quality.crosschecks import goes_up_grade_order, on_earlier_census
from pipeline.quality.validate import _kind_ok

YEAR = 2023
INSTITUTION = load_institution("icr")


# --- Small valid processed tables, built by hand ------------------------------------------

def typed(dataset: str, rows: list[dict]) -> pd.DataFrame:
    """A frame with exactly the schema's columns and dtypes (missing values blank)."""
    dtypes = schema.PROCESSED_COLUMNS[dataset]
    frame = pd.DataFrame(rows, columns=list(dtypes))
    return frame.astype(dtypes)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def staff_row(census: str, person: str, grade: str, fte: float = 1.0,
              family: str = "Scientific Officer", start: str = "2015-03-01") -> dict:
    return {
        "census_date": ts(census), "census_year": ts(census).year, "person_id": person,
        "job_family": family, "job_title": "Scientific Officer", "grade": grade,
        "division": "Cancer Biology", "contract_type": "Open-ended", "fte": fte,
        "start_date": ts(start), "gender": "Female", "ethnicity": "White",
        "disability": "No", "age_band": "30-39",
        "is_technical": family in INSTITUTION.technical_job_families,
    }


def valid_tables() -> dict[str, pd.DataFrame]:
    staff = typed("hr_staff", [
        staff_row("2022-12-31", "p01", "SO2"),
        staff_row("2022-12-31", "p02", "SO3", fte=0.6),
        staff_row("2022-12-31", "p03", "Band 5", family="Professional Services"),
        staff_row("2023-12-31", "p01", "SO3"),
        staff_row("2023-12-31", "p03", "Band 5", family="Professional Services"),
        staff_row("2023-12-31", "p04", "SO1", fte=0.5, start="2023-02-01"),
    ])
    leavers = typed("hr_leavers", [{
        "person_id": "p02", "leave_date": ts("2023-06-30"), "leave_year": 2023, "grade": "SO3",
        "job_family": "Scientific Officer", "division": "Cancer Biology",
        "contract_type": "Fixed-term", "start_date": ts("2015-03-01"),
        "leaving_reason": "End of contract", "exit_questionnaire_completed": True,
        "is_technical": True,
    }, {  # joined and left between two censuses: cannot have been on one
        "person_id": "p05", "leave_date": ts("2023-09-30"), "leave_year": 2023, "grade": "SO1",
        "job_family": "Scientific Officer", "division": "Cancer Biology",
        "contract_type": "Fixed-term", "start_date": ts("2023-03-01"),
        "leaving_reason": "Resignation", "exit_questionnaire_completed": pd.NA,
        "is_technical": True,
    }])
    promotions = typed("hr_promotions", [
        {"person_id": "p01", "effective_date": ts("2023-08-01"), "effective_year": 2023,
         "from_grade": "SO2", "to_grade": "SO3"},
    ])
    destinations = typed("destinations_survey", [
        {"response_id": "d1", "person_id": "p02", "left_year": 2023, "former_grade": "SO3",
         "destination_job_title": "Lab manager", "destination_employer": "AstraZeneca",
         "destination_sector": "industry", "sector_source": "classified",
         "still_in_science": "Yes", "reason_for_leaving": "Career"},
    ])
    motivation = typed("motivation_survey", [
        {"response_id": "r1", "submitted_at": ts("2023-05-02"), "survey_year": 2023,
         "grade": "SO3", "division": "Cancer Biology", "gender": "Male",
         "years_in_role": "1-3", **{item: 4 for item in schema.MOTIVATION_ITEMS}, "m02": pd.NA},
    ])
    ambitions = typed("motivation_ambitions",
                      [{"response_id": "r1", "survey_year": 2023, "ambition": "Promotion"}])
    themes = typed("motivation_comment_themes",
                   [{"response_id": "r1", "survey_year": 2023, "theme": "workload"}])
    staff_survey = typed("staff_survey", [
        {"response_id": "s1", "survey_year": 2023, "staff_group": "technical", "grade": "SO2",
         **{item: 5 for item in schema.STAFF_SURVEY_ITEMS},
         **{item: "Yes" for item in schema.AWARENESS_ITEMS}},
    ])
    events = typed("events", [
        {"event_id": "e1", "event_name": "TC forum", "event_date": ts("2023-03-14"),
         "event_year": 2023, "event_type": "forum", "person_id": "p01",
         "attendee_institution": "ICR", "is_internal": True, "role": "attendee"},
    ])
    registrations = typed("registrations", [
        {"person_id": "p01", "register": "RSciTech", "application_date": ts("2023-01-10"),
         "status": "registered", "registered_date": ts("2023-04-01"), "cohort": "2023"},
        {"person_id": "p04", "register": "RSci", "application_date": ts("2023-06-10"),
         "status": "applied", "registered_date": pd.NaT, "cohort": "2023"},
    ])
    activity = typed("activity_log", [
        {"action_id": "3h", "date": ts("2023-02-01"), "year": 2023, "activity": "Launch",
         "metric": "", "value": 1.0, "notes": ""},
    ])
    training = typed("training", [
        {"person_id": "p01", "course": "Leadership", "provider": "Internal",
         "completed_date": ts("2023-10-01"), "completed_year": 2023, "category": "leadership"},
    ])
    return {
        "hr_staff": staff, "hr_leavers": leavers, "hr_promotions": promotions,
        "destinations_survey": destinations, "motivation_survey": motivation,
        "motivation_ambitions": ambitions, "motivation_comment_themes": themes,
        "staff_survey": staff_survey, "events": events, "registrations": registrations,
        "activity_log": activity, "training": training,
    }


def only(**tables: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Just the tables a break needs (valid ones unless given): a GX run costs ~13 ms per
    expectation, so the break tests validate a few tables, not all twelve."""
    valid = valid_tables()
    return {name: valid[name] if frame is None else frame for name, frame in tables.items()}


def failed(report: ValidationReport, level: str, dataset: str, check_part: str) -> pd.DataFrame:
    rows = report.warnings() if level == WARNING else report.critical_failures()
    return rows[(rows["dataset"] == dataset) & rows["check"].str.contains(check_part, regex=False)]


@pytest.fixture(scope="module")
def valid_report() -> ValidationReport:
    return validate_tables(valid_tables(), INSTITUTION, YEAR)


# --- The valid tables pass ----------------------------------------------------------------

def test_valid_tables_pass_every_expectation(valid_report):
    res = valid_report.results
    assert valid_report.ok
    assert res["success"].all(), res.loc[~res["success"], ["dataset", "check", "sample"]]
    assert set(res["dataset"]) == set(schema.PROCESSED_COLUMNS)
    valid_report.raise_for_critical()  # must not raise


def test_every_check_of_every_suite_is_in_the_results(valid_report):
    specs = suite_specs(INSTITUTION, YEAR)
    gx_rows = valid_report.results[~valid_report.results["expectation"].str.startswith("pandas:")]
    for dataset, checks in specs.items():
        got = gx_rows[gx_rows["dataset"] == dataset]
        assert len(got) == len(checks), dataset
        assert (got["expectation"] != "not run").all(), dataset


def test_validation_of_all_tables_is_fast(valid_report):
    # The one-off GX import (3-4 s) is not counted; all twelve suites must stay fast.
    assert 0 < valid_report.seconds < 10


def test_suites_carry_a_level_and_cover_the_contract_columns():
    specs = suite_specs(INSTITUTION, YEAR)
    for dataset, checks in specs.items():
        assert {c.level for c in checks} <= {CRITICAL, WARNING}
        (present,) = [c for c in checks if c.expectation == "ExpectTableColumnsToMatchSet"]
        assert present.level == CRITICAL
        assert present.kwargs["column_set"] == list(schema.PROCESSED_COLUMNS[dataset])
    ends = {c.kwargs["max_value"] for c in specs["hr_leavers"] if c.columns == ("leave_date",)
            and "max_value" in c.kwargs}
    assert ends == {pd.Timestamp("2023-12-31")}
    later = suite_specs(INSTITUTION, 2021, data_end_year=2023)["destinations_survey"]
    assert {c.kwargs["max_value"] for c in later if "max_value" in c.kwargs} == {2023}
    grade_sets = [c.kwargs["value_set"] for c in specs["hr_staff"] if c.columns == ("grade",)
                  and c.expectation == "ExpectColumnValuesToBeInSet"]
    assert grade_sets == [list(INSTITUTION.grades)]


# --- Breaking the tables one way at a time ------------------------------------------------

def test_same_person_twice_at_one_census_stops_the_run():
    staff = valid_tables()["hr_staff"]
    staff = pd.concat([staff, staff.iloc[[3]].assign(grade="SO2")], ignore_index=True)
    report = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR)
    row = failed(report, CRITICAL, "hr_staff", "one row per census_date and person_id")
    assert len(row) == 1 and row["unexpected_count"].iloc[0] == 2
    assert "p01" not in row["sample"].iloc[0]  # pseudonyms kept out of the report's sample
    with pytest.raises(DataQualityError) as err:
        report.raise_for_critical()
    message = str(err.value)
    assert "hr_staff" in message and "one row per census_date and person_id" in message
    assert "person_id: p01" in message and "2023-12-31" in message
    assert len(err.value.failures) == len(report.critical_failures())


def test_fte_above_one_stops_the_run_naming_the_value():
    staff = valid_tables()["hr_staff"]
    staff.loc[1, "fte"] = 1.7
    report = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR)
    row = failed(report, CRITICAL, "hr_staff", "fte in (0, 1]")
    assert row["unexpected_count"].tolist() == [1] and row["sample"].tolist() == ["1.7"]
    with pytest.raises(DataQualityError, match=r"hr_staff: fte in \(0, 1\].*1\.7"):
        report.raise_for_critical()


def test_unmapped_grade_is_a_counted_warning_not_a_stop():
    staff = valid_tables()["hr_staff"]
    staff.loc[[0, 4], "grade"] = pd.NA  # what the cleaning makes of "Grade X"
    report = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR)
    row = failed(report, WARNING, "hr_staff", "grade mapped")
    assert row["unexpected_count"].tolist() == [2]
    assert row["sample"].iloc[0] == "census_date=2022-12-31 | census_date=2023-12-31"
    assert report.ok
    report.raise_for_critical()


def test_grade_not_in_the_institution_config_stops_the_run():
    staff = valid_tables()["hr_staff"]
    staff.loc[0, "grade"] = "SO9"
    report = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR)
    row = failed(report, CRITICAL, "hr_staff", "grade in the institution's grades")
    assert row["sample"].tolist() == ["SO9"]
    with pytest.raises(DataQualityError, match="SO9"):
        report.raise_for_critical()


def test_leaver_never_on_a_census_stops_the_run():
    leavers = valid_tables()["hr_leavers"]
    leavers.loc[0, "person_id"] = "p99"  # employed since 2015, on no census
    report = validate_tables(only(hr_staff=None, hr_leavers=leavers), INSTITUTION, YEAR)
    row = failed(report, CRITICAL, "hr_leavers", "leaver was on an earlier census")
    assert row["unexpected_count"].tolist() == [1]
    assert "leave_date=2023-06-30" in row["sample"].iloc[0]
    with pytest.raises(DataQualityError, match="person_id: p99"):
        report.raise_for_critical()


def test_promotion_down_the_grade_order_stops_the_run():
    promotions = valid_tables()["hr_promotions"].assign(from_grade="SO3", to_grade="SO2")
    report = validate_tables(only(hr_staff=None, hr_promotions=promotions), INSTITUTION, YEAR)
    row = failed(report, CRITICAL, "hr_promotions", "goes up the grade order")
    assert "from_grade=SO3, to_grade=SO2" in row["sample"].iloc[0]
    with pytest.raises(DataQualityError, match="hr_promotions: promotion goes up"):
        report.raise_for_critical()


def test_registered_before_applied_stops_the_run():
    regs = valid_tables()["registrations"]
    regs.loc[0, "registered_date"] = ts("2022-12-01")
    report = validate_tables(only(hr_staff=None, registrations=regs), INSTITUTION, YEAR)
    row = failed(report, CRITICAL, "registrations", "registered_date not before application")
    assert row["unexpected_count"].tolist() == [1]
    assert "registered_date=2022-12-01" in row["sample"].iloc[0]


def test_other_breaks_in_one_run_each_caught_at_its_level():
    """Several independent breaks in different tables, one GX run."""
    tables = valid_tables()
    tables["motivation_survey"].loc[0, "m05"] = 7  # Likert out of range
    tables["events"].loc[0, "event_date"] = ts("2024-01-10")  # after the reporting year
    # pandas 3 parses dates to datetime64[us]: the right kind, not the schema's exact dtype.
    tables["staff_survey"]["s01"] = pd.array([7], dtype="Int64")  # Likert out of range
    tables["training"] = tables["training"].astype({"completed_date": "datetime64[us]"})
    tables["training"]["staff_id"] = "12345"  # PII leaked into processed data
    tables["activity_log"]["date"] = tables["activity_log"]["date"].astype(str)  # wrong kind
    del tables["destinations_survey"]
    report = validate_tables(tables, INSTITUTION, YEAR)
    critical = report.critical_failures()
    got = set(zip(critical["dataset"], critical["check"], strict=True))
    assert ("motivation_survey", "Likert codes 1..5") in got
    assert ("staff_survey", "Likert codes 1..5") in got
    likert = critical[critical["check"] == "Likert codes 1..5"].set_index("dataset")
    sample = likert.loc["motivation_survey", "sample"]
    assert sample.startswith("code=7, item=m05, survey_year=2023")
    assert likert.loc["staff_survey", "unexpected_count"] == 1
    assert ("events", "event_date not after 2023-12-31") in got
    assert ("training", "no personal-data columns") in got
    assert ("activity_log", "columns hold the schema's kind of value") in got
    warned = set(zip(report.warnings()["dataset"], report.warnings()["check"], strict=True))
    assert ("training", "columns have the schema's exact dtype") in warned
    assert ("destinations_survey", "dataset present") in warned
    # Nothing else broke: every other dataset still passes.
    broken = {"motivation_survey", "events", "staff_survey", "training", "activity_log",
              "destinations_survey"}
    assert not set(critical["dataset"]) - broken
    others = report.results[~report.results["dataset"].isin(broken)]
    assert others["success"].all()


def test_earlier_year_rerun_on_a_later_export_passes():
    # The 2023 census and 2023 dates are after 2022 but not after the data's end.
    report = validate_tables(only(hr_staff=None, hr_promotions=None), INSTITUTION, 2022)
    assert report.ok
    assert "census_date not after 2023-12-31" in set(report.results["check"])


def test_missing_census_for_the_year_stops_the_run():
    staff = valid_tables()["hr_staff"]
    staff = staff[staff["census_year"] == 2022]
    report = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR)
    assert not failed(report, CRITICAL, "hr_staff", "census_year = 2023").empty


# --- Reports written and read back --------------------------------------------------------

def test_json_round_trip_and_report_view(tmp_path, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    staff = valid_tables()["hr_staff"]
    staff.loc[0, "grade"] = pd.NA
    report = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR)
    out, err = capfd.readouterr()
    assert "Calculating Metrics" not in out + err  # progress bars off
    assert list(tmp_path.iterdir()) == []  # ephemeral context: GX wrote nothing
    path = report.to_json(tmp_path / "validation_results.json")
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["year"] == YEAR and len(payload["results"]) == len(report.results)
    back = ValidationReport.from_json(path)
    pd.testing.assert_frame_equal(back.for_report(), report.for_report())
    assert "sample_rows" not in back.for_report().columns
    summary = back.summary().set_index("dataset")
    assert summary.loc["hr_staff", "rows"] == len(staff)
    assert summary.loc["hr_staff", "warnings_failed"] == 1
    assert summary.loc["hr_leavers", "warnings_failed"] == 1  # dataset missing


def test_checks_by_kind_count_every_expectation_once(valid_report):
    kinds = valid_report.by_kind().set_index("kind")
    assert kinds["expectations"].sum() == len(valid_report.results)
    assert (kinds["passed"] == kinds["expectations"]).all()
    cross_table = valid_report.results["column"].astype(str).str.startswith("qc_").sum()
    assert kinds.loc["Rules across columns and tables", "expectations"] == cross_table > 0
    assert "Other checks" not in kinds.index  # every expectation used has a kind


def test_a_failed_check_shows_in_its_kind():
    staff = valid_tables()["hr_staff"]
    staff.loc[0, "fte"] = 1.7  # out of range: critical
    staff.loc[[1, 2], "grade"] = pd.NA  # unmapped: a warning
    kinds = validate_tables(only(hr_staff=staff), INSTITUTION, YEAR).by_kind().set_index("kind")
    assert kinds.loc["Numbers and dates in range", "critical_failed"] == 1
    assert kinds.loc["Required values present", "warnings_failed"] == 1
    assert kinds["critical_failed"].sum() == 1


def test_unknown_dataset_name_is_a_clear_error():
    with pytest.raises(ValueError, match="hr_stafff"):
        validate_tables({"hr_stafff": pd.DataFrame()}, INSTITUTION, YEAR)


# --- Derived rules, in pandas (no GX) -----------------------------------------------------

def test_on_earlier_census_rules():
    staff = valid_tables()["hr_staff"]
    leavers = pd.DataFrame({
        "person_id": pd.array(["p02", "p99", "p98", "p97", "p03"], dtype="string"),
        "leave_date": pd.to_datetime(
            ["2023-06-30", "2023-06-30", "2023-06-30", "2022-06-30", "2024-02-01"]),
        "start_date": pd.to_datetime(["2015-03-01", "2015-03-01", "2023-01-05", None, None]),
    })
    # on 2022 census | never on one | joined after last census | before first census | on one
    assert on_earlier_census(leavers, staff).tolist() == [True, False, True, True, True]


def test_goes_up_grade_order_ignores_non_technical_grades():
    promotions = pd.DataFrame({
        "from_grade": pd.array(["SO1", "SO3", "SO3", "Band 4", "SO2"], dtype="string"),
        "to_grade": pd.array(["SO2", "SO2", "SO3", "Band 5", pd.NA], dtype="string"),
    })
    assert goes_up_grade_order(promotions, INSTITUTION).tolist() == [
        True, False, False, True, True,
    ]


@pytest.mark.parametrize(("values", "expected", "ok"), [
    (pd.array(["a"], dtype="string"), "string", True),
    (pd.Series(["a"]), "string", True),  # pandas 3 default str dtype
    (pd.Series([1.5]), "string", False),
    (pd.to_datetime(pd.Series(["2023-01-01"])), "datetime64[ns]", True),  # [us] in pandas 3
    (pd.Series(["2023-01-01"]), "datetime64[ns]", False),
    (pd.array([1], dtype="Int64"), "Int64", True),
    (pd.Series([True]), "Int64", False),
    (pd.Series(["0.5"]), "float64", False),
])
def test_column_kind_check(values, expected, ok):
    assert _kind_ok(pd.Series(values), expected) is ok or bool(_kind_ok(pd.Series(values),
                                                                        expected)) == ok
