"""Disclosure control: nothing withheld can be worked back; HESA rounding; output guard.

Recoverability is checked here independently of the code under test: by the rank of the
system of published sums (numpy), by "a total minus the published cells is 0", and, for
small cases, by enumerating every non-negative whole-number completion of the table.
"""

from __future__ import annotations

import itertools

import nbformat
import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_institution
from pipeline.disclosure import (
    SUPPRESSED_MARK,
    DisclosureError,
    DisclosureRules,
    check_outputs,
    hesa_round,
    protect_metrics,
    publish_table,
)
from pipeline.metrics import count_row, metric_row, metrics_frame, share_row

RULES = DisclosureRules()
HESA = DisclosureRules("hesa")

# ---------------------------------------------------------------------------------------------
# An attacker's tools: given true values, what is hidden and which sums are published
# ---------------------------------------------------------------------------------------------


def recoverable(truth, hidden, relations, brute_force_limit=200_000):
    """Hidden keys whose value a reader can work out.

    `relations`: (parts, total) meaning sum(truth[parts]) == truth[total]; total None means
    a constant published with every shown part (a common denominator).
    """
    relations = [
        (parts, total) for parts, total in relations
        if total is not None or any(p not in hidden for p in parts)
    ]
    unknowns = sorted({k for parts, total in relations for k in (*parts, total) if k in hidden},
                      key=repr)
    found, rows = set(), []
    for parts, total in relations:
        rows.append([(u in parts) - float(u == total) for u in unknowns])
        hidden_parts = [p for p in parts if p in hidden]
        if hidden_parts and total not in hidden and sum(truth[p] for p in hidden_parts) == 0:
            found.update(hidden_parts)  # non-negative parts of a known 0 are all 0
    if not unknowns:
        return sorted(found, key=repr)
    a = np.array(rows, dtype=float)
    rank = np.linalg.matrix_rank(a)
    for i, u in enumerate(unknowns):
        unit = np.zeros((1, len(unknowns)))
        unit[0, i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.add(u)
    found |= _pinned_by_enumeration(truth, unknowns, relations, brute_force_limit)
    return sorted(found, key=repr)


def _pinned_by_enumeration(truth, unknowns, relations, limit):
    """Unknowns taking one value in every non-negative integer completion (small cases)."""
    bound = int(max(truth.values())) + 1
    if (bound + 1) ** len(unknowns) > limit:
        return set()
    seen = {u: set() for u in unknowns}
    for combo in itertools.product(range(bound + 1), repeat=len(unknowns)):
        guess = {**truth, **dict(zip(unknowns, combo, strict=True))}
        if all(_holds(guess, truth, parts, total) for parts, total in relations):
            for u in unknowns:
                seen[u].add(guess[u])
    return {u for u, values in seen.items() if len(values) == 1}


def _holds(guess, truth, parts, total):
    published_total = sum(truth[p] for p in parts) if total is None else guess[total]
    return sum(guess[p] for p in parts) == published_total


def test_attacker_finds_a_cell_given_away_by_its_total():
    # The checker itself must be able to fail: one hidden cell in a line is recoverable.
    truth = {"a": 3, "b": 7, "t": 10}
    assert recoverable(truth, {"a"}, [(["a", "b"], "t")]) == ["a"]
    assert recoverable(truth, {"a", "b"}, [(["a", "b"], "t")]) == []
    zeros = {"a": 0, "b": 0, "c": 9, "t": 9}
    assert recoverable(zeros, {"a", "b"}, [(["a", "b", "c"], "t")]) == ["a", "b"]


# ---------------------------------------------------------------------------------------------
# Rules and HESA rounding
# ---------------------------------------------------------------------------------------------


def test_rules_come_from_the_institution_config():
    institution = load_institution("icr")
    rules = DisclosureRules.from_institution(institution)
    assert (rules.preset, rules.threshold) == (
        institution.disclosure["preset"], institution.disclosure["threshold"]
    )
    hesa = type(institution)(**{**institution.__dict__, "disclosure": {"preset": "hesa"}})
    assert DisclosureRules.from_institution(hesa).preset == "hesa"
    typo = type(institution)(**{**institution.__dict__, "disclosure": {"treshold": 3}})
    with pytest.raises(DisclosureError, match="treshold"):
        DisclosureRules.from_institution(typo)
    with pytest.raises(DisclosureError, match="preset"):
        DisclosureRules("rounding")  # type: ignore[arg-type]
    with pytest.raises(DisclosureError, match="threshold"):
        DisclosureRules(threshold=0)


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [(0, 0), (1, 0), (2.4, 0), (2.5, 5), (7, 5), (7.4, 5), (7.5, 10), (8, 10), (12.5, 15),
     (22, 20), (23, 25)],
)
def test_hesa_rounds_to_nearest_five_halves_up(raw, rounded):
    assert hesa_round(raw) == rounded


