"""Turn the true records into messy raw exports (contract section 3), recording every mess.

Kinds of mess planted, each counted in `mess.json`: encodings (cp1252, UTF-8 with BOM,
UTF-8) and `.xlsx` files with real date cells and serial numbers; blank trailing rows;
header variants (`Staff ID`, ` staff_id`, `STAFF_ID`); dates as ISO, UK day-first (many
with day <= 12), `5 Apr 2023`; staff IDs that lost their leading zeros; category spelling
variants; exact duplicate rows; the same person twice at one census (the extra row loses
under the rule latest start_date, then highest FTE); multi-select with `;` or `,`; and a
few genuinely unmappable values, whose true value is unknown (they are <NA> in the truth).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.config import Institution
from pipeline.demo import texts
from pipeline.schema import AWARENESS_ITEMS, MOTIVATION_ITEMS, RAW_COLUMNS, STAFF_SURVEY_ITEMS

LIKERT_ITEMS = set(MOTIVATION_ITEMS) | set(STAFF_SURVEY_ITEMS)
CANONICAL_SHARE = 0.7  # share of category values written in their canonical spelling
LIKERT_SPELLINGS = {
    1: ("Strongly disagree", "Strongly Disagree", "strongly disagree", "1"),
    2: ("Disagree", "disagree", "2"),
    3: ("Neither agree nor disagree", "Neutral", "neutral", "3"),
    4: ("Agree", "agree", "4"),
    5: ("Strongly agree", "Strongly Agree", "strongly agree", "5"),
}
LIKERT_BLANKS = ("Don't know", "N/A", "", "don't know")
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "contract_type": {
        "Open-ended": ("Open-ended", "Open ended", "Permanent", "open-ended"),
        "Fixed-term": ("Fixed-term", "Fixed Term", "fixed-term", "FTC"),
    },
    "gender": {
        "Female": ("Female", "female", "F"), "Male": ("Male", "male", "M"),
        "Non-binary": ("Non-binary", "Non binary"),
        "Prefer not to say": ("Prefer not to say", "prefer not to say"),
    },
    "yes_no": {
        "Yes": ("Yes", "yes", "YES"), "No": ("No", "no"),
        "Not sure": ("Not sure", "not sure", "Not Sure"),
    },
    "bool": {"True": ("Yes", "Y", "yes", "TRUE"), "False": ("No", "N", "no", "FALSE")},
    "staff_group": {"technical": ("technical", "Technical"), "other": ("other", "Other")},
    "destination_sector": texts.SECTOR_SPELLINGS,
}


@dataclass(frozen=True)
class FileSpec:
    """How one dataset's raw file is written and which mess it carries."""

    fmt: str  # "csv" or "xlsx"
    encoding: str | None  # csv only: "cp1252", "utf-8-sig" or "utf-8"
    header_style: str  # "title", "padded", "upper", "spaces", "canonical"
    dates: dict[str, dict[str, float]] = field(default_factory=dict)  # column -> style weights
    categories: dict[str, str] = field(default_factory=dict)  # column -> spelling kind
    id_loss: float = 0.0  # share of zero-led staff IDs written without their zeros
    duplicates: int = 1


