"""Institution-wide staff survey (action 4b): technical staff against other staff.

Also the awareness items (careers advice 3d, promotion criteria and mentoring 3e, Future
Leaders 3f) with their change since the previous survey, and the Technician Commitment
impact questions (3i, items named in the codebook). Pure functions of processed tables;
metric rows come back UNSUPPRESSED.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from pipeline import schema
from pipeline.analysis.motivation import (
    agree_counts,
    agree_share_rows,
    agree_share_table,
    answer_share_rows,
    check_likert,
    check_values,
    require_table,
    trend_group,
    years_up_to,
    yes_counts,
)
from pipeline.analysis.stats import two_proportion_test, wilson_interval
from pipeline.analysis.workforce import require_columns
from pipeline.config import Institution
from pipeline.metrics import count_row, group_key, metric_row, metrics_frame, share_row

TABLE = "staff_survey"
TECHNICAL, OTHER = schema.STAFF_GROUPS
SIGNIFICANCE = 0.05

Row = dict[str, object]


def check_staff_survey(survey: pd.DataFrame) -> None:
    """Columns present, Likert codes 1..5, staff groups and awareness answers canonical."""
    require_columns(survey, TABLE, ("response_id", "survey_year", "staff_group"))
    check_likert(survey, TABLE, schema.STAFF_SURVEY_ITEMS)
    check_values(survey, TABLE, "staff_group", schema.STAFF_GROUPS)
    require_columns(survey, TABLE, schema.AWARENESS_ITEMS)
    for item in schema.AWARENESS_ITEMS:
        check_values(survey, TABLE, item, schema.YES_NO)


def _in_year(survey: pd.DataFrame, year: int) -> pd.DataFrame:
    return survey[survey["survey_year"] == year]


def _group(survey: pd.DataFrame, staff_group: str) -> pd.DataFrame:
    return survey[survey["staff_group"] == staff_group]


def responses_by_group(survey: pd.DataFrame, year: int) -> dict[str, int]:
    """Responses in `year`: all, technical, other."""
    part = _in_year(survey, year)
    return {"all": len(part), TECHNICAL: len(_group(part, TECHNICAL)),
            OTHER: len(_group(part, OTHER))}


def comparison_table(
    survey: pd.DataFrame,
    year: int,
    items: Sequence[str] = schema.STAFF_SURVEY_ITEMS,
    labels: Mapping[str, str] | None = None,
    significance: float = SIGNIFICANCE,
) -> pd.DataFrame:
    """Technical against other staff per item: agree shares, difference, p-value, flag.

    `difference` is technical minus other; `larger_than_chance` is True when the pooled
    two-proportion z-test gives p below `significance` (False when it cannot be computed).
    """
    part = _in_year(survey, year)
    tech, other = _group(part, TECHNICAL), _group(part, OTHER)
    rows = []
    for item in items:
        t_agree, t_n = agree_counts(tech[item])
        o_agree, o_n = agree_counts(other[item])
        difference, p_value = two_proportion_test(t_agree, t_n, o_agree, o_n)
        rows.append({
            "item": item, "label": (labels or {}).get(item, item),
            "technical_agree": t_agree, "technical_n": t_n,
            "technical_share": t_agree / t_n if t_n else math.nan,
            "other_agree": o_agree, "other_n": o_n,
            "other_share": o_agree / o_n if o_n else math.nan,
            "difference": difference, "p_value": p_value,
            "larger_than_chance": bool(not math.isnan(p_value) and p_value < significance),
        })
    return pd.DataFrame(rows)


def awareness_trend(
    survey: pd.DataFrame,
    year: int,
    items: Sequence[str] = schema.AWARENESS_ITEMS,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Awareness among technical staff per survey year up to `year`, with change.

    One row per survey year and item that has answers: yes, n_valid (Yes + No + Not sure),
    rate, Wilson interval, and `change_pp`: percentage points since the latest earlier
    survey that asked the item (NaN for the first).
    """
    tech = _group(survey, TECHNICAL)
    rows = []
    for item in items:
        previous_rate = math.nan
        for survey_year in years_up_to(survey["survey_year"], year):
            yes, n_valid = yes_counts(_in_year(tech, survey_year)[item])
            if not n_valid:
                continue
            rate = yes / n_valid
            low, high = wilson_interval(yes, n_valid)
            rows.append({
                "survey_year": survey_year, "item": item,
                "label": (labels or {}).get(item, item), "yes": yes, "n_valid": n_valid,
                "rate": rate, "ci_low": low, "ci_high": high,
                "change_pp": (rate - previous_rate) * 100,
            })
            previous_rate = rate
    return pd.DataFrame(rows, columns=[
        "survey_year", "item", "label", "yes", "n_valid", "rate", "ci_low", "ci_high",
        "change_pp",
    ])


