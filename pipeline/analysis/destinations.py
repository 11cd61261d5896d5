"""Career destinations of former technical staff (action 3j).

Sectors come from the cleaning step (`destination_sector`, reported or classified from the
job title and employer). Years are `left_year`. Pure functions of the processed
`destinations_survey` table; metric rows come back UNSUPPRESSED.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from pipeline import schema
from pipeline.analysis.motivation import (
    check_values,
    ordered_values,
    require_table,
    trend_group,
    years_up_to,
    yes_counts,
)
from pipeline.analysis.stats import wilson_interval
from pipeline.analysis.workforce import require_columns
from pipeline.config import Institution
from pipeline.metrics import count_row, group_key, metrics_frame, share_row

TABLE = "destinations_survey"
UNKNOWN = "unknown"
COLUMNS = ("response_id", "left_year", "former_grade", "destination_sector", "still_in_science")
ANALYST_COLUMNS = (
    "response_id", "left_year", "former_grade", "destination_job_title",
    "destination_employer", "sector_source",
)

Row = dict[str, object]


def check_destinations(destinations: pd.DataFrame) -> None:
    """Columns present; every response has a sector; still_in_science is Yes/No/Not sure."""
    require_columns(destinations, TABLE, COLUMNS)
    blank = destinations.loc[destinations["destination_sector"].isna(), "response_id"]
    if len(blank):
        raise ValueError(
            f"Processed table {TABLE!r}, column 'destination_sector': blank for responses "
            f"{sorted(map(str, blank))[:20]}; the cleaning must classify them (or 'unknown')"
        )
    check_values(destinations, TABLE, "still_in_science", schema.YES_NO)


def sectors(destinations: pd.DataFrame) -> list[str]:
    """The contract's sectors in order, then any extra sector an institution configured."""
    present = {str(v) for v in destinations["destination_sector"].dropna()}
    return list(schema.SECTORS) + sorted(present - set(schema.SECTORS))


def _left_in(destinations: pd.DataFrame, year: int) -> pd.DataFrame:
    return destinations[destinations["left_year"] == year]


def sector_by_year(destinations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Responses per left year (up to `year`) and sector, zeros included, with shares.

    Columns: left_year, sector, count, responses (that year's total), share.
    """
    rows = []
    for left_year in years_up_to(destinations["left_year"], year):
        part = _left_in(destinations, left_year)
        for sector in sectors(destinations):
            count = int((part["destination_sector"] == sector).sum())
            rows.append({"left_year": left_year, "sector": sector, "count": count,
                         "responses": len(part), "share": count / len(part)})
    return pd.DataFrame(rows, columns=["left_year", "sector", "count", "responses", "share"])


def grade_sector_flows(
    destinations: pd.DataFrame, years: Sequence[int], grade_order: Sequence[str] = ()
) -> pd.DataFrame:
    """Responses from each former grade to each sector over `years` (a flow or heat map).

    Columns: former_grade, sector, count; every grade present x every sector, zeros included.
    """
    part = destinations[destinations["left_year"].isin(list(years))]
    rows = []
    for grade in ordered_values(part["former_grade"], grade_order):
        from_grade = part[part["former_grade"] == grade]
        for sector in sectors(destinations):
            rows.append({"former_grade": grade, "sector": sector,
                         "count": int((from_grade["destination_sector"] == sector).sum())})
    return pd.DataFrame(rows, columns=["former_grade", "sector", "count"])


def still_in_science_table(destinations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Still-in-science rate per left year up to `year`, with a Wilson interval."""
    rows = []
    for left_year in years_up_to(destinations["left_year"], year):
        yes, n_valid = yes_counts(_left_in(destinations, left_year)["still_in_science"])
        low, high = wilson_interval(yes, n_valid)
        rows.append({"left_year": left_year, "yes": yes, "n_valid": n_valid,
                     "rate": yes / n_valid if n_valid else float("nan"),
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=["left_year", "yes", "n_valid", "rate", "ci_low",
                                       "ci_high"])


def unclassified_answers(destinations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Answers left in sector `unknown` up to `year`, for the analyst to classify by hand.

    Holds free text (job title, employer): analyst-only, never in a shared report.
    """
    columns = [c for c in ANALYST_COLUMNS if c in destinations.columns]
    part = destinations[(destinations["destination_sector"] == UNKNOWN)
                        & (destinations["left_year"] <= year)]
    return part[columns].sort_values(["left_year", "response_id"]).reset_index(drop=True)


def _year_rows(part: pd.DataFrame, all_sectors: Sequence[str], condition: Mapping[str, str],
               left_year: int, year: int) -> list[Row]:
    def grp(**extra: str) -> str:
        return trend_group(group_key(**condition, **extra), left_year, year)

    rows: list[Row] = [count_row("destinations.responses", len(part), grp())]
    for sector in all_sectors:
        count = int((part["destination_sector"] == sector).sum())
        rows.append(share_row("destinations.sector_share", count, len(part), grp(sector=sector)))
    yes, n_valid = yes_counts(part["still_in_science"])
    if n_valid:
        rows.append(share_row("destinations.still_in_science_rate", yes, n_valid, grp()))
    return rows


def destinations_metrics(
    tables: Mapping[str, pd.DataFrame], institution: Institution, year: int
) -> pd.DataFrame:
    """Destination metrics for every left year up to `year` (earlier years prefixed).

    Whole population, then by `former_grade` (groups `former_grade=SO3;sector=academia`).
    A year with no responses has no rows.
    """
    destinations = require_table(tables, TABLE)
    check_destinations(destinations)
    all_sectors = sectors(destinations)
    rows: list[Row] = []
    for left_year in years_up_to(destinations["left_year"], year):
        part = _left_in(destinations, left_year)
        rows += _year_rows(part, all_sectors, {}, left_year, year)
        for grade in ordered_values(part["former_grade"], institution.grade_order):
            rows += _year_rows(part[part["former_grade"] == grade], all_sectors,
                               {"former_grade": grade}, left_year, year)
    rows += _flow_rows(destinations, institution, year)
    rows += _to_date_rows(destinations, all_sectors, year)
    return metrics_frame(rows)


def _to_date_rows(destinations: pd.DataFrame, all_sectors: Sequence[str], year: int) -> list[Row]:
    """`destinations.sector_share_to_date`: all answers with left_year <= year pooled, so
    that sectors too small to show for one year can be shown for the period."""
    part = destinations[destinations["left_year"] <= year]
    return [
        share_row("destinations.sector_share_to_date",
                  int((part["destination_sector"] == sector).sum()), len(part),
                  group_key(sector=sector))
        for sector in all_sectors
    ] if len(part) else []


def _flow_rows(destinations: pd.DataFrame, institution: Institution, year: int) -> list[Row]:
    """`destinations.flow_count`: responses to date (left_year <= year), grade -> sector."""
    years = years_up_to(destinations["left_year"], year)
    flows = grade_sector_flows(destinations, years, institution.grade_order)
    return [
        count_row("destinations.flow_count", int(flow.count),
                  group_key(former_grade=flow.former_grade, sector=flow.sector))
        for flow in flows.itertuples(index=False)
    ]
