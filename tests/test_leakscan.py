"""Leak scan: names, e-mails, staff IDs and pseudonyms planted in reports are found."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline import leakscan
from pipeline.leakscan import (
    Identifiers,
    LeakScanError,
    PrivacyLeakError,
    check_reports,
    collect_identifiers,
    scan_reports,
)
from pipeline.privacy import pseudonymise
from pipeline.schema import METRICS_COLUMNS, RAW_COLUMNS

PEOPLE = [
    # staff_id, full_name, email
    ("00123", "Alice Smith", "alice.smith@example.ac.uk"),
    ("45678", "Rajesh O'Connor-Patel", "r.oconnor-patel@example.ac.uk"),
    ("912", "Zoë Lin", "zoe.lin@example.ac.uk"),
]


def _write_csv(path: Path, columns, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A tiny raw folder following the contract's columns."""
    raw = tmp_path / "raw"
    raw.mkdir()
    staff = [
        {"census_date": "2023-12-31", "staff_id": sid, "full_name": name, "email": email,
         "job_family": "Scientific Officer", "grade": "SO3", "fte": "1"}
        for sid, name, email in PEOPLE[:2]
    ]
    _write_csv(raw / "hr_staff.csv", RAW_COLUMNS["hr_staff"], staff)
    leaver = {"staff_id": PEOPLE[2][0], "full_name": "Lin, Zoë", "leave_date": "2023-05-01"}
    _write_csv(raw / "hr_leavers.csv", RAW_COLUMNS["hr_leavers"], [leaver])
    attendee = {"event_id": "E1", "event_name": "Forum", "event_date": "2023-03-01",
                "attendee_email": PEOPLE[2][2], "attendee_institution": "ICR"}
    _write_csv(raw / "events.csv", RAW_COLUMNS["events"], [attendee])
    comment = {"response_id": "R1", "submitted_at": "2023-02-01",
               "comments": "My manager Alice Smith has been great"}
    _write_csv(raw / "motivation_survey.csv", RAW_COLUMNS["motivation_survey"], [comment])
    return raw


@pytest.fixture
def identifiers(raw_dir: Path) -> Identifiers:
    return collect_identifiers(raw_dir)


CLEAN_HTML = """<html><body><h1>Workforce 2023</h1>
<p>Technical headcount was 123 people in 2023 (45,678 hours of training; see table 2).</p>
<p>Smith Building refurbishment and the Lin Lab were completed.</p>
<img src="data:image/png;base64,QWxpY2UgU21pdGggYWxpY2Uuc21pdGhAZXhhbXBsZS5hYy51aw==">
</body></html>"""


def _reports(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    reports = tmp_path / "reports" / "2023"
    reports.mkdir(parents=True)
    (reports / "index.html").write_text(CLEAN_HTML, encoding="utf-8")
    for name, content in files.items():
        path = reports / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return reports


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def test_identifiers_cover_names_emails_and_ids_from_every_raw_file(identifiers):
    assert identifiers.names == {"Alice Smith", "Rajesh O'Connor-Patel", "Zoë Lin"}
    assert identifiers.emails == {email for _, _, email in PEOPLE}
    assert identifiers.staff_ids == {sid for sid, _, _ in PEOPLE}
    assert "Alice" not in repr(identifiers)  # logs show counts, not people


def test_a_name_from_a_free_text_answer_is_caught(tmp_path, identifiers):
    leaked = CLEAN_HTML.replace(
        "</body>", "<blockquote>&ldquo;My manager alice\n  SMITH has been great&rdquo;</blockquote>"
        "</body>",
    )
    reports = _reports(tmp_path, {"31_motivation.html": leaked})
    (leak,) = scan_reports(reports, identifiers)
    assert leak.kind == "name" and leak.file.name == "31_motivation.html"
    assert "manager alice SMITH has been" in leak.context


def test_an_email_in_a_pdf_is_caught(tmp_path, identifiers):
    pdf = _pdf("<p>Contact: zoe.lin@example.ac.uk for details</p>")
    reports = _reports(tmp_path, {"report.pdf": pdf})
    leaks = scan_reports(reports, identifiers)
    assert [(leak.kind, leak.text, leak.file.name) for leak in leaks] == [
        ("email", "zoe.lin@example.ac.uk", "report.pdf")
    ]


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("Smith, Alice", "name"),
        ("Alice Smith’s team", "name"),
        ("‘Rajesh O’Connor-Patel’ said", "name"),
        ("Alice Smithson", None),
        ("O&#39;Connor-Patel, Rajesh", "name"),
        ("<td title='Zoë Lin'>1</td>", "name"),
        ("mailto:alice.smith%40example.ac.uk", "email"),
        ("ALICE.SMITH@EXAMPLE.AC.UK", "email"),
        ("person 00123 left", "staff_id"),
        ("person 123 left", None),  # short without its label: too generic to call a leak
        ("staff ID: 123", "staff_id"),
        ("Staff_ID=0912", "staff_id"),
        ("ref 45678.", "staff_id"),
        ("45678.5 hours", None),
    ],
)
def test_identifier_forms(tmp_path, identifiers, planted, kind):
    reports = _reports(tmp_path, {"r.html": f"<p>{planted}</p>"})
    kinds = [leak.kind for leak in scan_reports(reports, identifiers)]
    assert kinds == ([kind] if kind else [])


