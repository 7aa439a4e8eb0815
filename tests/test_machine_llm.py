"""A language model as a coder (coding.machine.llm), against a stand-in model server on 127.0.0.1.

The stand-in (:mod:`tests.llm_standin`) answers by keyword rules, so every
figure below is worked out by hand from the table of posts in this module.
Every test that stores anything runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from coding.codebook import Codebook
from coding.codebook_store import current_codebook, save_codebook
from coding.coders import add_coder, list_coders
from coding.codings import PlannedSave, save_codings
from coding.machine import code_posts, draw_uncertainty_sample, get_model, report_lines, train_model
from coding.machine.code import code_posts as code_trained_model
from coding.machine.llm import code_with_llm, list_calls, register_llm, validate_llm
from coding.machine.llm_client import Endpoint, EndpointError, chat_url
from coding.machine.llm_prompt import ReplyError, parse_answer, system_prompt
from coding.verdicts import alpha_verdict
from dazi.cli import cli
from dazi.errors import ValidationError
from dazi.schema import llm_calls, llm_prompts, machine_codings, posts
from tests.llm_standin import StandIn

CODEBOOK = {
    "name": "LLM test", "version": 1,
    "variables": [
        {"id": "topic", "label": {"en": "Topic", "zh": "主题"}, "type": "single",
         "instruction": "What the companion is sought for.",
         "codes": [{"id": "food", "label": {"en": "Food", "zh": "美食"}, "definition": "Eating out together.",
                    "include": "hotpot, restaurants", "exclude": "cooking at home alone",
                    "examples": ["找火锅搭子"]},
                   {"id": "study", "label": "Study"}, {"id": "travel", "label": "Travel"}]},
        {"id": "outcome", "label": "Outcome", "type": "single",
         "codes": [{"id": "success", "label": "Success"}, {"id": "failure", "label": "Failure"}]},
        {"id": "again", "label": "Again", "type": "single", "when": {"outcome": "success"},
         "codes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
        {"id": "note", "label": "Note", "type": "text", "required": False},
    ],
}
# (post id, text, final values): the stand-in gets p10's topic wrong (travel; the coders said food) and
# p02's "again" wrong (yes, from 再约 in 不会再约; the coders said no). Everything else it gets right.
CODED = [
    ("p01", "火锅 成功 还会再约", {"topic": "food", "outcome": "success", "again": "yes"}),
    ("p02", "火锅 成功 不会再约", {"topic": "food", "outcome": "success", "again": "no"}),
    ("p03", "火锅 失败", {"topic": "food", "outcome": "failure"}),
    ("p04", "火锅 失败 下次吧", {"topic": "food", "outcome": "failure"}),
    ("p05", "考研 成功 再约", {"topic": "study", "outcome": "success", "again": "yes"}),
    ("p06", "考研 失败", {"topic": "study", "outcome": "failure"}),
    ("p07", "考研 失败 唉", {"topic": "study", "outcome": "failure"}),
    ("p08", "旅行 成功", {"topic": "travel", "outcome": "success", "again": "no"}),
    ("p09", "旅行 失败", {"topic": "travel", "outcome": "failure"}),
    ("p10", "旅行 失败 吃了一路", {"topic": "food", "outcome": "failure"}),
]
UNCODED = [("u01", "火锅 成功 再约"), ("u02", "考研 失败"), ("u03", "旅行 成功"), ("u04", "火锅 失败"),
           ("u05", "考研 成功")]


def _insert(db, project, items) -> dict[str, int]:
    rows = [{"project_id": project.id, "platform": "xiaohongshu", "post_id": pid, "title": None, "text": text,
             "created_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=i), "likes": 0, "collects": 0,
             "comments": 0, "shares": 0, "engagement": 0, "counts_approximate": False, "hashtags": [],
             "mentions": [], "lang": "zh", "status": "ok"} for i, (pid, text) in enumerate(items)]
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
        return {str(pid): int(pk) for pk, pid in conn.execute(
            select(posts.c.id, posts.c.post_id).where(posts.c.project_id == project.id))}


@pytest.fixture
def coded(db, project):
    """10 posts coded by ann (p01-p06 also by ben, who agrees), 5 uncoded; returns (db, project, pks by id)."""
    pks = _insert(db, project, [(pid, text) for pid, text, _ in CODED] + UNCODED)
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    ann, _ = add_coder(db, project, "ann", role="admin", passcode="1111")
    ben, _ = add_coder(db, project, "ben", role="admin", passcode="2222")
    save_codings(db, project, ann, [PlannedSave(pks[pid], values) for pid, _, values in CODED])
    save_codings(db, project, ben, [PlannedSave(pks[pid], values) for pid, _, values in CODED[:6]])
    return db, project, pks


def _count(db, table, *where) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


# ---------------------------------------------------------------- the prompt and the answer (no database)

BOOK = Codebook.from_dict(CODEBOOK)
ASKED = [BOOK.variable(v) for v in ("topic", "outcome", "again")]


def test_the_prompt_is_the_codebook_a_coder_reads():
    text = system_prompt(BOOK, ASKED)
    for part in ('"food": Food / 美食', "definition: Eating out together.", "include: hotpot, restaurants",
                 "exclude: cooking at home alone", "example: 找火锅搭子", "Instruction: What the companion is sought for.",
                 'Asked only when outcome is success; answer null', '"topic", "outcome", "again"'):
        assert part in text, part
    assert '"note"' not in text  # a text variable is not asked


@pytest.mark.parametrize("content, values", [
    pytest.param('{"topic": "food", "outcome": "failure", "again": "yes"}', {"topic": "food", "outcome": "failure"},
                 id="a condition that fails drops the answer"),
    pytest.param('```json\n{"topic": "study", "outcome": "success", "again": null}\n```',
                 {"topic": "study", "outcome": "success", "again": None}, id="fenced JSON, null where asked"),
    pytest.param('{"topic": ["travel"], "outcome": "success", "again": "no"}',
                 {"topic": "travel", "outcome": "success", "again": "no"}, id="a one-element list"),
])
def test_answers_are_read_as_codings(content, values):
    assert parse_answer(BOOK, ASKED, content, post_id="x1") == values


@pytest.mark.parametrize("content, message", [
    pytest.param("The topic is food.", "post x1: the language model's answer is not JSON: 'The topic is food.'",
                 id="not JSON"),
    pytest.param('["food"]', "is not a JSON object", id="not an object"),
    pytest.param('{"topic": "pizza", "outcome": "success", "again": "no"}', "topic: ", id="unknown code"),
    pytest.param('{"topic": "food"}', "outcome: no answer", id="a variable left out"),
    pytest.param('{"topic": null, "outcome": "success", "again": "no"}', "topic: ", id="null for a required one"),
    pytest.param('{"topic": "food", "outcome": "success", "again": "maybe"}', "again: ", id="bad code, conditional"),
])
def test_nonsense_answers_are_clear_errors(content, message):
    with pytest.raises(ReplyError) as err:
        parse_answer(BOOK, ASKED, content, post_id="x1")
    assert message in err.value.message and err.value.hint
    if "pizza" in content:
        assert "pizza" in err.value.message


@pytest.mark.parametrize("url, full", [
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"),
    ("http://localhost:11434/v1/", "http://localhost:11434/v1/chat/completions"),
    ("https://api.example.com/v1/chat/completions", "https://api.example.com/v1/chat/completions"),
])
def test_endpoint_addresses(url, full):
    assert chat_url(url) == full


@pytest.mark.parametrize("kwargs, message", [
    pytest.param({"url": "file:///etc/passwd"}, r"Not an http\(s\) address", id="not http"),
    pytest.param({"api_key_env": "sk-abc123"}, "Not the name of an environment variable", id="a key, not a name"),
    pytest.param({"model": " "}, "No model name", id="no model"),
    pytest.param({"timeout": 0}, "out of range", id="no timeout"),
])
def test_bad_endpoints_are_refused(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        Endpoint(**{"url": "http://127.0.0.1:9/v1", "model": "m", **kwargs})


def test_where_post_text_goes_is_said_plainly():
    assert "does not leave the machine" in Endpoint("http://127.0.0.1:8080", "m").destination()
    far = Endpoint("https://api.example.com/v1", "gpt").destination()
    assert "LEAVES this machine" in far and "api.example.com" in far


# ---------------------------------------------------------------- register, validate, code (both databases)

def test_registering_stores_the_endpoint_not_the_key_and_sends_nothing(coded, monkeypatch):
    db, project, _ = coded
    monkeypatch.setenv("DAZI_TEST_KEY", "sk-secret-123")
    with StandIn() as server:
        model = register_llm(db, project, "qwen", Endpoint(server.url, "qwen2.5:7b", "DAZI_TEST_KEY"))
        assert server.requests == []
    assert model.kind == "llm" and model.version == 1 and model.coder == "model:qwen"
    stored = get_model(db, project, "qwen")
    assert stored.settings["api_key_env"] == "DAZI_TEST_KEY" and stored.variables == {}
    assert "sk-secret" not in json.dumps([stored.settings, stored.metrics, stored.training])
    assert "model:qwen" not in {c.name for c in list_coders(db, project)}  # a machine coder is not on the team
    assert "Not validated yet" in "\n".join(report_lines(stored))
    with pytest.raises(ValidationError, match="has not been validated"):
        code_with_llm(db, project, "qwen")
    with pytest.raises(ValidationError, match="is a language model: it codes through"):
        code_trained_model(db, project, "qwen")
    # a trained model's name cannot be taken over, nor the other way round
    with pytest.raises(ValidationError, match="is a language model, not a trained model"):
        train_model(db, project, "qwen", settings={"bootstrap": 0, "folds": 2})


def _topic_alpha() -> float:
    """Krippendorff's alpha (nominal) of the final topics against the stand-in's, from the krippendorff package."""
    ids = {"food": 0, "study": 1, "travel": 2}
    final = [ids[v["topic"]] for _, _, v in CODED]
    model = final[:9] + [ids["travel"]]
    return float(krippendorff.alpha(reliability_data=np.array([final, model], dtype=float),
                                    level_of_measurement="nominal"))


def test_validation_gives_the_hand_worked_figures_and_stores_every_call(coded, monkeypatch):
    db, project, pks = coded
    monkeypatch.setenv("DAZI_TEST_KEY", "sk-secret-123")
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "qwen2.5:7b", "DAZI_TEST_KEY"))
        model = validate_llm(db, project, "qwen", bootstrap=200)
        sent = list(server.requests)
    assert model.version == 2 and model.training["n_posts"] == 10
    assert len(sent) == 10 and {r["body"]["temperature"] for r in sent} == {0}
    assert {r["body"]["model"] for r in sent} == {"qwen2.5:7b"}
    assert {r["headers"]["Authorization"] for r in sent} == {"Bearer sk-secret-123"}
    assert sent[0]["body"]["response_format"] == {"type": "json_object"}

    topic = model.metrics["variables"]["topic"]
    codes = {row["code"]: row for row in topic["codes"]}
    # food: 4 of 5 found, none wrong; travel: 2 of 2 found plus p10; study: all right
    assert codes["food"]["precision"] == 1.0 and codes["food"]["recall"] == pytest.approx(0.8)
    assert codes["food"]["f1"] == pytest.approx(8 / 9) and codes["food"]["support"] == 5
    assert codes["travel"]["precision"] == pytest.approx(2 / 3) and codes["travel"]["recall"] == 1.0
    assert codes["travel"]["f1"] == pytest.approx(0.8) and codes["study"]["f1"] == 1.0
    assert topic["macro_f1"] == pytest.approx((8 / 9 + 1 + 0.8) / 3) and topic["accuracy"] == pytest.approx(0.9)
    assert topic["model"]["alpha"] == pytest.approx(_topic_alpha())
    assert topic["model"]["verdict"] == alpha_verdict(_topic_alpha())  # the words human reliability uses
    assert topic["human"]["alpha"] == pytest.approx(1.0)  # ann and ben agree on p01-p06
    assert topic["learning_curve"] == [] and "not trained" in topic["curve_verdict"]
    # one more coder on p01-p06 (ann and ben): the stand-in is right on every topic there, wrong on p02's "again"
    team = topic["one_more_coder"]
    assert team["n_units"] == 6 and team["alpha_humans"] == pytest.approx(1.0)
    assert team["alpha_with_model"] == pytest.approx(1.0)
    again_team = model.metrics["variables"]["again"]["one_more_coder"]
    assert again_team["n_units"] == 3 and again_team["alpha_with_model"] < 1.0
    outcome = model.metrics["variables"]["outcome"]
    assert outcome["accuracy"] == 1.0 and outcome["model"]["alpha"] == pytest.approx(1.0)
    again = model.metrics["variables"]["again"]  # asked where the final outcome is success: p01 p02 p05 p08
    assert again["n"] == 4 and again["oof"]["post_ids"] == ["p01", "p02", "p05", "p08"]
    assert again["oof"]["predicted"] == ["yes", "yes", "yes", "no"] and again["accuracy"] == pytest.approx(0.75)
    assert "note" not in model.metrics["variables"]

    lines = "\n".join(report_lines(model))
    assert "language model 'qwen2.5:7b'" in lines and "its codes of 10 coded posts" in lines
    assert "macro-F1 0.896" in lines

    calls = list_calls(db, project, "qwen")
    assert len(calls) == 10 and {c["purpose"] for c in calls} == {"validate"}
    first = next(c for c in calls if c["post_id"] == "p02")
    assert first["prompt"] == "Post:\n火锅 成功 不会再约" and "exclude: cooking at home alone" in first["system_prompt"]
    assert json.loads(first["reply"])["choices"][0]["message"]["content"]
    assert first["parsed"] == {"topic": "food", "outcome": "success", "again": "yes"}
    assert first["variables"] == ["topic", "outcome", "again"] and first["latency_ms"] >= 0
    assert _count(db, llm_prompts) == 1  # the system prompt is stored once


def test_it_codes_the_uncoded_posts_and_tables_and_exports_use_it(coded):
    from reports.machine import corpus_tables
    from reports.sources import source_frame

    db, project, pks = coded
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "qwen2.5:7b"))
        model = validate_llm(db, project, "qwen", bootstrap=100)
        run = code_posts(db, project, "qwen")
        assert sorted(server.posts()[10:]) == sorted(f"Post:\n{text}" for _, text in UNCODED)
        again = code_posts(db, project, "qwen")
        assert len(server.requests) == 15  # the second run had nothing left to send
    assert (run.coded, run.skipped_human) == (5, 10) and again.coded == 0
    with db.read() as conn:
        got = {pk: codes for pk, codes in conn.execute(
            select(machine_codings.c.post_pk, machine_codings.c.codes).where(machine_codings.c.model_id == model.id))}
    assert got == {pks["u01"]: {"topic": "food", "outcome": "success", "again": "yes"},
                   pks["u02"]: {"topic": "study", "outcome": "failure"},
                   pks["u03"]: {"topic": "travel", "outcome": "success", "again": "no"},
                   pks["u04"]: {"topic": "food", "outcome": "failure"},
                   pks["u05"]: {"topic": "study", "outcome": "success", "again": "no"}}
    assert _count(db, llm_calls, llm_calls.c.purpose == "code") == 5
    frame = source_frame(db, project, "qwen")
    machine = frame[frame["post_id"] == "u03"].iloc[0]
    assert machine["topic"] == "travel" and machine["topic__source"] == "machine"
    table = corpus_tables(db, project, "qwen", ["freq topic"])[0]
    text = table.to_text()
    assert "Corpus-wide shares corrected" in text and "Forman" in table.note
    with pytest.raises(ValidationError, match="language model"):
        draw_uncertainty_sample(db, project, "next", "qwen", 2)


def test_a_changed_codebook_refuses_coding_until_validated_again(coded):
    db, project, _ = coded
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "m"))
        validate_llm(db, project, "qwen", bootstrap=0)
        changed = dict(CODEBOOK, version=2)
        save_codebook(db, project, Codebook.from_dict(changed))
        assert current_codebook(db, project).version == 2
        with pytest.raises(ValidationError, match="codebook version 1"):
            code_posts(db, project, "qwen")
        model = validate_llm(db, project, "qwen", bootstrap=0)
        assert model.codebook_version == 2 and code_posts(db, project, "qwen").coded == 5


# ---------------------------------------------------------------- bad input: nothing stored half-way

@pytest.mark.parametrize("mode, error, message", [
    pytest.param("slow", EndpointError, "did not answer within 0.3 s (2 tries)", id="timeout"),
    pytest.param("garbage", ReplyError, "answer is not JSON: 'Sure! The topic is food", id="not JSON"),
    pytest.param("unknown", ReplyError, "pizza", id="code not in the codebook"),
    pytest.param("500", EndpointError, "answered HTTP 500", id="HTTP 500"),
    pytest.param("401", EndpointError, "answered HTTP 401 Unauthorized: '{\"error\": {\"message\": \"invalid api key",
                 id="HTTP 401, not tried again"),
    pytest.param("not_completion", EndpointError, "not a chat completion", id="not a chat completion"),
])
def test_a_failing_endpoint_stores_no_validation(coded, mode, error, message):
    db, project, _ = coded
    with StandIn(mode, delay=1.0) as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "m", timeout=0.3, retries=1))
        with pytest.raises(error) as err:
            validate_llm(db, project, "qwen", bootstrap=0)
        # a timeout and HTTP 500 are tried again once; nonsense is not (temperature 0 answers the same)
        assert len(server.requests) == (2 if mode in ("slow", "500") else 1)
    assert message in err.value.message, err.value.message
    model = get_model(db, project, "qwen")
    assert model.version == 1 and model.metrics["variables"] == {}
    assert _count(db, llm_calls) == 0 and _count(db, llm_prompts) == 0


def test_a_refused_connection_and_a_missing_key_are_clear(coded, monkeypatch):
    db, project, _ = coded
    with StandIn() as server:
        url = server.url
    register_llm(db, project, "gone", Endpoint(url, "m", timeout=1, retries=1))
    with pytest.raises(EndpointError, match="could not be reached .* \\(2 tries\\)"):
        validate_llm(db, project, "gone", bootstrap=0)
    monkeypatch.delenv("DAZI_NO_SUCH_KEY", raising=False)
    with StandIn() as server:
        register_llm(db, project, "keyed", Endpoint(server.url, "m", "DAZI_NO_SUCH_KEY"))
        with pytest.raises(EndpointError, match="DAZI_NO_SUCH_KEY .* is not set. Nothing was sent"):
            validate_llm(db, project, "keyed", bootstrap=0)
        assert server.requests == []


def test_a_server_error_then_an_answer_is_tried_again(coded):
    db, project, _ = coded
    with StandIn("flaky") as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "m", retries=2))
        validate_llm(db, project, "qwen", bootstrap=0)
        assert len(server.requests) == 11
    assert sorted(c["attempts"] for c in list_calls(db, project, "qwen"))[-1] == 2


def test_a_failure_in_mid_run_keeps_whole_batches_and_a_second_run_finishes(coded):
    db, project, pks = coded
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "m"))
        model = validate_llm(db, project, "qwen", bootstrap=0)
        with db.write() as conn:  # u03 makes the stand-in answer nonsense
            conn.execute(posts.update().where(posts.c.id == pks["u03"]).values(text="旅行 成功 #BOOM"))
        with pytest.raises(ReplyError) as err:
            code_posts(db, project, "qwen", batch_size=2)
        assert ("post u03" in err.value.message and "Nothing of this batch of 2 posts was stored" in err.value.message
                and "2 posts coded by earlier batches are kept" in err.value.message)
        coded_now = _count(db, machine_codings, machine_codings.c.model_id == model.id)
        assert coded_now == 2 and _count(db, llm_calls, llm_calls.c.purpose == "code") == 2
        with db.write() as conn:
            conn.execute(posts.update().where(posts.c.id == pks["u03"]).values(text="旅行 成功"))
        before = len(server.requests)
        run = code_posts(db, project, "qwen", batch_size=2)
        assert run.coded == 3 and run.already == 2 and len(server.requests) - before == 3
    assert _count(db, machine_codings, machine_codings.c.model_id == model.id) == 5


# ---------------------------------------------------------------- the CLI

def test_cli_register_validate_code_report(coded, db_url):
    db, project, _ = coded
    runner = CliRunner()
    with StandIn() as server:
        out = runner.invoke(cli, ["--db", db_url, "model", "llm", "qwen", "--endpoint", server.url,
                                  "--model", "qwen2.5:7b", "--variables", "topic,outcome,again"])
        assert out.exit_code == 0, out.output
        assert "does not leave the machine" in out.output and server.requests == []
        out = runner.invoke(cli, ["--db", db_url, "model", "validate", "qwen", "--bootstrap", "100"])
        assert out.exit_code == 0, out.output
        assert "macro-F1 0.896" in out.output and "a server on this computer" in out.output
        out = runner.invoke(cli, ["--db", db_url, "model", "code", "qwen"])
        assert out.exit_code == 0, out.output
        assert "coded 5 posts" in out.output
        out = runner.invoke(cli, ["--db", db_url, "model", "list"])
        assert "language model qwen2.5:7b at " in out.output and "validated on 10 posts" in out.output
        out = runner.invoke(cli, ["--db", db_url, "model", "calls", "qwen", "--limit", "1"])
        call = json.loads(out.output.splitlines()[0])
        assert call["purpose"] == "validate" and call["prompt"].startswith("Post:\n")
        out = runner.invoke(cli, ["--db", db_url, "tables", "freq topic", "--with-model", "qwen"])
        assert out.exit_code == 0, out.output
        assert "machine codes of model 'qwen'" in out.output


def test_cli_asks_before_posts_leave_the_machine(coded, db_url):
    db, project, _ = coded
    register_llm(db, project, "far", Endpoint("https://llm.example.com/v1", "gpt", timeout=1, retries=0))
    out = CliRunner().invoke(cli, ["--db", db_url, "model", "validate", "far"])
    assert out.exit_code == 1
    assert "LEAVES this machine" in out.output and "without your consent. Nothing was sent" in out.output
    assert get_model(db, project, "far").metrics["variables"] == {}


def test_the_real_entry_point_reports_an_endpoint_error_without_a_traceback(coded, db_url):
    db, project, _ = coded
    dazi = Path(sys.executable).parent / "dazi"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with StandIn("garbage") as server:
        register_llm(db, project, "bad", Endpoint(server.url, "m"))
        done = subprocess.run([str(dazi), "--db", db_url, "model", "validate", "bad"], capture_output=True,
                              text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Error: post p01: the language model's answer is not JSON" in done.stderr
    assert "Traceback" not in done.stderr
    assert get_model(db, project, "bad").version == 1


def test_calls_in_parallel_give_the_same_validation(coded):
    db, project, _ = coded
    with StandIn() as server:
        register_llm(db, project, "one", Endpoint(server.url, "m"))
        register_llm(db, project, "two", Endpoint(server.url, "m"))
        one = validate_llm(db, project, "one", bootstrap=50)
        two = validate_llm(db, project, "two", bootstrap=50, workers=3)
    for vid, report in one.metrics["variables"].items():
        other = two.metrics["variables"][vid]
        assert report["oof"] == other["oof"] and report["model"] == other["model"]
    assert [c["post_id"] for c in list_calls(db, project, "two")] == [f"p{i:02d}" for i in range(1, 11)]


def test_reports_describe_the_language_model_not_a_trained_one(coded):
    from reports.machine import corpus_tables, machine_section_html, methods_paragraph

    db, project, _ = coded
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "qwen2.5:7b"))
        register_llm(db, project, "later", Endpoint(server.url, "m"))  # not validated: not in the report
        model = validate_llm(db, project, "qwen", bootstrap=50)
        code_posts(db, project, "qwen")
    en, zh = methods_paragraph(model, "en"), methods_paragraph(model, "zh")
    assert "large language model (qwen2.5:7b" in en and "validated on 10 human-coded posts it had not seen" in en
    assert "topic: model alpha = " in en and "LinearSVC" not in en
    assert "大语言模型 qwen2.5:7b" in zh and "10 篇模型未见过的人工编码帖子" in zh
    html = machine_section_html(db, project)
    assert "qwen (version 2, codebook version 1, 10 validation posts, a language model)" in html
    assert "later (" not in html
    table = corpus_tables(db, project, "qwen", ["freq outcome"])[0]
    assert "error rates measured on the coded posts" in table.note


def test_a_limited_validation_draws_posts_and_deleting_drops_the_calls(coded):
    from coding.machine import delete_model

    db, project, _ = coded
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "m"))
        with pytest.raises(ValidationError, match="measures nothing"):
            validate_llm(db, project, "qwen", limit=1)
        model = validate_llm(db, project, "qwen", limit=4, seed=3, bootstrap=0)
        assert len(server.requests) == 4
    assert model.training["n_posts"] == 4 and len(set(model.training["post_ids"])) == 4
    assert any("validated on 4 coded posts drawn at random (seed 3) of 10" in n for n in model.metrics["notes"])
    assert _count(db, llm_calls) == 4
    delete_model(db, project, "qwen")
    assert _count(db, llm_calls) == 0 and _count(db, llm_prompts) == 0


def test_an_open_disagreement_is_left_out_of_the_figures_but_in_the_one_more_coder_test(coded):
    db, project, pks = coded
    ben = next(c for c in list_coders(db, project) if c.name == "ben")
    save_codings(db, project, ben, [PlannedSave(pks["p06"], {"topic": "travel", "outcome": "failure"})])
    with StandIn() as server:
        register_llm(db, project, "qwen", Endpoint(server.url, "m"))
        model = validate_llm(db, project, "qwen", bootstrap=50)
    topic = model.metrics["variables"]["topic"]
    assert topic["n"] == 9 and "p06" not in topic["oof"]["post_ids"]  # p06's topic has no final value
    assert topic["one_more_coder"]["n_units"] == 6  # the model's code of p06 still counts beside ann's and ben's
    assert topic["one_more_coder"]["alpha_humans"] < 1.0
    assert model.metrics["variables"]["outcome"]["n"] == 10
