"""The demo project: a ready study on the shipped synthetic corpus.

``dazi demo`` (and ``make app``) builds it: about 500 synthetic Xiaohongshu
notes with comments, the cloud-companion codebook, coders ``alice`` and
``bob`` and adjudicator ``carol``, a 500-post sample assigned with a 100-post
overlap, and simulated codings (the coders mostly agree with the text's
intended codes, with realistic slips) so reliability, adjudication and tables
have something real to show.  Part of each coder's share is left uncoded for
trying the coding workspace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from codebooks import shipped_path
from coding.assignments import assign, assigned_post_pks, overlap_post_pks
from coding.codebook import load_codebook
from coding.codebook_store import current_codebook, save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from corpus.importer import import_files
from corpus.sampling import draw_sample
from corpus.store import get_posts_by_pk
from dazi.db import Database
from dazi.demo.synthetic import DEMO_COMMENTS_PATH, DEMO_NOTES_PATH, demo_truths
from dazi.projects import Project, create_project, get_project, list_projects

__all__ = ["DemoResult", "build_demo", "DEMO_NOTES", "DEMO_COMMENTS", "DEMO_CODERS"]

DEMO_NOTES = DEMO_NOTES_PATH
DEMO_COMMENTS = DEMO_COMMENTS_PATH
#: name -> (role, passcode). Demo passcodes are fixed so the README can name them.
DEMO_CODERS = {"alice": ("coder", "1111"), "bob": ("coder", "2222"), "carol": ("adjudicator", "3333"),
               "admin": ("admin", "0000")}
_SLIP = {"alice": 0.08, "bob": 0.12}
# the synthetic corpus names its intended codes briefly; the codebook's ids are longer
_TRUTH_TO_CODE = {
    "activity": "activity_based", "emotional": "emotional_support", "content": "content_sharing",
    "private_message": "private_messages", "video_call": "video_calls", "companionate": "companionate_stable",
    "fluctuating": "fluctuating_dynamic", "functional": "functional_minimal", "intimate": "intimate_deepening",
    "same_city": "city", "waiting_phrase": "waiting_phrasing",
}
_FALLBACK_IDS = ("unclear", "not_stated", "not_assessable", "none")


def _intended(variable, truth_value):
    """The truth in the codebook's ids, with "not stated"-type codes for nothing stated."""
    if isinstance(truth_value, list):
        truth_value = [_TRUTH_TO_CODE.get(v, v) for v in truth_value]
    elif isinstance(truth_value, str):
        truth_value = _TRUTH_TO_CODE.get(truth_value, truth_value)
    if truth_value in (None, []) and variable.type in ("single", "ordinal", "multi"):
        fallback = next((c.id for c in variable.active_codes() if c.missing or c.id in _FALLBACK_IDS), None)
        if fallback is not None:
            truth_value = [fallback] if variable.type == "multi" else fallback
    if truth_value is None and variable.type == "numeric":
        truth_value = 1.0
    return truth_value


@dataclass
class DemoResult:
    project: str
    created: bool
    lines_: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.lines_


def _simulate(rng: random.Random, variable, truth_value, slip: float):
    """A coder's value: the intended one, or with probability ``slip`` a plausible other."""
    active = [c for c in variable.codable_codes() if not c.retired] if variable.is_choice else []
    codes = [c.id for c in active if not c.missing]
    if variable.type == "multi":
        chosen = set(truth_value or [])
        for code in codes:
            if rng.random() < slip / 2:
                chosen ^= {code}
        missing = {c.id for c in active if c.missing}
        if chosen - missing:
            chosen -= missing
        elif not chosen:
            chosen = set(truth_value or []) or set(list(missing)[:1])
        return [c.id for c in active if c.id in chosen] or None
    if variable.type in ("single", "ordinal"):
        if truth_value is None:
            return None
        if rng.random() < slip and len(codes) > 1:
            if variable.type == "ordinal":
                i = codes.index(truth_value) if truth_value in codes else 0
                return codes[max(0, min(len(codes) - 1, i + rng.choice((-1, 1))))]
            return rng.choice([c for c in codes if c != truth_value])
        return truth_value
    if variable.type == "numeric":
        if truth_value is None:
            return None
        if rng.random() < slip:
            return max(0.0, float(truth_value) + rng.choice((-1, 1)))
        return truth_value
    return truth_value


def build_demo(db: Database, name: str = "default", *, if_missing: bool = False, seed: int = 2026,
               with_model: bool = True) -> DemoResult:
    """Build the demo project ``name`` in ``db``.

    With ``with_model`` the demo also gets a machine coder ``demo``
    (:mod:`coding.machine`) trained on the variables its codings can train,
    which codes the posts nobody coded.

    With ``if_missing`` an existing project is left alone (so ``make app``
    can run twice); otherwise an existing name is an error.
    """
    if if_missing and name in {p.name for p in list_projects(db)}:
        return DemoResult(name, False, [f"Demo project {name!r} already exists in {db.url}; left as it is."])
    project: Project = create_project(db, name)
    lines = [f"Demo project {name!r} in {db.url}"]
    report = import_files(db, project, [DEMO_NOTES, DEMO_COMMENTS])
    lines.append(f"  imported {report.imported} posts, {report.comments} comments ({report.merged} duplicate rows merged)")
    save_codebook(db, project, load_codebook(shipped_path("cloud_companion")), created_by="demo")
    stored = current_codebook(db, project)
    lines.append(f"  codebook {stored.codebook.name!r}, version {stored.version}")
    for coder, (role, passcode) in DEMO_CODERS.items():
        add_coder(db, project, coder, role=role, passcode=passcode)
        lines.append(f"  {role:<12} {coder:<6} passcode {passcode}")
    sample = draw_sample(db, project, "main", method="random", size=500, seed=seed)
    summary = assign(db, project, sample.name, ["alice", "bob"], overlap=100, seed=seed)
    lines.append(f"  sample 'main' of {sample.size} posts; {summary.overlap} coded by both coders for reliability")

    truths = demo_truths()

    rng = random.Random(seed)
    codebook = stored.codebook
    for coder_name in ("alice", "bob"):
        who = get_coder(db, project, coder_name)
        pks = assigned_post_pks(db, project, who)
        posts_ = get_posts_by_pk(db, project, pks)

        overlap = set(overlap_post_pks(db, project))
        todo = [pk for pk in pks if pk in overlap] + [pk for pk in pks if pk not in overlap][: int(0.6 * (len(pks) - len(overlap)))]
        for pk in todo:
            truth = truths.get(posts_[pk]["post_id"], {})
            values = {}
            for variable in codebook.variables:
                values[variable.id] = _simulate(rng, variable, _intended(variable, truth.get(variable.id)),
                                                _SLIP[coder_name])
            memo = "不确定是否算情感支持" if rng.random() < 0.04 else None
            save_coding(db, project, who, pk, values, memo=memo, uncertain=memo is not None,
                        seconds=round(rng.uniform(8, 60), 1), done=True)
    lines.append("  simulated codings: alice and bob coded the overlap and part of their own share")
    if with_model:
        from coding.machine import code_posts, train_model

        model = train_model(db, project, "demo", skip_unready=True, settings={"bootstrap": 200})
        run = code_posts(db, project, "demo")
        lines.append(f"  machine coder 'demo': {len(model.variables)} variables learnt from "
                     f"{model.training['n_posts']} coded posts, {run.coded} uncoded posts machine-coded")
    lines.append("Start the app with: make app   (sign in as alice / 1111)")
    project = get_project(db, name)
    return DemoResult(name, True, lines)
