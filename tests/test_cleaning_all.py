"""`clean_all` wiring on a small constructed raw folder, and every kind of broken input."""

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline.cleaning import LOG_FILE_NAME, clean_all, read_logs
from pipeline.config import SALT_ENV, ConfigError, load_institution
from pipeline.io import RawDataError
from pipeline.schema import (
    AWARENESS_ITEMS,
    DATASETS,
    MOTIVATION_ITEMS,
    PROCESSED_COLUMNS,
    RAW_COLUMNS,
    STAFF_SURVEY_ITEMS,
)

NAMES = ("Siobhán O'Brien", "Kwame Mensah")
EMAILS = ("siobhan.obrien@icr.ac.uk", "kwame.mensah@icr.ac.uk")
STAFF_IDS = ("01234", "05678")

ROWS = {
    "hr_staff": [
        ["31/12/2022", "1234", NAMES[0], EMAILS[0], "Scientific Officer", "Lab tech", "so 3",
         "Cancer Biology", "FTC", "1", "05/04/2019", "F", "White", "No", "25-34"],
        ["2022-12-31", STAFF_IDS[1], NAMES[1], EMAILS[1], "BSU", "Animal tech", "SO2",
         "Scientific Services", "Permanent", "0.8", "5 Apr 2015", "Male", "Black", "No", "35-44"],
    ],
    "hr_leavers": [
        [STAFF_IDS[1], NAMES[1], "30/06/2023", "SO2", "BSU", "Scientific Services", "Permanent",
         "5 Apr 2015", "Resigned", "Yes"],
    ],
    "hr_promotions": [["1234", "01/10/2023", "SO2", "Scientific Officer 3"]],
    "destinations_survey": [
        ["d1", STAFF_IDS[1], "2023", "SO2", "AstraZeneca - lab manager", "", "", "Yes", "Pay"],
        ["d2", "", "2023", "SO3", "Teacher", "School", "Non science", "No", ""],
    ],
    "motivation_survey": [
        ["r1", "05/04/2023", "SO3", "Cancer Biology", "Female", "1-2 years",
         *["Agree"] * 12, "Promotion; Further study", f"{NAMES[0].split()[0]} manages well"],
    ],
    "staff_survey": [
        ["s1", "2023", "Technical", "SO3", *["4"] * 20, "Yes", "No", "Not sure", "N/A"],
        ["s2", "2023", "other", "Band 5", *["Strongly disagree"] * 20, "No", "No", "No", "No"],
    ],
    "events": [
        ["E1", "Technical conference", "12/05/2023", "Conference", EMAILS[0].upper(), "ICR",
         "Speaker"],
    ],
    "registrations": [["1234", "RSciTech", "01/02/2023", "registered", "01/06/2023", "2023"]],
    "activity_log": [["3h", "01/03/2023", "Careers talk", "attendees", "25", "fine"]],
    "training": [[STAFF_IDS[0], "CRISPR techniques", "Internal", "01/03/2023", "Technical"]],
}


def write_csv(path, header, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path, header, rows):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)


def write_raw_folder(raw):
    raw.mkdir()
    (raw / "DEMO").write_text("synthetic")
    for dataset in DATASETS:
        header = [c.replace("_", " ").title() for c in RAW_COLUMNS[dataset]]  # "Staff Id"
        if dataset == "staff_survey":
            write_xlsx(raw / "staff_survey.xlsx", header, ROWS[dataset])
        else:
            encoding = "cp1252" if dataset == "hr_staff" else "utf-8-sig"
            write_csv(raw / f"{dataset}.csv", header, ROWS[dataset], encoding)
    return raw


def snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """One clean run shared by the tests that only read its results (cleaning is ~0.5 s)."""
    base = tmp_path_factory.mktemp("good")
    raw = write_raw_folder(base / "raw")
    before = snapshot(raw)
    logs = clean_all(raw, base / "processed", load_institution("icr"))
    return {"raw": raw, "out": base / "processed", "logs": logs, "raw_before": before}


@pytest.fixture
def raw_dir(good_run, tmp_path):
    return Path(shutil.copytree(good_run["raw"], tmp_path / "raw"))


def test_clean_all_writes_every_table_and_log_without_touching_raw(raw_dir, tmp_path):
    before = snapshot(raw_dir)
    out = tmp_path / "processed"
    logs = clean_all(raw_dir, out, load_institution("icr"))
    assert snapshot(raw_dir) == before
    for name, spec in PROCESSED_COLUMNS.items():
        table = pd.read_parquet(out / f"{name}.parquet")
        assert dict(table.dtypes.astype(str)) == spec, name
        assert len(table) > 0, name
    assert set(read_logs(out / LOG_FILE_NAME)) == set(DATASETS)
    assert logs["hr_staff"].encoding == "cp1252" and logs["staff_survey"].format == "xlsx"
    staff = pd.read_parquet(out / "hr_staff.parquet")
    assert staff["grade"].tolist() == ["SO3", "SO2"]
    assert staff["job_family"].tolist() == ["Scientific Officer", "Biological Services Unit"]
    # The census's padded ID and the training file's ID are the same person.
    training = pd.read_parquet(out / "training.parquet")
    assert training["person_id"].iloc[0] == staff["person_id"].iloc[0]
    survey = pd.read_parquet(out / "staff_survey.parquet")
    assert survey["s01"].tolist() == [4, 1]
    assert survey["aw_future_leaders"].isna().tolist() == [True, False]


