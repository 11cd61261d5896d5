"""Simulate the workforce year by year: censuses, leavers, promotions (the true records).

The first census is the population on 31 December of the first year. Each later year,
some people leave (on a day from 1 January to 30 December, so they are on the previous
census and not on this one), some technical staff are promoted one grade up, and joiners
replace leavers (starting in the year, so their first census is this one). Nobody leaves
in the first year: there is no earlier census to show they were employed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Institution
from pipeline.demo import texts
from pipeline.demo.profiles import Profile

TECH_LEAVE_RATE = 0.125
OTHER_LEAVE_RATE = 0.12
PROMOTION_RATE = 0.065
GENDER_WEIGHTS = {"Female": 0.55, "Male": 0.42, "Non-binary": 0.01, "Prefer not to say": 0.02}
FTE_VALUES, FTE_WEIGHTS = (1.0, 0.8, 0.6, 0.5), (0.85, 0.07, 0.04, 0.04)
OTHER_TITLES = {
    "Academic": "Group Leader", "Postdoctoral": "Postdoctoral Training Fellow",
    "Research": "Research Associate", "Professional Services": "Administrator",
}
STATE_COLUMNS = (
    "staff_id", "job_family", "job_title", "grade", "division", "contract_type", "fte",
    "start_date", "gender", "ethnicity", "disability", "age_band", "is_technical",
)


@dataclass
class Workforce:
    """True HR records: census rows, leavers and promotions, with names and e-mails."""

    census: pd.DataFrame
    leavers: pd.DataFrame
    promotions: pd.DataFrame
    people: pd.DataFrame  # one row per person ever employed: staff_id, full_name, email


class IdPool:
    """Unique random staff IDs, zero-padded; small numbers are common so zeros get lost."""

    def __init__(self, rng: np.random.Generator, needed: int) -> None:
        self.width = max(5, len(str(needed * 4)))
        upper = min(10**self.width - 1, max(needed * 4, 30000))
        self._ids = rng.choice(np.arange(1, upper + 1), size=needed, replace=False)
        self._next = 0

    def take(self, n: int) -> np.ndarray:
        if self._next + n > len(self._ids):
            raise RuntimeError("Demo ID pool exhausted; raise the pool size")
        chunk = self._ids[self._next : self._next + n]
        self._next += n
        return np.array([str(i).zfill(self.width) for i in chunk], dtype=object)


def _pick(rng: np.random.Generator, values, weights, n: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return rng.choice(np.asarray(values, dtype=object), size=n, p=weights / weights.sum())


def _title(inst: Institution, profile: Profile, family: str, grade: str) -> str:
    if family in profile.technical_titles:
        pos = inst.grade_order.index(grade) if grade in inst.grade_order else 0
        prefix = ("", "", "Senior ", "Senior ", "Principal ")[min(pos, 4)]
        return prefix + profile.technical_titles[family]
    return OTHER_TITLES.get(family, family)


def _new_people(
    rng: np.random.Generator, inst: Institution, profile: Profile, ids: IdPool,
    n_tech: int, n_other: int,
) -> pd.DataFrame:
    """Attributes of newly created people (start dates are set by the caller)."""
    n = n_tech + n_other
    fam_tech = _pick(rng, inst.technical_job_families, profile.technical_family_weights, n_tech)
    grade_tech = _pick(rng, inst.grade_order, profile.technical_grade_weights, n_tech)
    families = list(profile.other_families)
    fam_other = _pick(rng, families, [profile.other_families[f][2] for f in families], n_other)
    grade_other = np.empty(n_other, dtype=object)
    for fam in families:
        mask = fam_other == fam
        grades, weights, _ = profile.other_families[fam]
        grade_other[mask] = _pick(rng, grades, weights, int(mask.sum()))
    family = np.concatenate([fam_tech, fam_other])
    grade = np.concatenate([grade_tech, grade_other])
    is_tech = np.arange(n) < n_tech
    division = np.where(
        is_tech,
        _pick(rng, profile.technical_divisions, [1] * len(profile.technical_divisions), n),
        _pick(rng, inst.divisions, [1] * len(inst.divisions), n),
    )
    ft_share = np.array([profile.fixed_term_share.get(f, 0.25) for f in family])
    frame = pd.DataFrame({
        "staff_id": ids.take(n),
        "job_family": family,
        "grade": grade,
        "division": division,
        "contract_type": np.where(rng.random(n) < ft_share, "Fixed-term", "Open-ended"),
        "fte": _pick(rng, FTE_VALUES, FTE_WEIGHTS, n).astype(float),
        "gender": _pick(rng, list(GENDER_WEIGHTS), list(GENDER_WEIGHTS.values()), n),
        "ethnicity": _pick(rng, texts.ETHNICITIES, texts.ETHNICITY_WEIGHTS, n),
        "disability": _pick(rng, texts.DISABILITIES, texts.DISABILITY_WEIGHTS, n),
        "age_band": _pick(rng, texts.AGE_BANDS, texts.AGE_WEIGHTS, n),
        "is_technical": is_tech,
    })
    frame["job_title"] = [
        _title(inst, profile, f, g)
        for f, g in zip(frame["job_family"], frame["grade"], strict=True)
    ]
    return frame


def _dates_in_year(rng: np.random.Generator, year: int, n: int, last_day: int = 31) -> pd.Series:
    start = pd.Timestamp(year, 1, 1)
    days = (pd.Timestamp(year, 12, last_day) - start).days + 1
    return pd.Series(start + pd.to_timedelta(rng.integers(0, days, n), unit="D"))


def _leaving_reasons(rng: np.random.Generator, leavers: pd.DataFrame) -> np.ndarray:
    fixed = (leavers["contract_type"] == "Fixed-term").to_numpy()
    older = leavers["age_band"].isin(["55-64", "65+"]).to_numpy()
    reasons = np.empty(len(leavers), dtype=object)
    plans = [
        (fixed, ("End of contract", "Resignation", "Other"), (0.7, 0.25, 0.05)),
        (~fixed & older, ("Retirement", "Resignation", "Redundancy", "Other"),
         (0.6, 0.3, 0.05, 0.05)),
        (~fixed & ~older, ("Resignation", "Redundancy", "Dismissal", "Other", "Retirement"),
         (0.84, 0.05, 0.03, 0.06, 0.02)),
    ]
    for mask, values, weights in plans:
        reasons[mask] = _pick(rng, values, weights, int(mask.sum()))
    return reasons


def _leave(rng, state: pd.DataFrame, year: int, first_year: int) -> tuple[pd.Series, pd.DataFrame]:
    """Choose this year's leavers; return (mask of leavers, leaver records)."""
    base = np.where(state["is_technical"], TECH_LEAVE_RATE, OTHER_LEAVE_RATE)
    factor = np.where(state["contract_type"] == "Fixed-term", 1.9, 0.75)
    mask = pd.Series(rng.random(len(state)) < base * factor * rng.normal(1, 0.08), state.index)
    leavers = state[mask].copy()
    leavers["leave_date"] = _dates_in_year(rng, year, len(leavers), last_day=30).to_numpy()
    leavers["leaving_reason"] = _leaving_reasons(rng, leavers)
    p_done = min(0.5 + 0.07 * (year - first_year), 0.85)  # action 4d: completion improves
    done = rng.random(len(leavers)) < p_done
    blank = rng.random(len(leavers)) < 0.05
    leavers["exit_questionnaire_completed"] = pd.array(
        [pd.NA if b else bool(d) for d, b in zip(done, blank, strict=True)], dtype="boolean"
    )
    return mask, leavers