def impact_table(
    survey: pd.DataFrame,
    year: int,
    items: Sequence[str],
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Agree share of technical staff on the Technician Commitment impact items (3i)."""
    tech = _group(_in_year(survey, year), TECHNICAL)
    return agree_share_table(tech, items, labels=labels)


def _subsets(part: pd.DataFrame) -> list[tuple[dict[str, str], pd.DataFrame]]:
    """All respondents, then each staff group: split once, as every item reads them."""
    return [({}, part)] + [({"staff_group": g}, _group(part, g)) for g in schema.STAFF_GROUPS]


def _agree_rows(part: pd.DataFrame, survey_year: int, year: int) -> list[Row]:
    """Agree shares and answer shares per item: all respondents, then each staff group."""
    subsets = _subsets(part)
    rows = []
    for item in schema.STAFF_SURVEY_ITEMS:
        for condition, subset in subsets:
            rows += agree_share_rows("staff_survey.agree_share", subset, [item], condition,
                                     survey_year, year)
    for item in schema.STAFF_SURVEY_ITEMS:
        for condition, subset in subsets:
            rows += answer_share_rows("staff_survey.answer_share", subset, [item], condition,
                                      survey_year, year)
    return rows


def _difference_rows(part: pd.DataFrame, survey_year: int, year: int) -> list[Row]:
    # Numerator and denominator are the smaller of the two shares' own, so disclosure
    # control (which judges a share by both) withholds the difference whenever it would
    # withhold either share: otherwise the withheld share could be worked back.
    tech, other = _group(part, TECHNICAL), _group(part, OTHER)
    rows = []
    for item in schema.STAFF_SURVEY_ITEMS:
        t_agree, t_n = agree_counts(tech[item])
        o_agree, o_n = agree_counts(other[item])
        if t_n and o_n:
            group = trend_group(group_key(item=item), survey_year, year)
            rows.append(metric_row("staff_survey.agree_share_difference",
                                   t_agree / t_n - o_agree / o_n, min(t_agree, o_agree),
                                   min(t_n, o_n), group))
    return rows


def _awareness_rows(survey: pd.DataFrame, year: int) -> list[Row]:
    trend = awareness_trend(survey, year)
    rows = []
    for record in trend.itertuples(index=False):
        group = trend_group(group_key(item=record.item), record.survey_year, year)
        rows.append(share_row("staff_survey.awareness_rate", record.yes, record.n_valid, group))
        if not math.isnan(record.change_pp):
            # Smaller numerator and denominator of the two rates: see `_difference_rows`.
            previous = trend[(trend["item"] == record.item)
                             & (trend["survey_year"] < record.survey_year)].iloc[-1]
            rows.append(metric_row("staff_survey.awareness_change", record.change_pp,
                                   min(record.yes, int(previous["yes"])),
                                   min(record.n_valid, int(previous["n_valid"])), group))
    return rows


def staff_survey_metrics(
    tables: Mapping[str, pd.DataFrame], institution: Institution, year: int
) -> pd.DataFrame:
    """Staff survey metrics for every survey year up to `year` (earlier years prefixed).

    `institution` is taken for a uniform signature: the survey's own `staff_group` says who
    is technical. A year the survey did not run has no rows.
    """
    survey = require_table(tables, TABLE)
    check_staff_survey(survey)
    rows: list[Row] = []
    for survey_year in years_up_to(survey["survey_year"], year):
        part = _in_year(survey, survey_year)
        counts = responses_by_group(survey, survey_year)
        rows.append(count_row("staff_survey.responses", counts["all"],
                              trend_group("", survey_year, year)))
        for staff_group in schema.STAFF_GROUPS:
            rows.append(count_row("staff_survey.responses", counts[staff_group], trend_group(
                group_key(staff_group=staff_group), survey_year, year)))
        rows += _agree_rows(part, survey_year, year)
        rows += _difference_rows(part, survey_year, year)
    rows += _awareness_rows(survey, year)
    return metrics_frame(rows)