# ---------------------------------------------------------------------------------------------
# Metrics frames
# ---------------------------------------------------------------------------------------------


def _status_row():
    return metric_row("action_plan.status", "on_track", group="action=3h")


def test_primary_suppression_of_counts_and_shares():
    frame = metrics_frame([
        count_row("a.count", 4), count_row("b.count", 5), count_row("c.count", 0),
        share_row("d.rate", 4, 4), share_row("e.rate", 3, 40), share_row("f.rate", 5, 40),
        share_row("g.rate", 0, 0), _status_row(),
    ])
    out = protect_metrics(frame, RULES).set_index("metric")
    assert out["suppressed"].to_dict() == {
        "a.count": True, "b.count": False, "c.count": True, "d.rate": True, "e.rate": True,
        "f.rate": False, "g.rate": True, "action_plan.status": False,
    }
    withheld = out[out["suppressed"]]
    assert withheld[["value", "numerator", "denominator"]].isna().all().all()
    assert out.at["f.rate", "value"] == pytest.approx(5 / 40)
    assert out.at["action_plan.status", "value"] == "on_track"
    assert list(protect_metrics(frame, RULES).columns) == list(frame.columns)


def _relations_of_crosstab(metric, rows, cols, prefix=""):
    """(parts, total) relations of a metric split by two columns, with margins and total."""
    def key(**conds):
        return (metric, prefix + ";".join(f"{c}={v}" for c, v in conds.items()))
    top = (metric, prefix.rstrip(";"))
    relations = [([key(grade=r) for r in rows], top), ([key(gender=c) for c in cols], top)]
    relations += [([key(grade=r, gender=c) for c in cols], key(grade=r)) for r in rows]
    relations += [([key(grade=r, gender=c) for r in rows], key(gender=c)) for c in cols]
    return relations


def _crosstab_rows(metric, table, prefix=""):
    rows = [count_row(metric, int(table.to_numpy().sum()), prefix.rstrip(";"))]
    rows += [count_row(metric, int(v), f"{prefix}grade={g}") for g, v in table.sum(1).items()]
    rows += [count_row(metric, int(v), f"{prefix}gender={c}") for c, v in table.sum(0).items()]
    rows += [
        count_row(metric, int(table.at[g, c]), f"{prefix}grade={g};gender={c}")
        for g in table.index for c in table.columns
    ]
    return rows


def _hidden_and_truth(frame, protected):
    keys = list(zip(frame["metric"], frame["group"], strict=True))
    truth = dict(zip(keys, frame["numerator"].astype(float), strict=True))
    hidden = {k for k, s in zip(keys, protected["suppressed"], strict=True) if s}
    return truth, hidden


def test_one_small_group_forces_a_second_and_nothing_is_recoverable():
    grades = {"SO1": 3, "SO2": 12, "SO3": 10, "SO4": 8, "SO5": 7}
    frame = metrics_frame(
        [count_row("h", sum(grades.values()))]
        + [count_row("h", n, f"grade={g}") for g, n in grades.items()]
    )
    protected = protect_metrics(frame, RULES)
    truth, hidden = _hidden_and_truth(frame, protected)
    assert hidden == {("h", "grade=SO1"), ("h", "grade=SO5")}  # SO5 is the next smallest
    relation = ([("h", f"grade={g}") for g in grades], ("h", ""))
    assert recoverable(truth, hidden, [relation]) == []


