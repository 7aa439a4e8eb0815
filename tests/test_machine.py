"""Machine coders (coding.machine): training, validation, storage, coding, corrected shares, uncertainty samples.

The corpus is made here: posts whose words say their codes (with noise), two
admin coders who code them with slips (so human reliability is below 1), an
overlap for reliability and uncoded posts for the model.  Every test runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from coding.codebook import Codebook
from coding.codebook_store import current_codebook, save_codebook
from coding.coders import add_coder, list_coders
from coding.codings import PlannedSave, save_codings
from coding.machine import (
    TrainingRefused,
    code_posts,
    draw_uncertainty_sample,
    get_model,
    list_models,
    report_lines,
    train_model,
)
from coding.machine.prevalence import adjusted_shares
from dazi.cli import cli
from dazi.errors import DaziError, ValidationError
from dazi.schema import machine_codings, model_arrays, posts

CODEBOOK = {
    "name": "Machine test", "version": 1,
    "variables": [
        {"id": "topic", "label": "Topic", "type": "single",
         "codes": [{"id": "food", "label": "Food"}, {"id": "study", "label": "Study"},
                   {"id": "travel", "label": "Travel"}]},
        {"id": "channel", "label": "Channel", "type": "multi", "required": False,
         "codes": [{"id": "dm", "label": "Direct messages"}, {"id": "call", "label": "Calls"}]},
        {"id": "outcome", "label": "Outcome", "type": "single",
         "codes": [{"id": "success", "label": "Success"}, {"id": "failure", "label": "Failure"}]},
        {"id": "again", "label": "Again", "type": "single", "when": {"outcome": "success"},
         "codes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
        {"id": "months", "label": "Months", "type": "numeric", "required": False},
        {"id": "note", "label": "Note", "type": "text", "required": False},
    ],
}
WORDS = {
    "food": ["火锅", "吃饭", "美食", "餐厅"], "study": ["学习", "考研", "图书馆", "自习"],
    "travel": ["旅行", "机票", "景点", "徒步"], "dm": ["私信", "私聊"], "call": ["语音", "视频通话"],
    "success": ["找到了", "成功"], "failure": ["没找到", "失败"], "yes": ["还会再约"], "no": ["不会再约"],
}
FILLER = ["今天", "周末", "朋友", "大家", "真的", "感觉", "一起", "城市", "时间", "开心"]


def _truth(rng: random.Random) -> dict:
    outcome = rng.choice(["success", "failure"])
    return {"topic": rng.choices(["food", "study", "travel"], [0.5, 0.3, 0.2])[0],
            "channel": sorted(c for c in ("dm", "call") if rng.random() < 0.5),
            "outcome": outcome, "again": rng.choice(["yes", "no"]) if outcome == "success" else None}


def _text(rng: random.Random, truth: dict) -> str:
    words = [rng.choice(WORDS[truth["topic"]]), rng.choice(WORDS[truth["outcome"]])]
    words += [rng.choice(WORDS[c]) for c in truth["channel"]]
    if truth["again"]:
        words.append(rng.choice(WORDS[truth["again"]]))
    words += rng.sample(FILLER, 4)
    rng.shuffle(words)
    return "，".join(words) + f" #搭子[话题]# {rng.randint(1, 99)}"


def _slip(rng: random.Random, truth: dict, rate: float) -> dict:
    out = dict(truth)
    if rng.random() < rate:
        out["topic"] = rng.choice([c for c in ("food", "study", "travel") if c != truth["topic"]])
    if rng.random() < rate:
        out["channel"] = sorted(set(truth["channel"]) ^ {"call"})
    return out


@pytest.fixture
def coded(db, project):
    """300 posts: 200 coded (60 by both coders), 100 uncoded; returns (db, project, truths by post_pk)."""
    rng = random.Random(7)
    truths, rows = [], []
    for i in range(300):
        truth = _truth(rng)
        truths.append(truth)
        rows.append({"project_id": project.id, "platform": "xiaohongshu", "post_id": f"p{i:05d}", "title": None,
                     "text": _text(rng, truth), "created_at": datetime(2025, 1, 1, tzinfo=UTC)
                     + timedelta(days=i), "likes": i, "collects": 0, "comments": 0, "shares": 0,
                     "engagement": i, "counts_approximate": False, "hashtags": ["搭子"], "mentions": [],
                     "lang": "zh", "status": "ok"})
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
        pks = list(conn.execute(select(posts.c.id).where(posts.c.project_id == project.id)
                                .order_by(posts.c.id)).scalars())
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    ann, _ = add_coder(db, project, "ann", role="admin", passcode="1111")
    ben, _ = add_coder(db, project, "ben", role="admin", passcode="2222")
    for coder, share, rate in ((ann, range(130), 0.05), (ben, range(70, 200), 0.1)):
        saves = [PlannedSave(pks[i], {**_slip(rng, truths[i], rate), "note": "ok"}) for i in share]
        save_codings(db, project, coder, saves)
    return db, project, dict(zip(pks, truths))


def test_train_validates_and_stores_plain_arrays(coded):
    db, project, truths = coded
    lines = []
    model = train_model(db, project, "lin", settings={"bootstrap": 200}, progress=lines.append)
    assert model.version == 1 and model.codebook_version == 1
    assert set(model.variables) == {"topic", "channel", "outcome", "again"}
    notes = " ".join(model.metrics["notes"])
    assert "months: a numeric variable, skipped" in notes and "note: a text variable, skipped" in notes
    topic = model.metrics["variables"]["topic"]
    assert [row["code"] for row in topic["codes"]] == ["food", "study", "travel"]
    assert sum(row["support"] for row in topic["codes"]) == topic["n"]
    assert topic["macro_f1"] > 0.6 and topic["model"]["alpha"] > 0.5
    low, high = topic["model"]["alpha_ci"]
    assert low <= topic["model"]["alpha"] <= high
    assert topic["model"]["verdict"] in ("rely", "tentative", "do not rely")
    # the humans' alpha on the same variable, from the 60 posts both coded
    assert topic["human"]["alpha"] is not None and topic["human"]["alpha"] < 1
    team = topic["one_more_coder"]
    assert team["n_units"] == 60 and team["alpha_humans"] == pytest.approx(topic["human"]["alpha"])
    assert team["equivalent"] in (True, False)
    assert [p["fraction"] for p in topic["learning_curve"]] == [0.25, 0.5, 0.75, 1.0]
    assert topic["curve_verdict"]
    # a conditional variable learns only where it applies under the final values
    again = model.metrics["variables"]["again"]
    final_success = sum(1 for pk, t in truths.items() if t["outcome"] == "success"
                        and pk in {int(p) for p in _coded_pks(db, project)})
    assert again["n"] <= final_success and again["n"] > 0
    assert "again: trained on the" in notes
    # stored as .npy bytes, read back without pickle
    with db.read() as conn:
        blobs = conn.execute(select(model_arrays.c.key, model_arrays.c.data)
                             .where(model_arrays.c.model_id == model.id)).all()
    assert blobs and all(bytes(data).startswith(b"\x93NUMPY") for _, data in blobs)
    loaded = get_model(db, project, "lin")
    np.testing.assert_allclose(loaded.variables["topic"].coef, model.variables["topic"].coef.astype(np.float32))
    assert loaded.vocabulary.terms == model.vocabulary.terms
    text = "\n".join(report_lines(loaded))
    assert "topic (single" in text and "one more coder" in text and "learning curve" in text
    # the machine coder is no member of the team
    assert "model:lin" not in {c.name for c in list_coders(db, project)}
    assert any("Training and cross-validating topic" in line for line in lines)


def _coded_pks(db, project):
    from coding.adjudication import final_dataset

    return final_dataset(db, project)["post_pk"].tolist()


def test_code_stores_machine_codings_apart_and_reruns(coded):
    from coding.adjudication import final_dataset
    from coding.project_reliability import project_reliability

    db, project, truths = coded
    train_model(db, project, "lin", settings={"bootstrap": 0})
    before = [r.krippendorff_alpha for r in project_reliability(db, project, bootstrap=0)]
    finals_before = final_dataset(db, project)
    seen = []
    run = code_posts(db, project, "lin", batch_size=40, progress=lambda done, total: seen.append((done, total)))
    assert run.coded == 100 and seen[-1] == (100, 100) and len(seen) == 3
    with db.read() as conn:
        rows = conn.execute(select(machine_codings.c.post_pk, machine_codings.c.codes,
                                   machine_codings.c.probabilities, machine_codings.c.uncertainty)).all()
    coded_pks = set(_coded_pks(db, project))
    assert len(rows) == 100 and not coded_pks & {r.post_pk for r in rows}
    right = 0
    for pk, codes, probs, unsure in rows:
        assert codes["topic"] in ("food", "study", "travel")
        assert sum(probs["topic"].values()) == pytest.approx(1, abs=1e-3)
        assert isinstance(codes["channel"], list) and 0 <= unsure <= 1
        # a conditional variable only where the model's own outcome lets it apply
        assert ("again" in codes) == (codes["outcome"] == "success")
        right += codes["topic"] == truths[pk]["topic"]
    assert right >= 70
    # human reliability and the final dataset do not see machine codings
    assert [r.krippendorff_alpha for r in project_reliability(db, project, bootstrap=0)] == before
    assert final_dataset(db, project).equals(finals_before)
    again = code_posts(db, project, "lin")
    assert again.coded == 0 and again.already == 100
    assert code_posts(db, project, "lin", recode=True).coded == 100
    # retraining drops the old version's codes
    model = train_model(db, project, "lin", settings={"bootstrap": 0})
    assert model.version == 2
    with db.read() as conn:
        assert conn.execute(select(machine_codings.c.post_pk)).first() is None


def test_too_few_posts_and_one_code_are_refused_with_nothing_stored(coded):
    db, project, _ = coded
    with pytest.raises(TrainingRefused) as info:
        train_model(db, project, "big", settings={"folds": 150})
    message = info.value.message
    assert "topic: code 'food' has" in message and "code 'travel' has" in message
    assert "more (at least 150" in message
    assert list_models(db, project) == []
    # a variable where one code is used
    stored = current_codebook(db, project).codebook.to_dict()
    stored["variables"].append({"id": "lang2", "label": "Lang", "type": "single",
                                "codes": [{"id": "zh", "label": "zh"}, {"id": "en", "label": "en"}]})
    save_codebook(db, project, Codebook.from_dict(stored))
    ann = next(c for c in list_coders(db, project) if c.name == "ann")
    save_codings(db, project, ann, [PlannedSave(pk, {"lang2": "zh"}) for pk in _coded_pks(db, project)[:20]])
    with pytest.raises(TrainingRefused, match="lang2: only one code is used"):
        train_model(db, project, "one", variables=["lang2"])
    assert list_models(db, project) == []
    model = train_model(db, project, "skip", variables=["lang2", "outcome"], skip_unready=True,
                        settings={"bootstrap": 0})
    assert set(model.variables) == {"outcome"} and any("lang2: skipped" in n for n in model.metrics["notes"])


def test_a_model_of_an_older_codebook_is_refused(coded):
    db, project, _ = coded
    train_model(db, project, "old", variables=["outcome"], settings={"bootstrap": 0})
    changed = current_codebook(db, project).codebook.to_dict()
    changed["variables"][0]["codes"].append({"id": "sport", "label": "Sport"})
    save_codebook(db, project, Codebook.from_dict(changed))
    with pytest.raises(ValidationError, match="trained on codebook version 1; the project's codebook is now version 2"):
        code_posts(db, project, "old")
    with db.read() as conn:
        assert conn.execute(select(machine_codings.c.post_pk)).first() is None


@pytest.mark.parametrize("multi", [False, True], ids=["single", "multi"])
def test_adjusted_classify_and_count_matches_forman(multi):
    """Forman (2008): p = (q - fpr) / (tpr - fpr).  Here tpr = .8, fpr = .2, and the model gives the code
    to half of the machine-coded posts, so the true share is (.5 - .2) / .6 = .5 although the truth of the
    validation pairs is a quarter."""
    from coding.codebook import Variable

    if multi:
        variable = Variable.from_dict({"id": "c", "label": "C", "type": "multi",
                                       "codes": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]})
        pos, neg = ["a"], ["b"]
    else:
        variable = Variable.from_dict({"id": "c", "label": "C", "type": "single",
                                       "codes": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]})
        pos, neg = "a", "b"
    truth = [pos] * 100 + [neg] * 300
    predicted = [pos] * 80 + [neg] * 20 + [pos] * 60 + [neg] * 240
    machine = [pos] * 500 + [neg] * 500
    est = adjusted_shares(variable, ["a", "b"], [], machine, truth, predicted, bootstrap=300, seed=1)
    assert est.naive[0] == pytest.approx(0.5)
    assert est.corrected[0] == pytest.approx(0.5)
    assert est.low[0] < 0.5 < est.high[0]
    # with half the corpus human-coded (all "b"), the corpus share halves
    est = adjusted_shares(variable, ["a", "b"], [neg] * 1000, machine, truth, predicted, bootstrap=0)
    assert est.corrected[0] == pytest.approx(0.25)


def test_uncertainty_sample_is_not_random(coded):
    from coding.assignments import assign

    db, project, _ = coded
    train_model(db, project, "lin", settings={"bootstrap": 0})
    with pytest.raises(ValidationError, match="has coded no post that humans have not coded"):
        draw_uncertainty_sample(db, project, "next", "lin", 10)
    code_posts(db, project, "lin")
    sample = draw_uncertainty_sample(db, project, "next", "lin", 10)
    assert sample.method == "uncertainty" and sample.size == 10 and sample.params["random"] is False
    with db.read() as conn:
        scores = dict(conn.execute(select(machine_codings.c.post_pk, machine_codings.c.uncertainty)).all())
    from corpus.sampling import sample_post_pks

    chosen = sample_post_pks(db, sample)
    assert min(scores[pk] for pk in chosen) >= sorted(scores.values(), reverse=True)[9] - 1e-12
    with pytest.raises(ValidationError, match="not random"):
        assign(db, project, "next", ["ann", "ben"], overlap=4)
    assign(db, project, "next", ["ann", "ben"], overlap=0)
    # coded posts of an uncertainty sample train the next version but never estimate its error rates
    ann = next(c for c in list_coders(db, project) if c.name == "ann")
    save_codings(db, project, ann, [PlannedSave(pk, {"topic": "food", "outcome": "failure", "channel": ["dm"]})
                                    for pk in chosen])
    model = train_model(db, project, "lin", settings={"bootstrap": 0})
    assert model.training["n_posts"] == len(set(model.training["post_ids"]))
    assert len(model.training["random_post_ids"]) == model.training["n_posts"] - 10


def test_cli_train_report_code_tables_sample_export(coded, db_url, tmp_path):
    db, project, _ = coded

    def run(*args, ok=True):
        result = CliRunner().invoke(cli, ["--db", db_url, *map(str, args)], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    out = run("model", "train", "lin", "--bootstrap", "100").output
    assert "topic (single, " in out and "alpha model vs final" in out and "human coders" in out
    assert "Stored model 'lin' version 1" in out
    assert "precision" in run("model", "report", "lin").output
    assert "coded 100 posts" in run("model", "code", "lin").output
    tables = run("tables", "freq topic", "--with-model", "lin").output
    assert "Whole corpus: human final values for 200 posts" in tables
    assert "Corpus-wide shares corrected for the model's errors" in tables and "Forman" in tables
    plain = run("tables", "freq topic").output
    assert "Corrected" not in plain
    assert "least sure of" in run("sample", "next", "--by-uncertainty", "lin", "--size", "5").output
    path = tmp_path / "codes.csv"
    run("model", "export", "lin", path)
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert len(frame) == 300
    assert set(frame["topic__source"].dropna()) == {"agreed", "machine"}
    assert (frame["topic__source"] == "machine").sum() == 100
    bad = run("model", "train", "x", "--folds", "150", ok=False)
    assert bad.exit_code == 1 and "needs" in bad.output and "Traceback" not in bad.output
    assert "No model named 'nope'" in run("model", "code", "nope", ok=False).output
    with pytest.raises(DaziError):
        get_model(db, project, "x")


def test_report_and_workbook_have_a_machine_coder_section(coded, tmp_path):
    import openpyxl

    from reports.report import reliability_report, render_html
    from reports.workbook import export_workbook

    db, project, _ = coded
    assert reliability_report(db, project, bootstrap=0).machine_html == ""
    train_model(db, project, "lin", variables=["topic", "outcome"], settings={"bootstrap": 0})
    page = render_html(reliability_report(db, project, bootstrap=0), lang="en")
    assert '<section id="machine-coder"><h2>Machine coder</h2>' in page
    assert "Posts that no human coded were coded by a machine coder (lin, version 1)" in page
    assert "人工编码未覆盖的帖子由机器编码员（lin，版本 1）编码" in page and "<svg" in page
    export_workbook(db, project, tmp_path / "out.xlsx", bootstrap=0)
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert {"Machine coder lin", "Learning curve lin", "Machine methods lin"} <= set(book.sheetnames)
    rows = list(book["Machine coder lin"].iter_rows(values_only=True))
    assert rows[0][:3] == ("model", "variable", "posts") and {r[1] for r in rows[1:]} == {"topic", "outcome"}
    curve = list(book["Learning curve lin"].iter_rows(values_only=True))
    assert len(curve) == 1 + 2 * 4


def test_a_machine_coder_is_no_member_of_the_team(coded):
    from coding.coders import add_coder as add

    db, project, _ = coded
    train_model(db, project, "lin", variables=["outcome"], settings={"bootstrap": 0})
    names = {c.name for c in list_coders(db, project, include_inactive=True)}
    assert names == {"ann", "ben"}
    with pytest.raises(ValidationError, match="machine coder"):
        add(db, project, "model:lin", passcode="1234")
