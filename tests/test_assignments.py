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


# --------------------------------------------------------------------------
# One coder's order at scale: the same answers through the order index
# --------------------------------------------------------------------------

@pytest.fixture
def two_samples(db, team):
    """Coder ``a`` holds two samples' posts, and the first sample has since been deleted
    (its assignments keep ``sample_id`` NULL): the order then starts with the deleted sample's posts."""
    from sqlalchemy import update

    from coding.codebook import Codebook
    from coding.codebook_store import save_codebook
    from corpus.sampling import get_sample
    from dazi.schema import assignments

    save_codebook(db, team, Codebook.from_dict({
        "name": "T", "version": 1,
        "variables": [{"id": "kind", "label": "Kind", "type": "single",
                       "codes": [{"id": "meal", "label": "Meal"}, {"id": "study", "label": "Study"}]}]}))
    assign(db, team, "main", ["a", "b"], overlap=20, seed=5)
    draw_sample(db, team, "extra", size=15, seed=2)
    assign(db, team, "extra", ["a", "c"], overlap=5, seed=2)
    with db.write() as conn:
        conn.execute(update(assignments).where(assignments.c.sample_id == get_sample(db, team, "main").id)
                     .values(sample_id=None))
    return team


def _expected_order(db, coder) -> list[int]:
    """The coder's order by the definition: (coalesce(sample_id, 0), position, post_pk)."""
    from sqlalchemy import select

    from dazi.schema import assignments

    with db.read() as conn:
        rows = conn.execute(select(assignments.c.sample_id, assignments.c.position, assignments.c.post_pk)
                            .where(assignments.c.coder_id == coder.id)).all()
    return [pk for _, _, pk in sorted((s or 0, p, pk) for s, p, pk in rows)]


def test_a_coders_order_with_a_deleted_sample_reads_the_same_every_way(db, two_samples):
    from coding.assignments import assignment_neighbour, assignment_page, assignment_position
    from coding.codings import save_coding

    a = get_coder(db, two_samples, "a")
    order = _expected_order(db, a)
    assert len(order) > 60 and assigned_post_pks(db, two_samples, a) == order
    walked, pk = [], None
    while (pk := assignment_neighbour(db, two_samples, a, pk)) is not None:
        walked.append(pk)
    assert walked == order
    back, pk = [], None
    while (pk := assignment_neighbour(db, two_samples, a, pk, direction="previous")) is not None:
        back.append(pk)
    assert back == order[::-1]
    assert [assignment_position(db, two_samples, a, pk) for pk in order] == list(range(1, len(order) + 1))
    pages = [assignment_page(db, two_samples, a, offset=o, limit=7) for o in range(0, len(order) + 7, 7)]
    assert [(r.post_pk, r.position) for rows, _ in pages for r in rows] == [(pk, i + 1) for i, pk in enumerate(order)]
    # filtered: the places stay those of the whole order, across the two segments
    coded = {order[0], order[59], order[60], order[-1]}
    for pk in coded:
        save_coding(db, two_samples, a, pk, {"kind": "meal"})
    rows, total = assignment_page(db, two_samples, a, status="coded", limit=50)
    assert total == 4 and [(r.post_pk, r.position) for r in rows] == [
        (pk, order.index(pk) + 1) for pk in order if pk in coded]
    assert assignment_neighbour(db, two_samples, a, order[59], status="uncoded") == order[61]
    assert assignment_neighbour(db, two_samples, a, order[61], direction="previous", status="uncoded") == order[58]


def test_progress_counts_finished_overlap_units(db, two_samples):
    """progress() counts in SQL what the rows say: a unit is complete when all its coders finished it."""
    from sqlalchemy import select

    from coding.assignments import coder_progress
    from coding.codings import save_coding
    from dazi.schema import assignments, coding_units

    a, b = get_coder(db, two_samples, "a"), get_coder(db, two_samples, "b")
    shared = sorted(set(assigned_post_pks(db, two_samples, a)) & set(assigned_post_pks(db, two_samples, b)))
    for pk in shared[:3]:
        save_coding(db, two_samples, a, pk, {"kind": "meal"}, uncertain=True)
        save_coding(db, two_samples, b, pk, {"kind": "study"})
    save_coding(db, two_samples, a, shared[3], {"kind": "meal"})
    rows, overlap = progress(db, two_samples)
    by = {r.coder: r for r in rows}
    # the hand count, from the rows
    with db.read() as conn:
        assigned = conn.execute(select(assignments.c.coder_id, assignments.c.post_pk, assignments.c.overlap)).all()
        done = {(u.coder_id, u.post_pk): u for u in conn.execute(select(coding_units))}
    units: dict = {}
    for cid, pk, is_overlap in assigned:
        if is_overlap:
            units.setdefault(pk, []).append(cid)
    complete = sum(all((c, pk) in done and done[c, pk].done for c in cids) for pk, cids in units.items())
    assert overlap == {"overlap_units": len(units), "complete_units": complete} and complete == 3
    assert len(units) > 20
    mine = [(pk, o) for cid, pk, o in assigned if cid == a.id]
    assert (by["a"].coded, by["a"].uncertain, by["a"].overlap_assigned, by["a"].overlap_coded) == (
        4, 3, sum(o for _, o in mine), 4)
    assert (by["b"].coded, by["b"].uncertain, by["b"].remaining) == (3, 0, by["b"].assigned - 3)
    assert by["a"].assigned == len(mine)
    assert all(coder_progress(db, two_samples, get_coder(db, two_samples, c)) == by[c] for c in "abc")


@pytest.mark.parametrize("neighbour", [
    pytest.param({}, id="next"),
    pytest.param({"direction": "previous"}, id="previous"),
    pytest.param({"status": "uncoded"}, id="next-uncoded"),
])
def test_neighbour_reads_go_by_the_order_index(db, two_samples, neighbour):
    """Without statistics (the CLI), the next/previous post seeks along ix_assignments_coder_order
    and never sorts: the query stops at the first post that passes (EXPLAIN / EXPLAIN QUERY PLAN)."""
    from sqlalchemy import event

    from coding.assignments import assignment_neighbour

    a = get_coder(db, two_samples, "a")
    middle = assigned_post_pks(db, two_samples, a)[40]
    statements: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "LIMIT" in statement.upper():
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assignment_neighbour(db, two_samples, a, middle, **neighbour)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for sql, params in statements:
            if db.dialect == "sqlite":
                plan = " | ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
                assert "USING INDEX ix_assignments_coder_order" in plan or \
                    "USING COVERING INDEX ix_assignments_coder_order" in plan, plan
                assert "TEMP B-TREE" not in plan, plan
            else:
                with raw.cursor() as cur:
                    cur.execute("SET enable_seqscan = off")  # a tiny table: ask whether the index serves
                    cur.execute("EXPLAIN " + sql, params)
                    plan = " | ".join(row[0] for row in cur.fetchall())
                    cur.execute("RESET enable_seqscan")
                assert "ix_assignments_coder_order" in plan and "Sort" not in plan, plan
