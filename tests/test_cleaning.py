"""Unit tests of the cleaning functions on small constructed frames."""

import pandas as pd
import pytest

from pipeline.cleaning import CleaningContext, CleaningLog, conform
from pipeline.cleaning.common import infer_id_width, parse_numbers, restore_leading_zeros
from pipeline.cleaning.destinations import classify_destinations, clean_destinations_survey
from pipeline.cleaning.events import clean_events, is_internal
from pipeline.cleaning.hr import clean_hr_promotions, clean_hr_staff
from pipeline.cleaning.mappings import map_values, normalise_key, split_multi_select
from pipeline.cleaning.surveys import clean_motivation_survey, likert_codes
from pipeline.cleaning.themes import comment_themes
from pipeline.config import load_institution
from pipeline.io import RawDataError
from pipeline.privacy import pseudonymise
from pipeline.schema import MOTIVATION_ITEMS, PROCESSED_COLUMNS, RAW_COLUMNS

SALT = "test-salt"


@pytest.fixture(scope="module")
def ctx():
    return CleaningContext(institution=load_institution("icr"), salt=SALT)


def raw_frame(dataset, rows):
    """A raw text frame as `read_raw` returns it: every contract column, blanks as <NA>."""
    frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS[dataset]), dtype="string")
    return frame.replace("", pd.NA)


def staff_row(staff_id="00123", census="31/12/2022", start="01/01/2020", fte="1", grade="SO3",
              **changes):
    row = {
        "census_date": census, "staff_id": staff_id, "full_name": "Ann Smith",
        "email": "ann.smith@example.org", "job_family": "Scientific Officer",
        "job_title": "Lab tech", "grade": grade, "division": "Cancer Biology",
        "contract_type": "Permanent", "fte": fte, "start_date": start, "gender": "F",
        "ethnicity": "White", "disability": "No", "age_band": "25-34",
    }
    return {**row, **changes}


def log():
    return CleaningLog(dataset="t", file="t.csv")


def test_grade_spellings_map_and_unknown_grade_is_reported():
    values = pd.Series(["SO3", " so 3 ", "Scientific Officer 3", "Band 5", "SO9", "SO9", None])
    record = log()
    mapped = map_values(values, "grades", column="grade", log=record,
                        allowed=load_institution("icr").grades)
    assert mapped.tolist()[:4] == ["SO3", "SO3", "SO3", "Band 5"]
    assert mapped.iloc[4:].isna().all()
    assert record.unmapped == [{"column": "grade", "value": "SO9", "count": 2}]


def test_grade_of_another_institution_is_unmapped_here():
    record = log()
    mapped = map_values(pd.Series(["Grade 5"]), "grades", column="grade", log=record,
                        allowed=load_institution("icr").grades)
    assert mapped.isna().all() and record.unmapped_total == 1
    other = map_values(pd.Series(["grade 5", "G5"]), "grades", column="grade", log=log(),
                       allowed=load_institution("imperial").grades)
    assert other.tolist() == ["Grade 5", "Grade 5"]


@pytest.mark.parametrize(
    ("table", "raw", "canonical"),
    [("contract_types", "FTC", "Fixed-term"), ("contract_types", "fixed-term", "Fixed-term"),
     ("contract_types", "Open ended", "Open-ended"), ("contract_types", "Permanent", "Open-ended"),
     ("yes_no", "don\u2019t know", "Not sure"), ("registers", "rscitech", "RSciTech"),
     ("event_types", "Public Engagement", "public engagement"), ("roles", "Speaker", "presenter"),
     ("sectors", "Health care", "healthcare"), ("staff_groups", "Technical", "technical")],
)
def test_mapping_tables_cover_contract_spellings(table, raw, canonical):
    assert map_values(pd.Series([raw]), table, column="c", log=log()).iloc[0] == canonical


def test_likert_words_and_numbers_to_codes():
    values = pd.Series(["Strongly Agree", "strongly agree", "5", "Neutral", "Neither agree nor "
                        "disagree", "N/A", "Don't know", None, "Disagree", "maybe"])
    record = log()
    codes = likert_codes(values, column="m01", log=record)
    assert codes.tolist()[:5] == [5, 5, 5, 3, 3]
    assert codes.iloc[5:8].isna().all() and codes.iloc[8] == 2
    assert str(codes.dtype) == "Int64"
    assert record.unmapped == [{"column": "m01", "value": "maybe", "count": 1}]


def test_normalise_key_and_multi_select():
    assert normalise_key("  Don\u2019t   KNOW ") == "don't know"
    split = split_multi_select(pd.Series(["Promotion; Further study", "a,b ,, c", None]))
    assert split.tolist() == [["Promotion", "Further study"], ["a", "b", "c"], []]


def test_staff_id_width_and_zero_padding():
    ids = pd.Series(["00123", "123", "45678", "9", "S001", None])
    assert infer_id_width(ids) == 5
    record = log()
    padded = restore_leading_zeros(ids, 5, record)
    assert padded.tolist()[:5] == ["00123", "00123", "45678", "00009", "S001"]
    assert record.ids_zero_padded == 2


