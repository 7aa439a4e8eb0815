"""The workflow commands: coding-sheet, import-codings, adjudicate (CliRunner and the real console script)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from coding.adjudication import adjudication_history, final_dataset
from coding.assignments import overlap_post_pks
from coding.codings import get_unit, save_coding
from dazi.cli import cli
from dazi.projects import create_project
from tests.test_adjudication import setup_study


@pytest.fixture(autouse=True)
def _cheap_passcodes(monkeypatch):
    """Passcode hashing is not under test here: a cheap scrypt cost keeps set-up fast."""
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})


def _study(db, project) -> dict:
    """Coders a and b disagree on p1's kind (a: meal with a memo, b: study) and agree on p2."""
    who = setup_study(db, project)
    p1, p2 = overlap_post_pks(db, project)[:2]
    save_coding(db, project, who["a"], p1, {"kind": "meal", "outcome": "failure"}, memo="标题说\x1b[31m饭搭子")
    save_coding(db, project, who["b"], p1, {"kind": "study", "outcome": "failure"}, uncertain=True)
    for name in ("a", "b"):
        save_coding(db, project, who[name], p2, {"kind": "travel", "outcome": "failure"})
    post_ids = dict(final_dataset(db, project)[["post_pk", "post_id"]].itertuples(index=False))
    return {**who, "project": project, "p1": p1, "p2": p2, "id1": post_ids[p1], "id2": post_ids[p2]}


@pytest.fixture
def study(sqlite_db):
    return {"db": sqlite_db, **_study(sqlite_db, create_project(sqlite_db, "default"))}


def run(db, *args: str):
    result = CliRunner().invoke(cli, ["--db", db.url, *args])
    return result


@pytest.mark.parametrize("command", ["coding-sheet", "import-codings", "adjudicate"])
def test_help_ends_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:\n    dazi " + command in result.output


def test_sheet_round_trip_through_the_cli(db, project, tmp_path):
    """On both backends: write a sheet, fill one row, import it, and a bad cell stops the import."""
    who = _study(db, project)
    out = tmp_path / "a.xlsx"
    result = run(db, "coding-sheet", "--coder", "a", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote 15 post(s) for coder 'a' to ")
    assert "2 post(s) already have codings" in result.output
    wb = openpyxl.load_workbook(out)
    ws = wb["Coding"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=11).value is None)
    post_id = ws.cell(row=row, column=1).value
    ws[f"K{row}"], ws[f"M{row}"] = "Study", "Failure"
    wb.save(out)
    result = run(db, "import-codings", str(out))
    assert result.exit_code == 0, result.output
    assert "finished: 3; drafts: 0" in result.output and "posts saved: 1" in result.output
    # the memo with an escape character went into the sheet cleaned; getting it back is no change
    assert get_unit(db, project, who["a"], who["p1"]).memo == "标题说\x1b[31m饭搭子"
    pk = int(final_dataset(db, project).set_index("post_id").loc[post_id, "post_pk"])
    assert get_unit(db, project, who["a"], pk).values == {"kind": "study", "outcome": "failure"}
    ws[f"K{row}"] = "Sleep"
    wb.save(out)
    result = run(db, "import-codings", str(out))
    assert result.exit_code == 1
    assert f"Coding!K{row} (kind): 'Sleep' is not a code; choose one of: Meal, Travel, Study" in result.stderr
    assert "nothing was imported" in result.stderr and "Traceback" not in result.output


def test_list_disagreements(study):
    result = run(study["db"], "adjudicate", "--list", "--as", "judge", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Post {study['id1']} (xiaohongshu): 1 variable(s)",
        "  kind",
        "    a: meal (Meal)  memo: 标题说[31m饭搭子",  # the escape character is dropped
        "    b: study (Study)  [uncertain]",
        "1 open disagreement(s) on 1 post(s).",
    ]
    none = run(study["db"], "adjudicate", "--list", "--as", "judge", "--variable", "outcome")
    assert none.output.strip() == "No open disagreements."


