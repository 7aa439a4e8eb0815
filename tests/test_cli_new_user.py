"""Command-line defects a new user met (issue 16), through the real entry point.

Coders' roles, names and access; what ``assign`` leaves out; ``terms``
headers and CJK alignment; ``posts --sort`` direction; a one-line ``.json``;
the codebook hint from any folder; a folder given as ``--db``; ``.qdc``
export; ``--dummies``.  Each test fails without its fix.
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from coding.assignments import assign
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, authenticate, get_coder, list_coders
from coding.codings import save_coding
from corpus.sampling import draw_sample
from dazi.cli import cli
from dazi.display import display_width
from dazi.errors import AccessDenied
from tests.conftest import DATA, copy_demo, make_posts
from tests.test_codings import SMALL_CODEBOOK


@pytest.fixture(autouse=True)
def _cheap_passcodes(monkeypatch):
    """Passcode hashing is not under test here: a cheap scrypt cost keeps set-up fast."""
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})


def run(db, *args, ok=True):
    argv = (["--db", str(db)] if db else []) + [str(a) for a in args]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_coders_role_rename_deactivate_activate_reset(db_url, db, project):
    run(db_url, "coders", "add", "admin", "--role", "admin", "--passcode", "9999")
    run(db_url, "coders", "add", "bob", "--passcode", "1234")
    # the hint adjudicate gives names a command that exists and works
    r = run(db_url, "coders", "set-role", "bob", "adjudicator")
    assert "'bob' is now an adjudicator" in r.output
    assert get_coder(db, project, "bob").role == "adjudicator"
    run(db_url, "coders", "rename", "bob", "robert")
    assert authenticate(db, project, "robert", "1234").role == "adjudicator"
    assert run(db_url, "coders", "rename", "robert", "admin", ok=False).exit_code == 1  # taken
    run(db_url, "coders", "deactivate", "robert")
    with pytest.raises(AccessDenied):
        authenticate(db, project, "robert", "1234")
    assert "robert\tadjudicator\t(deactivated)" in run(db_url, "coders", "list", "--all").output
    run(db_url, "coders", "activate", "robert")
    out = run(db_url, "coders", "reset-passcode", "robert", "--passcode", "5678").output
    assert "5678" in out
    assert authenticate(db, project, "robert", "5678").name == "robert"
    with pytest.raises(AccessDenied):
        authenticate(db, project, "robert", "1234")
    # the last admin keeps the role and cannot be deactivated
    r = run(db_url, "coders", "set-role", "admin", "coder", ok=False)
    assert r.exit_code == 1 and "only admin" in r.output and "dazi coders set-role" in r.output
    assert run(db_url, "coders", "deactivate", "admin", ok=False).exit_code == 1


def test_deactivated_coder_keeps_codings(db, project):
    make_posts(db, project, 6)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    a, _ = add_coder(db, project, "a", passcode="1234")
    draw_sample(db, project, "s", size=4, seed=1)
    assign(db, project, "s", ["a"], overlap=0)
    from coding.assignments import assigned_post_pks
    from coding.codings import codings_long

    save_coding(db, project, a, assigned_post_pks(db, project, a)[0], {"kind": "meal", "outcome": "failure"})
    from coding.coders import deactivate_coder

    deactivate_coder(db, project, "a")
    assert "a" not in [c.name for c in list_coders(db, project)]
    assert set(codings_long(db, project, None)["coder"]) == {"a"}


def test_adjudicate_hint_points_at_set_role(db, project):
    from coding.adjudication import adjudicate

    pks = make_posts(db, project, 2)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    coder, _ = add_coder(db, project, "bob", passcode="1234")
    with pytest.raises(AccessDenied) as exc:
        adjudicate(db, project, coder, pks[0], "kind", "meal", "x")
    assert "dazi coders set-role bob adjudicator" in exc.value.hint


def test_assign_says_what_it_left_out_and_can_include_it(db_url, db, project):
    make_posts(db, project, 12)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    for name in ("alice", "bob", "carol", "dave"):
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "first", size=12, seed=1)
    assign(db, project, "first", ["carol", "dave"], overlap=0, seed=1)
    carol = get_coder(db, project, "carol")
    from coding.assignments import assigned_post_pks

    started = assigned_post_pks(db, project, carol)[:3]
    for pk in started:
        save_coding(db, project, carol, pk, {"kind": "meal", "outcome": "failure"})
    draw_sample(db, project, "second", size=12, seed=2)
    r = run(db_url, "assign", "--sample", "second", "--coders", "alice,bob", "--overlap", "2", "--seed", "3")
    left = [line for line in r.output.splitlines() if line.startswith("Left out")]
    # the 3 posts carol started are outside the overlap unless drawn into it
    assert left and "carol" in left[0] and "--include-started" in left[0]
    n_left = int(left[0].split()[2])
    total = sum(int(line.split("\t")[1].split()[0]) for line in r.output.splitlines() if line.startswith("  "))
    assert total == 2 * 2 + (12 - 2 - n_left)
    r = run(db_url, "assign", "--sample", "second", "--coders", "alice,bob", "--overlap", "2", "--seed", "3",
            "--include-started")
    assert "Left out" not in r.output
    total = sum(int(line.split("\t")[1].split()[0]) for line in r.output.splitlines() if line.startswith("  "))
    assert total == 2 * 2 + 10


def test_terms_has_headers_and_aligns_chinese(tmp_path, demo_template):
    path = copy_demo(demo_template, tmp_path)
    out = run(path, "terms", "--variable", "interest_category", "--top", "3").output
    lines = out.splitlines()
    assert lines[0].split() == ["term", "in", "code", "elsewhere", "z"]
    rows = [line for line in lines if line.startswith("    ") and not line.strip().startswith("term")]
    assert rows and any(display_width(r) != len(r) for r in rows)  # Chinese terms among them
    assert len({display_width(r) for r in rows}) == 1  # every row ends in the same column


def test_posts_sort_direction(db_url, db, project):
    make_posts(db, project, 5)
    ids = [line.split("\t")[0] for line in run(db_url, "posts", "--sort", "post_id").stdout.splitlines()]
    assert ids == sorted(ids)
    ids_desc = [line.split("\t")[0] for line in run(db_url, "posts", "--sort", "post_id", "--desc").stdout.splitlines()]
    assert ids_desc == sorted(ids, reverse=True)
    dates = [line.split("\t")[1] for line in run(db_url, "posts").stdout.splitlines()]
    assert dates == sorted(dates, reverse=True)  # newest first, as before


def test_one_line_json_file_gets_no_jsonl_warning(tmp_path, db_url):
    pretty = DATA / "exports" / "x_page.json"
    one_line = tmp_path / "x_page_one_line.json"
    one_line.write_text(json.dumps(json.loads(pretty.read_text(encoding="utf-8")), ensure_ascii=False) + "\n",
                        encoding="utf-8")
    r = run(db_url, "import", one_line)
    assert "one JSON object per line" not in r.output
    assert "x-api" in r.output or "imported" in r.output


def test_codebook_hint_works_from_any_folder(tmp_path, monkeypatch):
    db = tmp_path / "s.db"
    run(db, "init")
    r = run(db, "codebook", "show", ok=False)
    assert "dazi codebook load template" in r.output
    monkeypatch.chdir(tmp_path)  # not the repository root
    assert "Codebook 'My study" in run(db, "codebook", "load", "template").output
    assert "variables" in run(db, "codebook", "load", "codebooks/template.yaml").output


def test_folder_as_db_is_named(tmp_path):
    r = run(tmp_path, "corpus", ok=False)
    assert r.exit_code == 1 and "is a folder, not a file" in r.output and "dazi.db" in r.output


def test_qdc_export_names_left_out_variables_and_keeps_the_codebook_name(tmp_path):
    db = tmp_path / "s.db"
    run(db, "init")
    run(db, "codebook", "load", "cloud_companion")
    r = run(db, "codebook", "export", tmp_path / "exported file.qdc")
    assert "Left out 1 variable(s)" in r.output and "relationship_duration (numeric)" in r.output
    other = tmp_path / "o.db"
    run(other, "init")
    r = run(other, "codebook", "load", tmp_path / "exported file.qdc")
    assert "Codebook 'Cloud companion (云搭子) posts on Xiaohongshu'" in r.output


def test_export_dummies_for_single_choice_variables(tmp_path, demo_template):
    path = copy_demo(demo_template, tmp_path)
    out = tmp_path / "posts.csv"
    run(path, "export", out)
    with open(out, encoding="utf-8-sig") as fh:
        plain = next(csv.reader(fh))
    assert "companion_type__activity_based" not in plain
    run(path, "export", out, "--dummies")
    with open(out, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    cols = [c for c in rows[0] if c.startswith("companion_type__") and c != "companion_type__label"]
    assert "companion_type__activity_based" in cols
    for row in rows:
        flags = [row[c] for c in cols]
        if row["companion_type"]:
            assert flags.count("1") == 1 and row[f"companion_type__{row['companion_type']}"] == "1"
        else:
            assert set(flags) == {""}  # missing: empty, never 0


def test_unknown_source_hint_in_cli_words(db_url, db, project, tmp_path):
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    add_coder(db, project, "alice", passcode="1234")
    r = run(db_url, "export", tmp_path / "x.csv", "--source", "nobody", ok=False)
    assert r.exit_code == 1 and "--source final" in r.output and "source='final'" not in r.output
