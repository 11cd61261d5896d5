"""True survey records: career destinations, the motivation pilot, the staff survey.

Likert answers are held as codes 1..5 with <NA> for "Don't know", N/A or blank (the
spelling of each blank is chosen later, in `mess.py`). Awareness and still-in-science
answers are canonical strings or <NA>.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo import texts
from pipeline.demo.population import Workforce
from pipeline.schema import AWARENESS_ITEMS, MOTIVATION_ITEMS, STAFF_SURVEY_ITEMS

MOTIVATION_YEARS = (2022, 2023)  # the pilot (action 4c) and its repeat
STAFF_SURVEY_YEARS = (2021, 2023)  # biennial
DESTINATION_RESPONSE_RATE = 0.4
# Staff survey items where technical staff agree less (or more) than other staff.
TECH_SHIFT = {"s03": -0.18, "s07": -0.15, "s11": -0.2, "s14": -0.12, "s01": 0.05}


def likert_codes(rng: np.random.Generator, agree_p: np.ndarray) -> pd.Series:
    """Answers 1..5 (<NA> for Don't know/blank) given each respondent's chance to agree."""
    n = len(agree_p)
    agree_p = np.clip(agree_p, 0.02, 0.95)
    neutral_p = np.full(n, 0.15)
    u = rng.random(n)
    codes = np.where(u < agree_p, 4, np.where(u < agree_p + neutral_p, 3, 2))
    strong = rng.random(n) < 0.3
    codes = np.where(strong & (codes == 4), 5, np.where(strong & (codes == 2), 1, codes))
    missing = rng.random(n) < 0.05
    return pd.Series(pd.array(np.where(missing, 0, codes), dtype="Int64")).mask(missing)


def _choice_or_na(rng, values, weights, n: int) -> pd.Series:
    values = list(values)
    weights = np.asarray(weights, dtype=float)
    picked = rng.choice(np.arange(len(values)), size=n, p=weights / weights.sum())
    return pd.Series([values[i] for i in picked], dtype="object").astype("string")


def destinations(rng: np.random.Generator, wf: Workforce) -> pd.DataFrame:
    """Answers of former technical staff (about 40% of technical leavers respond)."""
    leavers = wf.leavers[wf.leavers["is_technical"]]
    leavers = leavers[rng.random(len(leavers)) < DESTINATION_RESPONSE_RATE].reset_index(drop=True)
    n = len(leavers)
    sectors = list(texts.SECTOR_WEIGHTS)
    sector = _choice_or_na(rng, sectors, list(texts.SECTOR_WEIGHTS.values()), n)
    picks = [texts.DESTINATIONS[s][rng.integers(len(texts.DESTINATIONS[s]))] for s in sector]
    still = []
    for s in sector:
        if s == "non-science":
            options, weights = ("No", "Not sure", None), (0.9, 0.05, 0.05)
        elif s == "unknown":
            options, weights = ("Not sure", "No", None), (0.5, 0.2, 0.3)
        else:
            options, weights = ("Yes", "No", "Not sure", None), (0.9, 0.03, 0.04, 0.03)
        still.append(options[rng.choice(len(options), p=weights)])
    ended = leavers["leaving_reason"] == "End of contract"
    reason = np.where(
        ended, "End of contract",
        rng.choice(np.array(texts.REASONS_FOR_LEAVING, dtype=object), size=n),
    )
    return pd.DataFrame({
        "response_id": [f"D{i + 1:04d}" for i in range(n)],
        "staff_id": leavers["staff_id"].where(rng.random(n) < 0.7).astype("string"),
        "left_year": leavers["leave_date"].dt.year.astype("Int64"),
        "former_grade": leavers["grade"].astype("string"),
        "destination_job_title": [t for t, _ in picks],
        "destination_employer": [e or None for _, e in picks],
        "destination_sector": sector,
        "sector_source": np.where(rng.random(n) < 0.5, "reported", "classified"),
        "still_in_science": pd.array(still, dtype="string"),
        "reason_for_leaving": reason,
    })


def _years_in_role(start: pd.Series, when: pd.Series) -> list[str]:
    years = (when - start).dt.days / 365.25
    bins = np.digitize(years, [1, 3, 6, 11])
    return [texts.YEARS_IN_ROLE[b] for b in bins]


def _ambitions(rng, response_ids: list[str], year: int) -> pd.DataFrame:
    rows = []
    for rid in response_ids:
        if rng.random() < 0.05:
            continue  # skipped the question
        chosen = [a for a, w in zip(texts.AMBITIONS, texts.AMBITION_WEIGHTS, strict=True)
                  if rng.random() < w]
        chosen = chosen or [texts.AMBITIONS[rng.integers(len(texts.AMBITIONS))]]
        rows += [(rid, year, a) for a in chosen]
    return pd.DataFrame(rows, columns=["response_id", "survey_year", "ambition"])


def _comments(rng, response_ids: list[str], year: int, names: np.ndarray):
    """Free-text comments and their true themes; a few name a colleague."""
    comments, theme_rows = [], []
    themes = list(texts.COMMENT_TEMPLATES)
    for rid in response_ids:
        if rng.random() < 0.45:
            comments.append(None)
            continue
        if rng.random() < 0.06:
            name = names[rng.integers(len(names))]
            comments.append(texts.NAMED_COMMENT.format(name=name))
            theme_rows.append((rid, year, "management"))
            continue
        picked = rng.choice(len(themes), size=1 + int(rng.random() < 0.3), replace=False)
        parts = []
        for k in sorted(picked):
            options = texts.COMMENT_TEMPLATES[themes[k]]
            parts.append(options[rng.integers(len(options))])
            theme_rows.append((rid, year, themes[k]))
        comments.append(" ".join(parts))
    return comments, pd.DataFrame(theme_rows, columns=["response_id", "survey_year", "theme"])


def motivation(rng: np.random.Generator, wf: Workforce, years: list[int]):
    """The motivation and ambitions survey of technical staff (about 40% respond).

    Returns (responses with `comments`, ambitions long table, comment themes long table).
    """
    frames, ambitions, themes = [], [], []
    for year in [y for y in MOTIVATION_YEARS if y in years]:
        staff = wf.census[(wf.census["census_date"].dt.year == year) & wf.census["is_technical"]]
        staff = staff[rng.random(len(staff)) < rng.uniform(0.35, 0.45)].reset_index(drop=True)
        n = len(staff)
        ids = [f"M{year % 100}-{i + 1:03d}" for i in range(n)]
        submitted = pd.Timestamp(year, 5, 3) + pd.to_timedelta(rng.integers(0, 40, n), "D")
        frame = pd.DataFrame({
            "response_id": ids, "submitted_at": submitted,
            "grade": staff["grade"].to_numpy(), "division": staff["division"].to_numpy(),
            "gender": staff["gender"].to_numpy(),
            "years_in_role": _years_in_role(staff["start_date"], pd.Series(submitted)),
        })
        base = rng.uniform(0.35, 0.75, len(MOTIVATION_ITEMS)) + 0.04 * (year - 2022)
        for item, p in zip(MOTIVATION_ITEMS, base, strict=True):
            frame[item] = likert_codes(rng, np.full(n, p))
        frame["comments"], theme_frame = _comments(
            rng, ids, year, wf.people["full_name"].to_numpy()
        )
        frames.append(frame)
        ambitions.append(_ambitions(rng, ids, year))
        themes.append(theme_frame)
    if not frames:  # no survey round in the years asked for
        columns = ["response_id", "submitted_at", "grade", "division", "gender",
                   "years_in_role", *MOTIVATION_ITEMS, "comments"]
        return (pd.DataFrame(columns=columns).astype({"submitted_at": "datetime64[ns]"}),
                _ambitions(rng, [], 0), _comments(rng, [], 0, np.array([]))[1])
    return (
        pd.concat(frames, ignore_index=True),
        pd.concat(ambitions, ignore_index=True),
        pd.concat(themes, ignore_index=True),
    )


def staff_survey(rng: np.random.Generator, wf: Workforce, years: list[int]) -> pd.DataFrame:
    """The institution-wide staff survey (about 60% respond); awareness rises by 2023."""
    frames = []
    agree = rng.uniform(0.45, 0.8, len(STAFF_SURVEY_ITEMS))
    base = dict(zip(STAFF_SURVEY_ITEMS, agree, strict=True))
    for year in [y for y in STAFF_SURVEY_YEARS if y in years]:
        staff = wf.census[wf.census["census_date"].dt.year == year]
        staff = staff[rng.random(len(staff)) < 0.6].reset_index(drop=True)
        n = len(staff)
        tech = staff["is_technical"].to_numpy()
        frame = pd.DataFrame({
            "response_id": [f"S{year % 100}-{i + 1:05d}" for i in range(n)],
            "survey_year": pd.array([year] * n, dtype="Int64"),
            "staff_group": np.where(tech, "technical", "other"),
            "grade": staff["grade"].to_numpy(),
        })
        for item in STAFF_SURVEY_ITEMS:
            frame[item] = likert_codes(rng, base[item] + np.where(tech, TECH_SHIFT.get(item, 0), 0))
        for k, item in enumerate(AWARENESS_ITEMS):
            yes = np.where(tech, 0.35 + 0.04 * k + 0.1 * (year - 2021), 0.5)
            u = rng.random(n)
            answer = np.where(u < yes, "Yes", np.where(u < yes + (1 - yes) * 0.6, "No", "Not sure"))
            frame[item] = pd.array(answer, dtype="string")
            frame.loc[rng.random(n) < 0.03, item] = pd.NA
        frames.append(frame)
    if not frames:
        columns = ["response_id", "survey_year", "staff_group", "grade", *STAFF_SURVEY_ITEMS,
                   *AWARENESS_ITEMS]
        return pd.DataFrame(columns=columns).astype({"survey_year": "Int64"})
    return pd.concat(frames, ignore_index=True)
