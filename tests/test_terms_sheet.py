"""Terms sheets of the Excel export: top and distinctive terms per code, checked by hand.

The corpus is four short English posts whose words the pipeline keeps as
they are, so every number below can be worked out on paper:

=====  =====  ==========================
post   kind   words
=====  =====  ==========================
p1     meal   hotpot hotpot friends
p2     meal   hotpot noodles
p3     study  library exam friends
p4     study  exam notes
=====  =====  ==========================

Corpus counts y_w: hotpot 3, exam 2, friends 2, noodles 1, library 1, notes 1
(N = 10); meal has n_i = 5 words, study 5.  With the informative prior
a_w = y_w (alpha0 = N, Monroe et al. 2008) the weighted log-odds of "hotpot"
for meal against study is

    delta = log((3 + 3) / (5 + 10 - 3 - 3)) - log((0 + 3) / (5 + 10 - 0 - 3))
          = log(6 / 9) - log(3 / 12) = log(8 / 3) = 0.98083
    var   = 1 / (3 + 3) + 1 / (0 + 3) = 0.5,   z = 0.98083 / sqrt(0.5) = 1.38711
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import openpyxl
import pytest

from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder
from coding.codings import save_coding
from dazi.errors import ValidationError
from dazi.schema import posts
from reports.exports import export_posts
from reports.tables import parse_table_spec
from reports.terms import TERMS_COLUMNS, terms_table
from tests.test_adjudication import _cheap_passcodes  # noqa: F401  (fixture)
from tests.test_codings import SMALL_CODEBOOK

TEXTS = [("hotpot hotpot friends", "meal"), ("hotpot noodles", "meal"), ("library exam friends", "study"),
         ("exam notes", "study")]


@pytest.fixture
def corpus(db, project):
    rows = [{"project_id": project.id, "platform": "xiaohongshu", "post_id": f"9{i:018d}", "title": "", "text": text,
             "created_at": datetime(2025, 3, 1, tzinfo=UTC), "hashtags": [], "mentions": [], "source_keywords": [],
             "lang": "en", "status": "ok", "likes": 0, "collects": 0, "comments": 0, "shares": 0, "engagement": 0,
             "counts_approximate": False} for i, (text, _) in enumerate(TEXTS)]
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
    from sqlalchemy import select

    with db.read() as conn:
        pks = list(conn.execute(select(posts.c.id).where(posts.c.project_id == project.id)
                                .order_by(posts.c.id)).scalars())
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    admin, _ = add_coder(db, project, "ann", role="admin", passcode="1234")
    for pk, (_, kind) in zip(pks, TEXTS, strict=True):
        save_coding(db, project, admin, pk, {"kind": kind, "outcome": "failure"})
    return project


def _log_odds(y_i: float, y_j: float, a_w: float, n_i: float, n_j: float, a0: float) -> tuple[float, float]:
    delta = math.log((y_i + a_w) / (n_i + a0 - y_i - a_w)) - math.log((y_j + a_w) / (n_j + a0 - y_j - a_w))
    return delta, delta / math.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))


def test_hand_computed_example_matches_the_docstring():
    delta, z = _log_odds(3, 0, 3, 5, 5, 10)
    assert delta == pytest.approx(math.log(8 / 3)) and delta == pytest.approx(0.98083, abs=1e-5)
    assert z == pytest.approx(1.38711, abs=1e-5)


def test_terms_table_numbers(db, corpus):
    table = terms_table(db, corpus, "kind", n=3, min_count=1, lang="en")
    frame = table.frame.set_index(["code", "rank"])
    assert table.n_posts == 4 and list(table.frame.columns) == list(TERMS_COLUMNS)
    assert list(dict.fromkeys(table.frame["code"])) == ["meal", "study"]  # codebook order
    # top terms: count, then posts containing the term, then the term
    assert frame.loc[("meal", 1), ["top_term", "count", "posts_with_term"]].tolist() == ["hotpot", 3, 2]
    assert [frame.loc[("meal", r), "top_term"] for r in (2, 3)] == ["friends", "noodles"]
    assert frame.loc[("study", 1), ["top_term", "count", "posts_with_term"]].tolist() == ["exam", 2, 2]
    assert frame.loc[("meal", 1), "posts"] == 2 and frame.loc[("meal", 1), "code_label"] == "Meal"
    # distinctive: hotpot is meal's most distinctive term, with the hand-computed log-odds and z
    top = frame.loc[("meal", 1)]
    assert (top["distinctive_term"], top["count_in"], top["count_out"]) == ("hotpot", 3, 0)
    assert top["log_odds"] == pytest.approx(math.log(8 / 3)) and top["z"] == pytest.approx(1.38711, abs=1e-5)
    exam = frame.loc[("study", 1)]
    assert exam["distinctive_term"] == "exam"
    assert exam["z"] == pytest.approx(_log_odds(2, 0, 2, 5, 5, 10)[1])
    # "friends" is used once by each code: log-odds 0 for both
    friends = table.frame[table.frame["distinctive_term"] == "friends"]
    assert friends["log_odds"].abs().max() == pytest.approx(0, abs=1e-12)


def test_terms_sheet_in_the_workbook(db, corpus, tmp_path):
    out = tmp_path / "terms.xlsx"
    result = export_posts(db, corpus, out, bootstrap=0, lang="en", terms=["kind"],
                          tables=[parse_table_spec("terms outcome")])
    assert result.sheets[-2:] == ["Terms kind", "Terms outcome"]
    rows = list(openpyxl.load_workbook(out)["Terms kind"].iter_rows(values_only=True))
    assert rows[0][0] == "Terms by code: Kind (kind)"
    assert "Monroe, Colaresi & Quinn 2008" in rows[1][0] and "4 coded posts" in rows[1][0]
    assert rows[3][: len(TERMS_COLUMNS)] == TERMS_COLUMNS
    first = dict(zip(TERMS_COLUMNS, rows[4], strict=False))
    assert (first["code"], first["rank"], first["top_term"], first["count"], first["posts_with_term"]) == (
        "meal", 1, "hotpot", 3, 2)
    assert first["distinctive_term"] == "hotpot" and first["z"] == pytest.approx(1.38711, abs=1e-5)
    readme = {r[0]: r[1] for r in openpyxl.load_workbook(out)["README"].iter_rows(values_only=True)}
    assert readme["Sheet Terms kind"] == "Terms by code: Kind (kind)"


def test_terms_need_a_workbook_and_a_choice_variable(db, corpus, tmp_path):
    with pytest.raises(ValidationError, match=r"\.xlsx"):
        export_posts(db, corpus, tmp_path / "x.csv", terms=["kind"])
    with pytest.raises(ValidationError, match="months"):
        export_posts(db, corpus, tmp_path / "x.xlsx", tables=["terms months"])
    assert not (tmp_path / "x.xlsx").exists()
