"""Codings: validation, append-only history, undo, blind reads, idempotent saves."""

from __future__ import annotations

import pytest

from coding.assignments import assign
from coding.codebook import Codebook
from coding.codebook_store import current_codebook, list_versions, save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import codings_long, get_unit, history, next_uncoded, save_coding, undo_last, units_frame
from corpus.sampling import draw_sample
from dazi.errors import AccessDenied, ValidationError
from dazi.projects import set_blind
from dazi.schema import utcnow
from tests.conftest import make_posts

SMALL_CODEBOOK = {
    "name": "small",
    "version": 1,
    "variables": [
        {"id": "kind", "label": "Kind", "type": "single", "codes": [
            {"id": "meal", "label": "Meal"}, {"id": "travel", "label": "Travel"}, {"id": "study", "label": "Study"}]},
        {"id": "markers", "label": "Markers", "type": "multi", "required": False, "codes": [
            {"id": "seeking", "label": "Seeking"}, {"id": "city", "label": "City"}]},
        {"id": "outcome", "label": "Outcome", "type": "single", "codes": [
            {"id": "success", "label": "Success"}, {"id": "failure", "label": "Failure"}]},
        {"id": "months", "label": "Months", "type": "numeric", "min": 0, "max": 120,
         "when": {"outcome": "success"}},
    ],
}


@pytest.fixture
def coded(db, project):
    make_posts(db, project, 30)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    add_coder(db, project, "judge", role="adjudicator", passcode="1234")
    draw_sample(db, project, "main", size=20, seed=1)
    assign(db, project, "main", ["a", "b"], overlap=10, seed=1)
    return project


def _first(db, project, name):
    coder = get_coder(db, project, name)
    return coder, next_uncoded(db, project, coder)


def test_save_and_read_back(db, coded):
    a, pk = _first(db, coded, "a")
    result = save_coding(db, coded, a, pk, {"kind": "meal", "markers": ["city", "seeking"], "outcome": "success",
                                             "months": 3}, memo="看起来是饭搭子", seconds=12.5)
    assert sorted(result.changed) == ["kind", "markers", "months", "outcome"]
    unit = get_unit(db, coded, a, pk)
    assert unit.values == {"kind": "meal", "markers": ["seeking", "city"], "outcome": "success", "months": 3}
    assert unit.memo == "看起来是饭搭子" and unit.done and unit.seconds == 12.5
    assert next_uncoded(db, coded, a) != pk


def test_saving_twice_writes_nothing_more(db, coded):
    a, pk = _first(db, coded, "a")
    values = {"kind": "travel", "outcome": "failure"}
    save_coding(db, coded, a, pk, values)
    again = save_coding(db, coded, a, pk, values)
    assert again.changed == [] and again.events == 0
    assert len(history(db, coded, None, post_pk=pk)) == 2


@pytest.mark.parametrize(
    "values, message",
    [
        pytest.param({"kind": "nap"}, "kind", id="unknown code"),
        pytest.param({"kind": ["meal", "travel"]}, "kind", id="two codes on single choice"),
        pytest.param({"outcome": "success", "months": 500}, "months", id="number out of range"),
        pytest.param({"colour": "red"}, "Unknown variable", id="unknown variable"),
        pytest.param({"kind": "meal"}, "required", id="required missing when done"),
    ],
)
def test_invalid_values_write_nothing(db, coded, values, message):
    a, pk = _first(db, coded, "a")
    with pytest.raises(ValidationError, match=message):
        save_coding(db, coded, a, pk, values)
    assert history(db, coded, None, post_pk=pk).empty


def test_condition_not_met_makes_value_missing(db, coded):
    a, pk = _first(db, coded, "a")
    save_coding(db, coded, a, pk, {"kind": "meal", "outcome": "success", "months": 4})
    save_coding(db, coded, a, pk, {"outcome": "failure"})
    assert get_unit(db, coded, a, pk).values["months"] is None


def test_history_is_append_only_and_undo_is_an_event(db, coded):
    a, pk = _first(db, coded, "a")
    save_coding(db, coded, a, pk, {"kind": "meal", "outcome": "failure"})
    before_second = utcnow()
    save_coding(db, coded, a, pk, {"kind": "travel"})
    assert get_unit(db, coded, a, pk).values["kind"] == "travel"
    undo_last(db, coded, a, pk)
    assert get_unit(db, coded, a, pk).values["kind"] == "meal"
    events = history(db, coded, None, post_pk=pk)
    kinds = events[events.variable == "kind"]
    assert list(kinds.value) == ["meal", "travel", "meal"]
    assert list(kinds.old_value) == [None, "meal", "travel"]
    assert kinds.note.iloc[-1].startswith("undo of event")
    # any earlier state can be replayed
    then = codings_long(db, coded, None, as_of=before_second)
    assert set(then[then.variable == "kind"].value) == {"meal"}


def test_blind_coders_see_only_their_own(db, coded):
    a, b = get_coder(db, coded, "a"), get_coder(db, coded, "b")
    from coding.assignments import overlap_post_pks

    pk = overlap_post_pks(db, coded)[0]
    save_coding(db, coded, a, pk, {"kind": "meal", "outcome": "failure"})
    save_coding(db, coded, b, pk, {"kind": "study", "outcome": "failure"})
    seen_by_a = codings_long(db, coded, a)
    assert set(seen_by_a.coder) == {"a"} and "study" not in set(seen_by_a.value)
    assert set(units_frame(db, coded, a).coder) == {"a"}
    assert set(history(db, coded, a).coder) == {"a"}
    with pytest.raises(AccessDenied, match="blind"):
        get_unit(db, coded, a, pk, coder=b)
    judge = get_coder(db, coded, "judge")
    assert set(codings_long(db, coded, judge).coder) == {"a", "b"}
    set_blind(db, coded, False)
    assert set(codings_long(db, coded, a).coder) == {"a", "b"}


def test_coders_code_only_their_assigned_posts(db, coded):
    a, b = get_coder(db, coded, "a"), get_coder(db, coded, "b")
    from coding.assignments import assigned_post_pks

    only_b = set(assigned_post_pks(db, coded, b)) - set(assigned_post_pks(db, coded, a))
    with pytest.raises(AccessDenied, match="not assigned"):
        save_coding(db, coded, a, next(iter(only_b)), {"kind": "meal", "outcome": "failure"})


def test_codebook_versions_are_recorded(db, coded):
    a, pk = _first(db, coded, "a")
    assert current_codebook(db, coded).version == 1
    changed = dict(SMALL_CODEBOOK, variables=SMALL_CODEBOOK["variables"][:3] + [dict(SMALL_CODEBOOK["variables"][3], max=240)])
    save_codebook(db, coded, Codebook.from_dict(changed))
    assert [v.version for v in list_versions(db, coded)] == [1, 2]
    result = save_coding(db, coded, a, pk, {"kind": "meal", "outcome": "success", "months": 200})
    assert result.codebook_version == 2
    assert set(history(db, coded, None, post_pk=pk).codebook_version) == {2}
