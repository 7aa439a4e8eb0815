"""The Machine coder page and the Tables page with a model, on the demo project (which ships a trained model)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dazi.db import connect
from dazi.demo import build_demo
from tests.app_helpers import page_text

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def _demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = connect(path)
    result = build_demo(db)
    db.close()
    assert any("machine coder 'demo'" in line for line in result.lines())
    return path


@pytest.fixture
def demo(_demo, tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    shutil.copy(_demo, path)
    monkeypatch.setenv("DAZI_DATABASE_URL", str(path))
    return path


def _open(who: str, page: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = who
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_machine_coder_page_shows_the_validation(demo):
    at = _open("admin", "ui/pages/admin_models.py")
    text = page_text(at)
    assert "Machine coder" in text and "Version 1, codebook version 1" in text
    frame = at.dataframe[0].value
    assert "match_outcome" in set(frame["variable"]) and {"alpha_model", "alpha_humans"} <= set(frame.columns)
    assert any("learning curve" in c.value.lower() for c in at.caption)


def test_coders_do_not_get_the_machine_coder_page(demo):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "alice"
    at.run()
    assert "Machine coder" not in page_text(at)


def test_tables_page_with_the_model_gives_corrected_shares(demo):
    from dazi.projects import get_project, set_blind

    db = connect(demo)
    set_blind(db, get_project(db), False)
    db.close()
    at = _open("admin", "ui/pages/tables.py", tb_kind="frequencies", tb_source="model:demo", tb_var="match_outcome")
    at.run()
    text = page_text(at)
    assert "Whole corpus: human final values" in text
    assert "Corpus-wide shares corrected for the model" in text and "Forman" in text
