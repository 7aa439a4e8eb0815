"""The core reads behind the coding workspace and the reliability drill-down, on both backends:
assignment_neighbour / assignment_position / assignment_page / coder_progress
(coding.assignments), current_codebook_version (coding.codings) and
variable_diagnostics (coding.project_diagnostics)."""

from __future__ import annotations

import pytest

from coding.assignments import (
    assign,
    assigned_post_pks,
    assignment_neighbour,
    assignment_page,
    assignment_position,
    coder_progress,
    progress,
)
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import current_codebook_version, save_coding
from corpus.sampling import draw_sample
from dazi.errors import AccessDenied, NotFound, ValidationError
from tests.conftest import make_posts

BOOK = Codebook.from_dict({
    "name": "Test", "version": 1,
    "variables": [
        {"id": "kind", "label": "Kind", "type": "single",
         "codes": [{"id": "meal", "label": "Meal"}, {"id": "study", "label": "Study"},
                   {"id": "unclear", "label": "Unclear", "missing": True}]},
        {"id": "tags", "label": "Tags", "type": "multi",
         "codes": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
        {"id": "note", "label": "Note", "type": "text", "required": False},
    ],
})


@pytest.fixture
def team(db, project):
    make_posts(db, project, 30)
    draw_sample(db, project, "main", size=20, seed=3)
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    save_codebook(db, project, BOOK)
    assign(db, project, "main", ["a", "b"], overlap=10, seed=3)
    return project


def _code(db, project, coder, pk, kind="meal", **kw):
    save_coding(db, project, coder, pk, {"kind": kind, "tags": ["a"]}, **kw)


def test_neighbours_walk_the_coders_order(db, team):
    a = get_coder(db, team, "a")
    order = assigned_post_pks(db, team, a)
    walked, pk = [], None
    while (pk := assignment_neighbour(db, team, a, pk)) is not None:
        walked.append(pk)
    assert walked == order
    back, pk = [], None
    while (pk := assignment_neighbour(db, team, a, pk, direction="previous")) is not None:
        back.append(pk)
    assert back == order[::-1]
    assert [assignment_position(db, team, a, pk) for pk in order] == list(range(1, len(order) + 1))


def test_filters_uncoded_coded_uncertain(db, team):
    a = get_coder(db, team, "a")
    order = assigned_post_pks(db, team, a)
    _code(db, team, a, order[1])
    _code(db, team, a, order[4], uncertain=True)
    save_coding(db, team, a, order[2], {"kind": "meal"}, done=False)  # a draft is not coded
    assert assignment_neighbour(db, team, a, None, status="coded") == order[1]
    assert assignment_neighbour(db, team, a, order[1], status="coded") == order[4]
    assert assignment_neighbour(db, team, a, order[4], status="coded") is None
    assert assignment_neighbour(db, team, a, order[0], status="uncoded") == order[2]
    assert assignment_neighbour(db, team, a, order[3], status="uncoded") == order[5]
    assert assignment_neighbour(db, team, a, None, status="uncertain") == order[4]
    assert assignment_neighbour(db, team, a, order[5], direction="previous", status="uncertain") == order[4]


def test_keyword_filter_is_literal_and_ignores_latin_case(db, team):
    from corpus.store import get_post_by_pk

    a = get_coder(db, team, "a")
    order = assigned_post_pks(db, team, a)
    wanted = [pk for pk in order if "饭搭子" in get_post_by_pk(db, team, pk)["text"]]
    found, pk = [], None
    while (pk := assignment_neighbour(db, team, a, pk, text="饭搭子")) is not None:
        found.append(pk)
    assert found == wanted and wanted
    assert assignment_neighbour(db, team, a, None, text="%") is None  # not a LIKE wildcard
    assert assignment_neighbour(db, team, a, None, text="_") is None
    rows, total = assignment_page(db, team, a, text="帖子", limit=100)  # titles match too
    assert total == len(order) == len(rows)


def test_a_post_not_assigned_starts_from_the_ends(db, team):
    a = get_coder(db, team, "a")
    order = assigned_post_pks(db, team, a)
    stranger = next(pk for pk in range(1, 100) if pk not in order)
    assert assignment_neighbour(db, team, a, stranger) == order[0]
    assert assignment_neighbour(db, team, a, stranger, direction="previous") == order[-1]
    assert assignment_position(db, team, a, stranger) is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"status": "done"}, "Unknown filter", id="unknown filter"),
        pytest.param({"direction": "up"}, "Unknown direction", id="unknown direction"),
    ],
)
def test_bad_arguments_are_named(db, team, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        assignment_neighbour(db, team, get_coder(db, team, "a"), None, **kwargs)


def test_coder_progress_counts_like_progress(db, team):
    a, b = get_coder(db, team, "a"), get_coder(db, team, "b")
    order = assigned_post_pks(db, team, a)
    for pk in order[:4]:
        _code(db, team, a, pk, uncertain=pk == order[0])
    _code(db, team, b, assigned_post_pks(db, team, b)[0])
    mine = coder_progress(db, team, a)
    assert (mine.assigned, mine.coded, mine.uncertain, mine.remaining) == (len(order), 4, 1, len(order) - 4)
    everyone = {p.coder: p for p in progress(db, team)[0]}
    assert mine == everyone["a"] and coder_progress(db, team, b) == everyone["b"]


def test_progress_follows_each_save_as_counting_would(db, team):
    """Progress.after_save from a save's result equals counting again (coder_progress), for every
    kind of save the Code page makes: a first save, a draft, a draft finished, the same values again,
    "uncertain" set and cleared, a post of the overlap and one outside it."""
    from coding.hints import is_overlap

    a = get_coder(db, team, "a")
    order = assigned_post_pks(db, team, a)
    overlap = [pk for pk in order if is_overlap(db, team, a.id, pk)]
    alone = [pk for pk in order if pk not in overlap]
    assert overlap and alone
    saves = [
        (overlap[0], {"uncertain": True}), (alone[0], {}), (alone[1], {"done": False}),
        (alone[1], {"done": False, "uncertain": True}), (alone[1], {"uncertain": False}), (overlap[0], {}),
        (overlap[0], {"uncertain": False}), (overlap[1], {"done": False}), (overlap[1], {}), (alone[0], {}),
    ]
    followed = coder_progress(db, team, a)
    for pk, kw in saves:
        result = save_coding(db, team, a, pk, {"kind": "meal", "tags": ["a"]}, **kw)
        followed = followed.after_save(was_done=result.was_done, was_uncertain=result.was_uncertain,
                                       done=result.done, uncertain=result.uncertain, overlap=pk in overlap)
        assert followed == coder_progress(db, team, a), (pk, kw)
    assert (followed.coded, followed.overlap_coded, followed.uncertain) == (4, 2, 0)


def test_assignment_page_pages_through_the_filtered_order(db, team):
    a = get_coder(db, team, "a")
    order = assigned_post_pks(db, team, a)
    _code(db, team, a, order[2])
    pages = [assignment_page(db, team, a, offset=o, limit=4) for o in range(0, len(order), 4)]
    assert [r.post_pk for rows, _ in pages for r in rows] == order
    assert {total for _, total in pages} == {len(order)}
    rows, total = assignment_page(db, team, a, status="uncoded", limit=3)
    assert total == len(order) - 1 and [r.post_pk for r in rows] == [order[0], order[1], order[3]]
    assert [r.position for r in rows] == [1, 2, 4]  # places in the whole order
    with pytest.raises(ValidationError):
        assignment_page(db, team, a, limit=0)


def test_current_codebook_version(db, project):
    from coding.codebook import add_code

    assert current_codebook_version(db, project) is None
    save_codebook(db, project, BOOK)
    assert current_codebook_version(db, project) == 1
    save_codebook(db, project, add_code(BOOK, "kind", {"id": "travel", "label": "Travel"}))
    assert current_codebook_version(db, project) == 2


# --------------------------------------------------------------------------
# variable_diagnostics
# --------------------------------------------------------------------------

def _double_code(db, team, pairs):
    """Both coders code the first overlap posts: pairs of (a's kind, b's kind)."""
    from coding.assignments import overlap_post_pks

    a, b = get_coder(db, team, "a"), get_coder(db, team, "b")
    overlap = overlap_post_pks(db, team)
    for pk, (ka, kb) in zip(overlap, pairs):
        save_coding(db, team, a, pk, {"kind": ka, "tags": ["a"]})
        save_coding(db, team, b, pk, {"kind": kb, "tags": ["a", "b"] if ka != kb else ["a"]})
    return overlap[: len(pairs)]


def test_diagnostics_match_a_hand_count(db, team):
    from coding.project_diagnostics import variable_diagnostics

    pks = _double_code(db, team, [("meal", "meal"), ("meal", "study"), ("study", "study"), ("unclear", "meal")])
    d = variable_diagnostics(db, team, "kind")
    # "unclear" is a missing code: that unit has one value and is not pairable.
    # Pairable units: (meal, meal), (meal, study), (study, study): each pair counted both ways.
    assert d.coincidences.loc["meal", "meal"] == 2 and d.coincidences.loc["meal", "study"] == 1
    assert d.coincidences.loc["study", "study"] == 2 and d.n_pairable == 6
    assert len(d.disagreements) == 1
    from corpus.store import get_post_by_pk

    assert d.disagreements["unit"].iloc[0] == get_post_by_pk(db, team, pks[1])["post_id"]


def test_multi_diagnostics_judge_code_by_code(db, team):
    from coding.project_diagnostics import MultiDiagnostics, variable_diagnostics

    _double_code(db, team, [("meal", "meal"), ("meal", "study"), ("study", "study")])
    d = variable_diagnostics(db, team, "tags")
    assert isinstance(d, MultiDiagnostics) and d.n_units == 3
    by_code = d.codes.set_index("code")
    assert by_code.loc["a", "disagreeing_units"] == 0 and by_code.loc["b", "disagreeing_units"] == 1
    assert len(d.disagreements) == 1


@pytest.mark.parametrize(
    "variable, viewer, error",
    [
        pytest.param("note", None, NotFound, id="text variable"),
        pytest.param("nope", None, NotFound, id="unknown variable"),
        pytest.param("kind", "a", AccessDenied, id="coder while blind"),
    ],
)
def test_diagnostics_refuse(db, team, variable, viewer, error):
    from coding.project_diagnostics import variable_diagnostics

    _double_code(db, team, [("meal", "study")])
    with pytest.raises(error):
        variable_diagnostics(db, team, variable, viewer=get_coder(db, team, viewer) if viewer else None)


# --------------------------------------------------------------------------
# Reads by the coder's index (they must not grow with the project)
# --------------------------------------------------------------------------

def test_next_uncoded_after_a_post_walks_on_and_wraps_around(db, team):
    """next_uncoded(after=...) against a plain reading of the order, over two samples, with drafts."""
    from coding.codings import get_unit, next_uncoded

    a = get_coder(db, team, "a")
    draw_sample(db, team, "extra", size=30, seed=4, include_unavailable=True)  # (a's posts of "main" stay there)
    assign(db, team, "extra", ["a"], overlap=0, seed=4)
    order = assigned_post_pks(db, team, a)
    assert len(order) == 30  # 15 of sample "main", then the other 15 in sample "extra"
    for i in (0, 1, 2, 5, len(order) - 3):
        _code(db, team, a, order[i])
    save_coding(db, team, a, order[3], {"kind": "meal"}, done=False)  # a draft is unfinished
    done = {pk for pk in order if get_unit(db, team, a, pk).done}

    def expected(after):
        i = order.index(after)
        return next((pk for pk in order[i + 1:] + order[: i + 1] if pk not in done), None)

    assert next_uncoded(db, team, a) == order[3]
    for pk in order:
        assert next_uncoded(db, team, a, after=pk) == expected(pk), order.index(pk)
    for pk in order:
        if pk not in done:
            _code(db, team, a, pk)
    assert next_uncoded(db, team, a) is None and next_uncoded(db, team, a, after=order[4]) is None


def test_next_uncoded_refuses_a_coder_of_another_project(db, team):
    from coding.codings import next_uncoded
    from dazi.projects import create_project

    other = create_project(db, "other")
    add_coder(db, other, "a", passcode="1234")
    with pytest.raises(AccessDenied, match="not a coder of project"):
        next_uncoded(db, team, get_coder(db, other, "a"))


@pytest.fixture
def crowd(db, project):
    """Eight coders sharing 240 posts: a coder holds an eighth of the project's assignments."""
    make_posts(db, project, 240)
    draw_sample(db, project, "main", size=240, seed=3, include_unavailable=True)
    names = [f"c{i}" for i in range(8)]
    for name in names:
        add_coder(db, project, name, passcode="1234")
    save_codebook(db, project, BOOK)
    assign(db, project, "main", names, overlap=0, seed=3)
    return project


def test_workspace_reads_go_by_the_coders_index(db, crowd):
    """Every SELECT the coding page makes, through SQLite's EXPLAIN QUERY PLAN: none reads a
    per-coder table by the project alone or in full (that grows with every coder's work; see
    ``benchmarks/bench_app.py`` for the times at 100,000 posts)."""
    if db.dialect != "sqlite":
        pytest.skip("query plans are SQLite's")
    from sqlalchemy import event

    from coding.codings import get_unit, next_uncoded
    from ui.store import refresh_statistics

    refresh_statistics(db)  # as the app does when it opens the database and after assigning
    a = get_coder(db, crowd, "c0")
    order = assigned_post_pks(db, crowd, a)
    _code(db, crowd, a, order[0], uncertain=True)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        from coding.codings import undo_last

        undo_last(db, crowd, a, order[0])  # (reads the coder's latest events of the post)
        pk = next_uncoded(db, crowd, a)
        coder_progress(db, crowd, a)
        assignment_position(db, crowd, a, pk)
        get_unit(db, crowd, a, pk)
        for status in ("uncoded", "uncertain", "all"):
            assignment_neighbour(db, crowd, a, pk, status=status)
            assignment_neighbour(db, crowd, a, pk, direction="previous", status=status, text="饭")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) >= 10
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for sql, params in statements:
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
            for line in plan:
                table = line.split()[1] if line.startswith(("SCAN ", "SEARCH ")) else ""
                if table in ("assignments", "coding_units", "codings", "coding_events"):
                    assert not line.startswith("SCAN "), (line, sql)
                    assert " USING " in line, (line, " ".join(sql.split()))  # (a search with no index)
                    assert not line.endswith("(project_id=?)"), (line, " ".join(sql.split()), plan)


def test_a_save_after_a_codebook_change_uses_the_new_version(db, team):
    """save_coding keeps parsed codebooks per stored version: a new version is seen at the next save."""
    from coding.codebook import add_code

    a = get_coder(db, team, "a")
    pk = assigned_post_pks(db, team, a)[0]
    assert save_coding(db, team, a, pk, {"kind": "meal", "tags": ["a"]}).codebook_version == 1
    with pytest.raises(ValidationError):
        save_coding(db, team, a, pk, {"kind": "travel"})
    save_codebook(db, team, add_code(BOOK, "kind", {"id": "travel", "label": "Travel"}))
    result = save_coding(db, team, a, pk, {"kind": "travel"})
    assert result.codebook_version == 2 and result.changed == ["kind"]