def _promote(rng, inst, profile, state: pd.DataFrame, year: int) -> pd.DataFrame:
    """Promote some technical staff one grade up; updates `state` in place."""
    top = inst.grade_order[-1]
    eligible = state["is_technical"] & state["grade"].isin(inst.grade_order[:-1])
    chosen = state.index[eligible & (rng.random(len(state)) < PROMOTION_RATE)]
    to_grade = [inst.grade_order[inst.grade_order.index(g) + 1] for g in state.loc[chosen, "grade"]]
    promos = pd.DataFrame({
        "staff_id": state.loc[chosen, "staff_id"].to_numpy(),
        "effective_date": _dates_in_year(rng, year, len(chosen)).to_numpy(),
        "from_grade": state.loc[chosen, "grade"].to_numpy(),
        "to_grade": np.array(to_grade, dtype=object),
    })
    assert top not in set(promos["from_grade"])
    state.loc[chosen, "grade"] = to_grade
    state.loc[chosen, "job_title"] = [
        _title(inst, profile, f, g)
        for f, g in zip(state.loc[chosen, "job_family"], state.loc[chosen, "grade"], strict=True)
    ]
    return promos


def _joiners(rng, inst, profile, ids: IdPool, leavers: pd.DataFrame, year: int) -> pd.DataFrame:
    """One joiner per leaver, in the same job family and division, often a grade lower."""
    n = len(leavers)
    joiners = _new_people(rng, inst, profile, ids, n, 0) if n else leavers.iloc[:0].copy()
    if not n:
        return joiners[list(STATE_COLUMNS)]
    for col in ("job_family", "division", "is_technical"):
        joiners[col] = leavers[col].to_numpy()
    grades = []
    for fam, grade, tech in zip(leavers["job_family"], leavers["grade"],
                                leavers["is_technical"], strict=True):
        if tech:
            pos = inst.grade_order.index(grade)
            grades.append(inst.grade_order[max(pos - int(rng.random() < 0.4), 0)])
        else:
            options, weights, _ = profile.other_families[fam]
            grades.append(_pick(rng, options, weights, 1)[0])
    joiners["grade"] = grades
    ft = np.array([profile.fixed_term_share.get(f, 0.25) for f in joiners["job_family"]])
    joiners["contract_type"] = np.where(rng.random(n) < ft, "Fixed-term", "Open-ended")
    joiners["job_title"] = [
        _title(inst, profile, f, g)
        for f, g in zip(joiners["job_family"], joiners["grade"], strict=True)
    ]
    joiners["start_date"] = _dates_in_year(rng, year, n).to_numpy()
    return joiners[list(STATE_COLUMNS)]


