"""Issue #6 end to end on the demo project: ``dazi search``, ``dazi index``,
``dazi terms`` and ``dazi suggestions-eval`` through the real entry point
(``python -m dazi`` in a subprocess), and the API functions behind them.

The demo project (``dazi demo``: 500 synthetic notes, the cloud-companion
codebook, simulated codings by two coders) is built once for the module.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from corpus.code_terms import code_terms, keyword_evaluation
from corpus.search import SearchFilters, ensure_gram_index, ensure_index, index_posts, search
from dazi.cli import cli
from dazi.db import connect
from dazi.projects import get_project
from dazi.schema import posts
from tests.conftest import copy_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_template):
    path = copy_demo(demo_template, tmp_path_factory.mktemp("demo"))
    db = connect(path)
    yield path, db, get_project(db)
    db.engine.dispose()


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def dazi(path, *args: str, ok: bool = True, real: bool = False) -> Run:
    """Run ``dazi --db path args``: with ``real`` as a user does (a new
    ``python -m dazi`` process, a few seconds each), else in this process
    through the same click entry point."""
    argv = ["--db", str(path), *args]
    if real:
        done = subprocess.run(
            [sys.executable, "-m", "dazi", *argv], capture_output=True, text=True, timeout=300
        )
        result = Run(done.returncode, done.stdout, done.stderr)
    else:
        out = CliRunner().invoke(cli, argv, catch_exceptions=False)
        result = Run(out.exit_code, out.stdout, out.stderr)
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


# ---------------------------------------------------------------------------
# dazi index / search
# ---------------------------------------------------------------------------


def test_index_command_is_incremental_and_search_uses_it(demo):
    path, db, project = demo
    first = dazi(path, "index", "--processes", "2", real=True)
    assert "Substring index: 500 posts indexed." in first.stdout and "Word index: 500 posts indexed." in first.stdout
    again = dazi(path, "index").stdout
    assert "Substring index: 0 posts indexed." in again and "Word index: 0 posts indexed." in again
    assert ensure_index(db, project) == 0  # the stamp says nothing changed
    assert ensure_gram_index(db, project) == 0
    only = dazi(path, "index", "--only", "substrings", "--verify").stdout
    assert "Substring index: 0 posts indexed." in only and "Word index" not in only
    r = dazi(path, "search", "饭搭子", "--whole-words", "--limit", "3", "--context", "5", real=True)
    assert "[饭搭子]" in r.stdout and "whole words" in r.stderr
    hits = [line for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert len(hits) == 3


def _total(db, project, query, **kw) -> int:
    return search(db, project, query, **kw).total


def test_search_command_boolean_phrase_regex_and_filters(demo):
    path, db, project = demo
    # every count printed by the CLI equals the API's
    cases = [
        (["找搭子 AND 上海"], dict(query="找搭子 AND 上海")),
        (["饭搭子 OR 学习搭子"], dict(query="饭搭子 OR 学习搭子")),
        (["搭子 NOT 游戏"], dict(query="搭子 NOT 游戏")),
        (['"旅行 搭子"'], dict(query='"旅行 搭子"')),
        (["/健身|撸铁/"], dict(query="/健身|撸铁/")),
        (["搭子", "--whole-words"], dict(query="搭子", whole_words=True)),
        (
            ["搭子", "--since", "2024-01-01", "--until", "2024-12-31", "--min-engagement", "50"],
            dict(
                query="搭子",
                filters=SearchFilters(
                    since=datetime(2024, 1, 1, tzinfo=UTC),
                    until=datetime(2024, 12, 31, tzinfo=UTC),
                    min_engagement=50,
                ),
            ),
        ),
        (["搭子", "--coded"], dict(query="搭子", filters=SearchFilters(coded=True))),
        (["搭子", "--uncoded"], dict(query="搭子", filters=SearchFilters(coded=False))),
        (
            ["搭子", "--code", "interest_category=dining"],
            dict(query="搭子", filters=SearchFilters(code=("interest_category", "dining"))),
        ),
    ]
    for args, kw in cases:
        r = dazi(path, "search", *args, "--limit", "2")
        expected = _total(db, project, kw.pop("query"), **kw)
        assert f"{expected:,} posts match" in r.stderr, (args, r.stderr)
    coded = _total(db, project, "搭子", filters=SearchFilters(coded=True))
    uncoded = _total(db, project, "搭子", filters=SearchFilters(coded=False))
    assert coded > 0 and uncoded > 0 and coded + uncoded == _total(db, project, "搭子")
    assert 0 < _total(db, project, "搭子", whole_words=True) < _total(db, project, "搭子")
    r = dazi(path, "search", "搭子", "--code", "no-equals-sign", ok=False)
    assert r.returncode != 0 and "VARIABLE=CODE" in r.stderr and "Traceback" not in r.stderr


def test_search_platform_and_hashtag_filters(demo):
    _, db, project = demo
    with db.read() as conn:
        platform, tags = conn.execute(
            select(posts.c.platform, posts.c.hashtags).where(posts.c.hashtags.is_not(None)).limit(1)
        ).one()
    assert _total(db, project, "", filters=SearchFilters(platform=platform)) == 500
    assert _total(db, project, "", filters=SearchFilters(platform="weibo")) == 0
    tagged = search(db, project, "", filters=SearchFilters(hashtag=tags[0]), limit=500)
    assert 0 < tagged.total < 500


def test_kwic_only_for_the_page(demo):
    _, db, project = demo
    result = search(db, project, "搭子", limit=5, context=8)
    assert len(result.hits) == 5 and result.total > 5
    for hit in result.hits:
        assert hit.contexts and all(c.match == "搭子" and len(c.left) <= 8 for c in hit.contexts)


def test_index_catches_up_after_new_posts(demo, tmp_path):
    path, db, project = demo
    before = _total(db, project, "桌游搭子", whole_words=True)
    with db.write() as conn:
        conn.execute(
            posts.insert(),
            [{"project_id": project.id, "platform": "xiaohongshu", "post_id": "new-1",
              "text": "周末找桌游搭子，狼人杀走起", "counts_approximate": False, "status": "ok"}],
        )
    # no dazi index needed: the stamp changed, the next whole-word search indexes the post
    assert _total(db, project, "桌游搭子", whole_words=True) == before + 1
    assert index_posts(db, project) == 0
    with db.write() as conn:
        conn.execute(posts.delete().where(posts.c.post_id == "new-1"))


# ---------------------------------------------------------------------------
# dazi terms / suggestions-eval
# ---------------------------------------------------------------------------


def test_terms_api_and_command(demo):
    path, db, project = demo
    frame = code_terms(db, project, "interest_category", n=5)
    assert list(frame.columns) == ["code", "code_label", "term", "count_in", "count_out", "log_odds", "z"]
    assert (frame["count_in"] > 0).all()
    dining = frame[frame["code"] == "dining"]
    assert "饭搭子" in set(dining["term"]) and dining["z"].iloc[0] > 1.96
    r = dazi(path, "terms", "--variable", "interest_category", "--top", "3", real=True)
    assert "dining (美食)" in r.stdout and "饭搭子" in r.stdout
    assert r.stdout.splitlines()[0].split() == ["term", "in", "code", "elsewhere", "z"]
    frequent = code_terms(db, project, "interest_category", n=3, distinctive=False)
    assert list(frequent.columns[:3]) == ["code", "code_label", "rank"]
    r = dazi(path, "terms", "--variable", "interest_category", "--top", "3", "--frequent")
    first = frequent.iloc[0]
    assert r.stdout.splitlines()[0].split() == ["term", "count"]
    assert any(line.split() == [first["term"], str(first["count"])] for line in r.stdout.splitlines())
    r = dazi(path, "terms", "--variable", "no_such_variable", ok=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr


def _codings(db) -> int:
    from sqlalchemy import func

    from dazi.schema import codings

    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(codings)).scalar()


def test_suggestions_eval_api_and_command(demo):
    path, db, project = demo
    before = _codings(db)
    ev = keyword_evaluation(db, project, "interest_category")
    assert _codings(db) == before  # suggestions are never saved as codings
    scores = list(ev.scores.values())
    tp = sum(round(s.precision * s.suggested) for s in scores if s.suggested)
    assert ev.micro.suggested == sum(s.suggested for s in scores)
    assert ev.micro.support == sum(s.support for s in scores)
    assert ev.micro.precision == pytest.approx(tp / ev.micro.suggested)
    assert ev.micro.recall == pytest.approx(tp / ev.micro.support)
    r = dazi(path, "suggestions-eval", "--variable", "interest_category", real=True)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["code", "precision", "recall", "F1", "support", "suggested"]
    assert any(line.startswith("(all codes)") for line in lines)
    assert f"{ev.n_posts} coded posts compared." in r.stdout


def test_search_indexes_new_posts_with_its_bar_on_stderr(tmp_path):
    """The first search of a new import indexes it; the bar's label goes to stderr, so the
    results on stdout can be redirected to a file as they are."""
    from tests.conftest import DATA

    path = tmp_path / "fresh.db"
    dazi(path, "import", str(DATA / "exports" / "xhs_notes.jsonl"), real=True)
    r = dazi(path, "search", "饭搭子", real=True)
    assert "indexing" in r.stderr and "indexing" not in r.stdout
    assert "[饭搭子]" in r.stdout and "posts match (substrings)" in r.stderr
