"""Back test: cleaning the demo raw files gives the generator's answer key, value by value."""

import json
import re

import pandas as pd
import pytest

from pipeline.cleaning import LOG_FILE_NAME, clean_all
from pipeline.config import load_institution
from pipeline.io import read_raw
from pipeline.schema import PROCESSED_COLUMNS

demo = pytest.importorskip("pipeline.demo")
answer_key = pytest.importorskip("pipeline.demo.answer_key")

MIN_SECTOR_AGREEMENT = 0.95


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    raw = demo.generate(base / "raw", institution="icr", seed=2023, scale=0.1)
    out = base / "processed"
    logs = clean_all(raw, out, load_institution("icr"))
    return {"raw": raw, "out": out, "logs": logs, "key": raw / "answer_key"}


def load_pair(run, table):
    key = pd.read_parquet(run["key"] / "clean" / f"{table}.parquet")
    got = pd.read_parquet(run["out"] / f"{table}.parquet")
    got = got.sort_values(answer_key.SORT_KEYS[table], na_position="last", ignore_index=True)
    return key, got


def differences(key: pd.DataFrame, got: pd.DataFrame, column: str) -> pd.DataFrame:
    same = (key[column] == got[column]).fillna(False) | (key[column].isna() & got[column].isna())
    return pd.DataFrame({"expected": key[column], "got": got[column]})[~same.to_numpy()]


@pytest.mark.parametrize("table", list(PROCESSED_COLUMNS))
def test_processed_table_equals_answer_key(run, table):
    key, got = load_pair(run, table)
    assert list(got.columns) == list(key.columns)
    assert dict(got.dtypes.astype(str)) == dict(key.dtypes.astype(str)) == PROCESSED_COLUMNS[table]
    assert len(got) == len(key)
    checked = [c for c in key.columns if c != "destination_sector"]
    mismatches = {c: differences(key, got, c).head(5) for c in checked}
    mismatches = {c: d for c, d in mismatches.items() if not d.empty}
    assert not mismatches, f"{table}: columns differ from the answer key: {mismatches}"


def test_destination_sectors_agree_with_answer_key(run):
    key, got = load_pair(run, "destinations_survey")
    misses = differences(key, got, "destination_sector")
    agreement = 1 - len(misses) / len(key)
    listed = pd.concat(
        [got.loc[misses.index, ["destination_job_title", "destination_employer"]], misses], axis=1
    )
    assert agreement >= MIN_SECTOR_AGREEMENT, f"agreement {agreement:.1%}; misses:\n{listed}"
    classified = got["sector_source"] == "classified"
    assert classified.any() and (got["sector_source"] == "reported").any()


def test_unmapped_values_match_the_planted_ones(run):
    planted = pd.read_csv(run["key"] / "unmapped.csv", dtype=str, keep_default_na=False)
    expected = {(r.dataset, r.column, r.raw_value, int(r.count)) for r in planted.itertuples()}
    logged = json.loads((run["out"] / LOG_FILE_NAME).read_text())
    found = {
        (name, e["column"], e["value"], e["count"])
        for name, log in logged.items() for e in log["unmapped"]
    }
    assert found == expected


def test_log_counts_match_the_planted_mess(run):
    mess = json.loads((run["key"] / "mess.json").read_text())
    logs = run["logs"]
    assert {n: log.exact_duplicates_removed for n, log in logs.items()} == mess["exact_duplicates"]
    assert logs["hr_staff"].same_person_resolved == mess["same_person_twice"]["hr_staff"]
    for name, lost in mess["ids_lost_zeros"].items():
        assert logs[name].ids_zero_padded == lost, name
    assert all(log.rows_out <= log.rows_in for log in logs.values())
    assert not any(log.unparseable_dates for log in logs.values())


def test_no_raw_name_email_or_staff_id_under_processed(run):
    names, emails, ids = set(), set(), set()
    for dataset, columns in {"hr_staff": ("full_name", "email"), "hr_leavers": ("full_name",),
                             "events": ("attendee_email",)}.items():
        raw = read_raw(run["raw"], dataset)
        for column in columns:
            target = names if column == "full_name" else emails
            target.update(raw[column].dropna().str.lower())
    raw_ids = read_raw(run["raw"], "hr_staff")["staff_id"].dropna()
    ids.update(raw_ids, raw_ids.str.zfill(5))
    assert names and emails and ids
    files = [p for p in run["out"].rglob("*") if p.is_file()]
    assert len(files) >= len(PROCESSED_COLUMNS) + 1
    for path in files:
        leaked = leaks(path, names | emails, ids)
        assert not leaked, f"{path.name} holds raw personal data: {leaked[:5]}"
    # The scan itself must catch a leak.
    planted = run["out"].parent / "leaky.parquet"
    pd.DataFrame({"x": [sorted(ids)[0], "ok"], "y": [sorted(names)[0].title(), "ok"]}).to_parquet(
        planted
    )
    assert len(leaks(planted, names | emails, ids)) == 2


def leaks(path, texts: set[str], ids: set[str]) -> list[str]:
    """Raw names/e-mails anywhere in the file, and staff IDs as whole values."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path).astype(str)
        text = frame.to_csv(index=False)
        cells = set(frame.to_numpy().ravel())
    else:
        text = path.read_text(encoding="utf-8")
        cells = set(re.findall(r'"([^"]*)"', text))  # every JSON string
    lowered = text.lower()
    # IDs only as whole values: "00072" inside a response ID like "S23-00072" is no leak.
    return [v for v in texts if v in lowered] + sorted(cells & ids)