def _growth(rng, inst, profile, ids: IdPool, size: int, year: int) -> pd.DataFrame:
    """A few new posts beyond replacements, so headcounts drift from year to year."""
    n = int(rng.poisson(0.012 * size))
    n_tech = int(rng.binomial(n, profile.technical_share))
    new = _new_people(rng, inst, profile, ids, n_tech, n - n_tech)
    new["start_date"] = _dates_in_year(rng, year, n).to_numpy()
    return new[list(STATE_COLUMNS)]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _name_people(rng, profile: Profile, people: pd.DataFrame) -> pd.DataFrame:
    """Give every person a full name and a unique `first.last@domain` e-mail."""
    n = len(people)
    first = np.where(
        people["gender"] == "Female", _pick(rng, texts.FEMALE_NAMES, [1] * 40, n),
        np.where(people["gender"] == "Male", _pick(rng, texts.MALE_NAMES, [1] * 40, n),
                 _pick(rng, texts.NEUTRAL_NAMES, [1] * 8, n)),
    )
    last = _pick(rng, texts.LAST_NAMES, [1] * len(texts.LAST_NAMES), n)
    local = pd.Series([f"{_ascii(f)}.{_ascii(s)}" for f, s in zip(first, last, strict=True)])
    seq = local.groupby(local).cumcount()
    local = local.where(seq == 0, local + (seq + 1).astype(str))
    return pd.DataFrame({
        "staff_id": people["staff_id"].to_numpy(),
        "full_name": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
        "email": (local + "@" + profile.email_domain).to_numpy(),
    })


def simulate_workforce(
    rng: np.random.Generator, inst: Institution, profile: Profile, years: list[int],
    scale: float,
) -> Workforce:
    """Run the yearly simulation and return the true HR records."""
    n_all = max(int(round(profile.headcount * scale)), 20)
    n_tech = max(int(round(n_all * profile.technical_share)), 10)
    ids = IdPool(rng, int(n_all * (1.2 + 0.2 * len(years))) + 100)
    state = _new_people(rng, inst, profile, ids, n_tech, n_all - n_tech)
    first_census = pd.Timestamp(years[0], 12, 31)
    tenure = rng.exponential(6 * 365, len(state)).astype(int) + 30
    state["start_date"] = first_census - pd.to_timedelta(tenure, unit="D")
    state = state[list(STATE_COLUMNS)]
    censuses = [state.assign(census_date=first_census)]
    everyone, leavers, promos = [state], [], []
    for year in years[1:]:
        state = state.reset_index(drop=True)
        mask, gone = _leave(rng, state, year, years[0])
        leavers.append(gone)
        state = state[~mask].copy()
        promos.append(_promote(rng, inst, profile, state, year))
        new = _joiners(rng, inst, profile, ids, gone, year)
        new = pd.concat([new, _growth(rng, inst, profile, ids, len(state), year)],
                        ignore_index=True)
        everyone.append(new)
        state = pd.concat([state, new], ignore_index=True)
        censuses.append(state.assign(census_date=pd.Timestamp(year, 12, 31)))
    people = _name_people(rng, profile, pd.concat(everyone, ignore_index=True))
    names = people.set_index("staff_id")
    census = pd.concat(censuses, ignore_index=True)
    census = census.join(names, on="staff_id")
    leaver_frame = pd.concat(leavers, ignore_index=True) if leavers else census.iloc[:0]
    leaver_frame = leaver_frame.join(names, on="staff_id")
    promo_frame = pd.concat(promos, ignore_index=True) if promos else pd.DataFrame(
        columns=["staff_id", "effective_date", "from_grade", "to_grade"]
    )
    return Workforce(census=census, leavers=leaver_frame, promotions=promo_frame, people=people)
