"""The Machine coder page's language-model section (AppTest), against the stand-in model server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder
from coding.codings import PlannedSave, save_codings
from coding.machine import get_model
from coding.machine.llm import register_llm
from coding.machine.llm_client import Endpoint
from dazi.db import connect
from dazi.projects import create_project, get_project
from tests.app_helpers import page_text
from tests.llm_standin import StandIn
from tests.test_machine_llm import CODEBOOK, CODED, UNCODED, _insert

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def project_file(tmp_path, monkeypatch):
    """A SQLite project with the coded posts of tests/test_machine_llm.py; ann is an admin."""
    path = tmp_path / "llm.db"
    db = connect(path)
    project = create_project(db, "default")
    pks = _insert(db, project, [(pid, text) for pid, text, _ in CODED] + UNCODED)
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    ann, _ = add_coder(db, project, "ann", role="admin", passcode="1111")
    save_codings(db, project, ann, [PlannedSave(pks[pid], values) for pid, _, values in CODED])
    db.close()
    monkeypatch.setenv("DAZI_DATABASE_URL", str(path))
    return path


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "ann"
    at.run()
    at.switch_page("ui/pages/admin_models.py").run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def test_an_admin_sets_the_endpoint_then_validates_and_codes(project_file):
    at = _page()
    assert "No model yet" in page_text(at)
    assert any("send each post's text to this address" in w.value for w in at.warning)
    with StandIn() as server:
        at.text_input(key="am_llm_name").input("qwen")
        at.text_input(key="am_llm_url").input(server.url)
        at.text_input(key="am_llm_model").input("qwen2.5:7b")
        _button(at, "Save endpoint").click().run()
        assert not at.exception, at.exception
        assert server.requests == []  # saving sends nothing
        assert any("Saved language model 'qwen'" in s.value for s in at.success)
        text = page_text(at)
        assert "not validated yet" in text
        assert any("does not leave the machine" in w.value and server.url in w.value for w in at.warning)
        _button(at, "Validate on the coded posts").click().run()
        assert not at.exception, at.exception
        assert len(server.requests) == 10
        frame = at.dataframe[0].value
        assert set(frame["variable"]) == {"topic", "outcome", "again"}
        row = frame.set_index("variable").loc["topic"]
        assert row["macro_f1"] == pytest.approx((8 / 9 + 1 + 0.8) / 3)
        _button(at, "Code with this model").click().run()
        assert not at.exception, at.exception
        assert len(server.requests) == 15
        assert any("coded 5 posts" in s.value for s in at.success)


def test_a_far_endpoint_needs_the_admins_consent_and_a_bad_address_is_an_error_box(project_file):
    db = connect(project_file)
    register_llm(db, get_project(db), "far", Endpoint("https://llm.example.com/v1", "gpt"))
    db.close()
    at = _page()
    assert any("LEAVES this machine" in w.value and "llm.example.com" in w.value for w in at.warning)
    assert _button(at, "Validate on the coded posts").disabled
    assert not any(b.label == "Code with this model" for b in at.button)  # not validated: it codes nothing
    at.checkbox(key="am_llm_agree_far").check().run()
    assert not _button(at, "Validate on the coded posts").disabled
    at.text_input(key="am_llm_url").input("ftp://example.com")
    at.text_input(key="am_llm_model").input("m")
    _button(at, "Save endpoint").click().run()
    assert not at.exception, at.exception
    assert any("Not an http(s) address" in e.value for e in at.error)
    db = connect(project_file)
    assert get_model(db, get_project(db), "far").version == 1
    db.close()
