"""A small, fully known study for the app's tests (AppTest and the real browser).

:func:`build_study` writes a SQLite database with project ``default``: the
three MediaCrawler notes of ``tests/data/exports`` (with comments), one
hostile post whose text holds HTML and Markdown, ten plain posts, the shipped
cloud-companion codebook, coders alice/bob (coder), carol (adjudicator) and
admin, every post assigned to alice and bob (all of it is the overlap), and
codings: bob and alice both finished :data:`DOUBLE_CODED` posts (they
disagree on ``companion_type`` for some of them); bob's memos hold
:data:`BOB_SECRET` so a test can prove alice never sees them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dazi.db import Database, connect

DATA = Path(__file__).parent / "data"
PASSCODES = {"alice": "1111", "bob": "2222", "carol": "3333", "admin": "0000"}
ROLES = {"alice": "coder", "bob": "coder", "carol": "adjudicator", "admin": "admin"}
BOB_SECRET = "BOB-SECRET-MEMO"
#: How many posts both coders finished (the lowest post keys).
DOUBLE_CODED = 6
HOSTILE_ID = "6666000000000000000000ff"
HOSTILE_TEXT = (
    "找饭搭子 <script>alert(1)</script> **bold** [link](http://x) "
    '<img src=x onerror="alert(2)"> :red[red] $x^2$ #饭搭子[话题]# @小红薯 🍜'
)
COMPANION = ["activity_based", "emotional_support", "content_sharing", "study_work", "other"]


@dataclass(frozen=True)
class Study:
    """Keys of the study's posts, as a test needs them."""

    path: Path
    post_pks: list[int]
    double_coded: list[int]
    hostile_pk: int


def hostile_export(folder: Path, extra: int = 0) -> Path:
    """A MediaCrawler notes file: the hostile post, plus ``extra`` demo notes."""
    first = json.loads((DATA / "exports" / "xhs_notes.jsonl").read_text(encoding="utf-8").splitlines()[0])
    first.update(note_id=HOSTILE_ID, title="<b>标题</b> **title**", desc=HOSTILE_TEXT, source_keyword="饭搭子",
                 note_url=f"https://www.xiaohongshu.com/explore/{HOSTILE_ID}")
    lines = [json.dumps(first, ensure_ascii=False)]
    if extra:
        demo = (Path(__file__).parent.parent / "corpus" / "data" / "demo_xhs_notes.jsonl").read_text(encoding="utf-8")
        lines += demo.splitlines()[:extra]
    path = folder / "mediacrawler_notes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def values(book, i: int, *, coder: str) -> dict:
    """A complete coding of post number ``i``; bob differs from alice on companion_type when ``i`` is even."""
    shift = 1 if coder == "bob" and i % 2 == 0 else 0
    out: dict = {}
    for variable in book.variables:
        codes = [c.id for c in variable.codable_codes()]
        if variable.id == "companion_type":
            out[variable.id] = COMPANION[(i + shift) % len(COMPANION)]
        elif variable.id == "match_outcome":
            out[variable.id] = "success" if i % 3 == 0 else "seeking"
        elif variable.id == "relationship_duration":
            out[variable.id] = 3 + i if i % 3 == 0 else None
        elif variable.id == "repeat_companion":
            out[variable.id] = "yes" if i % 3 == 0 else None
        elif variable.type == "multi":
            out[variable.id] = [codes[i % (len(codes) - 1)]]
        elif variable.is_choice:
            out[variable.id] = codes[i % len(codes)]
    return out