def test_numbers_bad_value_reported_wrong_type_column_raises():
    record = log()
    numbers = parse_numbers(pd.Series(["1", "0.5", "1,200", "80%", "lots"]), column="fte",
                            log=record)
    assert numbers.tolist()[:4] == [1.0, 0.5, 1200.0, 80.0]
    assert record.unparseable_values == [{"column": "fte", "value": "lots", "count": 1}]
    with pytest.raises(RawDataError, match="t.csv: column 'fte' should hold numbers"):
        parse_numbers(pd.Series(["Ann", "Bob", "1"]), column="fte", log=log())


def test_hr_staff_dedup_same_person_rule_and_no_pii(ctx):
    rows = [
        staff_row("123", start="01/01/2018", fte="1"),
        staff_row("00123", start="01/06/2021", fte="0.5", grade="SO4"),  # latest start wins
        staff_row("00456", start="01/01/2020", fte="0.6", full_name="Bob Brown"),
        staff_row("00456", start="01/01/2020", fte="0.8", full_name="Bob Brown"),  # higher FTE
        staff_row("00456", start="01/01/2020", fte="0.8", full_name="Bob Brown"),  # exact dup
        staff_row("00123", census="31/12/2021", start="01/01/2018"),  # other census: kept
    ]
    out, record = clean_hr_staff(raw_frame("hr_staff", rows), ctx)
    assert record.rows_in == 6 and record.rows_out == 3
    assert record.exact_duplicates_removed == 1 and record.same_person_resolved == 2
    assert record.ids_zero_padded == 1
    p123, p456 = pseudonymise(pd.Series(["00123", "00456"]), SALT)
    at_2022 = out[out["census_year"] == 2022].set_index("person_id")
    assert at_2022.loc[p123, "grade"] == "SO4"
    assert at_2022.loc[p456, "fte"] == 0.8
    assert out["contract_type"].eq("Open-ended").all() and out["gender"].eq("Female").all()
    assert out["is_technical"].all()
    assert dict(out.dtypes.astype(str)) == PROCESSED_COLUMNS["hr_staff"]
    text = out.astype(str).to_csv()
    assert "Ann" not in text and "example.org" not in text and "00123" not in text


def test_promotions_unknown_grade_reported(ctx):
    raw = raw_frame("hr_promotions", [["1", "01/04/2023", "SO2", "SO 3"],
                                      ["2", "01/04/2023", "SO3", "Senior Wizard"]])
    out, record = clean_hr_promotions(raw, ctx)
    assert out["to_grade"].tolist()[0] == "SO3" and pd.isna(out["to_grade"].iloc[1])
    assert record.unmapped == [{"column": "to_grade", "value": "Senior Wizard", "count": 1}]
    assert out["effective_year"].tolist() == [2023, 2023]


@pytest.mark.parametrize(
    ("title", "employer", "sector"),
    [("Postdoc, UCL", None, "academia"), ("AstraZeneca - lab manager", None, "industry"),
     ("NHS lab", None, "healthcare"), ("PhD student", "UCL", "further study"),
     ("Research Officer", "Cancer Research UK", "charity"), ("Analyst", "UKHSA", "government"),
     ("Teacher", "Harris Academy", "non-science"), ("Moving abroad", None, "unknown"),
     ("Lab Manager", "University of Oxford", "academia"), (None, None, "unknown")],
)
def test_destination_rules_classify_contract_examples(title, employer, sector):
    result = classify_destinations(pd.Series([title], dtype="string"),
                                   pd.Series([employer], dtype="string"))
    assert result.iloc[0] == sector


def test_destinations_reported_vs_classified(ctx):
    raw = raw_frame("destinations_survey", [
        ["r1", "", "2023", "SO2", "Scientist", "GSK", "Industry ", "Yes", "Pay"],
        ["r2", "", "2023", "SO2", "Postdoc", "UCL", "", "yes", ""],
        ["r3", "", "2023", "SO2", "Taking time out", "", "", "No", ""],
        ["r4", "", "2023", "SO2", "x", "y", "Space", "No", ""],
    ])
    out, record = clean_destinations_survey(raw, ctx)
    assert out["destination_sector"].tolist()[:3] == ["industry", "academia", "unknown"]
    assert pd.isna(out["destination_sector"].iloc[3])
    assert out["sector_source"].tolist()[:3] == ["reported", "classified", "classified"]
    assert record.notes["sectors_classified_unknown"] == 1
    assert record.unmapped == [{"column": "destination_sector", "value": "Space", "count": 1}]
    assert out["destination_job_title"].iloc[1] == "Postdoc"  # original text kept for review


def test_comment_themes_and_other():
    comments = pd.Series(["My workload and pay are bad", "Nice place", None, "Line manager ok"])
    long = comment_themes(comments)
    assert set(map(tuple, long.to_numpy())) == {
        (0, "workload"), (0, "pay"), (1, "other"), (3, "management"),
    }


