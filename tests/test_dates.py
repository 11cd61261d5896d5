import csv

import pandas as pd
import pytest

from pipeline.dates import latest_census_year, parse_dates, parse_dates_with_issues, parse_one
from pipeline.io import RawDataError
from pipeline.schema import RAW_COLUMNS

APRIL_5 = pd.Timestamp("2023-04-05")


@pytest.mark.parametrize(
    "text",
    ["2023-04-05", "05/04/2023", "5/4/2023", "05-04-2023", "5/4/23", "05.04.2023",
     "5 Apr 2023", "05 April 2023", "5-Apr-2023", "2023-04-05 14:30:00", "45021"],
)
def test_every_accepted_form_is_5_april(text):
    assert parse_one(text) == APRIL_5


def test_day_first_never_month_first():
    parsed = parse_dates(pd.Series(["01/02/2023", "13/02/2023"]), file="f.csv", column="d")
    assert parsed.tolist() == [pd.Timestamp("2023-02-01"), pd.Timestamp("2023-02-13")]


def test_unparseable_values_are_reported_not_guessed():
    values = pd.Series(["2023-04-05", "soon", "31/02/2023", None, "", "2023", "soon"])
    parsed, bad = parse_dates_with_issues(values, file="f.csv", column="d")
    assert parsed.iloc[0] == APRIL_5
    assert parsed.iloc[1:].isna().all()
    # A pure number outside the Excel-serial range is no date either.
    assert bad == {"soon": 2, "31/02/2023": 1, "2023": 1}
    assert str(parsed.dtype) == "datetime64[ns]"


def test_two_digit_years_pivot():
    assert parse_one("01/01/85") == pd.Timestamp("1985-01-01")
    assert parse_one("01/01/21") == pd.Timestamp("2021-01-01")


def test_month_first_column_raises_naming_file_column_and_values():
    values = pd.Series(["04/05/2023", "12/31/2023", "01/15/2022"])
    with pytest.raises(RawDataError) as err:
        parse_dates(values, file="hr_staff.csv", column="start_date")
    message = str(err.value)
    assert "hr_staff.csv" in message and "start_date" in message and "12/31/2023" in message


def test_one_impossible_value_in_a_day_first_column_is_only_reported():
    values = pd.Series(["25/12/2023", "12/31/2023"])
    parsed, bad = parse_dates_with_issues(values, file="f.csv", column="d")
    assert parsed.iloc[0] == pd.Timestamp("2023-12-25")
    assert bad == {"12/31/2023": 1}


def test_timestamps_pass_through_normalised():
    values = pd.Series([pd.Timestamp("2023-04-05 10:00")], dtype=object)
    assert parse_dates(values, file="f", column="d").iloc[0] == APRIL_5


def test_latest_census_year_reads_the_raw_census_dates(tmp_path):
    def write(dates):
        with (tmp_path / "hr_staff.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=RAW_COLUMNS["hr_staff"])
            writer.writeheader()
            for i, date in enumerate(dates):
                writer.writerow({"census_date": date, "staff_id": str(i)})

    write(["31/12/2022", "2023-12-31", "31 Dec 2021"])
    assert latest_census_year(tmp_path) == 2023
    write(["not a date", "soon"])
    with pytest.raises(RawDataError, match=r"hr_staff.csv: no readable census_date"):
        latest_census_year(tmp_path)