SPECS: dict[str, FileSpec] = {
    "hr_staff": FileSpec(
        "csv", "cp1252", "title",
        dates={"census_date": {"uk": 1}, "start_date": {"uk": 0.7, "iso": 0.2, "text": 0.1}},
        categories={"grade": "grade", "contract_type": "contract_type", "gender": "gender",
                    "job_family": "case"},
        id_loss=0.05, duplicates=6),
    "hr_leavers": FileSpec(
        "csv", "utf-8-sig", "padded",
        dates={"leave_date": {"text": 0.6, "iso": 0.4}, "start_date": {"iso": 1}},
        categories={"grade": "grade", "contract_type": "contract_type", "job_family": "case",
                    "leaving_reason": "case", "exit_questionnaire_completed": "bool"},
        id_loss=0.1, duplicates=2),
    "hr_promotions": FileSpec(
        "csv", "utf-8", "upper", dates={"effective_date": {"iso": 0.5, "uk": 0.5}},
        categories={"from_grade": "grade", "to_grade": "grade"}, id_loss=0.1),
    "destinations_survey": FileSpec(
        "csv", "utf-8-sig", "spaces",
        categories={"former_grade": "grade", "destination_sector": "destination_sector",
                    "still_in_science": "yes_no"}, id_loss=0.1),
    "motivation_survey": FileSpec(
        "csv", "cp1252", "title", dates={"submitted_at": {"uk": 1}},
        categories={"grade": "grade", "gender": "gender"}, duplicates=2),
    "staff_survey": FileSpec(
        "xlsx", None, "canonical",
        categories={"grade": "grade", "staff_group": "staff_group",
                    **{item: "yes_no" for item in AWARENESS_ITEMS}}, duplicates=3),
    "events": FileSpec(
        "csv", "utf-8-sig", "title", dates={"event_date": {"uk": 0.8, "text": 0.2}},
        categories={"event_type": "case", "role": "case", "attendee_email": "email"},
        duplicates=4),
    "registrations": FileSpec(
        "xlsx", None, "title",
        dates={"application_date": {"cell": 0.6, "serial": 0.25, "text": 0.15},
               "registered_date": {"cell": 0.7, "serial": 0.3}},
        categories={"register": "case", "status": "case"}, id_loss=0.5),
    "activity_log": FileSpec("csv", "utf-8", "canonical", dates={"date": {"iso": 0.6, "uk": 0.4}}),
    "training": FileSpec(
        "xlsx", None, "upper", dates={"completed_date": {"cell": 0.7, "serial": 0.3}},
        id_loss=1.0, duplicates=3),
}
EXCEL_EPOCH = pd.Timestamp(1899, 12, 30)


@dataclass
class Plant:
    """An unmappable raw value planted in one cell; its true value is unknown (<NA>)."""

    dataset: str
    column: str
    row: int
    raw: str


def plant_unmapped(truth: dict[str, pd.DataFrame], inst: Institution,
                   rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], list[Plant]]:
    """Choose a few cells to hold unmappable values; blank them in the truth."""
    bad_grade = "SO 9" if "SO1" in inst.grade_order else "Grade 11"
    staff = truth["hr_staff"]
    tech_rows = staff.index[staff["job_family"].isin(inst.technical_job_families)]
    picks = rng.choice(tech_rows, size=3, replace=False)
    plants = [Plant("hr_staff", "grade", int(picks[0]), bad_grade),
              Plant("hr_staff", "grade", int(picks[1]), bad_grade),
              Plant("hr_staff", "gender", int(picks[2]), "Fmale")]
    survey = truth["staff_survey"].index
    survey_rows = rng.choice(survey, size=min(2, len(survey)), replace=False)
    plants += [Plant("staff_survey", "s05", int(r), "7") for r in survey_rows]
    truth = dict(truth)
    for name in {p.dataset for p in plants}:
        truth[name] = truth[name].copy()
    for p in plants:
        truth[p.dataset].loc[p.row, p.column] = pd.NA
    return truth, plants


def _spell(values: pd.Series, table: dict[str, tuple[str, ...]], rng) -> pd.Series:
    """Canonical spelling most of the time, else one of the variants."""
    u = rng.random(len(values))
    k = rng.integers(0, 1000, len(values))
    text = values.astype("object").where(values.notna(), None).to_numpy()
    out = np.full(len(values), "", dtype=object)
    for value in pd.unique(text[pd.notna(text)]):
        options = np.array(table.get(str(value), (str(value),)), dtype=object)
        rows = text == value
        out[rows] = np.where(u[rows] < CANONICAL_SHARE, options[0],
                             options[k[rows] % len(options)])
    return pd.Series(out, index=values.index, dtype=object)


def _grade_spellings(grade: str) -> tuple[str, ...]:
    if grade.startswith("SO") and grade[2:].isdigit():
        n = grade[2:]
        return (grade, f"so {n}", f"Scientific Officer {n}", f" {grade} ")
    return (grade, grade.lower(), f" {grade} ", grade.upper())


def _case_spellings(value: str) -> tuple[str, ...]:
    return (value, value.lower(), f" {value}", value.upper())


def _categories(values: pd.Series, kind: str, rng) -> pd.Series:
    present = [str(v) for v in values.dropna().unique()]
    if kind == "grade":
        table = {v: _grade_spellings(v) for v in present}
    elif kind == "case":
        table = {v: _case_spellings(v) for v in present}
    elif kind == "email":
        table = {v: (v, v.title()) for v in present}
    elif kind == "bool":
        return _spell(values.astype("object").map(
            lambda v: v if pd.isna(v) else str(bool(v))), SPELLINGS["bool"], rng)
    else:
        table = SPELLINGS[kind]
    return _spell(values, table, rng)


