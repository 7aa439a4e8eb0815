"""The dazi command through its real entry point: exit codes, messages, files."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest
from click.testing import CliRunner

from dazi.cli import cli
from tests.conftest import DATA

EXPORTS = DATA / "exports"


def run(*args, db=None, ok=True):
    argv = (["--db", str(db)] if db else []) + [str(a) for a in args]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def test_every_command_has_help_with_an_example():
    def walk(group, prefix=()):
        for name, command in group.commands.items():
            yield prefix + (name,), command
            if hasattr(command, "commands"):
                yield from walk(command, prefix + (name,))

    for path, command in walk(cli):
        assert command.help, f"dazi {' '.join(path)} has no help"
        if not hasattr(command, "commands"):
            assert "Example:" in command.help, f"dazi {' '.join(path)} help has no example"


def test_import_corpus_posts_export(tmp_path, db_url):
    r = run("import", EXPORTS / "xhs_notes.jsonl", EXPORTS / "xhs_comments.csv", db=db_url)
    assert "imported" in r.output and "preset mediacrawler-xhs" in r.output
    r = run("corpus", db=db_url)
    assert "xiaohongshu" in r.output and "hashtags" in r.output
    r = run("posts", "--sort", "engagement", "--limit", "3", db=db_url)
    assert len(r.stdout.strip().splitlines()) == 3
    out = tmp_path / "posts.xlsx"
    run("export", out, db=db_url)
    ws = openpyxl.load_workbook(out)["Posts"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["post_id", "platform", "url"]
    assert all(isinstance(row[0].value, str) for row in ws.iter_rows(min_row=2))
    csv_out = tmp_path / "posts.csv"
    run("export", csv_out, db=db_url)
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_bad_file_exits_non_zero_with_a_located_message(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"note_id": "1", "desc": "x"}\n{broken\n{"note_id": "2", "desc": "y"}\n', encoding="utf-8")
    result = run("import", bad, db=tmp_path / "d.db", ok=False)
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "bad.jsonl" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_sample_assign_progress_and_reliability(tmp_path):
    db = tmp_path / "d.db"
    run("import", EXPORTS / "xhs_notes.jsonl", db=db)
    run("sample", "main", "--size", "4", "--seed", "1", db=db)
    run("codebook", "load", "cloud_companion", db=db)
    r = run("coders", "add", "alice", "--passcode", "1111", db=db)
    assert "Passcode: 1111" in r.output
    run("coders", "add", "bob", db=db)
    r = run("assign", "--sample", "main", "--coders", "alice,bob", "--overlap", "2", "--seed", "3", db=db)
    assert "2 posts in the overlap set" in r.output
    r = run("progress", db=db)
    assert "alice" in r.output and "0 of 2" in r.output


def test_reliability_on_a_file_as_json(tmp_path):
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": nominal alpha = 0.743
    # for the 4 observers x 12 units example with missing values (wide form, empty = missing).
    rows = [
        ("1", "1", "", "1"), ("2", "2", "3", "2"), ("3", "3", "3", "3"), ("3", "3", "3", "3"),
        ("2", "2", "2", "2"), ("1", "2", "3", "4"), ("4", "4", "4", "4"), ("1", "1", "2", "1"),
        ("2", "2", "2", "2"), ("", "5", "5", "5"), ("", "", "1", "1"), ("", "", "3", ""),
    ]
    path = tmp_path / "wide.csv"
    path.write_text("A,B,C,D\n" + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    r = run("reliability", path, "--coders", "A,B,C,D", "--format", "json", "--bootstrap", "0")
    payload = json.loads(r.output)
    (var,) = payload["variables"]
    assert var["krippendorff_alpha"] == pytest.approx(0.743, abs=5e-4)
    assert var["cohen_kappa"] is None and var["notes"]
    r = run("reliability-plan", "--alpha-min", "0.8", "--p", "0.05", "--categories", "4")
    assert r.output.startswith("139 units")  # ATLAS.ti's documented example


def test_the_console_script_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dazi", "--db", str(tmp_path / "x.db"), "projects"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    missing = subprocess.run([sys.executable, "-m", "dazi", "--db", str(tmp_path / "x.db"), "corpus"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "No project named 'default'" in missing.stderr


def test_codebook_commands(tmp_path):
    db = tmp_path / "d.db"
    run("init", db=db)
    r = run("codebook", "load", "cloud_companion", db=db)
    assert "10 variables; project version 1" in r.output
    r = run("codebook", "show", "--lang", "en", db=db)
    assert "interest_category" in r.output and "match_outcome" in r.output
    run("codebook", "add-code", "interest_category", "nap", "--label", "午睡", "--by", "alice", db=db)
    run("codebook", "rename-code", "interest_category", "nap", "Nap 午睡", db=db)
    r = run("codebook", "diff", "1", db=db)
    assert "nap" in r.output
    r = run("codebook", "versions", db=db)
    assert r.output.count("\n") == 3
    qdc = tmp_path / "cb.qdc"
    run("codebook", "export", qdc, db=db)
    assert qdc.read_bytes().startswith(b"<?xml")
    run("--project", "other", "codebook", "load", qdc, db=db)
    r = run("--project", "other", "codebook", "show", db=db)
    assert "interest_category" in r.output
    bad = run("codebook", "merge-codes", "interest_category", "nope", "--into", "study", db=db, ok=False)
    assert bad.exit_code == 1 and "nope" in bad.stderr


def test_export_adds_final_codes_on_the_demo(tmp_path):
    db = tmp_path / "demo.db"
    r = run("demo", db=db)
    assert "alice" in r.output and "passcode 1111" in r.output
    out = tmp_path / "coded.csv"
    run("export", out, db=db)
    import csv

    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 500
    assert "interest_category" in rows[0] and any(k.startswith("seeking_markers__") for k in rows[0])
    coded = [r for r in rows if r["interest_category"]]
    assert len(coded) >= 300
    assert all(r["post_id"] and not r["post_id"].startswith("'") for r in rows)
    assert not any(v.startswith("=") for r in rows for v in r.values() if v)  # formulas neutralised


def test_coders_list_and_remove(tmp_path):
    db = tmp_path / "d.db"
    run("init", db=db)
    run("coders", "add", "alice", db=db)
    run("coders", "add", "carol", "--role", "adjudicator", db=db)
    assert run("coders", "list", db=db).output.splitlines() == ["alice\tcoder", "carol\tadjudicator"]
    run("coders", "remove", "alice", db=db)
    assert run("coders", "list", db=db).output.splitlines() == ["carol\tadjudicator"]
    assert "alice\tcoder\t(deactivated)" in run("coders", "list", "--all", db=db).output
    r = run("coders", "add", "carol", db=db, ok=False)
    assert r.exit_code == 1 and "already exists" in r.stderr


def test_search_command(tmp_path):
    db = tmp_path / "d.db"
    run("import", EXPORTS / "xhs_notes.jsonl", db=db)
    r = run("search", "饭搭子 OR 学习搭子", db=db)
    assert "[饭搭子]" in r.stdout and "posts match (substrings)" in r.stderr
    r = run("search", "搭子", "--whole-words", "--min-engagement", "1", db=db)
    assert "whole words" in r.stderr
    r = run("search", '"broken', db=db, ok=False)
    assert r.exit_code == 1 and "Error:" in r.stderr
