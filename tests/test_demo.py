"""The demo generator: deterministic, complete, messy in every documented way, and its answer
key agrees with figures worked out here from the raw files by a separate, simple route."""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import DEMO_SALT, is_demo_source, load_institution
from pipeline.demo import generate
from pipeline.privacy import pseudonymise
from pipeline.schema import DATASETS, PII_COLUMNS, PROCESSED_COLUMNS, RAW_COLUMNS

SCALE = 0.1
LIKERT_WORDS = {
    "strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "neutral": 3,
    "agree": 4, "strongly agree": 5,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("demo") / "raw", scale=SCALE)


@pytest.fixture(scope="module")
def mess_log(demo) -> dict:
    return json.loads((demo / "answer_key" / "mess.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def key(demo) -> dict[str, pd.DataFrame]:
    folder = demo / "answer_key" / "clean"
    return {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}


@pytest.fixture(scope="module")
def key_metrics(demo) -> pd.DataFrame:
    return pd.read_csv(demo / "answer_key" / "metrics.csv", keep_default_na=False,
                       na_values=[""]).fillna({"group": ""})


def _norm(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.replace("\ufeff", "").strip().lower())


def read_raw(folder: Path, dataset: str) -> pd.DataFrame:
    """A deliberately plain reader (not the pipeline's): strings, normalised headers."""
    [path] = [p for p in folder.iterdir() if p.stem == dataset]
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=object)
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [_norm(c) for c in frame.columns]
    frame = frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
    blank = frame.map(lambda v: str(v).strip() == "").all(axis=1)
    return frame[~blank].reset_index(drop=True)


def _uk_or_iso(value: str) -> pd.Timestamp:
    value = str(value).strip()
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
        return pd.to_datetime(value, format="%d/%m/%Y")
    return pd.Timestamp(value)


def _metric(metrics: pd.DataFrame, year: int, name: str, group: str = "") -> pd.Series:
    row = metrics[(metrics["year"] == year) & (metrics["metric"] == name)
                  & (metrics["group"] == group)]
    assert len(row) == 1, f"{name} {group!r} {year}: {len(row)} rows"
    return row.iloc[0]


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path, demo):
    again = generate(tmp_path / "again", scale=SCALE)
    files = sorted(p.relative_to(demo) for p in demo.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    changed = [str(f) for f in files if (demo / f).read_bytes() != (again / f).read_bytes()]
    assert changed == []
    other = generate(tmp_path / "other", scale=SCALE, seed=7)
    assert (other / "hr_staff.csv").read_bytes() != (demo / "hr_staff.csv").read_bytes()


def test_every_dataset_has_all_contract_columns_and_marker(demo):
    assert is_demo_source(demo)
    assert "synthetic" in (demo / "DEMO").read_text(encoding="utf-8").lower()
    for dataset in DATASETS:
        assert list(read_raw(demo, dataset).columns) == list(RAW_COLUMNS[dataset]), dataset


def test_answer_key_tables_match_processed_schema_without_pii(demo, key):
    assert set(key) == set(PROCESSED_COLUMNS)
    for table, schema in PROCESSED_COLUMNS.items():
        frame = key[table]
        assert list(frame.columns) == list(schema), table
        assert {c: str(frame[c].dtype) for c in frame} == {
            c: str(pd.Series(dtype=t).dtype) for c, t in schema.items()}, table
        assert not set(frame.columns) & {c for cols in PII_COLUMNS.values() for c in cols
                                         if c != "comments"}
    staff = read_raw(demo, "hr_staff")
    names = set(staff["full_name"]) | set(staff["email"].str.lower())
    for table, frame in key.items():
        text = frame.astype(str).to_numpy().ravel()
        assert not names & set(text), table


def test_sizes_are_roughly_right(key):
    staff = key["hr_staff"]
    per_census = staff.groupby("census_year").size()
    tech = staff[staff["is_technical"]].groupby("census_year").size()
    assert list(per_census.index) == [2019, 2020, 2021, 2022, 2023]
    assert per_census.between(2000 * SCALE * 0.9, 2000 * SCALE * 1.2).all()
    assert tech.between(500 * SCALE * 0.9, 500 * SCALE * 1.2).all()
    leavers = key["hr_leavers"]
    technical_leavers = leavers[leavers["is_technical"]].groupby("leave_year").size()
    assert 0.05 < technical_leavers.sum() / tech.loc[2020:2023].sum() < 0.2
    survey = key["staff_survey"]
    assert sorted(survey["survey_year"].unique()) == [2021, 2023]
    responses = survey.groupby("survey_year").size() / per_census.loc[[2021, 2023]]
    assert responses.between(0.5, 0.7).all()
    assert sorted(key["motivation_survey"]["survey_year"].unique()) == [2022, 2023]
    assert key["events"].groupby("event_year")["event_id"].nunique().between(8, 20).all()


def test_leavers_agree_with_the_censuses(key):
    staff, leavers = key["hr_staff"], key["hr_leavers"]
    on = set(zip(staff["person_id"], staff["census_year"], strict=True))
    for person, year in zip(leavers["person_id"], leavers["leave_year"], strict=True):
        assert (person, year - 1) in on and (person, year) not in on
    promos = key["hr_promotions"]
    order = load_institution("icr").grade_order
    steps = [order.index(t) - order.index(f) for f, t in zip(promos["from_grade"],
                                                              promos["to_grade"], strict=True)]
    assert steps and set(steps) == {1}


def test_turnover_and_headcount_from_raw_files_match_key(demo, key_metrics):
    inst = load_institution("icr")
    staff = read_raw(demo, "hr_staff").drop_duplicates()
    staff["id"] = staff["staff_id"].str.strip().str.zfill(5)
    staff["year"] = staff["census_date"].str[-4:].astype(int)
    family = staff["job_family"].str.strip().str.casefold()
    tech = staff[family.isin({f.casefold() for f in inst.technical_job_families})]
    heads = tech.groupby("year")["id"].nunique()
    leavers = read_raw(demo, "hr_leavers").drop_duplicates()
    leavers = leavers[leavers["job_family"].str.strip().str.casefold().isin(
        {f.casefold() for f in inst.technical_job_families})]
    left = leavers["leave_date"].map(lambda v: pd.Timestamp(v).year).value_counts()
    for year in (2022, 2023):
        assert _metric(key_metrics, year, "workforce.headcount")["value"] == heads[year]
        row = _metric(key_metrics, year, "workforce.turnover_rate")
        assert row["numerator"] == left[year]
        assert row["value"] == pytest.approx(left[year] / ((heads[year] + heads[year - 1]) / 2))


def test_staff_survey_agree_share_from_raw_file_matches_key(demo, key_metrics):
    survey = read_raw(demo, "staff_survey").drop_duplicates()
    survey = survey[survey["survey_year"].astype(int) == 2023]
    tech = survey[survey["staff_group"].str.casefold() == "technical"]

    def code(v):
        text = str(v).strip().casefold()
        return int(text) if text in {"1", "2", "3", "4", "5"} else LIKERT_WORDS.get(text)

    for item in ("s03", "s11"):
        codes = tech[item].map(code).dropna()
        row = _metric(key_metrics, 2023, "staff_survey.agree_share",
                      f"item={item};staff_group=technical")
        assert (row["numerator"], row["denominator"]) == ((codes >= 4).sum(), len(codes))
    aware = tech["aw_mentoring"].str.strip().str.casefold()
    aware = aware[aware != ""]
    row = _metric(key_metrics, 2023, "staff_survey.awareness_rate", "item=aw_mentoring")
    assert row["value"] == pytest.approx((aware == "yes").mean())


def test_event_attendees_and_registrations_from_raw_files_match_key(demo, key_metrics):
    inst = load_institution("icr")
    events = read_raw(demo, "events")
    internal = events["attendee_institution"].str.strip().isin(inst.internal_institutions)
    rits = events[internal & events["event_name"].str.startswith("RITS 2021")]
    event_id = rits["event_id"].iloc[0]
    row = _metric(key_metrics, 2021, "events.attendees", f"event_id={event_id}")
    assert row["value"] == rits["attendee_email"].str.lower().nunique()
    regs = read_raw(demo, "registrations").drop_duplicates()
    cohort = regs["cohort"].astype(str).str.strip()
    assert (cohort == "pilot").sum() == 6  # action 2a
    pilot_year = _metric(key_metrics, 2021, "registrations.applicants")
    assert pilot_year["value"] == 6


def test_person_ids_are_pseudonymised_padded_ids(demo, key):
    raw = read_raw(demo, "hr_staff")
    padded = raw["staff_id"].str.strip().str.zfill(5)
    assert set(pseudonymise(padded, DEMO_SALT)) == set(key["hr_staff"]["person_id"])
    events = read_raw(demo, "events")
    assert set(pseudonymise(events["attendee_email"].str.lower(), DEMO_SALT)) == set(
        key["events"]["person_id"])


def test_files_carry_each_encoding_and_xlsx_dates(demo, mess_log):
    encodings = {f["encoding"] for f in mess_log["files"].values() if f["format"] == "csv"}
    assert encodings == {"cp1252", "utf-8-sig", "utf-8"}
    staff = (demo / "hr_staff.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        staff.decode("utf-8")  # accented names in cp1252
    assert (demo / "hr_leavers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert staff.endswith(b"," * 14 + b"\r\n")  # blank trailing rows
    xlsx = sorted(p.name for p in demo.glob("*.xlsx"))
    assert len(xlsx) >= 2
    sheet = zipfile.ZipFile(demo / "training.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert 's="1"><v>' in sheet  # real date cells
    serials = pd.read_excel(demo / "training.xlsx", dtype=object)["COMPLETED_DATE"]
    assert serials.map(lambda v: isinstance(v, int)).any()
    assert serials.map(lambda v: isinstance(v, datetime.datetime)).any()


def test_headers_dates_ids_and_spellings_are_messy(demo, mess_log):
    headers = {h for f in mess_log["files"].values() for h in f["headers"]}
    assert {"Staff ID", " staff_id", "STAFF_ID"} <= headers
    staff = read_raw(demo, "hr_staff")
    starts = staff["start_date"]
    assert starts.str.fullmatch(r"\d{4}-\d{2}-\d{2}").any()
    assert starts.str.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}").any()
    uk = starts[starts.str.fullmatch(r"\d{2}/\d{2}/\d{4}")]
    assert (uk.str[:2].astype(int) <= 12).any() and (uk.str[:2].astype(int) > 12).any()
    assert (staff["staff_id"].str.len() < 5).any()
    grades, contracts = set(staff["grade"]), set(staff["contract_type"])
    assert {"SO3", " SO3 "} <= grades or {"SO2", " SO2 "} <= grades
    assert any(g.startswith("so ") for g in grades)
    assert any(g.startswith("Scientific Officer ") for g in grades)
    assert "FTC" in contracts and ("Fixed Term" in contracts or "fixed-term" in contracts)
    survey_values = set(read_raw(demo, "staff_survey")["s01"].astype(str))
    assert {"Neutral", "N/A", "Don't know", ""} & survey_values
    assert {"Strongly agree", "5"} <= survey_values
    ambitions = read_raw(demo, "motivation_survey")["ambitions"]
    assert ambitions.str.contains(";").any() and ambitions.str.contains(",").any()
    for (name, fmt) in [("text", "leave_date")]:
        assert mess_log["date_formats"]["hr_leavers"][fmt][name] > 0


def test_duplicates_and_same_person_twice_match_the_log(demo, mess_log, key):
    for dataset in DATASETS:
        raw = read_raw(demo, dataset).astype(str)
        assert raw.duplicated().sum() == mess_log["exact_duplicates"][dataset], dataset
    staff = read_raw(demo, "hr_staff").drop_duplicates()
    staff["id"] = staff["staff_id"].str.strip().str.zfill(5)
    twice = staff[staff.duplicated(["census_date", "id"], keep=False)]
    assert len(twice) == 2 * mess_log["same_person_twice"]["hr_staff"]
    # The true row is the one the rule keeps: latest start_date, then highest FTE.
    twice = twice.assign(start=twice["start_date"].map(_uk_or_iso),
                         fte=twice["fte"].astype(float))
    kept = twice.sort_values(["start", "fte"]).groupby(["census_date", "id"]).tail(1)
    truth = key["hr_staff"].set_index(["census_date", "person_id"])
    for _, row in kept.iterrows():
        person = pseudonymise(pd.Series([row["id"]]), DEMO_SALT).iloc[0]
        true = truth.loc[(pd.to_datetime(row["census_date"], format="%d/%m/%Y"), person)]
        assert true["job_title"] == row["job_title"] and true["fte"] == row["fte"]


def test_unmapped_values_are_listed_and_blank_in_the_truth(demo, key):
    unmapped = pd.read_csv(demo / "answer_key" / "unmapped.csv", dtype={"raw_value": str})
    assert len(unmapped) >= 2
    for row in unmapped.itertuples():
        raw = read_raw(demo, row.dataset)
        assert (raw[row.column].astype(str) == row.raw_value).sum() == row.count
    staff = key["hr_staff"]
    assert staff["grade"].isna().sum() == unmapped.query("column == 'grade'")["count"].sum()
    assert staff["gender"].isna().sum() == unmapped.query("column == 'gender'")["count"].sum()


def test_destinations_half_blank_sector_and_comments_name_people(demo, key):
    raw = read_raw(demo, "destinations_survey")
    blank = (raw["destination_sector"].str.strip() == "").mean()
    assert 0.2 < blank < 0.8
    truth = key["destinations_survey"]
    assert set(truth["sector_source"]) == {"reported", "classified"}
    assert truth["destination_sector"].notna().all()
    comments = read_raw(demo, "motivation_survey")["comments"]
    names = set(read_raw(demo, "hr_staff")["full_name"])
    named = [c for c in comments if c and any(c.startswith(n + " ") for n in names)]
    assert named, "some comments should name a person so redaction can be tested"


def test_imperial_demo_uses_its_configuration(tmp_path):
    out = generate(tmp_path / "imperial", institution="imperial", scale=0.05)
    inst = load_institution("imperial")
    key = pd.read_parquet(out / "answer_key" / "clean" / "hr_staff.parquet")
    tech = key[key["is_technical"]]
    assert set(tech["job_family"]) <= set(inst.technical_job_families)
    assert set(tech["grade"].dropna()) <= set(inst.grade_order)
    actions = set(pd.read_parquet(out / "answer_key" / "clean" / "activity_log.parquet")
                  ["action_id"])
    expected = ({f"V{i}" for i in range(1, 7)} | {f"R{i}" for i in range(1, 7)}
                | {f"C{i}" for i in range(1, 8)} | {f"S{i}" for i in range(1, 6)}
                | {f"BAU{i}" for i in range(1, 7)})
    assert actions <= expected and len(expected - actions) == 3  # R4, C4, S2 left as no_data
    registers = set(pd.read_parquet(out / "answer_key" / "clean" / "registrations.parquet")
                    ["register"])
    assert {"RITTech", "REnvTech"} & registers


def test_refuses_to_overwrite_a_folder_of_real_exports(tmp_path):
    (tmp_path / "hr_staff.csv").write_text("staff_id\n1\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="no DEMO marker"):
        generate(tmp_path, scale=SCALE)
    assert (tmp_path / "hr_staff.csv").read_text(encoding="utf-8") == "staff_id\n1\n"


def test_years_without_survey_rounds_still_generate(tmp_path):
    out = generate(tmp_path / "short", scale=0.05, years=range(2019, 2021))
    metrics = pd.read_csv(out / "answer_key" / "metrics.csv")
    assert set(metrics["year"]) == {2019, 2020}
    assert not metrics["metric"].str.startswith(("staff_survey.", "motivation.")).any()
    survey = pd.read_parquet(out / "answer_key" / "clean" / "staff_survey.parquet")
    assert survey.empty and list(survey.columns) == list(PROCESSED_COLUMNS["staff_survey"])
