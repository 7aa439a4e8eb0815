"""The codebook: see the current version, load a new one, edit codes while coding (admin only).

Loading calls :func:`coding.codebook.load_codebook` (YAML/JSON) or
:func:`coding.refi_qda.read_qdc` (REFI-QDA) and stores the result with
:func:`coding.codebook_store.save_codebook`; edits are the change functions
of :mod:`coding.codebook` stored with
:func:`coding.codebook_store.change_codebook`, which carries existing codings
along a merge.  Every change makes a new numbered version.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from codebooks import shipped_names, shipped_path
from coding.codebook import (
    add_code,
    diff,
    format_diff,
    load_codebook,
    merge_codes,
    rename_code,
    retire_code,
)
from coding.codebook_store import change_codebook, current_codebook, save_codebook
from dazi.errors import DaziError, NotFound
from ui.feedback import errors
from ui.session import require
from ui.text import md_escape
from ui.widgets import variable_help


def _read(upload) -> object:
    """A codebook from an uploaded YAML, JSON or REFI-QDA (.qdc) file."""
    suffix = Path(upload.name).suffix.lower()
    if suffix == ".qdc":
        from coding.refi_qda import read_qdc

        with tempfile.TemporaryDirectory(prefix="dazi-qdc-") as folder:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            return read_qdc(path)
    return load_codebook(upload.getvalue())


def _apply(new_book, summary: str, merges: dict | None = None) -> None:
    stored = change_codebook(ctx.db, ctx.project, new_book, merges=merges,
                             changes=[{"change": "edit", "detail": summary}], created_by=ctx.coder.name)
    st.session_state["cb_flash"] = f"{summary}: project version {stored.version}."


ctx = require("admin")
st.title("Codebook 编码表")
with errors():
    try:
        stored = current_codebook(ctx.db, ctx.project)
    except NotFound:
        stored = None
    if flash := st.session_state.pop("cb_flash", None):
        st.success(flash)
    if stored is not None:
        book = stored.codebook
        st.text(f"{book.name} · project version {stored.version} · {len(book.variables)} variables")
        st.dataframe(pd.DataFrame({
            "variable": [v.id for v in book.variables], "label": [v.display(ctx.lang) for v in book.variables],
            "type": [v.type for v in book.variables], "level": [v.level or "" for v in book.variables],
            "codes": [len(v.codable_codes()) for v in book.variables],
            "asked when": [", ".join(f"{k} = {'/'.join(c)}" for k, c in v.conditions().items()) for v in book.variables],
        }), hide_index=True, width="stretch")
        for variable in book.variables:
            with st.expander(md_escape(f"{variable.id} · {variable.display(ctx.lang)}")):
                st.text(variable_help(variable, ctx.lang))
    else:
        st.info("No codebook loaded yet: load one below.")

    load_tab, edit_tab = st.tabs(["Load a codebook", "Edit codes"])
    with load_tab:
        source = st.radio("From", ["shipped", "file"], horizontal=True, key="cb_source",
                          format_func={"shipped": "a codebook shipped with dazi", "file": "a file (YAML, JSON, REFI-QDA .qdc)"}.get)
        new = None
        if source == "shipped":
            name = st.selectbox("Codebook", shipped_names(), key="cb_shipped")
            new = load_codebook(shipped_path(name))
        else:
            upload = st.file_uploader("Codebook file", type=["yaml", "yml", "json", "qdc"], key="cb_file")
            if upload is not None:
                new = _read(upload)
        if new is not None:
            st.text(f"{new.name}: {len(new.variables)} variables")
            if stored is not None:
                changes = diff(stored.codebook, new)
                st.text(format_diff(changes) if changes else "Identical to the current version.")
            if st.button("Save as the project's codebook", type="primary", key="cb_save"):
                saved = save_codebook(ctx.db, ctx.project, new, created_by=ctx.coder.name)
                st.session_state["cb_flash"] = f"Codebook {new.name!r} saved: project version {saved.version}."
                st.rerun()
    with edit_tab:
        if stored is None:
            st.info("Load a codebook first.")
        else:
            book = stored.codebook
            choice = [v.id for v in book.variables if v.is_choice]
            op = st.radio("Change", ["add", "rename", "merge", "retire"], horizontal=True, key="cb_op",
                          format_func={"add": "add a code", "rename": "rename a code", "merge": "merge codes",
                                       "retire": "retire a code"}.get)
            vid = st.selectbox("Variable", choice, key="cb_var",
                               format_func=lambda v: f"{v} · {book.variable(v).display(ctx.lang)}")
            variable = book.variable(vid)
            codes = [c.id for c in variable.active_codes()]
            label_of = {c.id: f"{c.id} · {c.display(ctx.lang)}" for c in variable.all_codes()}.get
            with st.form(f"cb_edit_{op}"):
                if op == "add":
                    c1, c2, c3 = st.columns(3)
                    code_id = c1.text_input("Code id (lowercase, e.g. nap)", key="cb_add_id")
                    en = c2.text_input("Label (English)", key="cb_add_en")
                    zh = c3.text_input("Label (中文)", key="cb_add_zh")
                    definition = st.text_area("Definition", key="cb_add_def")
                    keywords = st.text_input("Keywords (comma-separated)", key="cb_add_kw")
                    parent = st.selectbox("Under the code (optional)", ["(top level)", *codes], key="cb_add_parent",
                                          format_func=lambda c: c if c == "(top level)" else label_of(c))
                elif op == "rename":
                    code_id = st.selectbox("Code", codes, format_func=label_of, key="cb_ren_code")
                    c1, c2 = st.columns(2)
                    en = c1.text_input("New label (English; empty: keep)", key="cb_ren_en")
                    zh = c2.text_input("New label (中文; empty: keep)", key="cb_ren_zh")
                elif op == "merge":
                    sources = st.multiselect("Merge these codes", codes, format_func=label_of, key="cb_merge_src")
                    into = st.selectbox("into", codes, format_func=label_of, key="cb_merge_into")
                else:
                    code_id = st.selectbox("Code", codes, format_func=label_of, key="cb_ret_code")
                go = st.form_submit_button("Apply", type="primary")
            if go:
                try:
                    by = ctx.coder.name
                    if op == "add":
                        code = {"id": code_id.strip(), "label": {k: v for k, v in (("en", en), ("zh", zh)) if v.strip()} or code_id}
                        if definition.strip():
                            code["definition"] = definition.strip()
                        if keywords.strip():
                            code["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
                        _apply(add_code(book, vid, code, None if parent == "(top level)" else parent, by=by),
                               f"Added {vid}.{code_id.strip()}")
                    elif op == "rename":
                        label = {k: v.strip() for k, v in (("en", en), ("zh", zh)) if v.strip()}
                        _apply(rename_code(book, vid, code_id, label, by=by), f"Renamed {vid}.{code_id}")
                    elif op == "merge":
                        new_book, mapping = merge_codes(book, vid, sources, into, by=by)
                        _apply(new_book, f"Merged {', '.join(sources)} into {vid}.{into}", {vid: mapping})
                    else:
                        _apply(retire_code(book, vid, code_id, by=by), f"Retired {vid}.{code_id}")
                except DaziError as exc:
                    st.error(exc.describe())
                else:
                    st.rerun()