def test_crosstab_with_margins_is_protected_in_both_directions():
    rng = np.random.default_rng(7)
    for _ in range(15):
        table = pd.DataFrame(
            rng.integers(0, 14, size=(4, 3)), index=["SO1", "SO2", "SO3", "SO4"],
            columns=["Female", "Male", "Non-binary"],
        )
        frame = metrics_frame(_crosstab_rows("h", table))
        protected = protect_metrics(frame, RULES)
        truth, hidden = _hidden_and_truth(frame, protected)
        primary = {k for k, v in truth.items() if v < RULES.threshold}
        assert primary <= hidden
        relations = _relations_of_crosstab("h", table.index, table.columns)
        assert recoverable(truth, hidden, relations, brute_force_limit=0) == [], table


def test_parent_withheld_by_secondary_suppression_is_not_given_back_by_its_children():
    # SO1 (3) is small, so SO2 (10), the next smallest, is withheld too. SO2's two halves
    # (5 + 5) are not small themselves but would add up to it: one must go as well.
    table = pd.DataFrame(
        {"Female": [1, 5, 6, 6], "Male": [2, 5, 6, 8]}, index=["SO1", "SO2", "SO3", "SO4"]
    )
    rows = [r for r in _crosstab_rows("h", table) if "gender=" not in r["group"]
            or "grade=" in r["group"]]
    frame = metrics_frame(rows)
    protected = protect_metrics(frame, RULES)
    truth, hidden = _hidden_and_truth(frame, protected)
    assert ("h", "grade=SO2") in hidden and truth[("h", "grade=SO2")] >= RULES.threshold
    assert {("h", "grade=SO2;gender=Female"), ("h", "grade=SO2;gender=Male")} & hidden
    relations = [([("h", f"grade={g}") for g in table.index], ("h", ""))] + [
        ([("h", f"grade={g};gender={c}") for c in table.columns], ("h", f"grade={g}"))
        for g in table.index
    ]
    assert recoverable(truth, hidden, relations) == []


def test_shares_of_a_common_denominator_protect_each_other():
    sectors = {"academia": 20, "industry": 14, "healthcare": 3, "unknown": 9}
    total = sum(sectors.values())
    frame = metrics_frame([
        share_row("destinations.sector_share", n, total, f"sector={s}")
        for s, n in sectors.items()
    ])
    protected = protect_metrics(frame, RULES)
    truth, hidden = _hidden_and_truth(frame, protected)
    assert len(hidden) == 2 and ("destinations.sector_share", "sector=healthcare") in hidden
    relation = ([("destinations.sector_share", f"sector={s}") for s in sectors], None)
    assert recoverable(truth, hidden, [relation]) == []


def test_share_split_with_parent_row_is_protected():
    frame = metrics_frame([
        share_row("staff_survey.agree_share", 60, 100, "item=s01"),
        share_row("staff_survey.agree_share", 57, 80, "item=s01;staff_group=other"),
        share_row("staff_survey.agree_share", 3, 20, "item=s01;staff_group=technical"),
        share_row("staff_survey.agree_share", 70, 100, "item=s02"),
        share_row("staff_survey.agree_share", 60, 80, "item=s02;staff_group=other"),
        share_row("staff_survey.agree_share", 10, 20, "item=s02;staff_group=technical"),
    ])
    out = protect_metrics(frame, RULES)
    by_group = dict(zip(out["group"], out["suppressed"], strict=True))
    # Technical s01 is small: other s01 = all s01 - technical s01 must not give it back;
    # item s02 is a different question and is untouched.
    assert by_group["item=s01;staff_group=technical"]
    assert by_group["item=s01;staff_group=other"] or by_group["item=s01"]
    assert not any(v for g, v in by_group.items() if g.startswith("item=s02"))


