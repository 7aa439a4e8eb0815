"""The pages of dazi's Streamlit app (``app.py`` is the entry point).

Each page is a thin script: read widgets into plain values, call one
function of :mod:`coding`, :mod:`corpus` or :mod:`reports`, show the result.
Shared pieces (the cached database, who is signed in, safe rendering of
untrusted text) live in :mod:`pages.common`.
"""
