"""dazi's Streamlit app: a thin face over the core.

Run ``make app`` (the demo project), or::

    DAZI_DATABASE_URL=study.db streamlit run app.py
    streamlit run app.py -- --db study.db --project default

With no database given the app opens ``./dazi.db`` if it exists, else the
demo project (built on first start).  Coders sign in with their name and
passcode and stay signed in across a reload or a server restart (a signed
cookie, :mod:`ui.session`); their role decides which pages show (see
:func:`pages_for`).  Page scripts live in ``ui/pages/`` (not ``pages/``, which
Streamlit would list on its own before this script has run), each at a fixed
address (``/code``, ``/my_work``, ...): someone not signed in who opens any of
them gets the sign-in form there, and after signing in the page itself.  No
domain logic lives here or in ``ui/``: widgets collect plain values and call
:mod:`corpus`, :mod:`coding` and :mod:`reports`.  Post text is untrusted and
always shown literally (see :mod:`ui.text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui.feedback import errors
from ui.session import LANGS, Session, cookie_sent, session, sign_out, signed_in, write_cookie
from ui.sign_in import sign_in_form
from ui.store import settle

st.set_page_config(page_title="dazi 搭子", page_icon="🤝", layout="wide")
PAGES_DIR = Path(__file__).resolve().parent / "ui" / "pages"


@dataclass(frozen=True)
class PageSpec:
    """A page of the app: its script in ``ui/pages/``, title, icon and address (``/<url>``)."""

    script: str
    title: str
    icon: str
    url: str


PAGES = {
    "code": PageSpec("code.py", "Code", "✍️", "code"),
    "adjudicate": PageSpec("adjudicate.py", "Adjudicate", "⚖️", "adjudicate"),
    "my_work": PageSpec("my_work.py", "My work", "📋", "my_work"),
    "posts": PageSpec("posts.py", "Posts", "🗂️", "posts"),
    "reliability": PageSpec("reliability.py", "Reliability", "📏", "reliability"),
    "tables": PageSpec("tables.py", "Tables", "📊", "tables"),
    "exports": PageSpec("exports.py", "Exports", "⬇️", "exports"),
    "admin_progress": PageSpec("admin_progress.py", "Progress & blinding", "📈", "progress"),
    "admin_import": PageSpec("admin_import.py", "Import", "📥", "import"),
    "admin_codebook": PageSpec("admin_codebook.py", "Codebook", "📖", "codebook"),
    "admin_coders": PageSpec("admin_coders.py", "Coders", "👥", "coders"),
    "admin_assign": PageSpec("admin_assign.py", "Sample & assign", "🎲", "assign"),
    "admin_models": PageSpec("admin_models.py", "Machine coder", "🤖", "machine"),
}


def _page(name: str) -> st.Page:
    spec = PAGES[name]
    return st.Page(PAGES_DIR / spec.script, title=spec.title, icon=spec.icon, url_path=spec.url)


def _gate(spec: PageSpec) -> st.Page:
    """The sign-in form at a page's address (a bookmark, a reload after the sign-in ended)."""

    def sign_in_first() -> None:
        sign_in_form(spec.title)

    return st.Page(sign_in_first, title=spec.title, icon=spec.icon, url_path=spec.url)


def _home(target: st.Page) -> st.Page:
    """The address ``/``: on to the role's first page at its own address.

    Streamlit serves its default page at ``/`` and answers "Page not found"
    for that page's own ``url_path``, so no real page is the default: a
    bookmark of ``/code`` then works like any other page's.
    """

    def go_on() -> None:
        st.switch_page(target, query_params=st.query_params.to_dict())

    return st.Page(go_on, title="Start", url_path="start", default=True, visibility="hidden")


def pages_for(ctx: Session | None) -> dict[str, list[st.Page]]:
    """The navigation for a signed-in coder's role (only the sign-in form before signing in).

    Coders code and see their own work; adjudicators also resolve
    disagreements; admins also import, edit the codebook, manage coders,
    sample, assign and unblind.  Results (reliability, tables, exports) show
    every coder's work, so coders see them only once the project is unblinded.
    """
    if ctx is None:
        start = st.Page(PAGES_DIR / "signin.py", title="Sign in", icon="🔑", url_path="signin", default=True)
        return {"": [start, *(_gate(spec) for spec in PAGES.values())]}
    role = ctx.coder.role
    coding = [_page("code"), _page("my_work")]
    if role in ("adjudicator", "admin"):
        coding.insert(1, _page("adjudicate"))
    nav = {"Coding": coding, "Corpus": [_page("posts")]}
    if ctx.sees_all:
        nav["Results"] = [_page("reliability"), _page("tables"), _page("exports")]
    if role == "admin":
        nav["Admin"] = [_page(name) for name in ("admin_progress", "admin_import", "admin_codebook",
                                                 "admin_coders", "admin_assign", "admin_models")]
    first = nav["Admin"][0] if role == "admin" else coding[0]
    nav["Coding"] = [_home(first), *coding]
    return nav


def _sidebar(ctx: Session) -> None:
    with st.sidebar:
        st.text(f"{ctx.coder.name} ({ctx.coder.role})\nproject {ctx.project.name}"
                + ("  · blind" if ctx.project.blind else ""))
        st.radio("Codebook language", list(LANGS), format_func=LANGS.__getitem__, key="dz_lang", horizontal=True)
        st.button("Sign out", on_click=sign_out, key="dz_sign_out")


with errors():
    ctx = session()
    navigation = st.navigation(pages_for(ctx), position="sidebar" if ctx is not None else "hidden",
                               expanded=True)  # every page listed (an admin has 13)
    write_cookie()
    if ctx is not None:
        _sidebar(ctx)
    with signed_in(ctx):
        navigation.run()
    cookie_sent()
settle("app")  # after the first run: what is loaded by now stays (see ui.store.settle)
