"""Machine coders (coding.machine): training, validation, storage, coding, corrected shares, uncertainty samples.

The corpus is made here: posts whose words say their codes (with noise), two
admin coders who code them with slips (so human reliability is below 1), an
overlap for reliability and uncoded posts for the model.  Every test runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
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
    stored = current_codebook(db, project).codebook.to_dict()
    stored["variables"] += [{"id": "lang2", "label": "Lang", "type": "single", "required": False,
                             "codes": [{"id": "zh", "label": "zh"}, {"id": "en", "label": "en"}]},
                            {"id": "rare", "label": "Rare", "type": "single", "required": False,
                             "codes": [{"id": "common", "label": "common"}, {"id": "odd", "label": "odd"}]}]
    save_codebook(db, project, Codebook.from_dict(stored))
    ann = next(c for c in list_coders(db, project) if c.name == "ann")
    pks = _coded_pks(db, project)
    save_codings(db, project, ann, [PlannedSave(pk, {"rare": "odd" if i < 3 else "common"})
                                    for i, pk in enumerate(pks[:40])])
    with pytest.raises(TrainingRefused) as info:
        train_model(db, project, "big", variables=["rare", "topic"])
    message = info.value.message
    assert "rare: code 'odd' has 3 coded post(s); it needs 2 more (at least 5" in message
    assert "topic" not in message
    assert list_models(db, project) == []
    # a code with fewer posts than the 10 folds, but at least 5: fewer folds, said in a note
    save_codings(db, project, ann, [PlannedSave(pk, {"rare": "odd" if i < 7 else "common"})
                                    for i, pk in enumerate(pks[:40])])
    model = train_model(db, project, "fewer", variables=["rare"], settings={"bootstrap": 0})
    assert any("rare: 7-fold cross-validation" in n for n in model.metrics["notes"])
    # a variable where one code is used
    save_codings(db, project, ann, [PlannedSave(pk, {"lang2": "zh"}) for pk in pks[:20]])
    with pytest.raises(TrainingRefused, match="lang2: only one code is used"):
        train_model(db, project, "one", variables=["lang2"])
    assert [m.name for m in list_models(db, project)] == ["fewer"]
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
    bad = run("model", "train", "x", "--folds", "1", ok=False)
    assert bad.exit_code == 1 and "needs" in bad.output and "Traceback" not in bad.output
    # one worker process or two: the same model, the same report, the same codes
    one = json.loads(run("model", "train", "one", "--bootstrap", "100", "--jobs", "1", "--format", "json").output)
    two = json.loads(run("model", "train", "two", "--bootstrap", "100", "--format", "json").output)
    assert one["variables"] == two["variables"]
    assert "coded 100 posts" in run("model", "code", "one", "--jobs", "1").output
    assert "--jobs" in run("model", "code", "one", "--jobs", "0", ok=False).output
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


def test_cli_export_with_model_marks_every_value_with_its_source(coded, db_url, tmp_path):
    """``dazi export --with-model``: human finals where they exist, machine codes elsewhere, a source beside each."""
    import pandas as pd
    from openpyxl import load_workbook

    from coding.adjudication import adjudicate, final_dataset
    from coding.coders import get_coder

    db, project, truths = coded
    final = final_dataset(db, project)
    pk_adjudicated = int(final["post_pk"].iloc[100])  # double-coded by ann and ben
    adjudicate(db, project, get_coder(db, project, "ann"), pk_adjudicated, "topic", "travel", "rule 3")
    train_model(db, project, "lin", settings={"bootstrap": 0})
    code_posts(db, project, "lin")
    machine_ids = {f"p{i:05d}" for i in range(200, 300)}

    def run(*args):
        result = CliRunner().invoke(cli, ["--db", db_url, *map(str, args)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    plain = tmp_path / "plain.csv"
    run("export", plain, "--lang", "en")
    assert not [c for c in pd.read_csv(plain, dtype=str, encoding="utf-8-sig").columns if c.endswith("__source")]

    path = tmp_path / "corpus.csv"
    run("export", path, "--lang", "en", "--with-model", "lin")
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False).set_index("post_id")
    columns = list(frame.columns)
    # the source column sits right after the variable's own columns
    assert columns.index("topic__source") == columns.index("topic__label") + 1
    assert columns.index("channel__source") == max(i for i, c in enumerate(columns)
                                                   if c.startswith("channel") and c != "channel__source") + 1
    assert "months__source" in columns and "note__source" in columns
    post_id = str(final.loc[final["post_pk"] == pk_adjudicated, "post_id"].iloc[0])
    assert frame.loc[post_id, "topic"] == "travel" and frame.loc[post_id, "topic__source"] == "final"
    assert frame.loc[post_id, "outcome__source"] == "agreed"
    machine = frame[frame["topic__source"] == "machine"]
    assert set(machine.index) == machine_ids
    assert set(frame.loc[sorted(machine_ids), "outcome__source"]) == {"machine"}
    assert (machine["topic"] != "").all() and (machine["months__source"] == "").all()  # numeric: not coded
    human = frame.drop(index=sorted(machine_ids))
    assert set(human["topic__source"]) == {"agreed", "final", ""}
    assert (human.loc[human["topic__source"] == "", "topic"] == "").all()  # an open disagreement: no final value
    # the machine codes are the ones stored, not human values
    stored = {str(r["post_id"]): r["topic"] for r in _model_export(db, project).to_dict("records")
              if r["topic__source"] == "machine"}
    assert {i: frame.loc[i, "topic"] for i in machine_ids} == stored

    xlsx = tmp_path / "corpus.xlsx"
    run("export", xlsx, "--lang", "en", "--with-model", "lin", "--bootstrap", "0")
    sheet = load_workbook(xlsx, read_only=True)["Posts"]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    got = {str(r[head.index("post_id")]): (r[head.index("topic")], r[head.index("topic__source")]) for r in rows[1:]}
    assert got[post_id] == ("travel", "final")
    assert {i for i, (_, s) in got.items() if s == "machine"} == machine_ids
    assert all(got[i][0] == stored[i] for i in machine_ids)

    refused = CliRunner().invoke(cli, ["--db", db_url, "export", str(tmp_path / "a.csv"), "--source", "ann",
                                       "--with-model", "lin"])
    assert refused.exit_code == 1 and "--with-model" in refused.output and "Traceback" not in refused.output


def _model_export(db, project):
    from reports.machine import source_frame

    return source_frame(db, project, "lin")


def test_multi_select_missing_code_is_decided_alike_in_validation_and_coding(db, project):
    """The codes cross-validation scores are decided as ``dazi model code`` decides them.

    A multi-select variable with a missing code ("none") is coded by people as
    that code alone when nothing applies.  The model must do the same in its
    cross-validation (the reported alpha) and in coding: before, both could
    give an empty set, at rates that differed between the fold models and the
    stored model, so the reported alpha fell below the alpha on unseen posts.
    """
    from coding.machine import learners
    from coding.machine.store import VariableModel
    from coding.machine.train import DEFAULT_SETTINGS

    vm = VariableModel("c", "multi", ["dm", "call", "none"], np.zeros((3, 1)), np.zeros(3), np.zeros((3, 2)))
    probs = np.array([[0.2, 0.1, 0.3], [0.7, 0.2, 0.9], [0.6, 0.55, 0.1], [0.1, 0.2, 0.6]])
    assert learners.predict(vm, probs) == [[], ["dm", "none"], ["dm", "call"], ["none"]]
    assert learners.predict(vm, probs, ["none"]) == [["none"], ["dm"], ["dm", "call"], ["none"]]
    # the fold models learn from 90 % of the coded posts, not 80 %: the learning curve is still rising
    assert DEFAULT_SETTINGS["folds"] == 10

    rng = random.Random(11)
    book = {**CODEBOOK, "variables": [CODEBOOK["variables"][0], {
        "id": "channel", "label": "Channel", "type": "multi",
        "codes": [{"id": "dm", "label": "Direct messages"}, {"id": "call", "label": "Calls"},
                  {"id": "none", "label": "Not stated", "missing": True}]}]}
    truths, rows = [], []
    for i in range(260):
        truth = _truth(rng)
        truths.append(truth)
        if rng.random() < 0.4:  # some posts say their channel only faintly
            truth = {**truth, "channel": []}
        rows.append({"project_id": project.id, "platform": "xiaohongshu", "post_id": f"q{i:05d}", "title": None,
                     "text": _text(rng, truth), "created_at": datetime(2025, 1, 1, tzinfo=UTC), "likes": 0,
                     "collects": 0, "comments": 0, "shares": 0, "engagement": 0, "counts_approximate": False,
                     "hashtags": [], "mentions": [], "lang": "zh", "status": "ok"})
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
        pks = list(conn.execute(select(posts.c.id).where(posts.c.project_id == project.id)
                                .order_by(posts.c.id)).scalars())
    save_codebook(db, project, Codebook.from_dict(book))
    ann, _ = add_coder(db, project, "ann", role="admin", passcode="1111")
    save_codings(db, project, ann, [PlannedSave(pks[i], {"topic": truths[i]["topic"],
                                                         "channel": truths[i]["channel"] or ["none"]})
                                    for i in range(200)])
    import coding.machine.report as report_module

    seen: dict = {}
    original = report_module.validation_report

    def spy(variable, classes, units, labels, cv, humans, chosen, **options):
        seen[variable.id] = cv["predicted"]
        return original(variable, classes, units, labels, cv, humans, chosen, **options)

    report_module.validation_report = spy
    try:
        model = train_model(db, project, "lin", settings={"bootstrap": 0})
    finally:
        report_module.validation_report = original
    assert model.settings["folds"] == 10
    code_posts(db, project, "lin")
    with db.read() as conn:
        stored = [codes["channel"] for codes in conn.execute(select(machine_codings.c.codes)).scalars()]
    for decided in (seen["channel"], stored):  # cross-validated codes, then the stored model's
        assert decided and all(value for value in decided), "an empty set where people code the missing code"
        assert not [v for v in decided if "none" in v and len(v) > 1]
    assert any(v == ["none"] for v in stored) and any("dm" in v for v in stored)


# ------------------------------------------------------------------ speed: structure that must not regress

def _docs_and_codes():
    from corpus.text import tokenizer

    rng = random.Random(3)
    docs = [_text(rng, _truth(rng)) for _ in range(120)]
    docs += ["ΑΣ Σσ İstanbul ＹＹＤＳ　饭搭子 @小王 [笑哭R] #美食[话题]# 😂", "", "  \n ", "找饭搭子 #美食[话题]#"]
    pipe = tokenizer()
    return docs, [pipe.encode(d) for d in docs], pipe.stopwords


def test_batch_features_are_scikit_learns_tfidf_of_the_listed_features():
    """extract + Vocabulary (n-grams as integer keys, counted with arrays) give the matrix scikit-learn's
    TfidfVectorizer gives over post_features' lists of strings (sublinear tf, smooth idf, l2 norm)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from coding.machine.features import extract, fit_vocabulary, post_features

    docs, codes, stop = _docs_and_codes()
    lists = [post_features(d, c, stop) for d, c in zip(docs, codes)]
    reference = TfidfVectorizer(analyzer=lambda feats: feats, min_df=2, sublinear_tf=True)
    expected = reference.fit_transform(lists)
    batch = extract(docs, codes, stop)
    vocabulary = fit_vocabulary(batch, min_df=2)
    assert vocabulary.terms == sorted(reference.vocabulary_)
    got = vocabulary.transform(batch)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.toarray(), expected.toarray(), atol=1e-12)
    # the folded, sliced terms are those of folding each token (Greek capital sigma, dotted I, full width)
    edge = [f[1:] for f in batch.terms[len(docs) - 4]]
    assert edge == [f[1:] for f in lists[len(docs) - 4] if f[0] == "\x01"]
    assert "yyds" in edge and "@小王" in edge and "#美食" in edge
    # max_features keeps the most frequent, ties broken by the feature, then sorted
    from collections import Counter

    df = Counter(f for feats in lists for f in set(feats))
    top = sorted(sorted((t for t in df if df[t] >= 2), key=lambda t: (-df[t], t))[:50])
    assert fit_vocabulary(batch, min_df=2, max_features=50).terms == top


