"""Machine coders (admin only): train a model on the final values, read its validation, code the rest.

A thin face over :mod:`coding.machine`: :func:`~coding.machine.train_model`,
:func:`~coding.machine.code_posts` and the validation report
(:func:`coding.machine.report.validation_frame`, per-code figures and the
learning curve).  The model's codes are kept apart from the human codings:
coders never see them; the Tables page uses them only when asked.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.machine import code_posts, get_model, list_models, train_model, validation_frame
from coding.machine.llm import destination
from coding.machine.report import curve_frame
from coding.machine.store import LLM_KIND
from ui.feedback import errors, progress_bar
from ui.llm_coder import llm_actions, llm_section
from ui.reliability_table import alpha_colour
from ui.session import require
from ui.store import codebook

ctx = require("admin")
st.title("Machine coder 机器编码")
st.caption("A model learns each coded variable from the team's final values and is validated like a coder: "
           "cross-validated precision, recall and F1 per code, Krippendorff's alpha against the final values "
           "beside the human coders' alpha, and a learning curve. It codes only posts no human coded; coders "
           "never see its codes. 模型编码与人工编码分开保存，编码员看不到。")

with errors():
    book = codebook(ctx.db, ctx.project)
    models = list_models(ctx.db, ctx.project)
    with st.form("am_train"):
        st.subheader("Train")
        name = st.text_input("Model name", value=models[0].name if models else "svm", key="am_name")
        choices = [v.id for v in book.variables if v.type in ("single", "multi", "ordinal")] if book else []
        chosen = st.multiselect("Variables (empty: every coded variable)", choices, key="am_variables")
        skip = st.checkbox("Leave out variables with too few coded posts per code instead of refusing", value=True,
                           key="am_skip")
        if st.form_submit_button("Train and validate", type="primary"):
            lines: list[str] = []
            with st.spinner("Training and cross-validating..."):
                model = train_model(ctx.db, ctx.project, name, chosen or None, skip_unready=skip,
                                    progress=lines.append)
            st.success(f"Stored model {model.name!r} version {model.version}.")
            models = list_models(ctx.db, ctx.project)

    if llm_section(ctx, book):
        models = list_models(ctx.db, ctx.project)

    if not models:
        st.info("No model yet: train one above (or `dazi model train NAME`).")
        st.stop()
    shown = st.selectbox("Model", [m.name for m in models], key="am_model")
    model = get_model(ctx.db, ctx.project, shown, parameters=False)
    agreed = True
    if model.kind == LLM_KIND:
        agreed = llm_actions(ctx, model)
        model = get_model(ctx.db, ctx.project, shown, parameters=False)
        if not model.metrics.get("variables"):
            st.stop()
    else:
        st.text(f"Version {model.version}, codebook version {model.codebook_version}, "
                f"{model.training['n_posts']:,} training posts, {model.settings['folds']}-fold cross-validation")
    frame = validation_frame(model.metrics)
    st.dataframe(frame.style.format({"macro_f1": "{:.3f}", "accuracy": "{:.3f}", "alpha_model": "{:.3f}",
                                     "alpha_humans": "{:.3f}"}, na_rep="–")
                 .map(alpha_colour, subset=["alpha_model", "alpha_humans"]),
                 hide_index=True, width="stretch")
    curves = curve_frame(model.metrics)
    if not curves.empty:
        st.caption("Learning curve: cross-validated macro-F1 at 25, 50, 75 and 100 % of the training posts. "
                   "Still rising at 100 %: coding more posts would likely help.")
        st.line_chart(curves.pivot(index="fraction", columns="variable", values="macro_f1"))
    for vid, report in model.metrics["variables"].items():
        with st.expander(f"{vid}: per code"):
            st.dataframe(pd.DataFrame(report["codes"]), hide_index=True, width="stretch")
            team = report["one_more_coder"]
            if team.get("alpha_humans") is not None:
                st.text(f"One more coder ({team['n_units']} posts coded by two or more coders): alpha "
                        f"{team['alpha_humans']:.3f} without the model, {team['alpha_with_model']:.3f} with it: "
                        + ("codes like a member of the team" if team["equivalent"] else
                           "lowers the team's alpha by more than the margin"))
            st.text(report["curve_verdict"])
    for note in model.metrics.get("notes", []):
        st.caption(note)

    st.subheader("Code the posts nobody coded")
    if model.kind == LLM_KIND:
        st.warning(destination(model))
    if st.button("Code with this model", key="am_code", disabled=not agreed):
        with progress_bar("Coding") as progress:
            run = code_posts(ctx.db, ctx.project, model.name, progress=progress)
        st.success(run.lines()[0])
