"""Named, reproducible samples."""

from __future__ import annotations

import pytest

from corpus.sampling import draw_sample, get_sample, list_samples, sample_post_pks
from dazi.errors import NotFound, ValidationError
from tests.conftest import make_posts


def test_random_sample_is_reproducible_and_excludes_deleted(db, project):
    make_posts(db, project, 200)
    a = draw_sample(db, project, "a", size=50, seed=3)
    b = draw_sample(db, project, "b", size=50, seed=3)
    c = draw_sample(db, project, "c", size=50, seed=4)
    pa, pb, pc = (sample_post_pks(db, s) for s in (a, b, c))
    assert a.size == 50 and pa == pb and set(pa) != set(pc)
    assert len(set(pa)) == 50
    from corpus.store import posts_frame

    status = posts_frame(db, project, ["status"])["status"]
    assert (status.loc[pa] == "ok").all()
    assert [s.name for s in list_samples(db, project)] == ["a", "b", "c"]


def test_stratified_allocation_is_proportional(db, project):
    make_posts(db, project, 200)  # four keywords, 50 each, one deleted in each 50
    sample = draw_sample(db, project, "s", method="stratified", by="source_keywords", size=40, seed=1)
    assert sum(sample.strata.values()) == 40
    assert sorted(sample.strata.values()) == [10, 10, 10, 10]


def test_purposive_takes_the_most_engaging(db, project):
    make_posts(db, project, 100)
    sample = draw_sample(db, project, "top", method="purposive", min_likes=500, size=10)
    from corpus.store import posts_frame

    frame = posts_frame(db, project, ["likes", "engagement", "status"])
    eligible = frame[(frame.likes >= 500) & (frame.status == "ok")].sort_values("engagement", ascending=False)
    assert set(sample_post_pks(db, sample)) == set(eligible.index[:10])


def test_purposive_keywords(db, project):
    make_posts(db, project, 40)
    sample = draw_sample(db, project, "kw", method="purposive", keywords=["饭搭子"], order="random", size=5, seed=1)
    from corpus.store import get_posts_by_pk

    assert all("饭搭子" in p["text"] for p in get_posts_by_pk(db, project, sample_post_pks(db, sample)).values())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"method": "nope", "size": 3}, "Unknown sampling method", id="bad method"),
        pytest.param({"method": "stratified", "size": 3}, "needs a field", id="stratified without by"),
        pytest.param({"size": None}, "needs a size", id="no size"),
        pytest.param({"size": 3, "by": "text"}, "Cannot stratify", id="bad stratum field"),
        pytest.param({"method": "purposive", "min_likes": 10**9}, "No posts match", id="nothing matches"),
    ],
)
def test_bad_sample_requests(db, project, kwargs, message):
    make_posts(db, project, 10)
    with pytest.raises(ValidationError, match=message):
        draw_sample(db, project, "x", **kwargs)


def test_names_are_unique_unless_replaced(db, project):
    make_posts(db, project, 10)
    draw_sample(db, project, "x", size=3)
    with pytest.raises(ValidationError, match="already exists"):
        draw_sample(db, project, "x", size=3)
    assert draw_sample(db, project, "x", size=5, replace=True).size == 5
    with pytest.raises(NotFound):
        get_sample(db, project, "missing")
