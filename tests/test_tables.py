"""Summary tables against hand-computed values.

The eight posts below are small enough to count by hand; every expected
number in these tests was worked out from this table, not by running the code.

====  ======  ===============  =======  ======  ==========  ==========
post  kind    markers          outcome  months  engagement  posted
====  ======  ===============  =======  ======  ==========  ==========
p1    meal    [seeking]        success  2       100         2025-01-05
p2    meal    [seeking, city]  failure  -       50          2025-01-20
p3    meal    []               success  4       30          2025-02-03
p4    travel  [city]           success  6       200         2025-02-10
p5    travel  [seeking]        failure  -       0           2025-03-01
p6    study   [seeking, city]  failure  -       10          2025-03-15
p7    study   (none)           success  3       (none)      2025-03-20
p8    (open)  [city]           failure  -       40          (none)
====  ======  ===============  =======  ======  ==========  ==========

p8's kind is an open disagreement (missing, listed in ``unresolved``).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from coding.codebook import Codebook
from dazi.errors import InputError, ValidationError
from reports.data import CodedPosts
from reports.tables import (
    TableSpec,
    chi_square,
    cooccurrence,
    crosstab,
    format_table,
    frequencies,
    grouped_summary,
    load_table_specs,
    make_table,
    make_tables,
    over_time,
    parse_table_spec,
)

CODEBOOK = Codebook.from_dict({
    "name": "tables", "version": 3,
    "variables": [
        {"id": "kind", "label": {"en": "Kind", "zh": "类型"}, "type": "single", "codes": [
            {"id": "meal", "label": {"en": "Meal", "zh": "饭搭子"}},
            {"id": "travel", "label": {"en": "Travel", "zh": "旅行搭子"}},
            {"id": "study", "label": {"en": "Study", "zh": "学习搭子"}}]},
        {"id": "markers", "label": "Markers", "type": "multi", "required": False, "codes": [
            {"id": "seeking", "label": "Seeking"}, {"id": "city", "label": "City"}]},
        {"id": "outcome", "label": "Outcome", "type": "single", "codes": [
            {"id": "success", "label": "Success"}, {"id": "failure", "label": "Failure"}]},
        {"id": "months", "label": "Months", "type": "numeric", "unit": "months", "min": 0, "max": 120,
         "when": {"outcome": "success"}},
        {"id": "hobby", "label": "Hobby", "type": "single", "required": False, "codes": [
            {"id": "games", "label": "Games", "codes": [{"id": "board", "label": "Board games"},
                                                          {"id": "video", "label": "Video games"}]},
            {"id": "reading", "label": "Reading"}]},
        {"id": "remark", "label": "Remark", "type": "text", "required": False},
    ],
})


def _t(day: str | None):
    return None if day is None else datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def coded_posts() -> CodedPosts:
    rows = [
        ("p1", "meal", ["seeking"], "success", 2, 100, "2025-01-05", "board"),
        ("p2", "meal", ["seeking", "city"], "failure", None, 50, "2025-01-20", "video"),
        ("p3", "meal", [], "success", 4, 30, "2025-02-03", "games"),
        ("p4", "travel", ["city"], "success", 6, 200, "2025-02-10", "reading"),
        ("p5", "travel", ["seeking"], "failure", None, 0, "2025-03-01", None),
        ("p6", "study", ["seeking", "city"], "failure", None, 10, "2025-03-15", None),
        ("p7", "study", None, "success", 3, None, "2025-03-20", None),
        ("p8", None, ["city"], "failure", None, 40, None, None),
    ]
    frame = pd.DataFrame({
        "post_pk": range(1, 9),
        "post_id": [r[0] for r in rows],
        "created_at": [_t(r[6]) for r in rows],
        "engagement": [r[5] for r in rows],
        "kind": [r[1] for r in rows],
        "markers": [r[2] for r in rows],
        "outcome": [r[3] for r in rows],
        "months": [r[4] for r in rows],
        "hobby": [r[7] for r in rows],
        "remark": [None] * 8,
        "unresolved": [[]] * 7 + [["kind"]],
    })
    return CodedPosts(frame, CODEBOOK, "final", 3, "test")


@pytest.fixture
def data() -> CodedPosts:
    return coded_posts()


def _row(table, label, column=None):
    frame = table.frame
    match = frame[frame.iloc[:, 1] == label] if column is None else frame[frame[column] == label]
    assert len(match) == 1, f"no single row {label!r}"
    return match.iloc[0]


# --------------------------------------------------------------------------
# Frequencies
# --------------------------------------------------------------------------

def test_frequencies_of_a_single_choice_variable(data):
    table = frequencies(data, "kind")
    assert table.n == 7  # p8 is open
    assert list(table.frame["Posts"]) == [3, 2, 2, 7]
    assert table.frame["Share"].iloc[:3].tolist() == pytest.approx([3 / 7, 2 / 7, 2 / 7])
    assert "1 of the 8 coded posts have no value for Kind" in table.note
    assert "1 of them are open disagreements" in table.note
    assert table.source == "final" and "consensus" in table.caption() and "n = 7" in table.caption()


def test_frequencies_of_a_multi_select_variable_state_their_base(data):
    table = frequencies(data, "markers")
    assert table.n == 7  # every post with a list, [] included
    assert _row(table, "Seeking")["Posts"] == 4 and _row(table, "City")["Posts"] == 4
    assert _row(table, "Seeking")["Share"] == pytest.approx(4 / 7)
    assert _row(table, "(none of the codes)")["Posts"] == 1
    assert _row(table, "Posts coded (base)")["Posts"] == 7
    assert "base = 7 posts" in table.note and "more than 100 %" in table.note


def test_frequencies_of_a_numeric_variable_are_descriptives(data):
    table = frequencies(data, "months")
    row = table.frame.iloc[0]
    assert row["n"] == 4 and table.n == 4
    assert row["Mean"] == pytest.approx(15 / 4)  # (2 + 4 + 6 + 3) / 4
    assert row["Median"] == pytest.approx(3.5)
    assert row["SD"] == pytest.approx(np.std([2, 4, 6, 3], ddof=1))
    assert (row["Minimum"], row["Maximum"]) == (2, 6)


def test_frequencies_in_chinese(data):
    table = frequencies(data, "kind", lang="zh")
    assert list(table.frame.iloc[:3, 1]) == ["饭搭子", "旅行搭子", "学习搭子"]
    assert "最终数据" in table.caption()


def test_rolling_child_codes_up_to_their_parent(data):
    as_coded = frequencies(data, "hobby")
    assert dict(zip(as_coded.frame["Code"], as_coded.frame["Posts"]))["games"] == 1
    top = frequencies(data, "hobby", top=True)
    counts = dict(zip(top.frame["Code"], top.frame["Posts"]))
    assert counts["games"] == 3 and counts["reading"] == 1  # board + video + games itself
    assert "top-level" in top.note


# --------------------------------------------------------------------------
# Grouped summaries (Table 4)
# --------------------------------------------------------------------------

TABLE4 = ("n", "share", "mean(engagement)", "median(engagement)", "rate(outcome=success)", "mean(months)")


def test_grouped_summary_by_hand(data):
    table = grouped_summary(data, "kind", TABLE4)
    meal, travel, study = (_row(table, k) for k in ("Meal", "Travel", "Study"))
    everyone = _row(table, "All posts")
    assert (meal["Posts"], travel["Posts"], study["Posts"], everyone["Posts"]) == (3, 2, 2, 7)
    assert meal["Share of posts"] == pytest.approx(3 / 7)
    assert meal["Mean engagement"] == pytest.approx(60) and meal["Median engagement"] == pytest.approx(50)
    assert travel["Mean engagement"] == pytest.approx(100)
    assert study["Mean engagement"] == pytest.approx(10)  # p7 has no counts
    assert everyone["Mean engagement"] == pytest.approx(65)  # 390 / 6
    assert everyone["Median engagement"] == pytest.approx(40)  # (30 + 50) / 2
    rate = "Success rate (Outcome)"
    assert meal[rate] == pytest.approx(2 / 3) and travel[rate] == pytest.approx(1 / 2)
    assert everyone[rate] == pytest.approx(4 / 7)
    months = "Mean months (months)"
    assert meal[months] == pytest.approx(3) and travel[months] == pytest.approx(6)
    assert everyone[months] == pytest.approx(3.75)
    bases = table.sections[0].frame
    assert list(bases["Mean engagement"]) == [3, 2, 1, 6]
    assert list(bases[months]) == [2, 1, 1, 4]
    assert table.n == 7
    assert "Engagement = likes + collects + comments + shares" in table.note
    assert "1 of the 8 coded posts have no value for Kind" in table.note


def test_rate_counts_descendants_and_several_codes(data):
    table = grouped_summary(data, "outcome", ["n", "rate(hobby=games)", "rate(kind=meal|travel)"])
    success = _row(table, "Success")
    # success posts p1 p3 p4 p7 with a hobby: p1 board, p3 games, p4 reading -> 2 of 3 are games or below
    assert success["Games rate (Hobby)"] == pytest.approx(2 / 3)
    # p1 meal, p3 meal, p4 travel, p7 study -> 3 of 4
    assert success["Meal or Travel rate (Kind)"] == pytest.approx(3 / 4)


def test_grouping_by_a_multi_select_variable_overlaps(data):
    table = grouped_summary(data, "markers", ["n", "share"])
    assert _row(table, "Seeking")["Posts"] == 4 and _row(table, "City")["Posts"] == 4
    assert _row(table, "All posts")["Posts"] == 7
    assert "groups overlap" in table.note


# --------------------------------------------------------------------------
# Crosstabs and chi-square
# --------------------------------------------------------------------------

def test_chi_square_2x3_by_hand():
    # rows 60 / 60, columns 30 / 40 / 50, n = 120: expected 15, 20, 25 in both rows
    # chi2 = 2 * (25/15 + 0/20 + 25/25) = 16/3; df = 2; p = exp(-chi2 / 2) for 2 df;
    # V = sqrt(chi2 / (n * (min(r, c) - 1))) = sqrt((16/3) / 120)
    observed = np.array([[10, 20, 30], [20, 20, 20]])
    result = chi_square(observed)
    assert result["chi2"] == pytest.approx(16 / 3)
    assert result["dof"] == 2
    assert result["p"] == pytest.approx(math.exp(-8 / 3))
    assert result["cramers_v"] == pytest.approx(math.sqrt(16 / 3 / 120))
    chi2, p, dof, _ = chi2_contingency(observed, correction=False)
    assert (result["chi2"], result["p"], result["dof"]) == pytest.approx((chi2, p, dof))


@pytest.mark.parametrize("observed, reason", [
    pytest.param([[2, 1], [1, 1]], "below 1", id="an expected count below 1"),
    pytest.param([[3, 3], [3, 4]], "below 5", id="more than 20% of expected counts below 5"),
    pytest.param([[5, 0], [7, 0]], "fewer than two codes", id="a column nobody used"),
])
def test_chi_square_refused_when_expected_counts_do_not_allow(observed, reason):
    result = chi_square(np.array(observed))
    assert result["chi2"] is None and result["p"] is None and result["cramers_v"] is None
    assert reason in result["test_reason"]


def _independence_data() -> CodedPosts:
    """60 posts: meal 20 success / 10 failure, travel 10 success / 20 failure."""
    cells = [("meal", "success", 20), ("meal", "failure", 10), ("travel", "success", 10), ("travel", "failure", 20)]
    kinds, outcomes = [], []
    for kind, outcome, k in cells:
        kinds += [kind] * k
        outcomes += [outcome] * k
    n = len(kinds)
    frame = pd.DataFrame({"post_pk": range(n), "post_id": [str(i) for i in range(n)], "kind": kinds,
                          "markers": [[]] * n, "outcome": outcomes, "months": [None] * n, "hobby": [None] * n,
                          "remark": [None] * n})
    return CodedPosts(frame, CODEBOOK)


def test_crosstab_with_chi_square_and_cramers_v():
    # expected 15 in every cell: chi2 = 4 * 25 / 15 = 20/3, df 1, V = sqrt((20/3) / 60) = 1/3
    table = crosstab(_independence_data(), "kind", "outcome")
    assert table.stats["chi2"] == pytest.approx(20 / 3)
    assert table.stats["cramers_v"] == pytest.approx(1 / 3)
    assert table.stats["p"] == pytest.approx(chi2_contingency([[20, 10], [10, 20]], correction=False)[1])
    assert "χ²(1, N = 60) = 6.67, p = .010, Cramér's V = .333" in table.note
    counts = table.frame
    assert counts.iloc[0].tolist() == ["Meal", 20, 10, 30] and counts.iloc[-1].tolist() == ["Total", 30, 30, 60]
    row_shares = table.sections[0].frame
    assert row_shares.iloc[0, 1:].tolist() == pytest.approx([2 / 3, 1 / 3])
    column_shares = table.sections[1].frame
    assert column_shares.iloc[0, 1:].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_crosstab_on_sparse_data_says_why_there_is_no_test(data):
    table = crosstab(data, "kind", "outcome")
    assert table.frame.iloc[0].tolist() == ["Meal", 2, 1, 3]
    assert table.stats["chi2"] is None and "expected count is below 1" in table.note
    assert table.n == 7


def test_crosstab_with_a_multi_select_variable_counts_posts(data):
    table = crosstab(data, "kind", "markers")
    meal = table.frame.iloc[0]
    assert meal.tolist() == ["Meal", 2, 1, 3]  # p1 seeking; p2 seeking + city; p3 none: 3 posts
    assert table.sections[0].frame.iloc[0, 1:].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table.stats["test_reason"] == "multi-select variable" and "No chi-square test" in table.note
    assert table.n == 6  # p7 has no markers, p8 no kind


# --------------------------------------------------------------------------
# Co-occurrence and time
# --------------------------------------------------------------------------

def test_cooccurrence_within_a_multi_select_variable(data):
    table = cooccurrence(data, ["markers"])
    matrix = table.frame.set_index("Markers")
    assert matrix.loc["Seeking", "Seeking"] == 4 and matrix.loc["City", "City"] == 4
    assert matrix.loc["Seeking", "City"] == 2 == matrix.loc["City", "Seeking"]  # p2, p6
    assert table.n == 7
    assert table.sections[0].frame.set_index("Markers").loc["Seeking", "City"] == pytest.approx(2 / 7)


def test_cooccurrence_across_variables(data):
    table = cooccurrence(data, ["kind", "markers"])
    matrix = table.frame.set_index(table.frame.columns[0])
    assert matrix.loc["Study", "Seeking"] == 1 and matrix.loc["Travel", "City"] == 1
    assert table.n == 6


def test_codes_by_month(data):
    table = over_time(data, "outcome", period="month")
    assert table.frame["Month"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert table.frame["Posts"].tolist() == [2, 2, 3]
    assert table.frame["Success"].tolist() == [1, 2, 1]
    assert table.frame["Failure"].tolist() == [1, 0, 2]
    assert table.sections[0].frame["Failure"].tolist() == pytest.approx([0.5, 0.0, 2 / 3])
    assert "1 posts without a posting time" in table.note and table.n == 7


def test_iso_weeks_are_continuous(data):
    table = over_time(data, "months", period="week")
    weeks = table.frame["Week (ISO)"].tolist()
    assert weeks[0] == "2025-W01" and weeks[-1] == "2025-W12" and len(weeks) == 12  # 5 Jan is a Sunday
    by_week = dict(zip(weeks, table.frame["Mean"]))
    assert by_week["2025-W01"] == 2 and by_week["2025-W06"] == 4 and math.isnan(by_week["2025-W02"])


# --------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    pytest.param("freq kind markers", TableSpec("frequencies", ("kind", "markers")), id="two frequency tables"),
    pytest.param("summary by=kind metrics=n,rate(outcome=success|failure)",
                 TableSpec("summary", by="kind", metrics=("n", "rate(outcome=success|failure)")), id="summary"),
    pytest.param("summary kind", TableSpec("summary", by="kind"), id="summary with the group as a word"),
    pytest.param("xtab kind outcome top=yes", TableSpec("crosstab", ("kind", "outcome"), top=True), id="crosstab"),
    pytest.param('cooccur markers title="Table 3"', TableSpec("cooccurrence", ("markers",), title="Table 3"),
                 id="quoted title"),
    pytest.param("time outcome period=week", TableSpec("over_time", ("outcome",), period="week"), id="weekly"),
])
def test_parse_table_spec(text, expected):
    assert parse_table_spec(text) == expected
    assert TableSpec.from_dict(expected.to_dict()) == expected


@pytest.mark.parametrize("spec, message", [
    pytest.param("freq kidn", 'no variable "kidn" (did you mean "kind"?)', id="unknown variable"),
    pytest.param("summary by=kind metrics=rate(outcome=sucess)", 'no code "sucess" (did you mean "success"?)',
                 id="unknown code"),
    pytest.param("summary by=kind metrics=mean(kind)", "not a number", id="mean of a code"),
    pytest.param("summary by=kind metrics=average(engagement)", "Unknown metric", id="unknown metric"),
    pytest.param("summary by=months", "months is a numeric variable", id="group by a number"),
    pytest.param("freq remark", "free text", id="frequencies of free text"),
    pytest.param("cooccur kind", "single-choice", id="co-occurrence of one single-choice variable"),
    pytest.param("crosstab kind", "exactly 2", id="crosstab with one variable"),
    pytest.param("pie kind", "Unknown table kind", id="unknown kind"),
    pytest.param("time kind period=day", "Unknown period", id="unknown period"),
    pytest.param("freq kind colour=red", "Unknown option", id="unknown option"),
])
def test_bad_specs_give_a_clear_validation_error(data, spec, message):
    with pytest.raises(ValidationError) as info:
        make_table(data, spec)
    assert message in str(info.value)


def test_every_spec_is_checked_before_any_table_is_made(data):
    with pytest.raises(ValidationError, match="kidn"):
        make_tables(data, ["freq kind", "crosstab kind kidn"])


def test_table_specs_from_a_yaml_file(tmp_path, data):
    path = tmp_path / "tables.yaml"
    path.write_text("tables:\n  - kind: summary\n    by: kind\n    metrics: [n, mean(engagement)]\n"
                    "  - crosstab kind outcome\n", encoding="utf-8")
    specs = load_table_specs(path)
    assert specs == [TableSpec("summary", by="kind", metrics=("n", "mean(engagement)")),
                     TableSpec("crosstab", ("kind", "outcome"))]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- kind: summary\n  by: kind\n  colour: red\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.yaml.*table 1.*colour"):
        load_table_specs(bad)


def test_every_table_states_its_source_and_n_in_text_and_json():
    alice = CodedPosts(coded_posts().frame, CODEBOOK, "alice")
    for table in make_tables(alice, ["freq kind", "summary by=kind", "crosstab kind outcome", "cooccur markers",
                                     "time outcome"]):
        text = format_table(table)
        assert "Coder alice's own codings" in text and f"n = {table.n}" in text
        record = json.loads(json.dumps(table.to_dict()))
        assert record["source"] == "alice" and record["n"] == table.n
