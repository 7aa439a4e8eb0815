"""Codebook versions in a project, and changes that carry codings along."""

from __future__ import annotations

import pytest

from coding.codebook import Codebook, add_code, merge_codes, rename_code, retire_code
from coding.codebook_store import change_codebook, codebook_version, current_codebook, list_versions, save_codebook
from coding.codings import codings_long, get_unit, history, save_coding
from dazi.errors import NotFound, ValidationError
from tests.test_codings import SMALL_CODEBOOK, _first, coded  # noqa: F401  (fixture)


def test_no_codebook_is_a_clear_error(db, project):
    with pytest.raises(NotFound, match="has no codebook yet"):
        current_codebook(db, project)


def test_saving_the_same_codebook_twice_keeps_one_version(db, project):
    cb = Codebook.from_dict(SMALL_CODEBOOK)
    assert save_codebook(db, project, cb).version == 1
    assert save_codebook(db, project, cb).version == 1
    assert [v.version for v in list_versions(db, project)] == [1]


def test_merge_moves_existing_codings_as_new_events(db, coded):
    a, pk = _first(db, coded, "a")
    save_coding(db, coded, a, pk, {"kind": "travel", "markers": ["seeking", "city"], "outcome": "failure"})
    old = current_codebook(db, coded).codebook
    merged, mapping = merge_codes(old, "kind", ["travel"], "meal")
    stored = change_codebook(db, coded, merged, merges={"kind": mapping}, created_by="lead")
    assert stored.version == 2
    assert get_unit(db, coded, a, pk).values["kind"] == "meal"
    events = history(db, coded, None, post_pk=pk)
    last = events[events.variable == "kind"].iloc[-1]
    assert (last.old_value, last.value, last.codebook_version) == ("travel", "meal", 2)
    assert last.note.startswith("merge:")
    # the merged code is retired: new codings refuse it, the old version still has it
    with pytest.raises(ValidationError):
        save_coding(db, coded, a, pk, {"kind": "travel"})
    assert codebook_version(db, coded, 1).codebook.variable("kind").code("travel").retired is False


def test_multi_values_are_merged_without_duplicates(db, coded):
    a, pk = _first(db, coded, "a")
    save_coding(db, coded, a, pk, {"kind": "meal", "markers": ["seeking", "city"], "outcome": "failure"})
    merged, mapping = merge_codes(current_codebook(db, coded).codebook, "markers", ["city"], "seeking")
    change_codebook(db, coded, merged, merges={"markers": mapping})
    long = codings_long(db, coded, None)
    assert list(long[long.variable == "markers"].value) == [["seeking"]]


def test_rename_add_retire_make_versions(db, coded):
    cb = current_codebook(db, coded).codebook
    cb = rename_code(cb, "kind", "meal", "Meal 饭搭子")
    change_codebook(db, coded, cb)
    cb = add_code(cb, "kind", {"id": "nap", "label": "Nap 午睡"})
    change_codebook(db, coded, cb)
    cb = retire_code(cb, "kind", "study")
    change_codebook(db, coded, cb)
    assert [v.version for v in list_versions(db, coded)] == [1, 2, 3, 4]
    with pytest.raises(NotFound):
        codebook_version(db, coded, 9)