def test_motivation_survey_tables_hold_no_comment_text(ctx):
    items = ["Agree"] * 12
    raw = raw_frame("motivation_survey", [
        ["m1", "05/04/2023", "SO3", "Cancer Biology", "F", "1-2 years", *items,
         "Promotion; Further study", "Jo Bloggs is a great line manager"],
        ["m2", "2023-05-06", "so 2", "Cancer Biology", "Male", "3-5 years", *["5"] * 12,
         "Promotion,Management role", ""],
    ])
    tables, record = clean_motivation_survey(raw, ctx)
    survey = tables["motivation_survey"]
    assert survey[list(MOTIVATION_ITEMS)].eq(4).iloc[0].all()
    assert survey[list(MOTIVATION_ITEMS)].eq(5).iloc[1].all()
    assert tables["motivation_ambitions"]["ambition"].tolist() == [
        "Promotion", "Further study", "Promotion", "Management role"]
    assert tables["motivation_comment_themes"][["response_id", "theme"]].values.tolist() == [
        ["m1", "management"]]
    dumped = "".join(t.astype(str).to_csv() for t in tables.values())
    assert "Bloggs" not in dumped and "great" not in dumped
    for name, table in tables.items():
        assert dict(table.dtypes.astype(str)) == PROCESSED_COLUMNS[name]


def test_events_internal_and_email_pseudonym(ctx):
    raw = raw_frame("events", [
        ["E1", "Tech conf", "05/04/2023", "Conference", "Ann@Example.org", " the institute of "
         "cancer research", "Speaker"],
        ["E1", "Tech conf", "05/04/2023", "Conference", "bob@other.ac.uk", "UCL", "attendee"],
    ])
    out, _ = clean_events(raw, ctx)
    assert out["is_internal"].tolist() == [True, False]
    assert out["person_id"].iloc[0] == pseudonymise(pd.Series(["ann@example.org"]), SALT)[0]
    assert out["role"].tolist() == ["presenter", "attendee"]
    assert not is_internal(pd.Series([None], dtype="string"), ("ICR",)).iloc[0]


def test_conform_orders_types_and_names_missing_columns():
    spec = PROCESSED_COLUMNS["training"]
    frame = pd.DataFrame({c: [None] for c in reversed(spec)})
    out = conform(frame, "training")
    assert list(out.columns) == list(spec) and dict(out.dtypes.astype(str)) == spec
    with pytest.raises(KeyError, match="course"):
        conform(frame.drop(columns="course"), "training")


def test_mapping_table_conflicts_and_blank_canonical(tmp_path):
    from pipeline.cleaning.mappings import MappingError, load_mapping

    (tmp_path / "t.csv").write_text("raw,canonical\nYes,Yes\n yes ,Yes\nN/A,\n")
    assert load_mapping("t", tmp_path) == {"yes": "Yes", "n/a": None}
    (tmp_path / "bad.csv").write_text("raw,canonical\nY,Yes\ny,No\n")
    with pytest.raises(MappingError, match="maps to both"):
        load_mapping("bad", tmp_path)
    (tmp_path / "cols.csv").write_text("value,label\nY,Yes\n")
    with pytest.raises(MappingError, match="raw,canonical"):
        load_mapping("cols", tmp_path)


def test_every_shipped_mapping_table_loads_and_targets_canonical_values():
    from pipeline.cleaning.destinations import load_destination_rules
    from pipeline.cleaning.mappings import load_mapping
    from pipeline.cleaning.themes import load_theme_keywords
    from pipeline.schema import (
        CONTRACT_TYPES,
        DONT_KNOW,
        EVENT_ROLES,
        EVENT_TYPES,
        GENDERS,
        LEAVING_REASONS,
        LIKERT,
        REGISTERS,
        REGISTRATION_STATUSES,
        SECTORS,
        STAFF_GROUPS,
        YES_NO,
    )

    targets = {
        "contract_types": CONTRACT_TYPES, "genders": GENDERS, "leaving_reasons": LEAVING_REASONS,
        "likert": (*LIKERT, DONT_KNOW), "yes_no": YES_NO, "staff_groups": STAFF_GROUPS,
        "registers": REGISTERS, "registration_statuses": REGISTRATION_STATUSES,
        "event_types": EVENT_TYPES, "roles": EVENT_ROLES, "sectors": SECTORS,
    }
    for name, allowed in targets.items():
        values = {v for v in load_mapping(name).values() if v is not None}
        assert values <= set(allowed), (name, values - set(allowed))
    grades = {*load_institution("icr").grades, *load_institution("imperial").grades}
    assert set(load_mapping("grades").values()) <= grades
    assert len(load_destination_rules()) > 50 and len(load_theme_keywords()) >= 5


def test_rows_without_staff_id_are_never_merged(ctx):
    rows = [staff_row(""), staff_row(""), staff_row("00123")]
    out, record = clean_hr_staff(raw_frame("hr_staff", rows), ctx)
    # The two blank-ID rows are exact duplicates (dropped as such), not "the same person".
    assert record.exact_duplicates_removed == 1 and record.same_person_resolved == 0
    rows = [staff_row("", fte="1"), staff_row("", fte="0.5"), staff_row("00123")]
    out, record = clean_hr_staff(raw_frame("hr_staff", rows), ctx)
    assert len(out) == 3 and out["person_id"].isna().sum() == 2