def test_trend_years_are_not_parts_of_the_reporting_year():
    frame = metrics_frame(
        [count_row("h", 30), count_row("h", 15, "grade=SO1"), count_row("h", 15, "grade=SO2")]
        + [count_row("h", 20, "year=2021"), count_row("h", 2, "year=2021;grade=SO1"),
           count_row("h", 18, "year=2021;grade=SO2")]
    )
    out = protect_metrics(frame, RULES).set_index("group")["suppressed"]
    assert out["year=2021;grade=SO1"] and out["year=2021;grade=SO2"]
    assert not (out[""] or out["grade=SO1"] or out["grade=SO2"] or out["year=2021"])


def test_malformed_metrics_input_is_a_clear_error():
    with pytest.raises(DisclosureError, match="denominator"):
        protect_metrics(pd.DataFrame({"metric": ["a"], "group": [""], "value": [1]}), RULES)
    bad_group = metrics_frame([count_row("h", 9, "grade:SO1")])
    with pytest.raises(DisclosureError, match="grade:SO1"):
        protect_metrics(bad_group, RULES)


def test_hesa_metrics_round_counts_and_suppress_shares_on_small_denominators():
    frame = metrics_frame([
        count_row("h", 7), count_row("h", 2, "grade=SO1"), count_row("h", 8, "grade=SO2"),
        share_row("r", 7, 22, "item=a"), share_row("r", 7, 23, "item=b"), _status_row(),
    ])
    out = protect_metrics(frame, HESA).set_index("group")
    assert out.loc[["", "grade=SO1", "grade=SO2"], "value"].tolist() == [5, 0, 10]
    assert not out.loc[["", "grade=SO1", "grade=SO2"], "suppressed"].any()
    assert out.at["item=a", "suppressed"] and pd.isna(out.at["item=a", "value"])
    assert not out.at["item=b", "suppressed"]
    assert out.at["item=b", "value"] == pytest.approx(7 / 23, abs=5e-4)  # from unrounded
    assert (out.at["item=b", "numerator"], out.at["item=b", "denominator"]) == (5, 25)
    assert out.at["action=3h", "value"] == "on_track"


# ---------------------------------------------------------------------------------------------
# Display tables
# ---------------------------------------------------------------------------------------------


def _grade_by_gender(body: dict[str, list[int]], index) -> pd.DataFrame:
    table = pd.DataFrame(body, index=index)
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


def _table_relations(table: pd.DataFrame, parts_columns, total_column="Total"):
    body = [r for r in table.index if r != "Total"]
    relations = [([(r, c) for r in body], ("Total", c)) for c in table.columns]
    relations += [([(r, c) for c in parts_columns], (r, total_column)) for r in table.index]
    return relations


def _table_state(table: pd.DataFrame, published):
    truth = {(r, c): float(table.at[r, c]) for r in table.index for c in table.columns}
    hidden = {(r, c) for r in table.index for c in table.columns
              if published.suppressed_mask.at[r, c]}
    return truth, hidden


def test_table_with_row_and_column_totals_hides_complementary_cells():
    table = _grade_by_gender(
        {"Female": [3, 10, 12], "Male": [8, 2, 20], "Non-binary": [0, 6, 7]},
        ["SO1", "SO2", "SO3"],
    )
    published = publish_table(table, rules=RULES, total_row="Total", total_column="Total")
    truth, hidden = _table_state(table, published)
    assert {("SO1", "Female"), ("SO2", "Male"), ("SO1", "Non-binary")} <= hidden
    assert len(hidden) > 3  # secondary suppression happened
    relations = _table_relations(table, ["Female", "Male", "Non-binary"])
    assert recoverable(truth, hidden, relations) == []
    # What is shown agrees with what is hidden, in the display and the chart numbers.
    assert ((published.display == SUPPRESSED_MARK) == published.suppressed_mask).all().all()
    assert (published.numeric.isna() == published.suppressed_mask).all().all()
    shown = ~published.suppressed_mask
    assert (published.numeric[shown] == table[shown]).sum().sum() == shown.sum().sum()