def _likert(codes: pd.Series, rng, numeric_cells: bool) -> pd.Series:
    u = rng.random(len(codes))
    k = rng.integers(0, 1000, len(codes))
    out = []
    for code, ui, ki in zip(codes, u, k, strict=True):
        if pd.isna(code):
            out.append(LIKERT_BLANKS[ki % len(LIKERT_BLANKS)])
            continue
        options = LIKERT_SPELLINGS[int(code)]
        text = options[0] if ui < 0.6 else options[ki % len(options)]
        out.append(int(text) if numeric_cells and text.isdigit() else text)
    return pd.Series(out, index=codes.index, dtype=object)


def _styled(dates: pd.Series, style: str) -> list:
    """Dates written in one style: ISO, UK day-first, `5 Apr 2023`, xlsx cell or serial."""
    if style == "iso":
        return list(dates.dt.strftime("%Y-%m-%d"))
    if style == "uk":
        return list(dates.dt.strftime("%d/%m/%Y"))
    if style == "text":
        return list(dates.dt.day.astype(str) + dates.dt.strftime(" %b %Y"))
    if style == "cell":
        return [d.to_pydatetime() for d in dates]
    if style == "serial":
        return [int(n) for n in (dates - EXCEL_EPOCH).dt.days]
    raise ValueError(f"Unknown date style {style!r}")


def _dates(values: pd.Series, weights: dict[str, float], rng) -> tuple[pd.Series, Counter]:
    styles = list(weights)
    p = np.array([weights[s] for s in styles], dtype=float)
    picked = rng.choice(len(styles), size=len(values), p=p / p.sum())
    dates = pd.to_datetime(values).reset_index(drop=True)
    out = pd.Series([""] * len(values), dtype=object)
    counts: Counter = Counter()
    for k, style in enumerate(styles):
        rows = (picked == k) & dates.notna().to_numpy()
        if rows.any():
            out[rows] = pd.Series(_styled(dates[rows], style), index=out.index[rows],
                                  dtype=object)
            counts[style] += int(rows.sum())
            if style == "uk":
                counts["uk_day_le_12"] += int((dates[rows].dt.day <= 12).sum())
    return out.set_axis(values.index), counts


def _ids(values: pd.Series, loss: float, rng, xlsx: bool) -> tuple[pd.Series, int]:
    lose = rng.random(len(values)) < loss
    out, lost = [], 0
    for value, drop in zip(values, lose, strict=True):
        if pd.isna(value):
            out.append("")
        elif drop and str(value).startswith("0"):
            out.append(int(value) if xlsx else str(value).lstrip("0"))
            lost += 1
        else:
            out.append(str(value))
    return pd.Series(out, index=values.index, dtype=object), lost


def _plain(values: pd.Series, xlsx: bool) -> pd.Series:
    """Values as text ("" for blank); numbers stay numbers in a workbook."""
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: "" if pd.isna(v) else f"{v:g}").astype(object)
    if xlsx and pd.api.types.is_integer_dtype(values):
        return values.astype(object).map(lambda v: "" if pd.isna(v) else int(v))
    text = values.astype(object)
    return text.where(text.notna(), "").map(str).astype(object)


def _format(dataset: str, truth: pd.DataFrame, spec: FileSpec, rng, log: dict) -> pd.DataFrame:
    """Every column of the dataset written the way a messy export would."""
    xlsx = spec.fmt == "xlsx"
    if dataset == "destinations_survey":  # the classified half arrives with a blank sector
        reported = truth["sector_source"] == "reported"
        truth = truth.assign(destination_sector=truth["destination_sector"].where(reported))
    raw = pd.DataFrame(index=truth.index)
    for column in RAW_COLUMNS[dataset]:
        values = truth[column]
        if column in spec.dates:
            raw[column], counts = _dates(values, spec.dates[column], rng)
            log["date_formats"].setdefault(dataset, {})[column] = dict(sorted(counts.items()))
        elif column == "staff_id":
            raw[column], lost = _ids(values, spec.id_loss, rng, xlsx)
            log["ids_lost_zeros"][dataset] = lost
        elif column in LIKERT_ITEMS:
            raw[column] = _likert(values, rng, numeric_cells=xlsx)
        elif column in spec.categories:
            raw[column] = _categories(values, spec.categories[column], rng)
        elif column == "ambitions":
            raw[column] = values.map(lambda picks: _join_multi(picks, rng))
        else:
            raw[column] = _plain(values, xlsx)
    return raw


