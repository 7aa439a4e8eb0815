"""dazi's Streamlit app (``app.py`` is the entry point): the page scripts in ``ui/pages/``
and what they share, one concern per module.

* :mod:`ui.store`: the database and project the app was started with, opened once per
  process; the codebook and corpus overview cached per project;
* :mod:`ui.session`: who is signed in (a signed cookie survives a reload and a restart);
  :mod:`ui.sign_in`: the sign-in form;
* :mod:`ui.text`: untrusted text shown literally; :mod:`ui.post_card`: a post as a card;
* :mod:`ui.widgets`: codebook variables as Streamlit widgets; :mod:`ui.codes_panel`: the
  Code page's panel (a custom component that keeps its own state);
* :mod:`ui.reliability_table`, :mod:`ui.feedback`: alpha as a table; errors and progress.

Each page is a thin script: read widgets into plain values, call one function of
:mod:`coding`, :mod:`corpus` or :mod:`reports`, show the result.  The folder is not
``pages/``: Streamlit would list every file there as a page on its own.

Importing ``ui`` (the first thing ``app.py`` does after Streamlit) installs
:func:`ui.reruns.run_unknown_fragments_whole`: in a freshly started server, a click
from a tab that outlived the restart can arrive while the first run is still importing
the rest of the app.
"""

from ui.reruns import run_unknown_fragments_whole

run_unknown_fragments_whole()
