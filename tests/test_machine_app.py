"""The Machine coder page and the Tables page with a model, on the demo project (which ships a trained model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coding.machine.store import list_models
from dazi.db import connect
from dazi.projects import get_project
from tests.app_helpers import page_text
from tests.conftest import copy_demo

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def demo(demo_template, tmp_path, monkeypatch):
    path = copy_demo(demo_template, tmp_path)
    db = connect(path)
    try:  # the demo ships a trained machine coder
        assert [m.name for m in list_models(db, get_project(db))] == ["demo"]
    finally:
        db.close()
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


def test_exports_page_offers_the_model_for_posts_no_one_coded(demo):
    from reports.exports import export_bytes

    at = _open("admin", "ui/pages/exports.py")
    box = next(s for s in at.selectbox if s.key == "ex_model")
    assert box.options == ["leave empty 留空", "demo"] and box.value == "leave empty 留空"
    box.set_value("demo").run()
    assert not at.exception, at.exception
    # the download the button makes: the export with the model's codes and a source per value
    db = connect(demo)
    from dazi.projects import get_project

    data = export_bytes(db, get_project(db), ".csv", lang="en", with_model="demo").decode("utf-8-sig")
    db.close()
    head = data.splitlines()[0].split(",")
    assert "match_outcome__source" in head and ",machine" in data
