"""Acceptance test of issue 17: the machine coder's reported reliability is honest.

On a corpus where every post's true code is known (:mod:`tests.acceptance.labelled_corpus`,
3,000 posts, three variables), a project is built through dazi's public interface
(:mod:`tests.acceptance.machine_project`: import, codebook, 500 posts coded by two human
coders with realistic errors, disagreements adjudicated to the truth).  Then, through the
command line only:

1. ``dazi model train M``: the cross-validated alpha it reports for each variable must be
   within 0.05 of the alpha between the model's codes and the TRUE codes on the 2,500 posts
   it never saw (after ``dazi model code M``).
2. ``dazi tables ... --with-model M``: the corrected corpus-wide shares' 95 % intervals must
   cover the true shares of the whole corpus.

Alpha for the multi-select variable is computed as dazi computes a human multi-select
variable's alpha: over the pooled binary post-by-code data (every code of the variable).
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from tests.acceptance import labelled_corpus as lc
from tests.acceptance.cli import dazi
from tests.acceptance.machine_project import build

pytestmark = pytest.mark.acceptance

MODEL = "acceptance"
TOLERANCE = 0.05
CODES = {"topic": list(lc.TOPICS), "seeking": ["yes", "no"], "channels": [*lc.CHANNELS, "not_stated"]}


# ------------------------------------------------------------------------------------------ helpers

def nominal_alpha(a: list, b: list) -> float:
    data = np.array([a, b], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _index(values: list[str], codes: list[str]) -> list[float]:
    return [codes.index(v) if v in codes else math.nan for v in values]


def holdout_alpha(variable: str, model: dict[str, object], truths: dict[str, lc.Truth], ids: list[str]) -> float:
    """Alpha between the model's codes and the true codes on posts no human coded."""
    if variable == "channels":  # pooled binary post-by-code data, as for human multi-select alpha
        a, b = [], []
        for i in ids:
            got = set(model[i] or [])
            true = set(truths[i].channels)
            for code in CODES["channels"]:
                a.append(float(code in got))
                b.append(float(code in true))
        return nominal_alpha(a, b)
    codes = CODES[variable]
    return nominal_alpha(_index([model[i] for i in ids], codes),
                         _index([truths[i].value(variable) for i in ids], codes))


def _json_in(output: str):
    """The first JSON document in a command's output."""
    start = min([p for p in (output.find("{"), output.find("[")) if p >= 0], default=-1)
    assert start >= 0, f"no JSON in:\n{output[:2000]}"
    return json.JSONDecoder().raw_decode(output[start:])[0]


def _walk(obj, path=()):
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, (*path, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, (*path, str(i)))


def reported_cv_alpha(report, variable: str) -> float:
    """The variable's cross-validated alpha (model vs final values) in the model's JSON report.

    ``dazi model train/report --format json`` holds it at ``variables.VAR.model.alpha``
    (beside ``human.alpha``, the human coders' own); other layouts are searched for a
    node of the variable with a model alpha.
    """
    node = (report.get("variables") or {}).get(variable) if isinstance(report, dict) else None
    if isinstance(node, dict) and isinstance(node.get("model"), dict) \
            and isinstance(node["model"].get("alpha"), (int, float)):
        return float(node["model"]["alpha"])
    for _path, found in _walk(report):
        if isinstance(found, dict) and variable in {str(found.get(k)) for k in ("variable", "id", "name")}:
            for key in ("cv_alpha", "alpha_cv", "model_alpha", "alpha"):
                if isinstance(found.get(key), (int, float)):
                    return float(found[key])
    raise AssertionError(f"no cross-validated alpha for {variable} in the model report:\n"
                         f"{json.dumps(report, ensure_ascii=False)[:3000]}")


