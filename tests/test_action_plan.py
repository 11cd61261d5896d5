"""Both seed action plans encoded completely and verbatim; the loader rejects broken plans."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from pipeline import paths
from pipeline.action_plan import (
    SEEDS_DIR,
    PlanError,
    load_plan,
    load_plan_file,
    load_plan_for,
    parse_plan,
    plan_names,
)
from pipeline.config import institution_names, load_institution

SHARED_SEEDS = paths.ROOT.parent / "shared" / "seeds"
ICR_SEED = "000_0e3394a73f266332.txt"
IMPERIAL_SEED = "004_6664b9350f4f8f41.txt"
BULLET = re.compile(r"^(?:\[bookmark: [^\]]*\])?\s*[●•]\s*(.*)$")
PILLAR_LETTERS = {"visibility": "V", "recognition": "R", "career_development": "C",
                  "sustainability": "S"}


def seed_text(name: str) -> str:
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# Seed parsing, independent of the YAML
# ---------------------------------------------------------------------------------------------


def icr_seed_ids() -> list[str]:
    return re.findall(r"^(\d[a-z])\)", seed_text(ICR_SEED), flags=re.M)


def imperial_seed_sections() -> dict[str, list[list[str]]]:
    """Bullets per pillar column, for the main plan and the complete/BAU section.

    The seed is a table flattened to text: after the four pillar headings, each pillar's cell
    starts at a line holding only a tab.
    """
    main, bau = seed_text(IMPERIAL_SEED).split("Actions Complete or in Business as Usual")
    sections = {}
    for key, part in (("main", main), ("bau", bau)):
        cells = re.split(r"^\t$", part, flags=re.M)[1:]
        sections[key] = [
            [m.group(1) for line in cell.splitlines() if (m := BULLET.match(line.strip()))]
            for cell in cells
        ]
    return sections


def test_imperial_seed_layout_has_four_pillar_cells_per_section():
    sections = imperial_seed_sections()
    assert [len(cells) for cells in sections.values()] == [4, 4]
    total = sum(len(c) for cells in sections.values() for c in cells)
    raw_bullets = seed_text(IMPERIAL_SEED).count("●") + seed_text(IMPERIAL_SEED).count("•")
    assert total == raw_bullets


# ---------------------------------------------------------------------------------------------
# Completeness against the seeds
# ---------------------------------------------------------------------------------------------


def test_shipped_plans_match_institutions():
    assert plan_names() == ["icr", "imperial"]
    for name in institution_names():
        assert load_plan_for(name).name == load_institution(name).action_plan


def test_icr_encodes_every_seed_action_in_order():
    plan = load_plan("icr")
    seed_ids = icr_seed_ids()
    assert len(seed_ids) == 25
    assert [a.id for a in plan.actions] == seed_ids
    pillar_of = {"1": "visibility", "2": "recognition", "3": "career_development",
                 "4": "sustainability"}
    assert all(a.pillar == pillar_of[a.id[0]] for a in plan.actions)


def in_seed(text: str, seed: str) -> bool:
    """`text` is in the seed, whole or in two pieces in order (a table cell that the flattened
    seed split across lines, as 3g's text)."""
    if text in seed:
        return True
    words = text.split(" ")
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if head in seed and tail in seed[seed.index(head) + len(head):]:
            return True
    return False


def test_icr_text_and_success_measures_are_verbatim():
    plan = load_plan("icr")
    seed = squash(seed_text(ICR_SEED).replace("\t", " "))
    for action in plan.actions:
        assert in_seed(action.text, seed), action.id
        assert action.success_measure and in_seed(action.success_measure, seed), action.id
    assert not in_seed("Create an SO Photography biennial competition.", seed)


def test_icr_owners_and_glossary_come_from_the_seed():
    plan = load_plan("icr")
    seed = seed_text(ICR_SEED)
    glossary = dict(re.findall(r"^(.+?) – (.+)$", seed.split("Glossary")[1], flags=re.M))
    for code, meaning in glossary.items():
        assert plan.glossary[code] == meaning
    for action in plan.actions:
        row = next(line for line in seed.splitlines() if line.startswith(f"{action.id})"))
        owner_cell = row.split("\t")[2]
        for owner in (*action.owners, *action.related_plans):
            assert owner in owner_cell, (action.id, owner)
        assert action.owners, action.id


def test_which_plans_name_owners_and_success_measures():
    icr, imperial = load_plan_for("icr"), load_plan_for("imperial")
    assert icr.names_owners and icr.states_success_measures  # columns in the ICR seed
    assert not imperial.names_owners and not imperial.states_success_measures


def test_imperial_encodes_every_seed_commitment():
    plan = load_plan("imperial")
    sections = imperial_seed_sections()
    pillar_ids = [p.id for p in plan.pillars]
    expected = []
    for pillar, bullets in zip(pillar_ids, sections["main"], strict=True):
        expected += [(f"{PILLAR_LETTERS[pillar]}{i}", pillar, "active", b)
                     for i, b in enumerate(bullets, 1)]
    bau = [(pillar, b) for pillar, bullets in zip(pillar_ids, sections["bau"], strict=True)
           for b in bullets]
    expected += [(f"BAU{i}", pillar, "business_as_usual", b) for i, (pillar, b) in
                 enumerate(bau, 1)]
    assert len(expected) == 30
    encoded = [(a.id, a.pillar, a.stage) for a in plan.actions]
    assert encoded == [e[:3] for e in expected]
    for action, (_, _, _, bullet) in zip(plan.actions, expected, strict=True):
        assert action.new == bullet.startswith("NEW:"), action.id
        assert action.text == squash(bullet.removeprefix("NEW:")), action.id


def test_imperial_counts_match_the_demo_generator_ids():
    ids = [a.id for a in load_plan("imperial").actions]
    expected = [f"{p}{i}" for p, n in (("V", 6), ("R", 6), ("C", 7), ("S", 5), ("BAU", 6))
                for i in range(1, n + 1)]
    assert ids == expected


@pytest.mark.parametrize("name", [ICR_SEED, IMPERIAL_SEED])
def test_seed_copies_are_identical_to_the_shared_seeds(name):
    shared = SHARED_SEEDS / name
    if not shared.exists():
        pytest.skip(f"shared seed folder {SHARED_SEEDS} absent; the repo copy is used")
    assert (SEEDS_DIR / name).read_bytes() == shared.read_bytes()


def test_every_action_has_a_way_to_be_judged_or_settled():
    for name in plan_names():
        for action in load_plan(name).actions:
            assert action.criteria, (name, action.id)


# ---------------------------------------------------------------------------------------------
# Loader errors
# ---------------------------------------------------------------------------------------------


def minimal_plan() -> dict:
    return {
        "institution": "test",
        "period": {"start": "2021-01-01", "end": "2023-12-31"},
        "glossary": {"RDC": "Researcher Development Coordinator"},
        "pillars": [{"id": "visibility", "name": "Visibility"}],
        "actions": [
            {"id": "1a", "pillar": "visibility", "text": "Do it", "owners": ["RDC"],
             "success_measure": "Done", "judged_by": [{"kind": "activity", "min_count": 1}]},
            {"id": "1b", "pillar": "visibility", "text": "Count it", "owners": ["RDC"],
             "judged_by": [{"kind": "metric", "metric": "events.count", "target": 3}]},
        ],
    }


def broken(change) -> dict:
    raw = copy.deepcopy(minimal_plan())
    change(raw)
    return raw


def test_minimal_plan_parses_with_defaults():
    plan = parse_plan(minimal_plan(), "test", "test.yaml")
    first, second = plan.actions
    assert first.criteria[0].window == "year" and first.criteria[0].min_count == 1
    assert second.criteria[0].target == 3.0 and second.criteria[0].comparison == ">="
    assert plan.owners_display(first) == "RDC (Researcher Development Coordinator)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["actions"][1].update(id="1a"), "duplicate action ids ['1a']"),
        (lambda r: r["actions"][0].update(pillar="visibilty"), "action 1a: pillar 'visibilty'"),
        (lambda r: r["actions"][1].update(owners=["XYZ"]), "action 1b: owner code(s) ['XYZ']"),
        (lambda r: r["actions"][1]["judged_by"][0].update(comparison="=>"),
         "action 1b, criterion 1: `comparison` is '=>'"),
        (lambda r: r["actions"][1]["judged_by"][0].pop("target"),
         "action 1b, criterion 1: give exactly one of"),
        (lambda r: r["actions"][0]["judged_by"].append({"kind": "guess"}),
         "action 1a, criterion 2: kind 'guess'"),
        (lambda r: r["actions"][0]["judged_by"][0].update(colour="red"),
         "action 1a, criterion 1: unknown key(s) ['colour']"),
        (lambda r: r["actions"][0].update(judged_by=[]), "action 1a: `judged_by` must list"),
        (lambda r: r["actions"][0]["judged_by"].append({"kind": "evidence_needed"}),
         "action 1a, criterion 2: evidence_needed needs a `text`"),
        (lambda r: r["actions"][1]["judged_by"][0].update(target_change=0.1),
         "action 1b, criterion 1: give exactly one of"),
        (lambda r: r["actions"][0].update(judged_by=[{"kind": "activity", "target": 2}]),
         "action 1a, criterion 1: an activity target needs the activity_log `metric`"),
        (lambda r: r.update(period={"start": "2023-01-01", "end": "2021-12-31"}),
         "period ends"),
        (lambda r: r.pop("pillars"), "missing key(s) ['pillars']"),
    ],
)
def test_broken_plans_are_rejected_naming_file_and_action(change, message):
    with pytest.raises(PlanError) as error:
        parse_plan(broken(change), "test", "plans/test.yaml")
    assert str(error.value).startswith("plans/test.yaml")
    assert message in str(error.value)


def test_broken_yaml_file_is_named(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    raw = minimal_plan()
    raw["actions"][0]["pillar"] = "nowhere"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(PlanError, match=r"bad\.yaml, action 1a: pillar 'nowhere'"):
        load_plan_file(path)
    path.write_text("actions: [unclosed", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid YAML"):
        load_plan_file(path)


def test_unknown_plan_name_lists_known_ones():
    with pytest.raises(PlanError, match="Known: icr, imperial"):
        load_plan("nowhere")