@pytest.mark.parametrize(
    "args, code, message",
    [
        pytest.param(["--list", "--as", "a"], 1, "'a' may not see other coders' values", id="coder while blind"),
        pytest.param(["--list"], 2, "Missing option '--as'", id="no --as"),
        pytest.param(["--list", "--as", "zed"], 1, "No coder named 'zed'", id="unknown name"),
        pytest.param(["--list", "--as", "judge", "--variable", "colour"], 1, "no variable \"colour\"",
                     id="unknown variable"),
        pytest.param(["ID1", "kind", "meal", "--as", "judge"], 2, "--rationale is required", id="no rationale"),
        pytest.param(["ID1", "kind", "--rationale", "r", "--as", "judge"], 2, "POST_ID VARIABLE VALUE",
                     id="value missing"),
        pytest.param(["ID1", "kind", "nap", "--rationale", "r", "--as", "judge"], 1,
                     "'nap' is not a code; choose one of: Meal, Travel, Study", id="unknown code"),
        pytest.param(["ID1", "kind", "meal", "--rationale", "r", "--as", "a"], 1, "may not record final values",
                     id="coder cannot adjudicate"),
        pytest.param(["nope", "kind", "meal", "--rationale", "r", "--as", "judge"], 1, "No post with id 'nope'",
                     id="unknown post"),
    ],
)
def test_adjudicate_refuses(study, args, code, message):
    args = [study["id1"] if a == "ID1" else a for a in args]
    result = run(study["db"], "adjudicate", *args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert adjudication_history(study["db"], study["project"]) == []


def test_record_final_values(study):
    db, project = study["db"], study["project"]
    result = run(db, "adjudicate", study["id1"], "kind", "Meal", "--rationale",
                 "标题写着饭搭子", "--as", "judge", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Final value of kind for post {study['id1']}: meal (Meal) (by judge, codebook version 1).")
    again = run(db, "adjudicate", study["id1"], "kind", " STUDY ", "--rationale", "second look", "--as", "boss",
                "--lang", "en")
    assert again.exit_code == 0, again.output
    assert "It replaces the earlier final value meal (Meal)." in again.output
    multi = run(db, "adjudicate", study["id1"], "markers", "city;seeking", "--rationale", "both stated",
                "--as", "judge", "--lang", "en")
    assert multi.exit_code == 0, multi.output
    assert "seeking; city (Seeking; City)" in multi.output
    history = adjudication_history(db, project)
    assert [(h.variable, h.value, h.adjudicator) for h in history] == [
        ("kind", "meal", "judge"), ("kind", "study", "boss"), ("markers", ["seeking", "city"], "judge")]
    final = final_dataset(db, project).set_index("post_pk")
    assert final.loc[study["p1"], "kind"] == "study" and final.loc[study["p1"], "unresolved"] == []
    listed = run(db, "adjudicate", "--list", "--as", "judge")
    assert listed.output.strip() == "No open disagreements."
    resolved = run(db, "adjudicate", "--list", "--all", "--as", "judge", "--lang", "en")
    assert "  kind  [adjudicated by boss: study (Study)]" in resolved.output


def test_the_real_console_script(study):
    """``dazi`` as installed: the entry point, error translation and exit codes."""
    script = Path(sys.executable).with_name("dazi")
    assert script.exists(), "the dazi console script is not installed in this environment"
    env = {k: v for k, v in os.environ.items() if k not in ("DAZI_DATABASE_URL", "DAZI_PROJECT")}
    ok = subprocess.run([str(script), "--db", study["db"].url, "adjudicate", "--list", "--as", "judge"],
                        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert f"Post {study['id1']} (xiaohongshu): 1 variable(s)" in ok.stdout
    assert "    a: meal (饭搭子)" not in ok.stdout  # the small codebook has English labels only
    assert "    a: meal (Meal)" in ok.stdout
    denied = subprocess.run([str(script), "--db", study["db"].url, "adjudicate", "--list", "--as", "a"],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    assert denied.returncode == 1
    assert denied.stderr.startswith("Error: 'a' may not see other coders' values")
    assert "Traceback" not in denied.stderr
