"""ui.reruns: a rerun request for a fragment the session does not hold becomes a run of the whole page
(a tab that outlived a server restart clicks in the Code page's fragment; see test_app_journey.py for
the same in Chromium)."""

from __future__ import annotations

import inspect

from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.app_session import AppSession

from ui.reruns import run_unknown_fragments_whole


class _Session:
    """Stands in for an AppSession: holds the fragments in ``held``."""

    def __init__(self, held: set[str]):
        self.held = held

    def has_fragment(self, fragment_id: str) -> bool:
        return fragment_id in self.held


def _installed(monkeypatch) -> list[ClientState | None]:
    received: list[ClientState | None] = []
    monkeypatch.setattr(AppSession, "request_rerun", lambda self, client_state=None: received.append(client_state))
    run_unknown_fragments_whole()
    run_unknown_fragments_whole()  # (twice: wrapped once)
    return received


def test_an_unknown_fragment_runs_the_whole_page_with_the_same_widgets(monkeypatch):
    received = _installed(monkeypatch)
    state = ClientState(fragment_id="gone", query_string="post=abc", page_script_hash="h")
    state.widget_states.widgets.add(id="$$ID-panel", json_trigger_value='[{"post": 3}]')
    AppSession.request_rerun(_Session(set()), state)
    [whole] = received
    assert whole.fragment_id == "" and whole.query_string == "post=abc" and whole.page_script_hash == "h"
    assert [w.json_trigger_value for w in whole.widget_states.widgets] == ['[{"post": 3}]']
    assert state.fragment_id == "gone"  # (the request itself is left as it was)


def test_known_fragments_and_whole_runs_pass_unchanged(monkeypatch):
    received = _installed(monkeypatch)
    known, whole = ClientState(fragment_id="here"), ClientState()
    AppSession.request_rerun(_Session({"here"}), known)
    AppSession.request_rerun(_Session(set()), whole)
    AppSession.request_rerun(_Session(set()), None)
    assert received == [known, whole, None] and received[0].fragment_id == "here"


def test_the_installed_streamlit_has_what_the_wrapper_relies_on():
    assert list(inspect.signature(AppSession.request_rerun).parameters)[:2] == ["self", "client_state"]
    assert callable(AppSession.has_fragment)
    assert "fragment_id" in ClientState.DESCRIPTOR.fields_by_name
