"""Import crawler exports by upload: preview, detected preset and encoding, a column mapping
for files no preset knows, and the import report with rejected rows (admin only).

:func:`corpus.loaders.preview` reads the start of each file;
:func:`corpus.importer.import_files` imports all files in one transaction
(all or nothing; with "skip bad rows" the good rows go in and the rejected
ones are listed with their reasons).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from corpus.importer import import_files
from corpus.loaders import preview
from corpus.presets import GENERIC_FIELDS
from ui.feedback import errors
from ui.session import require
from ui.text import md_escape

NONE = "(not in the file)"


def _save_uploads(uploads, folder: Path) -> list[Path]:
    """Write the uploaded files under their own names (the extension tells the format)."""
    paths = []
    for i, upload in enumerate(uploads):
        name = Path(upload.name).name or f"upload{i}"
        path = folder / name
        if path.exists():
            path = folder / f"{i}_{name}"
        path.write_bytes(upload.getvalue())
        paths.append(path)
    return paths


def _mapping(path: Path, columns: list[str]) -> dict[str, str]:
    """The column mapping the admin chose for a file no preset knows."""
    st.caption("No preset recognises this file: say which column holds what (at least the id and the text).")
    mapping = {}
    cells = st.columns(4)
    for i, field in enumerate(GENERIC_FIELDS):
        column = cells[i % 4].selectbox(field, [NONE, *columns], key=f"im_map_{path.name}_{field}")
        if column != NONE:
            mapping[field] = column
    return mapping


ctx = require("admin")
st.title("Import 导入")
with errors():
    uploads = st.file_uploader("Crawler export files (CSV, TSV, XLSX, JSON, JSONL, .zst, MediaCrawler sqlite)",
                               accept_multiple_files=True, key="im_files")
    if not uploads:
        st.info("Upload one or more files. Notes and their comments files can go together.")
        st.stop()
    with tempfile.TemporaryDirectory(prefix="dazi-upload-") as tmp:
        folder = Path(tmp)
        paths = _save_uploads(uploads, folder)
        mapping: dict[str, str] = {}
        needs_mapping = []
        for path in paths:
            st.subheader(md_escape(path.name))
            pv = preview(path)
            st.text(f"format {pv.format} · encoding {pv.encoding or '–'} · preset {pv.preset or 'none detected'}"
                    + (f" ({pv.variant})" if pv.variant else "") + (f" · {pv.kind}" if pv.kind else "")
                    + (f" · part {pv.part}" if pv.part else ""))
            for warning in pv.warnings:
                st.warning(f"{path.name}: {warning}")
            if pv.preset is None:
                needs_mapping.append(path)
                mapping = _mapping(path, pv.columns)
                if {"post_id", "text"} <= set(mapping) or {"id", "text"} <= set(mapping):
                    pv = preview(path, mapping=mapping)
            elif pv.error:
                st.warning(pv.error)
            if pv.canonical:
                st.caption("The first rows as dazi reads them:")
                st.dataframe(pd.DataFrame(pv.canonical).drop(columns=["raw", "counts_raw"], errors="ignore"),
                             hide_index=True, width="stretch")
            for row, problem in pv.problems:
                st.warning(f"{path.name}, row {row}: {problem}")
            with st.expander(f"Columns ({len(pv.columns)}) and raw rows"):
                st.text(", ".join(pv.columns))
                if pv.rows:
                    st.dataframe(pd.DataFrame(pv.rows).astype(str), hide_index=True, width="stretch")
        if len(needs_mapping) > 0 and len(paths) > 1:
            st.warning("A file that needs a column mapping must be imported on its own: upload it alone.")
            st.stop()

        st.subheader("Import")
        c1, c2 = st.columns(2)
        skip = c1.checkbox("Skip bad rows (import the good ones and list the rejected rows)", key="im_skip")
        pseudo = c2.checkbox("Pseudonymise authors and @mentions", value=bool(ctx.project.settings.get("pseudonymize")),
                             key="im_pseudo")
        if st.button("Import", type="primary", key="im_go", disabled=bool(needs_mapping) and not mapping):
            rejects = folder / "rejected.csv"
            with st.spinner("Importing (all or nothing)…"):
                report = import_files(ctx.db, ctx.project, paths, mapping=mapping or None, skip_bad_rows=skip,
                                      pseudonymize=pseudo, rejects_path=rejects)
            st.success(f"Imported {report.imported:,} new posts and {report.comments:,} comments.")
            st.text("\n".join(report.lines()).replace(f"{folder}/", "").replace(f" (see {rejects})", ""))
            if report.rejects_file:
                rejected = pd.read_csv(report.rejects_file, dtype=str, encoding="utf-8-sig", keep_default_na=False)
                rejected["file"] = rejected["file"].map(lambda f: Path(f).name)
                st.caption(f"{len(rejected)} rejected row(s), with the reason:")
                st.dataframe(rejected, hide_index=True, width="stretch")
                st.download_button("Download the rejected rows (CSV)", rejected.to_csv(index=False).encode("utf-8-sig"),
                                   file_name="rejected.csv", mime="text/csv", key="im_rejects", on_click="ignore")