def test_random_tables_never_give_back_a_withheld_cell():
    rng = np.random.default_rng(2026)
    for trial in range(40):
        n_rows, n_cols = rng.integers(2, 6), rng.integers(2, 5)
        body = rng.integers(0, 15, size=(n_rows, n_cols))
        columns = [f"c{j}" for j in range(n_cols)]
        table = _grade_by_gender(
            dict(zip(columns, body.T.tolist(), strict=True)), [f"r{i}" for i in range(n_rows)]
        )
        published = publish_table(table, rules=RULES, total_row="Total", total_column="Total")
        truth, hidden = _table_state(table, published)
        assert {k for k, v in truth.items() if v < RULES.threshold} <= hidden
        leaked = recoverable(truth, hidden, _table_relations(table, columns), 0)
        assert leaked == [], (trial, table, published.display)


def test_share_column_never_gives_back_a_withheld_count():
    table = pd.DataFrame(
        {"Headcount": [10, 20, 30, 60], "Fixed-term": [2, 7, 12, 21]},
        index=["SO1", "SO2", "SO3", "Total"],
    )
    table["% fixed-term"] = table["Fixed-term"] / table["Headcount"]
    published = publish_table(
        table, rules=RULES, count_columns=["Headcount", "Fixed-term"],
        share_columns={"% fixed-term": "Headcount"}, total_row="Total",
    )
    mask = published.suppressed_mask
    assert mask.at["SO1", "Fixed-term"] and mask.at["SO2", "Fixed-term"]  # 2 small, 7 next
    # share x shown headcount would give back the count: those shares are withheld too
    for row in table.index:
        if mask.at[row, "Fixed-term"]:
            assert mask.at[row, "% fixed-term"] or mask.at[row, "Headcount"]
    assert published.display.at["SO3", "% fixed-term"] == "40%"


def test_table_without_totals_only_applies_primary_suppression():
    table = pd.DataFrame({"2021": [3, 9], "2022": [6, 12]}, index=["SO1", "SO2"])
    published = publish_table(table, rules=RULES)
    assert published.suppressed_mask.to_numpy().tolist() == [[True, False], [False, False]]


def test_cells_withheld_upstream_stay_withheld_and_are_protected():
    # protect_metrics already blanked SO1 in 2023: the table must not give it back.
    table = pd.DataFrame({"2022": [6, 9, 15], "2023": [np.nan, 12, 20]},
                         index=["SO1", "SO2", "Total"])
    upstream = pd.DataFrame({"2023": [True, False, False]}, index=table.index)
    published = publish_table(table, rules=RULES, total_row="Total", withheld=upstream)
    assert published.suppressed_mask["2023"].tolist() == [True, True, False]
    assert not published.suppressed_mask["2022"].any()
    with pytest.raises(DisclosureError, match="withheld"):
        publish_table(table, rules=RULES, withheld=upstream.rename(index={"SO1": "SO9"}))


def test_confidence_bounds_are_withheld_with_their_share():
    table = pd.DataFrame({"Yes": [3, 30], "Answers": [40, 60]}, index=["2022", "2023"])
    table["Rate"] = table["Yes"] / table["Answers"]
    table["CI from"], table["to"] = table["Rate"] - 0.05, table["Rate"] + 0.05
    published = publish_table(
        table, rules=RULES, share_columns={"Rate": "Answers"},
        interval_columns={"CI from": "Rate", "to": "Rate"}, percent_decimals=1,
    )
    assert published.display.loc["2022"].tolist() == ["[c]", "40", "[c]", "[c]", "[c]"]
    assert published.display.loc["2023"].tolist() == ["30", "60", "50.0%", "45.0%", "55.0%"]
    with pytest.raises(DisclosureError, match="not share columns"):
        publish_table(table, rules=RULES, share_columns={"Rate": "Answers"},
                      interval_columns={"CI from": "Yes", "to": "Rate"})


def test_hesa_table_rounds_counts_and_suppresses_shares_on_small_denominators():
    table = pd.DataFrame({"People": [22, 23, 8], "Agree": [11, 7, 4]}, index=["a", "b", "c"])
    table["% agree"] = table["Agree"] / table["People"]
    published = publish_table(table, rules=HESA, share_columns={"% agree": "People"},
                              percent_decimals=1)
    assert published.numeric["People"].tolist() == [20, 25, 10]
    assert published.numeric["Agree"].tolist() == [10, 5, 5]
    assert published.display["% agree"].tolist() == [SUPPRESSED_MARK, "30.4%", SUPPRESSED_MARK]
    assert "nearest 5" in published.footnote