def test_clean_reports_pass_including_pdf(tmp_path, identifiers):
    reports = _reports(tmp_path, {"report.pdf": _pdf(CLEAN_HTML), "metrics.csv": "a,1\n"})
    assert scan_reports(reports, identifiers) == []


def test_metrics_csv_counts_equal_to_a_staff_id_are_not_leaks(tmp_path, identifiers):
    header = ",".join(METRICS_COLUMNS)
    clean = (f"{header}\nstaff_survey.responses,staff_group=technical,45678.0,45678,45678,"
             "False\n")  # a count that happens to equal staff ID 45678
    leaked = (f"{header}\nworkforce.headcount,person=45678,1,,,False\n"
              "workforce.headcount,grade=SO3,Alice Smith,,,False\n")
    assert scan_reports(_reports(tmp_path / "a", {"metrics.csv": clean}), identifiers) == []
    found = scan_reports(_reports(tmp_path / "b", {"metrics.csv": leaked}), identifiers)
    assert sorted(leak.kind for leak in found) == ["name", "staff_id"]
    # a CSV with other columns is scanned in full
    other = scan_reports(_reports(tmp_path / "c", {"other.csv": "area,n\nlab,45678\n"}),
                         identifiers)
    assert [leak.kind for leak in other] == ["staff_id"]


def test_pseudonyms_notebooks_raw_tables_and_spreadsheets_are_caught(tmp_path, raw_dir):
    processed = tmp_path / "processed"
    processed.mkdir()
    ids = pseudonymise(pd.Series([p[0] for p in PEOPLE]), "salt")
    pd.DataFrame({"person_id": ids, "grade": "SO3"}).to_parquet(processed / "hr_staff.parquet")
    identifiers = collect_identifiers(raw_dir, processed)
    assert identifiers.pseudonyms == set(ids)
    sheet = tmp_path / "sheet.xlsx"
    pd.DataFrame({"who": ["Rajesh O'Connor-Patel"]}).to_excel(sheet, index=False)
    reports = _reports(tmp_path, {
        "metrics.csv": f"metric,person\nx,{ids.iloc[0]}\n",
        "20_workforce.ipynb": "{}",
        "table.html": pd.DataFrame({"n": [1]}).to_html(),
        "extra.xlsx": sheet.read_bytes(),
    })
    kinds = sorted(leak.kind for leak in scan_reports(reports, identifiers))
    assert kinds == ["name", "notebook", "pseudonym", "raw_table"]


def test_check_reports_and_cli_fail_loudly(tmp_path, raw_dir, capsys):
    reports = _reports(tmp_path, {"report.html": "<p>Thanks, Alice Smith!</p>"})
    with pytest.raises(PrivacyLeakError, match="PRIVACY LEAK"):
        check_reports(raw_dir, reports)
    args = ["--raw-dir", str(raw_dir), "--reports-dir", str(reports)]
    assert leakscan.main(args) == 1
    assert "PRIVACY LEAK: 1 identifier" in capsys.readouterr().err
    (reports / "report.html").unlink()
    assert leakscan.main(args) == 0
    assert "Leak scan passed" in capsys.readouterr().out


def test_scan_refuses_to_pass_when_it_has_nothing_to_look_for(tmp_path, capsys):
    empty_raw = tmp_path / "empty_raw"
    empty_raw.mkdir()
    reports = _reports(tmp_path, {})
    with pytest.raises(LeakScanError, match="No names"):
        check_reports(empty_raw, reports)
    assert leakscan.main(["--raw-dir", str(tmp_path / "nope"), "--reports-dir",
                          str(reports)]) == 2
    assert "could not run" in capsys.readouterr().err


def test_pdfs_scanned_from_many_threads_at_once(tmp_path):
    # PDFium is not thread-safe and the runner scans reports in parallel: without the
    # lock in `pdf_pages_text` this crashes the process (seen: segfault in libpdfium).
    from concurrent.futures import ThreadPoolExecutor

    pdfs = [_pdf(f"<h1>Report {i}</h1>" + "<p>Figures for the year.</p>" * 200)
            for i in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        texts = list(pool.map(lambda i: leakscan.pdf_pages_text(pdfs[i % 4])[0], range(400)))
    for i, pages in enumerate(texts):
        assert f"Report {i % 4}" in pages[0] and len(pages) > 1


def test_unreadable_pdf_fails_the_scan(tmp_path, identifiers):
    reports = _reports(tmp_path, {"broken.pdf": b"%PDF-1.7 garbage"})
    with pytest.raises(LeakScanError, match="broken.pdf"):
        scan_reports(reports, identifiers)


def test_xlsx_raw_files_are_read_too(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    frame = pd.DataFrame([{c: "" for c in RAW_COLUMNS["hr_promotions"]}])
    frame["staff_id"] = "778899"
    frame["effective_date"] = "2023-01-01"
    frame.to_excel(raw / "hr_promotions.xlsx", index=False)
    assert collect_identifiers(raw).staff_ids == {"778899"}
    with zipfile.ZipFile(raw / "hr_promotions.xlsx") as archive:  # sanity: it is a workbook
        assert any(name.startswith("xl/") for name in archive.namelist())
