"""Motivation and ambitions survey of technical staff (action 4c), and shared survey helpers.

The helpers at the top (Likert counts, trend groups, the small-response check, input
checks) are shared with `staff_survey` and `destinations`. Every function is a pure function
of processed tables (`schema.PROCESSED_COLUMNS`); metric rows come back UNSUPPRESSED, as
disclosure control is applied later, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.analysis.stats import wilson_interval
from pipeline.analysis.workforce import require_columns, technical_headcount
from pipeline.config import Institution
from pipeline.metrics import count_row, group_key, metrics_frame, share_row

LIKERT_CODES = tuple(range(1, 6))
AGREE_CODES = (4, 5)
LIKERT_LABELS = {code: label for label, code in schema.LIKERT.items()}
NEUTRAL_CODE = 3
DEFAULT_MIN_RESPONSES = 5
# HESA's rule withholds shares on denominators under 22.5.
HESA_MIN_RESPONSES = 23

MOTIVATION_COLUMNS = ("response_id", "survey_year", "grade", "division", "gender")
BREAKDOWNS = ("grade", "division", "gender")

Row = dict[str, object]


# --- Shared survey helpers ------------------------------------------------------------------


def enough_responses(n: int, threshold: int) -> bool:
    """True when `n` responses are enough to show charts (n at or above the threshold)."""
    return int(n) >= int(threshold)


def min_responses(institution: Institution) -> int:
    """The fewest responses a survey year needs before its figures are shown at all.

    Below it every share would be withheld by disclosure control, so a report says so
    instead of drawing charts of blanks.
    """
    disclosure = institution.disclosure or {}
    if disclosure.get("preset") == "hesa":
        return HESA_MIN_RESPONSES
    return int(disclosure.get("threshold", DEFAULT_MIN_RESPONSES))


def too_few_message(survey: str, year: int, threshold: int) -> str:
    """What a report says instead of charts for a survey year below `threshold` responses.

    The exact count is not given: a count below the threshold is itself withheld.
    """
    return (
        f"The {survey} had fewer than {threshold} responses in {year}: too few to report "
        "without risking identifying respondents, so no figures are shown for that year."
    )


def trend_group(group: str, survey_year: int, reporting_year: int) -> str:
    """The reporting year's group as is; an earlier year's prefixed by `year=YYYY`."""
    if int(survey_year) == int(reporting_year):
        return group
    prefix = group_key(year=int(survey_year))
    return f"{prefix};{group}" if group else prefix


def years_up_to(values: pd.Series, year: int) -> list[int]:
    """Distinct years in `values` up to and including `year`, ascending."""
    return sorted({int(v) for v in values.dropna() if int(v) <= int(year)})


def require_table(tables: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    """The processed table `table`; KeyError naming it when absent."""
    if table not in tables:
        raise KeyError(f"Processed table {table!r} is missing (have: {', '.join(sorted(tables))})")
    return tables[table]


def check_values(frame: pd.DataFrame, table: str, column: str, allowed: Iterable) -> None:
    """ValueError naming the table, column and offending values outside `allowed` (NA allowed)."""
    values = frame[column].dropna()
    bad = sorted({str(v) for v in values[~values.isin(list(allowed))]})
    if bad:
        raise ValueError(
            f"Processed table {table!r}, column {column!r}: unexpected values {bad} "
            f"(allowed: {list(allowed)} or blank)"
        )


def check_likert(frame: pd.DataFrame, table: str, items: Iterable[str]) -> None:
    """Every Likert item present and coded 1..5 or <NA>."""
    items = list(items)
    require_columns(frame, table, items)
    for item in items:
        check_values(frame, table, item, LIKERT_CODES)


def code_counts(answers: pd.Series) -> dict[int, int]:
    """Answers per Likert code 1..5 (zeros included); <NA> (Don't know, blank) not counted.

    Codes must already be checked (`check_likert`); numpy keeps this cheap, as it runs for
    every item, group and year.
    """
    values = answers.to_numpy(dtype="float64", na_value=np.nan)
    counts = np.bincount(values[~np.isnan(values)].astype(int), minlength=max(LIKERT_CODES) + 1)
    return {code: int(counts[code]) for code in LIKERT_CODES}


def agree_counts(answers: pd.Series) -> tuple[int, int]:
    """(Agree + Strongly agree, answers coded 1..5): Don't know and blank are <NA>, excluded."""
    counts = code_counts(answers)
    return sum(counts[c] for c in AGREE_CODES), sum(counts.values())


def yes_counts(answers: pd.Series) -> tuple[int, int]:
    """(Yes, Yes + No + Not sure): blank excluded."""
    valid = answers.dropna()
    valid = valid[valid.isin(schema.YES_NO)]
    return int((valid == "Yes").sum()), int(len(valid))


def ordered_values(values: pd.Series, preferred: Sequence[str] = ()) -> list[str]:
    """Distinct non-blank values: those in `preferred` first in its order, then the rest sorted."""
    present = {str(v) for v in values.dropna()}
    return [v for v in preferred if v in present] + sorted(present - set(preferred))


def likert_distribution(
    frame: pd.DataFrame, items: Sequence[str], labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Share of each answer 1..5 per item, laid out for a diverging stacked bar.

    One row per item and answer code: `count`, `share` (of valid answers), `n_valid`,
    `n_missing` (Don't know or blank: both are <NA> after cleaning) and `start`, the left
    edge of the segment when disagree (1-2) and half of neutral (3) sit left of zero.
    """
    rows = []
    for item in items:
        counts = code_counts(frame[item])
        n_valid = sum(counts.values())
        shares = {c: (counts[c] / n_valid if n_valid else float("nan")) for c in LIKERT_CODES}
        start = -(shares[1] + shares[2] + shares[NEUTRAL_CODE] / 2)
        for code in LIKERT_CODES:
            rows.append({
                "item": item, "label": (labels or {}).get(item, item), "code": code,
                "answer": LIKERT_LABELS[code], "count": counts[code], "share": shares[code],
                "n_valid": n_valid, "n_missing": int(frame[item].isna().sum()), "start": start,
            })
            start += shares[code]
    return pd.DataFrame(rows, columns=[
        "item", "label", "code", "answer", "count", "share", "n_valid", "n_missing", "start",
    ])


def agree_share_table(
    frame: pd.DataFrame,
    items: Sequence[str],
    by: str | None = None,
    labels: Mapping[str, str] | None = None,
    order: Sequence[str] = (),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Agree share per item (and per value of `by`, in `order` first) with a Wilson interval.

    Columns: item, label, [by], agree, n_valid, share, ci_low, ci_high.
    """
    groups = [(None, frame)] if by is None else [
        (value, frame[frame[by] == value]) for value in ordered_values(frame[by], order)
    ]
    rows = []
    for item in items:
        for value, part in groups:
            agree, n_valid = agree_counts(part[item])
            low, high = wilson_interval(agree, n_valid, confidence)
            row: Row = {"item": item, "label": (labels or {}).get(item, item)}
            if by is not None:
                row[by] = value
            row.update({
                "agree": agree, "n_valid": n_valid,
                "share": agree / n_valid if n_valid else float("nan"),
                "ci_low": low, "ci_high": high,
            })
            rows.append(row)
    columns = ["item", "label", *([by] if by else []), "agree", "n_valid", "share", "ci_low",
               "ci_high"]
    return pd.DataFrame(rows, columns=columns)


def agree_share_rows(
    metric: str, frame: pd.DataFrame, items: Sequence[str], condition: Mapping[str, object],
    survey_year: int, reporting_year: int,
) -> list[Row]:
    """`metric` rows `item=<item>[;<condition>]` for one subset; no row when nothing is valid."""
    rows = []
    for item in items:
        agree, n_valid = agree_counts(frame[item])
        if n_valid:
            group = trend_group(group_key(item=item, **condition), survey_year, reporting_year)
            rows.append(share_row(metric, agree, n_valid, group))
    return rows


def answer_share_rows(
    metric: str, frame: pd.DataFrame, items: Sequence[str], condition: Mapping[str, object],
    survey_year: int, reporting_year: int,
) -> list[Row]:
    """`metric` rows `item=<item>[;<condition>];answer=<answer>`: the diverging bars' figures.

    Each answer 1..5 (zeros included) over the item's valid answers; no rows when none.
    """
    rows = []
    for item in items:
        counts = code_counts(frame[item])
        n_valid = sum(counts.values())
        if not n_valid:
            continue
        for code in LIKERT_CODES:
            key = group_key(item=item, **condition, answer=LIKERT_LABELS[code])
            rows.append(share_row(metric, counts[code], n_valid,
                                  trend_group(key, survey_year, reporting_year)))
    return rows


# --- Motivation and ambitions survey --------------------------------------------------------


def _in_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["survey_year"] == year]


def ambition_counts(ambitions: pd.DataFrame, year: int) -> pd.Series:
    """Respondents choosing each ambition in `year`, most chosen first (ties by name)."""
    chosen = _in_year(ambitions, year).drop_duplicates(["response_id", "ambition"])
    counts = chosen.groupby("ambition")["response_id"].nunique()
    return counts.sort_index().sort_values(ascending=False, kind="stable")


def theme_counts(themes: pd.DataFrame, year: int) -> pd.Series:
    """Responses whose comments carry each theme in `year`, most frequent first."""
    found = _in_year(themes, year).drop_duplicates(["response_id", "theme"])
    counts = found.groupby("theme")["response_id"].nunique()
    return counts.sort_index().sort_values(ascending=False, kind="stable")


def ambitions_ranked(ambitions: pd.DataFrame, n_respondents: int, year: int) -> pd.DataFrame:
    """Ambitions ranked by how many respondents chose them, with shares and Wilson intervals."""
    counts = ambition_counts(ambitions, year)
    rows = []
    for rank, (ambition, count) in enumerate(counts.items(), start=1):
        low, high = wilson_interval(int(count), n_respondents)
        rows.append({
            "rank": rank, "ambition": ambition, "respondents": int(count),
            "n_respondents": n_respondents,
            "share": count / n_respondents if n_respondents else float("nan"),
            "ci_low": low, "ci_high": high,
        })
    return pd.DataFrame(rows, columns=[
        "rank", "ambition", "respondents", "n_respondents", "share", "ci_low", "ci_high",
    ])


def themes_table(themes: pd.DataFrame, year: int) -> pd.DataFrame:
    """Comment themes with the number of responses raising each (comments are never shown)."""
    counts = theme_counts(themes, year)
    return pd.DataFrame({"theme": counts.index.astype(str), "responses": counts.to_numpy()})


def _breakdown_order(institution: Institution) -> dict[str, Sequence[str]]:
    return {"grade": institution.grades, "division": institution.divisions,
            "gender": schema.GENDERS}


def _motivation_year_rows(
    tables: Mapping[str, pd.DataFrame], institution: Institution, survey_year: int, year: int
) -> list[Row]:
    survey = _in_year(tables["motivation_survey"], survey_year)
    n = len(survey)

    def grp(group: str = "") -> str:
        return trend_group(group, survey_year, year)

    rows: list[Row] = [count_row("motivation.responses", n, grp())]
    headcount = technical_headcount(tables["hr_staff"], survey_year)
    if headcount:
        rows.append(share_row("motivation.response_rate", n, headcount, grp()))
    items = schema.MOTIVATION_ITEMS
    rows += agree_share_rows("motivation.agree_share", survey, items, {}, survey_year, year)
    rows += answer_share_rows("motivation.answer_share", survey, items, {}, survey_year, year)
    for column, order in _breakdown_order(institution).items():
        for value in ordered_values(survey[column], order):
            part = survey[survey[column] == value]
            rows += agree_share_rows(
                "motivation.agree_share", part, items, {column: value}, survey_year, year
            )
    if n:
        for ambition, count in ambition_counts(tables["motivation_ambitions"], survey_year).items():
            rows.append(share_row("motivation.ambition_share", int(count), n,
                                  grp(group_key(ambition=ambition))))
    for theme, count in theme_counts(tables["motivation_comment_themes"], survey_year).items():
        rows.append(count_row("motivation.comment_theme_count", int(count),
                              grp(group_key(theme=theme))))
    return rows


def check_motivation_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    """The tables the motivation metrics read exist, with their columns and valid codes."""
    survey = require_table(tables, "motivation_survey")
    require_columns(survey, "motivation_survey", MOTIVATION_COLUMNS)
    check_likert(survey, "motivation_survey", schema.MOTIVATION_ITEMS)
    require_columns(require_table(tables, "motivation_ambitions"), "motivation_ambitions",
                    ("response_id", "survey_year", "ambition"))
    require_columns(require_table(tables, "motivation_comment_themes"),
                    "motivation_comment_themes", ("response_id", "survey_year", "theme"))
    require_table(tables, "hr_staff")


def motivation_metrics(
    tables: Mapping[str, pd.DataFrame], institution: Institution, year: int
) -> pd.DataFrame:
    """Motivation survey metrics for every survey year up to `year` (earlier years prefixed).

    Reads `motivation_survey`, `motivation_ambitions`, `motivation_comment_themes` and
    `hr_staff` (response-rate denominators). A year the survey did not run has no rows.
    """
    check_motivation_tables(tables)
    rows: list[Row] = []
    for survey_year in years_up_to(tables["motivation_survey"]["survey_year"], year):
        rows += _motivation_year_rows(tables, institution, survey_year, year)
    return metrics_frame(rows)
