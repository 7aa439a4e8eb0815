"""Blind assignment with a reliability overlap."""

from __future__ import annotations

import pytest

from coding.assignments import assign, assigned_post_pks, overlap_post_pks, progress
from coding.coders import add_coder, get_coder
from corpus.sampling import draw_sample, sample_post_pks
from dazi.errors import ValidationError
from tests.conftest import make_posts


@pytest.fixture
def team(db, project):
    make_posts(db, project, 120)
    draw_sample(db, project, "main", size=100, seed=1)
    for name in ("a", "b", "c"):
        add_coder(db, project, name, passcode="1234")
    return project


def test_every_post_assigned_and_overlap_to_everyone(db, team):
    summary = assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    a = assigned_post_pks(db, team, get_coder(db, team, "a"))
    b = assigned_post_pks(db, team, get_coder(db, team, "b"))
    sample = set(sample_post_pks(db, __import__("corpus.sampling", fromlist=["get_sample"]).get_sample(db, team, "main")))
    overlap = set(overlap_post_pks(db, team))
    assert summary.overlap == 20 and len(overlap) == 20
    assert set(a) | set(b) == sample
    assert set(a) & set(b) == overlap
    assert len(a) == len(b) == 20 + 40  # the rest is split evenly
    assert a != sorted(a)  # each coder's order is shuffled


def test_fraction_overlap(db, team):
    assert assign(db, team, "main", ["a", "b", "c"], overlap=0.1, seed=1).overlap == 10


def test_same_seed_same_assignment(db, project, team):
    assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    first = {n: assigned_post_pks(db, team, get_coder(db, team, n)) for n in ("a", "b")}
    again = assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    assert again.added == 0 and again.removed == 0
    assert {n: assigned_post_pks(db, team, get_coder(db, team, n)) for n in ("a", "b")} == first


def test_adding_a_coder_rebalances(db, team):
    assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    summary = assign(db, team, "main", ["a", "b", "c"], overlap=20, seed=5)
    assert sorted(summary.per_coder.values()) == [46, 47, 47]  # 20 overlap + 80 split three ways
    c = set(assigned_post_pks(db, team, get_coder(db, team, "c")))
    assert set(overlap_post_pks(db, team)) <= c


@pytest.mark.parametrize(
    "coders, overlap, message",
    [
        pytest.param([], 10, "at least one coder", id="no coders"),
        pytest.param(["a"], 10, "at least two coders", id="overlap needs two"),
        pytest.param(["a", "b"], 1000, "larger than the sample", id="overlap too big"),
        pytest.param(["a", "a"], 10, "named twice", id="duplicate coder"),
        pytest.param(["a", "b"], 2.5, "neither a fraction", id="fractional count"),
    ],
)
def test_bad_assignments(db, team, coders, overlap, message):
    with pytest.raises(ValidationError, match=message):
        assign(db, team, "main", coders, overlap=overlap)


def test_progress_counts(db, team):
    assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    rows, overlap = progress(db, team)
    by = {r.coder: r for r in rows}
    assert by["a"].assigned == 60 and by["a"].coded == 0 and by["a"].remaining == 60
    assert overlap == {"overlap_units": 20, "complete_units": 0}


def test_adding_a_coder_keeps_started_work_where_it_is(db, team):
    from coding.codebook import Codebook
    from coding.codebook_store import save_codebook
    from coding.codings import save_coding
    from tests.test_codings import SMALL_CODEBOOK

    save_codebook(db, team, Codebook.from_dict(SMALL_CODEBOOK))
    assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    a = get_coder(db, team, "a")
    overlap = set(overlap_post_pks(db, team))
    started = [pk for pk in assigned_post_pks(db, team, a) if pk not in overlap][:10]
    for pk in started:
        save_coding(db, team, a, pk, {"kind": "meal", "outcome": "failure"})
    assign(db, team, "main", ["a", "b", "c"], overlap=20, seed=5)
    mine = set(assigned_post_pks(db, team, a))
    assert set(started) <= mine
    c = set(assigned_post_pks(db, team, get_coder(db, team, "c")))
    assert not (set(started) & c)


def test_stratified_overlap_covers_every_stratum(db, team):
    assign(db, team, "main", ["a", "b"], overlap=20, seed=2, stratify_by="source_keywords")
    from corpus.store import posts_frame

    frame = posts_frame(db, team, ["source_keywords"])
    overlap = overlap_post_pks(db, team)
    strata = frame.loc[overlap, "source_keywords"].map(lambda ks: ks[0]).value_counts()
    assert len(strata) == 4 and strata.min() >= 4  # proportional: about 5 from each keyword