def test_undeclared_or_non_numeric_columns_are_errors_naming_the_column():
    table = pd.DataFrame({"n": [5, 6], "mean_score": [3.2, 4.1]}, index=["a", "b"])
    with pytest.raises(DisclosureError, match="mean_score"):
        publish_table(table, rules=RULES, count_columns=["n"])
    text = pd.DataFrame({"n": ["5", "six"]}, index=["a", "b"])
    with pytest.raises(DisclosureError, match="'n'.*six"):
        publish_table(text, rules=RULES, count_columns=["n"])
    labelled = pd.DataFrame({"label": ["x", "y"], "s": [0.5, 0.25]})
    with pytest.raises(DisclosureError, match="denominator.*label"):
        publish_table(labelled, rules=RULES, share_columns={"s": "label"})


def test_html_is_wrapped_captioned_and_footnoted():
    table = pd.DataFrame({"Headcount": [3, 40]}, index=pd.Index(["SO1", "SO2"], name="grade"))
    html = publish_table(table, rules=RULES, caption="Technical staff by grade",
                         source="HR census 2023")._repr_html_()
    assert html.startswith('<div class="tc-safe">') and html.endswith("</div>")
    assert "<caption>Technical staff by grade</caption>" in html
    assert "fewer than 5 people" in html and "Source: HR census 2023" in html
    assert ">grade<" not in html  # no index-name clutter
    assert '<td class="num">[c]</td>' in html and '<td class="num">40</td>' in html


# ---------------------------------------------------------------------------------------------
# Output guard
# ---------------------------------------------------------------------------------------------


def _notebook(*outputs):
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = list(outputs)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hi"), cell])


def _display(data):
    return nbformat.v4.new_output("display_data", data=data)


FRAME = pd.DataFrame({"grade": ["SO1", "SO2", "SO3"], "n": [3, 12, 40]})


def test_guard_flags_a_raw_dataframe_display():
    raw = nbformat.v4.new_output(
        "execute_result", data={"text/html": FRAME._repr_html_(), "text/plain": repr(FRAME)},
        execution_count=1,
    )
    problems = check_outputs(_notebook(raw))
    assert len(problems) == 1 and problems[0].startswith("cell 1:") and "table" in problems[0]


@pytest.mark.parametrize(
    "output",
    [
        nbformat.v4.new_output("stream", name="stdout", text=repr(FRAME) + "\n"),
        nbformat.v4.new_output("stream", name="stdout", text=FRAME.to_string(index=False)),
        _display({"text/plain": repr(FRAME["n"])}),
        _display({"text/markdown": "| a | b |\n|---|---|\n| 1 | 2 |"}),
        _display({"text/html": "<p>ok</p><div><table><tr><td>1</td></tr></table></div>"}),
        nbformat.v4.new_output("stream", name="stdout", text="Contact alice.smith@example.ac.uk"),
    ],
    ids=["print-frame", "to-string", "series", "markdown-table", "html-table", "email"],
)
def test_guard_flags_data_that_bypassed_disclosure_control(output):
    assert check_outputs(_notebook(output))


def test_guard_passes_published_tables_charts_and_prose():
    table = publish_table(FRAME.set_index("grade"), rules=RULES, caption="By grade")
    outputs = [
        _display({"text/html": table._repr_html_(), "text/plain": repr(table)}),
        _display({"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"}),
        nbformat.v4.new_output("stream", name="stdout", text="Headcount rose by 4% in 2023.\n"),
        nbformat.v4.new_output(
            "stream", name="stdout",
            text="Reading files now\nhr_staff read in 2 s\nevents read in 1 s\nall done\n",
        ),
    ]
    assert check_outputs(_notebook(*outputs)) == []


def test_guard_masks_the_email_it_reports():
    output = nbformat.v4.new_output("stream", name="stdout", text="bob.jones@example.ac.uk")
    (problem,) = check_outputs(_notebook(output))
    assert "bob.jones" not in problem and "b***@example.ac.uk" in problem