def test_no_raw_name_email_or_staff_id_anywhere_under_processed(good_run):
    out = good_run["out"]
    forbidden = [*NAMES, *(n.split()[0] for n in NAMES), *EMAILS, *STAFF_IDS, "1234"]
    files = list(out.rglob("*"))
    assert files
    for path in files:
        content = path.read_bytes()
        if path.suffix == ".parquet":
            content = pd.read_parquet(path).astype(str).to_csv().encode()
        for value in forbidden:
            assert value.lower().encode() not in content.lower(), (path.name, value)


def break_file(raw_dir, dataset, content: bytes):
    for path in raw_dir.glob(f"{dataset}.*"):
        path.unlink()
    (raw_dir / f"{dataset}.csv").write_bytes(content)


def header_of(dataset, drop=None):
    return ",".join(c for c in RAW_COLUMNS[dataset] if c != drop)


BROKEN = {
    "missing column": (
        "training", f"{header_of('training', drop='course')}\n1,p,01/01/2023,c\n".encode(),
        ["training.csv", "course", "columns found"],
    ),
    "wrong types": (
        "hr_promotions",
        f"{header_of('hr_promotions')}\n1,SO2,SO3,01/01/2023\n2,SO3,SO4,01/02/2023\n".encode(),
        ["hr_promotions.csv", "effective_date", "should hold dates"],
    ),
    "month-first dates": (
        "registrations",
        f"{header_of('registrations')}\n1,RSci,12/31/2022,applied,,2022\n"
        "2,RSci,01/15/2023,applied,,2023\n".encode(),
        ["registrations.csv", "application_date", "month-first", "12/31/2022"],
    ),
    "empty file": ("events", b"", ["events.csv", "empty"]),
    "not CSV": ("activity_log", b"PK\x03\x04\x14\x00\x06\x00binary", ["activity_log.csv",
                                                                      "not a CSV"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_input_fails_clearly_and_writes_nothing_for_that_dataset(
    good_run, raw_dir, tmp_path, case
):
    dataset, content, phrases = BROKEN[case]
    out = Path(shutil.copytree(good_run["out"], tmp_path / "processed"))  # stale tables exist
    break_file(raw_dir, dataset, content)
    with pytest.raises(RawDataError) as err:
        clean_all(raw_dir, out, load_institution("icr"))
    for phrase in phrases:
        assert phrase in str(err.value), (case, phrase, str(err.value))
    assert not (out / f"{dataset}.parquet").exists()
    assert not list(out.glob(".*tmp*"))
    others = [d for d in DATASETS if d != dataset]
    assert all((out / f"{d}.parquet").exists() for d in others)
    log = json.loads((out / LOG_FILE_NAME).read_text())
    assert phrases[0] in log[dataset]["error"]


def test_unknown_grade_is_listed_in_the_log_and_the_row_kept(raw_dir, tmp_path):
    rows = [list(ROWS["hr_staff"][0]), list(ROWS["hr_staff"][1])]
    rows[1][6] = "Chief Wizard"
    write_csv(raw_dir / "hr_staff.csv", RAW_COLUMNS["hr_staff"], rows, "cp1252")
    out = tmp_path / "processed"
    logs = clean_all(raw_dir, out, load_institution("icr"))
    assert {"column": "grade", "value": "Chief Wizard", "count": 1} in logs["hr_staff"].unmapped
    staff = pd.read_parquet(out / "hr_staff.parquet")
    assert len(staff) == 2 and staff["grade"].isna().sum() == 1
    assert read_logs(out / LOG_FILE_NAME)["hr_staff"].unmapped == logs["hr_staff"].unmapped


def test_refuses_to_write_inside_raw_folder(raw_dir):
    before = snapshot(raw_dir)
    with pytest.raises(RawDataError, match="inside the raw folder"):
        clean_all(raw_dir, raw_dir / "processed", load_institution("icr"))
    assert snapshot(raw_dir) == before


def test_real_data_without_salt_fails_clearly(raw_dir, tmp_path, monkeypatch):
    (raw_dir / "DEMO").unlink()
    monkeypatch.delenv(SALT_ENV, raising=False)
    monkeypatch.setattr("pipeline.config.SALT_FILE", tmp_path / "no_salt_here")
    with pytest.raises(ConfigError, match=SALT_ENV):
        clean_all(raw_dir, tmp_path / "processed", load_institution("icr"))
    assert not (tmp_path / "processed").exists()


def test_items_of_the_contract_are_all_cleaned():
    # Guards the fixture above against drifting from the schema.
    assert len(ROWS["staff_survey"][0]) == 4 + len(STAFF_SURVEY_ITEMS) + len(AWARENESS_ITEMS)
    assert len(ROWS["motivation_survey"][0]) == 8 + len(MOTIVATION_ITEMS)