def _join_multi(picks: list[str], rng) -> str:
    separators = ("; ", ";", ", ", ",")
    return separators[rng.integers(len(separators))].join(picks) if picks else ""


def _same_person_twice(truth: pd.DataFrame, raw: pd.DataFrame, spec: FileSpec, rng,
                       exclude: set[int], log: dict) -> pd.DataFrame:
    """Add a losing second row at the same census for a few people."""
    candidates = [i for i in truth.index if i not in exclude]
    n = max(3, round(0.002 * len(truth)))
    chosen = sorted(rng.choice(candidates, size=min(n, len(candidates)), replace=False))
    decoys = truth.loc[chosen].copy()
    tie = (decoys["fte"] == 1.0) & (rng.random(len(decoys)) < 0.5)
    if not tie.any() and (decoys["fte"] == 1.0).any():  # always show both halves of the rule
        tie[(decoys["fte"] == 1.0).idxmax()] = True
    earlier = pd.to_timedelta(rng.integers(400, 2000, len(decoys)), unit="D")
    decoys["start_date"] = decoys["start_date"].where(tie, decoys["start_date"] - earlier)
    decoys["fte"] = np.where(tie, 0.5, rng.choice([1.0, 0.6, 0.2], len(decoys)))
    decoys["job_title"] = decoys["job_title"] + " (previous post)"
    sub_log = {"date_formats": {}, "ids_lost_zeros": {}}
    decoy_raw = _format("hr_staff", decoys, spec, rng, sub_log)
    decoy_raw.index = [f"decoy{i}" for i in chosen]
    log["same_person_twice"] = {"hr_staff": len(decoys),
                                "resolved_by_fte_tie": int(tie.sum())}
    log["ids_lost_zeros"]["hr_staff"] += sub_log["ids_lost_zeros"]["hr_staff"]
    order = []
    for label in raw.index:  # each extra row sits next to the true one, as in an export
        order.append(label)
        if label in decoys.index:
            order.append(f"decoy{label}")
    return pd.concat([raw, decoy_raw]).loc[order]


def _duplicates(raw: pd.DataFrame, n: int, rng, exclude: set) -> tuple[pd.DataFrame, int]:
    """Copy n rows exactly, placed right after their original (as a double export would)."""
    candidates = [i for i in raw.index if i not in exclude]
    chosen = set(rng.choice(np.array(candidates, dtype=object), size=min(n, len(candidates)),
                            replace=False).tolist())
    order = []
    for label in raw.index:
        order.append(label)
        if label in chosen:
            order.append(label)
    return raw.loc[order].reset_index(drop=True), len(chosen)


def make_raw(truth: dict[str, pd.DataFrame], inst: Institution, plants: list[Plant],
             rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], dict]:
    """Messy raw frames (canonical column names; headers are varied when written) and the log."""
    log: dict = {"date_formats": {}, "ids_lost_zeros": {}, "exact_duplicates": {},
                 "unmapped": [], "same_person_twice": {}}
    raws = {}
    for dataset, spec in SPECS.items():
        raw = _format(dataset, truth[dataset], spec, rng, log)
        planted = {p.row for p in plants if p.dataset == dataset}
        for p in plants:
            if p.dataset == dataset:
                raw.loc[p.row, p.column] = p.raw
        if dataset == "hr_staff":
            raw = _same_person_twice(truth[dataset], raw, spec, rng, planted, log)
            planted |= {i for i in raw.index if isinstance(i, str)}
        raw, log["exact_duplicates"][dataset] = _duplicates(raw, spec.duplicates, rng, planted)
        raws[dataset] = raw
    counts = Counter((p.dataset, p.column, p.raw) for p in plants)
    log["unmapped"] = [{"dataset": d, "column": c, "value": v, "count": n}
                       for (d, c, v), n in sorted(counts.items())]
    return raws, log
