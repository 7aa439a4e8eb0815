"""Build the machine-coding acceptance project through dazi's public interface.

The labelled corpus (:mod:`tests.acceptance.labelled_corpus`) is imported with ``dazi
import``, its codebook loaded with ``dazi codebook load``; a random sample of 500 posts is
coded by two human coders in Excel coding sheets (``dazi coding-sheet`` / ``dazi
import-codings``) whose values are the truth with realistic errors; every disagreement is
adjudicated to the truth with ``dazi adjudicate``.  The other posts are never coded by a
human: the model must code them, and its codes are compared with the truth there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from tests.acceptance import labelled_corpus as lc
from tests.acceptance.cli import dazi

SAMPLE = "training"
CODERS = ("alice", "bob")


@dataclass
class Built:
    db: Path
    work: Path
    truths: dict[str, lc.Truth]
    coded: list[str]  # post ids of the human-coded sample
    adjudicated: int  # how many disagreements were adjudicated


def _ok(result, what: str):
    assert result.code == 0 and not result.traceback, f"{what} failed:\n{result.output}"
    return result


def _fill_sheet(path: Path, codings: dict[str, dict[str, object]]) -> int:
    """Type a coder's values into the coding sheet dazi wrote (row 1 keys, row 2 labels, posts from row 3)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    keys = [c.value for c in ws[1]]
    col = {k: i for i, k in enumerate(keys) if k}
    n = 0
    for row in ws.iter_rows(min_row=3):
        post_id = row[col["post_id"]].value
        if post_id is None:
            continue
        values = codings[str(post_id)]
        for variable in lc.VARIABLES:
            v = values[variable]
            row[col[variable]].value = "; ".join(v) if isinstance(v, list) else v
        n += 1
    wb.save(path)
    return n


def _adjudicate_many(db_path: Path, todo: list[tuple[str, str, str]]) -> None:
    """``dazi adjudicate POST VARIABLE VALUE --as carol`` for each, in one process and connection."""
    if not todo:
        return
    try:
        from coding.adjudication import adjudicate
        from coding.codebook_store import current_codebook
        from coding.coders import get_coder
        from coding.sheets import parse_value
        from corpus.store import get_post
        from dazi.db import connect
        from dazi.projects import get_project
    except ImportError:  # the layout moved: fall back to the command line
        for post_id, variable, typed in todo:
            _ok(dazi("adjudicate", post_id, variable, typed, "--rationale", "checked against the codebook",
                     "--as", "carol", db=db_path), "dazi adjudicate")
        return
    database = connect(str(db_path))
    project = get_project(database, "default")
    who = get_coder(database, project, "carol")
    codebook = current_codebook(database, project).codebook
    for post_id, variable_id, typed in todo:
        variable = codebook.variable(variable_id)
        post = get_post(database, project, post_id, None)
        adjudicate(database, project, who, post["pk"], variable.id, parse_value(variable, typed, lang="zh"),
                   "checked against the codebook")
    dispose = getattr(database, "dispose", None) or getattr(getattr(database, "engine", None), "dispose", None)
    if dispose:
        dispose()


def build(work: Path, n: int = 3000, sample_size: int = 500, seed: int = 17) -> Built:
    """The whole project, as a research team would make it; returns where it is and the truth."""
    db = work / "acceptance.db"
    paths = lc.write(work / "corpus", n=n, seed=seed)
    truths = {json.loads(line)["post_id"]: lc.Truth(**json.loads(line))
              for line in paths["truth"].read_text(encoding="utf-8").splitlines()}
    _ok(dazi("import", paths["notes"], db=db), "dazi import")
    _ok(dazi("codebook", "load", paths["codebook"], db=db), "dazi codebook load")
    for name in CODERS:
        _ok(dazi("coders", "add", name, "--passcode", "135790", db=db), f"dazi coders add {name}")
    _ok(dazi("coders", "add", "carol", "--role", "adjudicator", "--passcode", "246800", db=db), "add carol")
    _ok(dazi("sample", SAMPLE, "--size", sample_size, "--seed", 7, db=db), "dazi sample")
    _ok(dazi("assign", "--sample", SAMPLE, "--coders", ",".join(CODERS), "--overlap", sample_size,
             "--seed", 7, db=db), "dazi assign")

    sheets = {}
    coded: list[str] = []
    for k, name in enumerate(CODERS):
        sheet = work / f"{name}.xlsx"
        _ok(dazi("coding-sheet", "--coder", name, sheet, "--lang", "en", db=db), "dazi coding-sheet")
        ids = [str(r[0].value) for r in openpyxl.load_workbook(sheet, read_only=True)["Coding"].iter_rows(min_row=3)
               if r[0].value is not None]
        coded = coded or ids
        assert sorted(ids) == sorted(coded), "both coders must hold the whole sample (overlap = sample)"
        codings = lc.simulate_coder([truths[i] for i in ids], seed=100 + k)
        sheets[name] = codings
        assert _fill_sheet(sheet, codings) == len(ids)
        _ok(dazi("import-codings", sheet, db=db), f"dazi import-codings {name}")

    # every disagreement goes to the adjudicator, who records the true value
    a, b = sheets["alice"], sheets["bob"]
    todo = []
    for post_id in coded:
        for variable in lc.VARIABLES:
            if a[post_id][variable] != b[post_id][variable]:
                true = truths[post_id].value(variable)
                todo.append((post_id, variable, ";".join(true) if isinstance(true, list) else true))
    # the first few with the command line, as the adjudicator would; the rest through the same
    # Python functions the command calls, in one session (one CLI call each costs ~0.15 s)
    for post_id, variable, typed in todo[:5]:
        _ok(dazi("adjudicate", post_id, variable, typed, "--rationale", "checked against the codebook",
                 "--as", "carol", db=db), "dazi adjudicate")
    _adjudicate_many(db, todo[5:])
    adjudicated = len(todo)
    left = dazi("adjudicate", "--list", "--as", "carol", db=db)
    assert re.search(r"No open disagreements", left.output), f"disagreements left:\n{left.output[:2000]}"
    return Built(db, work, truths, coded, adjudicated)
