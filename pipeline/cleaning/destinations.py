"""Career destinations: map reported sectors, classify the rest from job title and employer.

The rule set `mappings/destination_rules.csv` (columns `sector, field, pattern, priority`)
is plain data an analyst can edit. `field` is `title`, `employer` or `any` (both texts);
`pattern` is a keyword or phrase matched as whole words, case-insensitive (a trailing `*`
matches any word ending). Rules are tried by ascending `priority`, then file order; the
first match wins, so "PhD student, UCL" is further study (priority 1) before UCL says
academia (priority 2). No match -> `unknown`. The original texts stay in the processed
table (`destination_job_title`, `destination_employer`) so every decision can be reviewed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.cleaning.common import (
    CleaningContext,
    conform,
    drop_exact_duplicates,
    parse_integers,
    person_ids,
    strip_text,
)
from pipeline.cleaning.log import CleaningLog
from pipeline.cleaning.mappings import MAPPINGS_DIR, MappingError, map_values, normalise_key
from pipeline.cleaning.themes import keyword_pattern
from pipeline.schema import SECTORS

RULES_FILE = MAPPINGS_DIR / "destination_rules.csv"
FIELDS = ("title", "employer", "any")
UNKNOWN = "unknown"


def load_destination_rules(path: Path = RULES_FILE) -> pd.DataFrame:
    """The rule table, checked and sorted by priority (stable: file order breaks ties)."""
    rules = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"sector", "field", "pattern", "priority"} - set(rules.columns)
    if missing:
        raise MappingError(f"{path}: missing columns {sorted(missing)}; has {list(rules.columns)}")
    rules = rules.apply(lambda col: col.str.strip())
    problems = {
        "sector": rules.loc[~rules["sector"].isin(SECTORS), "sector"],
        "field": rules.loc[~rules["field"].isin(FIELDS), "field"],
        "priority": rules.loc[~rules["priority"].str.fullmatch(r"\d+"), "priority"],
    }
    for column, bad in problems.items():
        if not bad.empty:
            raise MappingError(f"{path}: column {column!r} has invalid values {bad.unique()[:5]}")
    rules["priority"] = rules["priority"].astype(int)
    rules["regex"] = rules["pattern"].map(lambda p: re.compile(keyword_pattern(p)))
    return rules[rules["pattern"] != ""].sort_values("priority", kind="stable")


def classify_destination(title: object, employer: object, rules: pd.DataFrame) -> str:
    """The sector of the first matching rule, else `unknown`."""
    texts = {
        "title": normalise_key(title) if pd.notna(title) else "",
        "employer": normalise_key(employer) if pd.notna(employer) else "",
    }
    texts["any"] = f"{texts['title']} | {texts['employer']}"
    for sector, field, regex in zip(rules["sector"], rules["field"], rules["regex"], strict=True):
        if regex.search(texts[field]):
            return sector
    return UNKNOWN


def classify_destinations(
    titles: pd.Series, employers: pd.Series, rules: pd.DataFrame | None = None
) -> pd.Series:
    """Vector form of `classify_destination` (each distinct pair classified once)."""
    rules = load_destination_rules() if rules is None else rules
    pairs = pd.DataFrame({"title": titles, "employer": employers}).astype("string")
    cache: dict[tuple[object, object], str] = {}
    for pair in zip(pairs["title"], pairs["employer"], strict=True):
        if pair not in cache:
            cache[pair] = classify_destination(*pair, rules)
    sectors = [cache[pair] for pair in zip(pairs["title"], pairs["employer"], strict=True)]
    return pd.Series(sectors, index=titles.index, dtype="string")


def clean_destinations_survey(
    raw: pd.DataFrame, ctx: CleaningContext
) -> tuple[pd.DataFrame, CleaningLog]:
    """Responses -> `destinations_survey` with a sector for every row and its source."""
    log = ctx.new_log("destinations_survey", raw)
    raw = drop_exact_duplicates(raw, log)
    title = strip_text(raw["destination_job_title"])
    employer = strip_text(raw["destination_employer"])
    given = strip_text(raw["destination_sector"])
    reported = map_values(given, "sectors", column="destination_sector", log=log,
                          allowed=SECTORS)
    # An unmapped reported sector stays unmapped (listed in the log): it is not re-guessed.
    to_classify = given.isna()
    classified = classify_destinations(title[to_classify], employer[to_classify])
    sector = reported.copy()
    sector.loc[classified.index] = classified
    source = pd.Series(pd.NA, index=raw.index, dtype="string")
    source[reported.notna()] = "reported"
    source[to_classify] = "classified"
    frame = pd.DataFrame(
        {
            "response_id": strip_text(raw["response_id"]),
            "person_id": person_ids(raw["staff_id"], ctx, log),
            "left_year": parse_integers(raw["left_year"], column="left_year", log=log),
            "former_grade": map_values(raw["former_grade"], "grades", column="former_grade",
                                       log=log, allowed=ctx.institution.grades),
            "destination_job_title": title,
            "destination_employer": employer,
            "destination_sector": sector,
            "sector_source": source,
            "still_in_science": map_values(raw["still_in_science"], "yes_no",
                                           column="still_in_science", log=log),
            "reason_for_leaving": strip_text(raw["reason_for_leaving"]),
        }
    )
    out = conform(frame, "destinations_survey")
    log.rows_out = len(out)
    log.notes.update(
        sectors_reported=int((source == "reported").sum()),
        sectors_classified=int(to_classify.sum()),
        sectors_classified_unknown=int((classified == UNKNOWN).sum()),
        sectors_unmapped=int((given.notna() & reported.isna()).sum()),
    )
    return out, log