def build_study(path: Path, *, codings: bool = True, plain_posts: int = 10) -> Study:
    """Write the study to a new SQLite file at ``path`` (see the module docstring).

    ``plain_posts`` simple posts are added to the three notes and the hostile post.
    """
    from codebooks import shipped_path
    from coding.assignments import assign
    from coding.codebook import load_codebook
    from coding.codebook_store import current_codebook, save_codebook
    from coding.coders import add_coder, get_coder
    from coding.codings import save_coding
    from corpus.importer import import_files
    from corpus.sampling import draw_sample
    from dazi.projects import create_project
    from tests.conftest import make_posts

    db: Database = connect(path)
    try:
        project = create_project(db, "default")
        import_files(db, project, [DATA / "exports" / "xhs_notes.jsonl", DATA / "exports" / "xhs_comments.csv",
                                   hostile_export(path.parent)])
        make_posts(db, project, plain_posts, platform="weibo")
        save_codebook(db, project, load_codebook(shipped_path("cloud_companion")))
        book = current_codebook(db, project).codebook
        for name, role in ROLES.items():
            add_coder(db, project, name, role=role, passcode=PASSCODES[name])
        from corpus.store import get_post, posts_frame

        pks = sorted(posts_frame(db, project).index.tolist())
        hostile = get_post(db, project, HOSTILE_ID)["pk"]
        sample = draw_sample(db, project, "main", size=len(pks), seed=1)  # (posts deleted on the platform left out)
        assign(db, project, "main", ["alice", "bob"], overlap=sample.size, seed=1)
        double = [pk for pk in pks if pk != hostile][:DOUBLE_CODED]
        if codings:
            for name in ("bob", "alice"):
                coder = get_coder(db, project, name)
                for i, pk in enumerate(double):
                    memo = f"{BOB_SECRET} {i}" if name == "bob" else None
                    save_coding(db, project, coder, pk, values(book, i, coder=name), memo=memo, done=True)
        return Study(path, pks, double, hostile)
    finally:
        db.close()


def build_team(path: Path) -> None:
    """A project with the codebook and the four coders, but no posts yet (the admin imports them)."""
    from codebooks import shipped_path
    from coding.codebook import load_codebook
    from coding.codebook_store import save_codebook
    from coding.coders import add_coder
    from dazi.projects import create_project

    db = connect(path)
    try:
        project = create_project(db, "default")
        save_codebook(db, project, load_codebook(shipped_path("cloud_companion")))
        for name, role in ROLES.items():
            add_coder(db, project, name, role=role, passcode=PASSCODES[name])
    finally:
        db.close()


def page_text(at) -> str:
    """Everything an AppTest run sent to the browser (every element's protobuf, as text)."""
    from google.protobuf import text_format

    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(text_format.MessageToString(proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


#: A complete coding (match_outcome "seeking": the conditional variables do not apply).
FILLED = {"companion_type": "emotional_support", "interest_category": "fitness",
          "communication_channel": ["comments"], "interaction_frequency": "weekly",
          "emotional_connection": "functional_minimal", "self_presentation": ["none"], "seeking_markers": ["city"],
          "match_outcome": "seeking"}



class FakePanel:
    """The codes panel's browser side, for AppTest (which cannot run a component; the real panel is
    tested in Chromium, ``test_app_browser.py``): records what the page gives the panel, and sends a
    coding as the panel's Save & next does (a ``save`` event, then the page runs again)."""

    def __init__(self):
        self.data: dict | None = None
        self.pending: dict | None = None
        self.sent: dict | None = None

    def mount(self, *, key, data, on_save_change):
        import streamlit as st

        self.data = data
        if self.pending is not None:
            self.sent, self.pending = {"post": data["post"], **self.pending}, None
            on_save_change()
            st.rerun()

    def submitted(self):
        return self.sent

    def values(self) -> dict:
        return dict(self.data["values"])

    def variables(self) -> dict:
        return {v["id"]: v for v in self.data["vars"]}

    def save(self, at, values: dict | None = None, **fields):
        """Save & next with ``values`` (default: what the panel shows) and ``memo``/``uncertain``/``post``."""
        self.pending = {"values": self.values() if values is None else values, "memo": "", "uncertain": False,
                        **fields}
        return at.run()
