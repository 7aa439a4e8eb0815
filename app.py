"""dazi's Streamlit app: a thin face over the core.

Run ``make app`` (the demo project), or::

    DAZI_DATABASE_URL=study.db streamlit run app.py
    streamlit run app.py -- --db study.db --project default

With no database given the app opens ``./dazi.db`` if it exists, else the
demo project (built on first start).  Coders sign in with their name and
passcode; their role decides which pages show (see :func:`pages_for`).  No
domain logic lives here or in ``pages/``: widgets collect plain values and
call :mod:`corpus`, :mod:`coding` and :mod:`reports`.  Post text is
untrusted and always shown literally (see :mod:`pages.common`).
"""

from __future__ import annotations

import streamlit as st

from pages import common

st.set_page_config(page_title="dazi 搭子", page_icon="🤝", layout="wide")


def _page(path: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(path, title=title, icon=icon, default=default)


def pages_for(ctx: common.Session | None) -> dict[str, list[st.Page]]:
    """The navigation for a signed-in coder's role (only the sign-in page before signing in).

    Coders code and see their own work; adjudicators also resolve
    disagreements; admins also import, edit the codebook, manage coders,
    sample, assign and unblind.  Results (reliability, tables, exports) show
    every coder's work, so coders see them only once the project is unblinded.
    """
    if ctx is None:
        return {"": [_page("pages/signin.py", "Sign in", "🔑", default=True)]}
    role = ctx.coder.role
    coding = [_page("pages/code.py", "Code", "✍️", default=role != "admin"), _page("pages/my_work.py", "My work", "📋")]
    if role in ("adjudicator", "admin"):
        coding.insert(1, _page("pages/adjudicate.py", "Adjudicate", "⚖️"))
    nav = {"Coding": coding, "Corpus": [_page("pages/posts.py", "Posts", "🗂️")]}
    if ctx.sees_all:
        nav["Results"] = [
            _page("pages/reliability.py", "Reliability", "📏"),
            _page("pages/tables.py", "Tables", "📊"),
            _page("pages/exports.py", "Exports", "⬇️"),
        ]
    if role == "admin":
        nav["Admin"] = [
            _page("pages/admin_progress.py", "Progress & blinding", "📈", default=True),
            _page("pages/admin_import.py", "Import", "📥"),
            _page("pages/admin_codebook.py", "Codebook", "📖"),
            _page("pages/admin_coders.py", "Coders", "👥"),
            _page("pages/admin_assign.py", "Sample & assign", "🎲"),
            _page("pages/admin_models.py", "Machine coder", "🤖"),
        ]
    return nav


def _sidebar(ctx: common.Session) -> None:
    with st.sidebar:
        st.text(f"{ctx.coder.name} ({ctx.coder.role})\nproject {ctx.project.name}"
                + ("  · blind" if ctx.project.blind else ""))
        st.radio("Codebook language", list(common.LANGS), format_func=common.LANGS.__getitem__, key="dz_lang",
                 horizontal=True)
        st.button("Sign out", on_click=common.sign_out, key="dz_sign_out")


with common.errors():
    ctx = common.session()
    navigation = st.navigation(pages_for(ctx), expanded=True)  # every page listed (an admin has 13)
    if ctx is not None:
        _sidebar(ctx)
    navigation.run()
common.settle("app")  # after the first run: what is loaded by now stays (see common.settle)