def read_codes(path: Path) -> dict[str, dict[str, object]]:
    """An export's coded values: single codes as ids, multi-select as lists of code ids."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for row in rows:
        values: dict[str, object] = {}
        for variable in ("topic", "seeking"):
            v = (row.get(variable) or "").strip()
            values[variable] = v or None
        chans = [c for c in CODES["channels"]
                 if str(row.get(f"channels__{c}", "")).strip().lower() in ("1", "1.0", "true", "yes")]
        if not any(f"channels__{c}" in row for c in CODES["channels"]):  # joined ids instead
            chans = [c.strip() for c in re.split(r"[;,]", row.get("channels") or "") if c.strip()]
        values["channels"] = chans if (chans or values["topic"]) else None
        out[row["post_id"]] = values
    return out


# ------------------------------------------------------------------------------------------ fixture

@pytest.fixture(scope="module")
def coded_project(tmp_path_factory):
    work = tmp_path_factory.mktemp("machine")
    built = build(work)
    train = dazi("model", "train", MODEL, "--format", "json", "--bootstrap", 200, db=built.db)
    assert not train.traceback, train.output
    assert train.code == 0, f"dazi model train {MODEL} failed:\n{train.output}"
    code = dazi("model", "code", MODEL, db=built.db)
    assert code.code == 0 and not code.traceback, f"dazi model code {MODEL} failed:\n{code.output}"
    return built, train


def _model_codes(built, tmp: Path) -> dict[str, dict[str, object]]:
    """The model's codes of every post it coded, through ``dazi export``."""
    out = tmp / "machine.csv"
    r = dazi("model", "export", MODEL, out, db=built.db)  # every post's values with their source
    if r.code != 0:
        r = dazi("export", out, "--source", f"model:{MODEL}", "--lang", "en", db=built.db)
    assert r.code == 0, r.output
    codes = read_codes(out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if "topic__source" in row and row["post_id"] in codes:
                codes[row["post_id"]]["source"] = row["topic__source"]
    return codes


# ------------------------------------------------------------------------------------------ tests

def test_cross_validated_alpha_predicts_alpha_on_unseen_posts(coded_project, tmp_path):
    built, train = coded_project
    rep = dazi("model", "report", MODEL, "--format", "json", db=built.db)
    assert rep.code == 0, f"dazi model report {MODEL} --format json failed:\n{rep.output}"
    report = _json_in(rep.output)
    for variable in lc.VARIABLES:  # train printed the same validation
        assert reported_cv_alpha(_json_in(train.output), variable) == reported_cv_alpha(report, variable)

    codes = _model_codes(built, tmp_path)
    unseen = [i for i in built.truths if i not in set(built.coded)]
    assert len(unseen) == len(built.truths) - len(built.coded)
    missing = [i for i in unseen if i not in codes or codes[i]["topic"] is None]
    assert not missing, f"{len(missing)} posts the model did not code, e.g. {missing[:5]}"
    human = [i for i in unseen if codes[i].get("source", "machine") != "machine"]
    assert not human, f"posts no human coded are not marked as machine codes, e.g. {human[:5]}"

    lines, bad = [], []
    for variable in lc.VARIABLES:
        cv = reported_cv_alpha(report, variable)
        actual = holdout_alpha(variable, {i: codes[i][variable] for i in unseen}, built.truths, unseen)
        line = (f"{variable}: cross-validated {cv:.3f}, on unseen posts vs truth {actual:.3f}, "
                f"difference {cv - actual:+.3f}")
        lines.append(line)
        if abs(cv - actual) > TOLERANCE:
            bad.append(line)
    print("\n".join(lines))
    assert not bad, "the reported alpha is off by more than 0.05:\n  " + "\n  ".join(bad)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _share_rows(tables) -> dict[tuple[str | None, str], tuple[float | None, float, float]]:
    """(variable, code) -> (corrected share, low, high) from ``dazi tables --format json``.

    A row with a code and a 95 % interval (keys such as "95% CI low" / "95% CI high"); the
    variable is the table's (its ``name`` like ``freq_topic``, or a ``variable`` key).
    """
    found: dict[tuple[str | None, str], tuple[float | None, float, float]] = {}

    def visit(node, variable):
        if isinstance(node, dict):
            name = str(node.get("variable") or node.get("name") or "")
            for v in lc.VARIABLES:
                if name == v or name.endswith("_" + v):
                    variable = v
            keys = {_key(k): k for k in node}
            code = next((node[keys[k]] for k in ("code", "codeid") if k in keys), None)
            low = next((node[keys[k]] for k in keys if "low" in k and "ci" in k), None)
            high = next((node[keys[k]] for k in keys if "high" in k and "ci" in k), None)
            share = next((node[keys[k]] for k in keys if "corrected" in k), None)
            if code not in (None, "") and isinstance(low, (int, float)) and isinstance(high, (int, float)):
                found[(variable, str(code))] = (share, float(low), float(high))
            for value in node.values():
                visit(value, variable)
        elif isinstance(node, list):
            for value in node:
                visit(value, variable)

    visit(tables, None)
    return found


def test_corrected_shares_cover_the_true_shares(coded_project):
    built, _ = coded_project
    r = dazi("tables", "freq topic seeking channels", "--with-model", MODEL, "--format", "json", db=built.db)
    assert r.code == 0 and not r.traceback, f"dazi tables --with-model failed:\n{r.output}"
    tables = _json_in(r.output)
    truth = lc.true_shares(list(built.truths.values()))
    rows = _share_rows(tables)
    problems, seen = [], 0
    for variable in lc.VARIABLES:
        for code in CODES[variable]:
            if variable == "channels" and code == "not_stated":
                continue  # the missing code: not a share a paper reports
            key = next((k for k in rows if k[1] == code and (k[0] in (variable, None))), None)
            if key is None:
                problems.append(f"{variable}={code}: no corrected share with an interval in the table")
                continue
            seen += 1
            _, low, high = rows[key]
            scale = 100.0 if high > 1.0 else 1.0  # percentages or proportions
            t = truth[variable][code] * scale
            if not low <= t <= high:
                problems.append(f"{variable}={code}: true share {t:.3f} outside the interval [{low:.3f}, {high:.3f}]")
    assert seen, f"no corrected shares found in:\n{json.dumps(tables, ensure_ascii=False)[:3000]}"
    assert not problems, "\n".join(problems)