def test_features_are_built_once_per_training(coded, monkeypatch):
    """One vocabulary and one matrix per training, whatever the variables and folds; rows are sliced per fit."""
    from coding.machine import crossval, features, learners

    db, project, _ = coded
    calls = {"fit_vocabulary": 0, "transform": 0, "fits": 0}
    real_fit_vocabulary, real_transform, real_fit = features.fit_vocabulary, features.Vocabulary.transform, learners.fit

    def count(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper

    import coding.machine.train as train

    monkeypatch.setattr(train, "fit_vocabulary", count("fit_vocabulary", real_fit_vocabulary))
    monkeypatch.setattr(features.Vocabulary, "transform", count("transform", real_transform))
    monkeypatch.setattr(crossval.learners, "fit", count("fits", real_fit))
    model = train_model(db, project, "once", settings={"bootstrap": 0, "n_jobs": 1})
    assert calls["fit_vocabulary"] == 1
    # the training posts, and the posts two coders finished without a final value (for the one-more-coder test)
    assert calls["transform"] <= 2
    # per variable: the final fit, one per fold, and the learning curve's three smaller fits on 5 folds
    assert calls["fits"] >= len(model.variables) * (1 + 5 + 3 * 5)


def test_training_on_worker_processes_is_training_here(coded):
    """The fits on forked workers give exactly the model and figures of fitting in this process, every run
    (each worker fits one model at a time, so liblinear's global random generator is never shared)."""
    db, project, _ = coded
    here = train_model(db, project, "here", settings={"bootstrap": 50, "n_jobs": 1})
    there = train_model(db, project, "there", settings={"bootstrap": 50, "n_jobs": 2})
    for vid, vm in here.variables.items():
        np.testing.assert_array_equal(vm.coef, there.variables[vid].coef)
        np.testing.assert_array_equal(vm.calibration, there.variables[vid].calibration)
    strip = {"n_jobs"}
    assert {k: v for k, v in here.settings.items() if k not in strip} == \
        {k: v for k, v in there.settings.items() if k not in strip}
    assert here.metrics == there.metrics
    curve = here.metrics["variables"]["topic"]["learning_curve"]
    assert [p["fraction"] for p in curve] == [0.25, 0.5, 0.75, 1.0] and all(p["macro_f1"] for p in curve)
    # in a process with other threads (the app's server) the workers come from a fork server: the same model
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        served = train_model(db, project, "served", settings={"bootstrap": 50, "n_jobs": 2})
    finally:
        stop.set()
        thread.join()
    for vid, vm in here.variables.items():
        np.testing.assert_array_equal(vm.coef, served.variables[vid].coef)
    assert served.metrics == here.metrics


def test_coding_on_worker_processes_stores_what_one_process_stores(coded):
    db, project, _ = coded
    train_model(db, project, "lin", settings={"bootstrap": 0})

    def stored():
        with db.read() as conn:
            return sorted((r.post_pk, json_dump(r.codes), json_dump(r.probabilities), r.uncertainty)
                          for r in conn.execute(select(machine_codings)))

    def json_dump(value):
        import json

        return json.dumps(value, sort_keys=True)

    seen = []
    run = code_posts(db, project, "lin", batch_size=30, n_jobs=1)
    alone = stored()
    again = code_posts(db, project, "lin", batch_size=30, n_jobs=2, recode=True,
                       progress=lambda done, total: seen.append(done))
    assert run.coded == again.coded == 100 and seen == [30, 60, 90, 100]
    assert stored() == alone


def test_a_process_with_threads_starts_its_workers_from_a_fork_server():
    """The app's server has threads: forking it could copy a held lock, so its workers come from a fork server
    (given the shared data pickled) and give the same results in the same order."""
    import operator
    import threading

    from coding.machine.workers import ordered_map, start_method

    assert start_method() == "fork"
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "forkserver"
        assert list(ordered_map(operator.add, range(7), shared=10, n_jobs=2, ahead=3)) == list(range(10, 17))
    finally:
        stop.set()
        thread.join()
    assert list(ordered_map(operator.add, range(7), shared=10, n_jobs=1, ahead=3)) == list(range(10, 17))


# ---------------------------------------------------------------------------
# The model's alpha reads "not stated" codes as the human coders' alpha does
# ---------------------------------------------------------------------------

FREQ = Codebook.from_dict({"name": "f", "reliability_missing_codes": "value", "variables": [
    {"id": "freq", "label": "How often", "type": "ordinal", "codes": [
        {"id": "rarely", "label": "Rarely"}, {"id": "weekly", "label": "Weekly"},
        {"id": "daily", "label": "Daily"},
        {"id": "not_stated", "label": "Not stated", "missing": True}]}]}).variable("freq")
FREQ_TRUTH = ["rarely", "weekly", "daily", "weekly", "not_stated", "daily", "rarely", "weekly"]
FREQ_MODEL = ["rarely", "daily", "daily", "weekly", "weekly", "daily", "weekly", "weekly"]


def _kripp(truth, model, order, level):
    import krippendorff

    rank = {c: float(i) for i, c in enumerate(order)}
    data = np.array([[rank.get(v, np.nan) for v in truth], [rank.get(v, np.nan) for v in model]])
    return krippendorff.alpha(reliability_data=data, level_of_measurement=level)


@pytest.mark.parametrize("bootstrap", [0, 200])
def test_model_alpha_counts_a_chosen_not_stated_as_the_human_alpha_does(bootstrap):
    from coding.machine.validate import model_alpha

    units = [str(i) for i in range(len(FREQ_TRUTH))]
    # "value" (the default): not_stated is a category, so the ordinal variable is computed nominal
    got = model_alpha(FREQ, units, FREQ_TRUTH, FREQ_MODEL, bootstrap=bootstrap, seed=0)["alpha"]
    nominal = _kripp(FREQ_TRUTH, FREQ_MODEL, ["rarely", "weekly", "daily", "not_stated"], "nominal")
    assert got == pytest.approx(nominal, abs=1e-9)
    # "missing": not_stated is left out and the scale stays ordinal
    got = model_alpha(FREQ, units, FREQ_TRUTH, FREQ_MODEL, bootstrap=bootstrap, seed=0, missing_codes="missing")["alpha"]
    ordinal = _kripp(FREQ_TRUTH, FREQ_MODEL, ["rarely", "weekly", "daily"], "ordinal")
    assert got == pytest.approx(ordinal, abs=1e-9) and ordinal != pytest.approx(nominal)


def test_one_more_coder_is_at_the_level_of_the_human_alpha():
    from coding.machine.validate import one_more_coder
    from coding.project_reliability import missing_code_rule

    human = {str(i): {"a": t, "b": t if i % 3 else m} for i, (t, m) in enumerate(zip(FREQ_TRUTH, FREQ_MODEL))}
    model = {str(i): m for i, m in enumerate(FREQ_MODEL)}
    chosen = [v for u in human.values() for v in u.values()]
    assert missing_code_rule(FREQ, chosen, "value").level == "nominal"  # what the human alpha uses
    got = one_more_coder(FREQ, human, model, bootstrap=50, seed=0)
    by_coder = [[human[u]["a"] for u in human], [human[u]["b"] for u in human]]
    order = ["rarely", "weekly", "daily", "not_stated"]
    rank = {c: float(i) for i, c in enumerate(order)}
    import krippendorff

    humans_only = krippendorff.alpha(reliability_data=np.array([[rank[v] for v in row] for row in by_coder]),
                                     level_of_measurement="nominal")
    assert got["alpha_humans"] == pytest.approx(humans_only, abs=1e-9)
