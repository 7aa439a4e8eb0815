"""Adjudication: disagreements, final values, the final dataset and its export layout.

The scenario below is small enough to work out by hand; the expected values
in each test are derived from it, not from running the code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from coding.adjudication import (
    adjudicate,
    adjudication_history,
    disagreements,
    final_dataset,
)
from coding.assignments import assign, assigned_post_pks, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import history, save_coding
from corpus.sampling import draw_sample
from dazi.errors import AccessDenied, NotFound, ValidationError
from dazi.projects import create_project, set_blind
from reports.wide import wide_codes
from tests.conftest import make_posts
from tests.test_codings import SMALL_CODEBOOK

CODEBOOK = Codebook.from_dict(SMALL_CODEBOOK)


@pytest.fixture(autouse=True)
def _cheap_passcodes(monkeypatch):
    """Passcode hashing is not under test here: use a cheap scrypt cost to keep set-up fast."""
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})


def setup_study(db, project) -> dict:
    """Posts, codebook, coders a and b, adjudicator judge, admin boss; 10 of 20 posts overlap."""
    make_posts(db, project, 30)
    save_codebook(db, project, CODEBOOK)
    for name, role in (("a", "coder"), ("b", "coder"), ("judge", "adjudicator"), ("boss", "admin")):
        add_coder(db, project, name, role=role, passcode="1234")
    draw_sample(db, project, "main", size=20, seed=1)
    assign(db, project, "main", ["a", "b"], overlap=10, seed=1)
    return {name: get_coder(db, project, name) for name in ("a", "b", "judge", "boss")}


@pytest.fixture
def study(db, project):
    """The hand-made scenario.

    ======  =============================================  ===============================================
    post    a                                              b
    ======  =============================================  ===============================================
    p1      meal, [seeking], failure; memo                 study, [seeking, city], success, 3; uncertain
    p2      meal, failure                                  travel, failure
    p3      travel, [city], success, 6                     travel, [city], success, 6.0
    p4      meal, failure                                  study, failure  (a draft: not finished)
    s1      study, failure  (a only)                       -
    ======  =============================================  ===============================================

    Open disagreements: p1 kind, markers, outcome, months (4); p2 kind (1).
    """
    who = setup_study(db, project)
    a, b = who["a"], who["b"]
    p1, p2, p3, p4 = overlap_post_pks(db, project)[:4]
    s1 = min(set(assigned_post_pks(db, project, a)) - set(overlap_post_pks(db, project)))
    save_coding(db, project, a, p1, {"kind": "meal", "markers": ["seeking"], "outcome": "failure"},
                memo="标题说饭搭子")
    save_coding(db, project, b, p1, {"kind": "study", "markers": ["city", "seeking"], "outcome": "success",
                                     "months": 3}, uncertain=True)
    save_coding(db, project, a, p2, {"kind": "meal", "outcome": "failure"})
    save_coding(db, project, b, p2, {"kind": "travel", "outcome": "failure"})
    save_coding(db, project, a, p3, {"kind": "travel", "markers": ["city"], "outcome": "success", "months": 6})
    save_coding(db, project, b, p3, {"kind": "travel", "markers": ["city"], "outcome": "success", "months": 6.0})
    save_coding(db, project, a, p4, {"kind": "meal", "outcome": "failure"})
    save_coding(db, project, b, p4, {"kind": "study"}, done=False)
    save_coding(db, project, a, s1, {"kind": "study", "outcome": "failure"})
    return {"project": project, **who, "p1": p1, "p2": p2, "p3": p3, "p4": p4, "s1": s1}


def _cells(items):
    return [(d.post_pk, d.variable) for d in items]


def test_disagreements_found_and_ordered(db, study):
    found = disagreements(db, study["project"], study["judge"])
    p1, p2 = study["p1"], study["p2"]
    assert _cells(found) == [(p1, "kind"), (p1, "markers"), (p1, "outcome"), (p1, "months"), (p2, "kind")]
    kind = found[0]
    assert [(cv.coder, cv.value, cv.memo, cv.uncertain) for cv in kind.values] == [
        ("a", "meal", "标题说饭搭子", False), ("b", "study", None, True)]
    # multi values in codebook order (seeking before city), whatever order they were saved in
    assert [cv.value for cv in found[1].values] == [["seeking"], ["seeking", "city"]]
    assert [cv.value for cv in found[3].values] == [None, 3]
    assert all(d.status == "open" and d.adjudication is None and not d.resolved for d in found)
    assert isinstance(kind.post_id, str) and kind.platform == "xiaohongshu"
    # p3 agrees (6 == 6.0) and is consensus; p4 has one finished coding (b's is a draft); s1 one coder
    assert {d.post_pk for d in disagreements(db, study["project"], None)} == {p1, p2}
    # a filter keeps codebook order within a post
    only = disagreements(db, study["project"], study["boss"], variables=["months", "kind"])
    assert _cells(only) == [(p1, "kind"), (p1, "months"), (p2, "kind")]
    with pytest.raises(NotFound, match="colour"):
        disagreements(db, study["project"], study["boss"], variables=["colour"])


def test_coder_blocked_while_blind(db, study):
    project = study["project"]
    with pytest.raises(AccessDenied, match="blind"):
        disagreements(db, project, study["a"])
    set_blind(db, project, False)
    assert len(disagreements(db, project, study["a"])) == 5


def test_adjudication_writes_row_and_event_and_latest_counts(db, study):
    project, judge, p2 = study["project"], study["judge"], study["p2"]
    first = adjudicate(db, project, judge, p2, "kind", "meal", "标题写着饭搭子")
    second = adjudicate(db, project, judge, p2, "kind", " travel ", "Body says 一起去旅行; title rule does not apply")
    assert (first.value, first.old_value) == ("meal", None)
    assert (second.value, second.old_value, second.adjudicator) == ("travel", "meal", "judge")
    events = history(db, project, None, post_pk=p2)
    events = events[events.field == "adjudication"]
    assert list(events.value) == ["meal", "travel"]
    assert list(events.old_value) == [None, "meal"]
    assert list(events.coder) == ["judge", "judge"]
    assert list(events.note) == ["标题写着饭搭子", "Body says 一起去旅行; title rule does not apply"]
    assert set(events.codebook_version) == {1}
    assert [h.value for h in adjudication_history(db, project, post_pk=p2)] == ["meal", "travel"]
    final = final_dataset(db, project).set_index("post_pk")
    assert final.loc[p2, "kind"] == "travel" and final.loc[p2, "unresolved"] == []
    resolved = disagreements(db, project, judge, include_resolved=True)
    entry = next(d for d in resolved if d.post_pk == p2)
    assert entry.status == "adjudicated" and entry.adjudication.value == "travel"
    assert p2 not in {d.post_pk for d in disagreements(db, project, judge)}


def test_repeating_the_same_adjudication_writes_nothing(db, study):
    project, judge, p2 = study["project"], study["judge"], study["p2"]
    one = adjudicate(db, project, judge, p2, "kind", "meal", "title")
    two = adjudicate(db, project, judge, p2, "kind", "meal", "title")
    assert one.id == two.id
    assert len(adjudication_history(db, project)) == 1


@pytest.mark.parametrize(
    "who, variable, value, rationale, error, match",
    [
        pytest.param("a", "kind", "meal", "why", AccessDenied, "may not record", id="coder cannot adjudicate"),
        pytest.param("judge", "kind", "meal", "  ", ValidationError, "rationale", id="blank rationale"),
        pytest.param("judge", "kind", "nap", "why", ValidationError, "not a code", id="unknown code"),
        pytest.param("judge", "kind", ["meal", "study"], "why", ValidationError, "only one code",
                     id="two codes on single choice"),
        pytest.param("judge", "months", 500, "why", ValidationError, "maximum", id="number out of range"),
        pytest.param("judge", "colour", "red", "why", NotFound, "colour", id="unknown variable"),
    ],
)
def test_bad_adjudications_write_nothing(sqlite_db, who, variable, value, rationale, error, match):
    # rules of the function, not of the backend: SQLite only, and a light set-up
    # where the admin codes one post (admins may code any post)
    db = sqlite_db
    project = create_project(db, "default")
    make_posts(db, project, 2)
    save_codebook(db, project, CODEBOOK)
    people = {name: add_coder(db, project, name, role=role, passcode="1234")[0]
              for name, role in (("a", "coder"), ("judge", "adjudicator"), ("boss", "admin"))}
    from corpus.store import resolve_post_pks

    pk = resolve_post_pks(db, project, [f"{0:024x}"])[f"{0:024x}"]
    save_coding(db, project, people["boss"], pk, {"kind": "meal", "outcome": "failure"})
    with pytest.raises(error, match=match):
        adjudicate(db, project, people[who], pk, variable, value, rationale)
    assert adjudication_history(db, project) == []
    assert "adjudication" not in set(history(db, project, None).field)


def test_cannot_adjudicate_an_uncoded_post(db, study):
    uncoded = min(set(overlap_post_pks(db, study["project"])) - {study[k] for k in ("p1", "p2", "p3", "p4")})
    with pytest.raises(ValidationError, match="nobody has finished"):
        adjudicate(db, study["project"], study["judge"], uncoded, "kind", "meal", "why")


def test_final_dataset_rules(db, study):
    project = study["project"]
    final = final_dataset(db, project)
    assert list(final.columns) == ["post_pk", "post_id", "kind", "markers", "outcome", "months",
                                   "unresolved", "coders", "double_coded", "memos", "uncertain"]
    assert str(final.post_id.dtype) == "string"
    assert final.post_pk.is_monotonic_increasing
    rows = final.set_index("post_pk")
    p1, p2, p3, p4, s1 = (study[k] for k in ("p1", "p2", "p3", "p4", "s1"))
    assert set(rows.index) == {p1, p2, p3, p4, s1}  # b's draft on p4 adds nothing
    # p1: everything open; months depends on the open outcome, so it is open too
    assert rows.loc[p1, ["kind", "markers", "outcome", "months"]].tolist() == [None, None, None, None]
    assert rows.loc[p1, "unresolved"] == ["kind", "markers", "outcome", "months"]
    assert rows.loc[p1, "memos"] == "a: 标题说饭搭子" and bool(rows.loc[p1, "uncertain"])
    # p2: kind open; markers agreed (none chosen); months does not apply after "failure"
    assert rows.loc[p2, ["kind", "markers", "outcome", "months"]].tolist() == [None, [], "failure", None]
    assert rows.loc[p2, "unresolved"] == ["kind"]
    # p3: consensus of two coders
    assert rows.loc[p3, ["kind", "markers", "outcome", "months"]].tolist() == ["travel", ["city"], "success", 6]
    assert rows.loc[p3, "coders"] == ["a", "b"] and bool(rows.loc[p3, "double_coded"])
    # p4 and s1: the single finished coder's values
    assert rows.loc[p4, ["kind", "outcome"]].tolist() == ["meal", "failure"]
    assert rows.loc[p4, "coders"] == ["a"] and not rows.loc[p4, "double_coded"]
    assert rows.loc[s1, ["kind", "outcome", "months"]].tolist() == ["study", "failure", None]
    assert rows.loc[s1, "memos"] == "" and not rows.loc[s1, "uncertain"]
    # and its export layout: a multi variable as 0/1 columns, numbers as numbers
    wide = wide_codes(final, CODEBOOK, lang="en").set_index("post_pk")
    assert wide.loc[p3, ["markers__seeking", "markers__city", "markers"]].tolist() == [0, 1, "City"]
    assert wide.loc[p2, ["markers__seeking", "markers__city", "markers"]].tolist() == [0, 0, ""]
    assert pd.isna(wide.loc[p1, "markers__city"]) and pd.isna(wide.loc[p1, "kind"])
    assert str(wide.months.dtype) == "Int64" and wide.loc[p3, "months"] == 6


def test_adjudicated_value_wins_and_settles_conditional_variables(db, study):
    project, judge, p1 = study["project"], study["judge"], study["p1"]
    adjudicate(db, project, judge, p1, "outcome", "failure", "No outcome is reported: the post only seeks")
    rows = final_dataset(db, project).set_index("post_pk")
    # months applies only after success: with outcome settled as failure it needs no final value
    assert rows.loc[p1, "outcome"] == "failure" and rows.loc[p1, "months"] is None
    assert rows.loc[p1, "unresolved"] == ["kind", "markers"]
    open_ = disagreements(db, project, judge)
    assert _cells(open_) == [(p1, "kind"), (p1, "markers"), (study["p2"], "kind")]
    every = {d.variable: d.status for d in disagreements(db, project, judge, include_resolved=True)
             if d.post_pk == p1}
    assert every == {"kind": "open", "markers": "open", "outcome": "adjudicated", "months": "not_applicable"}
    # an adjudicated value also overrides a consensus
    adjudicate(db, project, judge, study["p3"], "months", 7, "The text says 7 months, both coders misread")
    assert final_dataset(db, project).set_index("post_pk").loc[study["p3"], "months"] == 7


def test_outcome_success_keeps_months_open(db, study):
    project, judge, p1 = study["project"], study["judge"], study["p1"]
    adjudicate(db, project, judge, p1, "outcome", "success", "They met twice")
    rows = final_dataset(db, project).set_index("post_pk")
    assert rows.loc[p1, "unresolved"] == ["kind", "markers", "months"]
    adjudicate(db, project, judge, p1, "months", 3, "b's reading: '三个月了'")
    assert final_dataset(db, project).set_index("post_pk").loc[p1, "months"] == 3


def test_source_coder_gives_their_own_values(db, study):
    project = study["project"]
    own = final_dataset(db, project, source="b").set_index("post_pk")
    assert set(own.index) == {study["p1"], study["p2"], study["p3"]}  # p4 is only a draft for b
    assert own.loc[study["p1"], ["kind", "markers", "outcome", "months"]].tolist() == [
        "study", ["seeking", "city"], "success", 3]
    assert own.loc[study["p1"], "coders"] == ["b"] and own.loc[study["p1"], "unresolved"] == []
    assert bool(own.loc[study["p1"], "double_coded"]) and own.loc[study["p1"], "memos"] == ""
    with pytest.raises(NotFound, match="zed"):
        final_dataset(db, project, source="zed")


def test_final_dataset_without_codings_is_empty_with_columns(db, project):
    setup_study(db, project)
    final = final_dataset(db, project)
    assert final.empty and "unresolved" in final.columns and str(final.post_id.dtype) == "string"


def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"post_pk": 0, "post_id": "x", "kind": None, "markers": None, "outcome": None, "months": None,
            "unresolved": [], "coders": ["a"], "double_coded": False, "memos": "", "uncertain": False}
    data = [{**base, "post_pk": i + 1, "post_id": f"{i + 1:04d}", **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame(data)
    frame["post_id"] = frame["post_id"].astype("string")
    return frame


def test_wide_layout_hand_made_frame():
    zh = Codebook.from_dict({
        **SMALL_CODEBOOK,
        "variables": [dict(v, codes=[dict(c, label={"en": c["label"], "zh": "中" + c["label"]}) for c in v["codes"]])
                      if "codes" in v else v for v in SMALL_CODEBOOK["variables"]],
    })
    frame = _frame([
        {"kind": "meal", "markers": ["seeking", "city"], "outcome": "success", "months": 3,
         "coders": ["a", "b"], "double_coded": True},
        {"kind": "study", "markers": [], "outcome": "failure"},
        {"unresolved": ["kind", "markers"], "outcome": "success", "months": 2.5},
    ])
    wide = wide_codes(frame, zh, lang="zh")
    assert list(wide.columns) == [
        "post_pk", "post_id", "kind", "kind__label", "markers__seeking", "markers__city", "markers",
        "outcome", "outcome__label", "months", "unresolved", "coders", "double_coded", "memos", "uncertain"]
    assert wide.kind.tolist()[:2] == ["meal", "study"] and pd.isna(wide.kind[2])
    assert wide.kind__label.tolist()[:2] == ["中Meal", "中Study"]
    # 1 chosen, 0 coded but not chosen, <NA> no final value
    assert wide.markers__seeking.tolist() == [1, 0, pd.NA]
    assert wide.markers__city.tolist() == [1, 0, pd.NA]
    assert str(wide.markers__city.dtype) == "Int8"
    assert wide.markers.tolist()[:2] == ["中Seeking; 中City", ""] and pd.isna(wide.markers[2])
    assert str(wide.months.dtype) == "Float64" and wide.months.tolist()[::2] == [3.0, 2.5]
    assert wide.unresolved.tolist() == ["", "", "kind; markers"]
    assert wide.coders.tolist() == ["a; b", "a", "a"]
    assert str(wide.post_id.dtype) == "string"
    english = wide_codes(frame, zh, lang="en")
    assert english.kind__label.tolist()[:2] == ["Meal", "Study"]


@pytest.mark.parametrize(
    "frame, codebook, match",
    [
        pytest.param(_frame([{}]).drop(columns=["months"]), CODEBOOK, "months", id="variable column missing"),
        pytest.param(_frame([{}]), Codebook.from_dict({**SMALL_CODEBOOK, "variables": SMALL_CODEBOOK["variables"] + [
            {"id": "kind__label", "label": "clash", "type": "text", "required": False}]}), "kind__label",
            id="export column names clash"),
    ],
)
def test_wide_layout_refuses_bad_input(frame, codebook, match):
    if "kind__label" in codebook.variable_ids():
        frame = frame.assign(kind__label=None)
    with pytest.raises(ValidationError, match=match):
        wide_codes(frame, codebook)


def test_streamed_final_values_equal_a_reference_read(db, study):
    """final_dataset() now streams post by post: the same rows as the rules applied to a whole-table read.

    The reference reads every coding and unit with coding.codings (another read path), groups them by
    post, and applies the rules with the plain _canonical (not the cached per-variable look-ups).
    """
    from coding.adjudication import _canonical, _latest, _Post, _resolve, iter_final_values
    from coding.codings import codings_long, units_frame

    project, judge = study["project"], study["judge"]
    adjudicate(db, project, judge, study["p1"], "outcome", "success", "They met twice")
    adjudicate(db, project, judge, study["p2"], "kind", "travel", "The title says 旅行")
    final = final_dataset(db, project)
    long, units = codings_long(db, project, None), units_frame(db, project, None)
    posts: dict[int, _Post] = {}
    for pk, post_id, coder, memo, uncertain, done in units[["post_pk", "post_id", "coder", "memo", "uncertain",
                                                             "done"]].itertuples(index=False):
        if done:
            posts.setdefault(pk, _Post(pk, post_id, "xiaohongshu")).coders[coder] = ({}, memo, bool(uncertain))
    for pk, coder, variable, value in long[["post_pk", "coder", "variable", "value"]].itertuples(index=False):
        if pk in posts and coder in posts[pk].coders:
            posts[pk].coders[coder][0][variable] = value
    with db.read() as conn:
        latest = _latest(conn, project)
    plain = {v.id: (lambda x, v=v: _canonical(v, x)) for v in CODEBOOK.variables}
    ids = CODEBOOK.variable_ids()
    assert list(final["post_pk"]) == sorted(posts)
    for row, pk in zip(final.to_dict("records"), sorted(posts), strict=True):
        values, status = _resolve(CODEBOOK, posts[pk], latest, plain)
        assert [row[v] for v in ids] == [values[v] for v in ids]
        assert row["unresolved"] == [v for v in ids if status[v] == "open"]
        assert row["coders"] == sorted(posts[pk].coders)
    streamed = list(iter_final_values(db, project))
    assert [r.values for r in streamed] == [{v: row[v] for v in ids} for row in final.to_dict("records")]
    assert [r.memos for r in streamed] == list(final["memos"])
    assert final.set_index("post_pk").loc[study["p2"], "kind"] == "travel"  # the adjudication counts
