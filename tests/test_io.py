import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline.io import RawDataError, detect_encoding, normalise_header, read_raw

HEADER = "staff_id,course,provider,completed_date,category"


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")]
)
def test_encodings_are_detected_and_accents_survive(tmp_path, encoding, expected):
    write(tmp_path / "training.csv", f"{HEADER}\n00123,Café skills,Zoë Ltd,05/04/2023,EDI\n",
          encoding)
    frame = read_raw(tmp_path, "training")
    assert frame.attrs["source"].encoding == expected
    assert frame.loc[0, "course"] == "Café skills"
    assert frame.loc[0, "provider"] == "Zoë Ltd"
    assert list(frame.columns) == HEADER.split(",")


@pytest.mark.parametrize(
    "header", ["Staff ID", " staff_id", "STAFF_ID", "\ufeffStaff-ID", "staff  id"]
)
def test_header_variants_normalise(header):
    assert normalise_header(header) == "staff_id"


def test_detect_encoding_falls_back_to_cp1252():
    assert detect_encoding("é".encode("cp1252")) == "cp1252"
    assert detect_encoding("é".encode()) == "utf-8"


def test_text_is_kept_blank_rows_dropped_and_na_not_coerced(tmp_path):
    write(tmp_path / "TRAINING.CSV",
          "Staff ID , Course,PROVIDER,completed date,category\n"
          " 123 ,N/A,,05/04/2023,EDI\n,,,,\n\n")
    frame = read_raw(tmp_path, "training")
    assert len(frame) == 1
    assert frame.loc[0, "staff_id"] == "123"  # stripped, leading zeros not invented here
    assert frame.loc[0, "course"] == "N/A"
    assert pd.isna(frame.loc[0, "provider"])


def test_missing_column_names_file_column_and_columns_found(tmp_path):
    write(tmp_path / "training.csv", "staff_id,course,provider,category\n1,a,b,c\n")
    with pytest.raises(RawDataError) as err:
        read_raw(tmp_path, "training")
    message = str(err.value)
    assert "training.csv" in message and "completed_date" in message
    assert "['staff_id', 'course', 'provider', 'category']" in message


def test_optional_columns_may_be_absent(tmp_path):
    write(tmp_path / "activity_log.csv", "action_id,date,activity\n3h,05/04/2023,Talk\n")
    frame = read_raw(tmp_path, "activity_log")
    assert frame[["notes", "metric", "value"]].isna().all().all()


@pytest.mark.parametrize(
    ("content", "phrase"),
    [(b"", "is empty"), (b"  \n\n", "is empty"), (HEADER.encode() + b"\n", "no data rows"),
     (b"PK\x03\x04\x00\x00binary", "not a CSV"), (b"%PDF-1.4\x00", "not a CSV")],
)
def test_empty_and_non_csv_files_fail_clearly(tmp_path, content, phrase):
    (tmp_path / "training.csv").write_bytes(content)
    with pytest.raises(RawDataError, match=phrase) as err:
        read_raw(tmp_path, "training")
    assert "training.csv" in str(err.value)


def test_missing_and_ambiguous_files(tmp_path):
    with pytest.raises(RawDataError, match="No training.csv or training.xlsx"):
        read_raw(tmp_path, "training")
    write(tmp_path / "training.csv", f"{HEADER}\n1,a,b,05/04/2023,c\n")
    (tmp_path / "Training.xlsx").write_bytes(b"x")
    with pytest.raises(RawDataError, match="More than one file") as err:
        read_raw(tmp_path, "training")
    assert "Training.xlsx" in str(err.value)


def test_corrupt_xlsx_fails_clearly(tmp_path):
    (tmp_path / "training.xlsx").write_bytes(b"this is not a workbook")
    with pytest.raises(RawDataError, match="training.xlsx could not be read as an .xlsx"):
        read_raw(tmp_path, "training")


def test_xlsx_dates_serials_and_numeric_ids_arrive_as_text(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Staff ID", "Course", "Provider", "Completed Date", "Category"])
    sheet.append([123, "Course A", "Prov", dt.datetime(2023, 4, 5), "EDI"])
    sheet.append(["00456", "Course B", "Prov", 45021, "EDI"])
    sheet.append([None, None, None, None, None])
    book.save(tmp_path / "training.xlsx")
    frame = read_raw(tmp_path, "training")
    assert frame.attrs["source"].format == "xlsx"
    assert frame["staff_id"].tolist() == ["123", "00456"]
    assert frame["completed_date"].tolist() == ["2023-04-05", "45021"]


def test_xlsx_reader_formats_and_sparse_cells(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["action_id", "date", "activity", "metric", "value", "notes"])
    sheet.append(["3h", 45021, "Talk", None, 0.25, None])
    sheet["B2"].number_format = "dd/mm/yyyy"  # a date cell shown UK-style
    sheet["E2"].number_format = "0.00"  # a plain number, not a date
    sheet["A3"], sheet["F3"] = "1a", "only first and last cells"
    sheet["B3"] = dt.datetime(2023, 4, 5, 23, 59, 59)
    book.save(tmp_path / "activity_log.xlsx")
    frame = read_raw(tmp_path, "activity_log")
    assert frame["date"].tolist() == ["2023-04-05", "2023-04-05 23:59:59"]
    assert frame.loc[0, "value"] == "0.25"
    assert frame.loc[1, "notes"] == "only first and last cells"
    assert frame.loc[1, ["activity", "value"]].isna().all()
