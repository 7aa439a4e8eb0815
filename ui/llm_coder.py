"""The Machine coder page's language-model part: set an endpoint, validate, and the consent before posts leave.

A thin face over :mod:`coding.machine.llm` (the same functions as ``dazi
model llm`` / ``validate`` / ``code``).  Nothing is sent until an admin sets
an endpoint; before any call the page says plainly where post text goes, and
when that is another computer the buttons stay off until the admin ticks
that they agree.
"""

from __future__ import annotations

import streamlit as st

from coding.machine.llm import endpoint_of, register_llm, validate_llm
from coding.machine.llm_client import Endpoint
from coding.machine.store import LLM_KIND, Model
from ui.feedback import errors, progress_bar

__all__ = ["consented", "llm_actions", "llm_section"]


def llm_section(ctx, book) -> bool:
    """The form that sets a language model's endpoint; True when one was saved."""
    with st.expander("Language model coder 大语言模型编码员 (off until an endpoint is set)"):
        st.caption("Any OpenAI-compatible chat endpoint: a local llama.cpp server, Ollama or vLLM, or a hosted API. "
                   "It gets a prompt built from the codebook (definitions, include and exclude rules, examples) at "
                   "temperature 0 and answers in JSON. It is not trained: validate it on the coded posts before it "
                   "codes the rest. Every prompt and reply is stored.")
        with st.form("am_llm"):
            name = st.text_input("Name", value="llm", key="am_llm_name")
            url = st.text_input("Endpoint address", placeholder="http://127.0.0.1:11434/v1", key="am_llm_url")
            model = st.text_input("Model name on that server", placeholder="qwen2.5:7b", key="am_llm_model")
            key_env = st.text_input("API key: the NAME of the environment variable holding it (the key itself is "
                                    "never stored; leave empty for a local server)", key="am_llm_key_env")
            st.warning("Validating and coding send each post's text to this address. A server on another "
                       "computer receives the posts' text and its owner can keep it. 验证与编码会把帖子文本发送到该地址。")
            if st.form_submit_button("Save endpoint (sends nothing)") and book is not None:
                with errors():
                    endpoint = Endpoint(url, model, key_env.strip() or None)
                    saved = register_llm(ctx.db, ctx.project, name, endpoint)
                    st.success(f"Saved language model {saved.name!r} (version {saved.version}). "
                               f"{endpoint.destination()}")
                    return True
    return False


def consented(model: Model) -> bool:
    """Whether calls may start: always for a trained model or a local server; else once the admin agreed."""
    if model.kind != LLM_KIND:
        return True
    endpoint = endpoint_of(model)
    if endpoint.is_local:
        return True
    return bool(st.checkbox(f"I agree to send post text to {endpoint.host}", key=f"am_llm_agree_{model.name}"))


def llm_actions(ctx, model: Model) -> bool:
    """A language model's endpoint, where its calls go, and the validation button; whether calls may start."""
    settings = model.settings
    st.text(f"Version {model.version}: language model {settings['model']} at {settings['endpoint']}, prompt from "
            f"codebook version {model.codebook_version}; "
            + (f"validated on {model.training['n_posts']:,} coded posts" if model.metrics.get("variables")
               else "not validated yet"))
    st.warning(endpoint_of(model).destination())
    agreed = consented(model)
    if st.button("Validate on the coded posts", key="am_llm_validate", disabled=not agreed):
        with progress_bar("Asking the language model") as progress:
            checked = validate_llm(ctx.db, ctx.project, model.name, progress=progress)
        st.success(f"Validated on {checked.training['n_posts']:,} coded posts: stored as version {checked.version}.")
    return agreed
