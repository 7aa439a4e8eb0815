"""A click in a part of the page that the session does not know runs the whole page.

The Code page reruns only its coding part on Save & next (an ``st.fragment``).  A
fragment lives in the server's memory of one session: a tab that outlived a server
restart still shows the part, but the new session has not run it yet, and Streamlit
drops a rerun of a fragment it does not hold (``AppSession.request_rerun``: "The
fragment with id ... does not exist anymore"): the click would do nothing and say
nothing.  Two things keep that click:

* the Code page's fragment reruns on its own now and then (``run_every``), and a tab
  holding such a fragment asks for a run of the whole page as soon as it reconnects
  (Streamlit's browser side does so to register the fragment again): the new session
  knows the fragment before the coder clicks;
* :func:`run_unknown_fragments_whole` (installed when ``ui`` is imported, early in the
  first run of a new server) makes a request for a
  fragment the session does not hold (a click that arrives before that run registered
  it) a run of the whole page with the same widget states: the page runs and acts on
  the click (a session's first run gets a component's value without its callback;
  :mod:`ui.pages.code` handles that).

Streamlit offers no setting for the second, so it wraps ``AppSession.request_rerun``
once per process; ``tests/test_reruns.py`` checks the wrapper against the installed
Streamlit.
"""

from __future__ import annotations

import functools

__all__ = ["run_unknown_fragments_whole"]


def run_unknown_fragments_whole() -> None:
    """Make a rerun request for a fragment the session does not hold a run of the whole page
    (once per process; later calls do nothing)."""
    from streamlit.runtime.app_session import AppSession

    original = AppSession.request_rerun
    if getattr(original, "_dazi_whole", False):
        return

    @functools.wraps(original)
    def request_rerun(self, client_state=None):
        fragment_id = getattr(client_state, "fragment_id", "") if client_state is not None else ""
        if fragment_id and not self.has_fragment(fragment_id):
            whole = type(client_state)()
            whole.CopyFrom(client_state)
            whole.fragment_id = ""
            client_state = whole
        return original(self, client_state)

    request_rerun._dazi_whole = True  # type: ignore[attr-defined]
    AppSession.request_rerun = request_rerun  # type: ignore[method-assign]
