"""True records of events, professional registrations, training and action evidence.

ICR (first seed): each year the ICR Conference (SO presenters, action 2e), the Technical
Conference (RITG partner attendees from 2021, 4f), RITS in November (3b: target 20 internal
SOs; 2021 meets it, 2022 misses it), public engagement (1d), quarterly SO forums and
training sessions. Imperial (second seed): the Technicians' Network annual event, termly
Technical Managers' Forums, outreach, training, and a 2023 exhibition (V6).
Registrations: ICR's pilot cohort of 6 in 2021 (2a), then yearly cohorts; Imperial adds
RITTech and REnvTech from 2022 (R6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Institution
from pipeline.demo import texts
from pipeline.demo.population import Workforce
from pipeline.demo.profiles import Profile

# Internal SO attendees at RITS by year (action 3b's target is 20).
RITS_ATTENDEES = {2019: 12, 2020: 9, 2021: 24, 2022: 14, 2023: 21}
SO_PRESENTERS = {2019: 2, 2020: 1, 2021: 4, 2022: 6, 2023: 8}
EXTERNAL_TECH_CONF = {2021: 8, 2022: 12, 2023: 15}
PUBLIC_ENGAGEMENT = {
    2019: ("Science in the City", "School careers talk", "Open day"),
    2020: ("Online career talk",),
    2021: ("Online career talk", "Science in the City"),
    2022: ("Science in the City", "School careers talk", "Open day"),
    2023: ("Science in the City", "School careers talk", "Open day", "Pint of Science"),
}


@dataclass(frozen=True)
class EventPlan:
    """One event: who comes (internal pool, counts by role) and how many externals."""

    name: str
    date: pd.Timestamp
    event_type: str
    attendees: int
    presenters: int = 0
    organisers: int = 0
    externals: int = 0
    technical_only: bool = True


def _icr_events(year: int, n_tech: int, n_all: int) -> list[EventPlan]:
    tech = max(n_tech, 1)
    plans = [
        EventPlan(f"ICR Conference {year}", pd.Timestamp(year, 6, 16), "conference",
                  max(n_all // 12, 3), SO_PRESENTERS.get(year, 3), 2, technical_only=False),
        EventPlan(f"RITS {year}", pd.Timestamp(year, 11, 18), "network",
                  min(RITS_ATTENDEES.get(year, 15), tech // 2), 0, 1, externals=30),
    ]
    if year != 2020:
        plans.append(EventPlan(f"Technical Conference {year}", pd.Timestamp(year, 9, 23),
                               "conference", max(tech // 4, 3), 5, 3,
                               externals=EXTERNAL_TECH_CONF.get(year, 0)))
    for k, name in enumerate(PUBLIC_ENGAGEMENT.get(year, ("Open day",))):
        plans.append(EventPlan(f"{name} {year}", pd.Timestamp(year, 3 + 2 * k, 8),
                               "public engagement", 3 + k, 2))
    for q in range(4):
        plans.append(EventPlan(f"SO Association Forum Q{q + 1} {year}",
                               pd.Timestamp(year, 2 + 3 * q, 10), "forum",
                               max(tech // 20, 3), 0, 2))
    if year >= 2021:
        plans.append(EventPlan(f"Professional registration workshop {year}",
                               pd.Timestamp(year, 4, 5), "training", max(tech // 40, 3), 1))
    plans.append(EventPlan(f"Careers advice session {year}", pd.Timestamp(year, 10, 12),
                           "training", max(tech // 40, 3), 1))
    return plans


def _imperial_events(year: int, n_tech: int, n_all: int) -> list[EventPlan]:
    tech = max(n_tech, 1)
    plans = [
        EventPlan(f"Technicians' Network Annual Event {year}", pd.Timestamp(year, 6, 21),
                  "network", max(tech // 6, 3), 4, 3, externals=10),
    ]
    for k, term in enumerate(("Spring", "Summer", "Autumn")):
        plans.append(EventPlan(f"Technical Managers' Forum, {term} term {year}",
                               pd.Timestamp(year, 2 + 4 * k, 14), "forum",
                               max(tech // 30, 3), 1, 1))
    plans += [
        EventPlan(f"Imperial Festival {year}", pd.Timestamp(year, 5, 11), "public engagement",
                  max(tech // 50, 3), 2),
        EventPlan(f"Professional registration support session {year}",
                  pd.Timestamp(year, 3, 9), "training", max(tech // 60, 3), 1),
        EventPlan(f"Mentoring skills workshop {year}", pd.Timestamp(year, 10, 19), "training",
                  max(tech // 60, 3), 1),
    ]
    if year == 2023:
        plans.append(EventPlan("Technician Showcase Exhibition 2023", pd.Timestamp(2023, 7, 6),
                               "public engagement", max(tech // 20, 3), 6, 2))
    return plans


def _external_emails(rng, profile: Profile, n: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        inst, domain = profile.external_partners[rng.integers(len(profile.external_partners))]
        first = texts.FEMALE_NAMES[rng.integers(20)] if rng.random() < 0.5 else \
            texts.MALE_NAMES[rng.integers(20)]
        last = texts.LAST_NAMES[rng.integers(len(texts.LAST_NAMES))]
        local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and ch != "'")
        out.append((f"{local}@{domain}", inst))
    return out


def events(rng: np.random.Generator, inst: Institution, profile: Profile, wf: Workforce,
           years: list[int]) -> pd.DataFrame:
    """One row per person at an event; internal people are identified by their work e-mail."""
    planner = _icr_events if inst.name == "icr" else _imperial_events
    rows = []
    for year in years:
        staff = wf.census[wf.census["census_date"].dt.year == year]
        tech_pool = staff.loc[staff["is_technical"], "email"].to_numpy()
        all_pool = staff["email"].to_numpy()
        plans = sorted(planner(year, len(tech_pool), len(all_pool)), key=lambda p: p.date)
        for k, plan in enumerate(plans):
            event_id = f"EV{year}-{k + 1:02d}"
            pool = tech_pool if plan.technical_only else all_pool
            n_int = min(plan.attendees + plan.presenters + plan.organisers, len(pool))
            people = rng.choice(pool, size=n_int, replace=False)
            roles = (["presenter"] * plan.presenters + ["organiser"] * plan.organisers
                     + ["attendee"] * n_int)[:n_int]
            if not plan.technical_only:  # SO presenters at the institutional conference
                tech_speakers = rng.choice(tech_pool, size=min(plan.presenters, len(tech_pool)),
                                           replace=False)
                others = [p for p in people if p not in set(tech_speakers)]
                people = np.concatenate([tech_speakers, others])[:n_int]
            for email, role in zip(people, roles, strict=True):
                rows.append((event_id, plan.name, plan.date, plan.event_type, email,
                             inst.internal_institutions[rng.integers(
                                 len(inst.internal_institutions))], role))
            for email, where in _external_emails(rng, profile, plan.externals):
                rows.append((event_id, plan.name, plan.date, plan.event_type, email, where,
                             "attendee"))
    frame = pd.DataFrame(rows, columns=[
        "event_id", "event_name", "event_date", "event_type", "attendee_email",
        "attendee_institution", "role",
    ])
    return frame.drop_duplicates(["event_id", "attendee_email"]).reset_index(drop=True)


def registrations(rng: np.random.Generator, inst: Institution, profile: Profile,
                  wf: Workforce, years: list[int], scale: float) -> pd.DataFrame:
    """Applications for professional registration by technical staff."""
    end = pd.Timestamp(years[-1], 12, 31)
    applied: set[str] = set()
    rows = []
    for year in years:
        if inst.name == "icr" and year == 2021:
            n, cohort = 6, "pilot"  # action 2a: 6 applicants in the pilot
        else:
            base = {2019: 2, 2020: 1}.get(year, 10 + 2 * (year - 2022))
            n = max(int(round(base * scale * (2 if inst.name == "imperial" else 1))), 2)
            cohort = None if year < 2021 else str(year)
        staff = wf.census[(wf.census["census_date"].dt.year == year) & wf.census["is_technical"]]
        pool = [s for s in staff["staff_id"] if s not in applied]
        chosen = rng.choice(pool, size=min(n, len(pool)), replace=False)
        registers = [r for r in profile.registers if year >= 2022 or r not in ("RITTech",
                                                                               "REnvTech")]
        for k, staff_id in enumerate(chosen):
            applied.add(staff_id)
            app = pd.Timestamp(year, 1, 15) + pd.Timedelta(days=int(rng.integers(0, 300)))
            done = app + pd.Timedelta(days=int(rng.integers(90, 300)))
            withdrawn = (k == 0 and cohort == "pilot") or rng.random() < 0.08
            status = "withdrawn" if withdrawn else ("registered" if done <= end else "applied")
            rows.append((staff_id, registers[rng.integers(len(registers))], app, status,
                         done if status == "registered" else pd.NaT, cohort))
    return pd.DataFrame(rows, columns=[
        "staff_id", "register", "application_date", "status", "registered_date", "cohort",
    ])


def _providers(rng, profile: Profile, categories: np.ndarray) -> np.ndarray:
    """Who ran each course: external bodies for some career and technical courses."""
    own = profile.training_provider
    options = {
        "Career development": ("Science Council", "HEaTED", own),
        "Technical skills": ("HEaTED", "National Technician Development Centre", own),
    }
    out = np.full(len(categories), own, dtype=object)
    for cat, names in options.items():
        mask = categories == cat
        out[mask] = rng.choice(np.array(names, dtype=object), size=int(mask.sum()))
    return out


def training(rng: np.random.Generator, profile: Profile, wf: Workforce,
             years: list[int]) -> pd.DataFrame:
    """Courses completed: technical staff about 0.8 a year, other staff a few."""
    categories = np.array(list(texts.TRAINING_COURSES), dtype=object)
    frames = []
    for year in years:
        staff = wf.census[wf.census["census_date"].dt.year == year]
        counts = np.minimum(rng.poisson(np.where(staff["is_technical"], 0.8, 0.1)), 3)
        ids = np.repeat(staff["staff_id"].to_numpy(), counts)
        cats = categories[rng.integers(len(categories), size=len(ids))]
        courses = np.empty(len(ids), dtype=object)
        for cat in categories:
            mask = cats == cat
            names = np.array(texts.TRAINING_COURSES[cat], dtype=object)
            courses[mask] = names[rng.integers(len(names), size=int(mask.sum()))]
        frames.append(pd.DataFrame({
            "staff_id": ids, "course": courses, "provider": _providers(rng, profile, cats),
            "completed_date": pd.Timestamp(year, 1, 6)
            + pd.to_timedelta(rng.integers(0, 350, len(ids)), unit="D"),
            "category": cats,
        }))
    frame = pd.concat(frames, ignore_index=True)
    return frame.drop_duplicates(["staff_id", "course", "completed_date"]).reset_index(drop=True)
