"""The codebook ships wording and a label for every survey item of the schema."""

import pytest

from pipeline import schema
from pipeline.codebook import CodebookError, load_codebook

ALL_ITEMS = (*schema.MOTIVATION_ITEMS, *schema.STAFF_SURVEY_ITEMS, *schema.AWARENESS_ITEMS)


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.mark.parametrize("item", ALL_ITEMS)
def test_every_schema_item_has_wording_and_short_label(codebook, item):
    assert len(codebook.wording(item)) > len(codebook.label(item)) > 0
    assert len(codebook.label(item)) <= 30  # fits a chart axis


def test_items_belong_to_the_right_survey(codebook):
    assert codebook.items(survey="motivation") == schema.MOTIVATION_ITEMS
    staff = codebook.items(survey="staff_survey")
    assert staff == (*schema.STAFF_SURVEY_ITEMS, *schema.AWARENESS_ITEMS)
    assert set(codebook.items()) == set(ALL_ITEMS)


def test_contract_example_wording(codebook):
    assert codebook.wording("m01") == "I feel valued for the work I do"


def test_impact_and_awareness_sections_name_their_actions(codebook):
    impact = codebook.items(section="tc_impact")
    assert impact == ("s17", "s18", "s19", "s20")
    assert all(codebook.wording(i).startswith("Since the") for i in impact)
    assert codebook.items(action="3i") == impact
    assert codebook.items(section="awareness") == schema.AWARENESS_ITEMS
    assert codebook.items(action="3d") == ("aw_careers_advice",)
    assert codebook.items(action="3e") == ("aw_promotion_criteria", "aw_mentoring")
    assert codebook.items(action="3f") == ("aw_future_leaders",)
    assert codebook.section_title("tc_impact")


def test_labels_are_unique_within_a_survey(codebook):
    for survey in ("motivation", "staff_survey"):
        labels = [codebook.label(i) for i in codebook.items(survey=survey)]
        assert len(labels) == len(set(labels)), survey


def test_unknown_item_is_a_clear_error(codebook):
    with pytest.raises(KeyError, match="m99"):
        codebook.wording("m99")


def test_malformed_codebook_names_item_and_field(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "surveys: {motivation: M}\nsections: {recognition: R}\n"
        "items:\n  m01: {survey: motivation, section: recognition, label: Valued}\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match="m01.*wording"):
        load_codebook(path)
    path.write_text(
        "surveys: {motivation: M}\nsections: {recognition: R}\n"
        "items:\n  m01: {survey: motivation, section: nope, wording: W, label: L}\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match="unknown section 'nope'"):
        load_codebook(path)
