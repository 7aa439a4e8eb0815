"""A language model as one more coder: any OpenAI-compatible chat endpoint, validated like a trained model.

A language-model coder is a model of kind ``llm`` (:data:`coding.machine.store.LLM_KIND`)
that codes as the machine coder ``model:NAME`` like a trained one, so exports,
``dazi tables --with-model`` and the reports use it unchanged.  It stores no
parameters, only its endpoint (address, model name, and the *name* of the
environment variable holding an API key, never the key).

- :func:`register_llm` (``dazi model llm NAME --endpoint URL --model M``): an
  admin sets the endpoint; nothing is sent until then, and nothing is sent by
  registering.
- :func:`validate_llm` (``dazi model validate NAME``): the model codes the
  coded posts (temperature 0, a prompt built from the codebook by
  :mod:`coding.machine.llm_prompt`, JSON answers) and is validated against
  their final values with the trained models' functions
  (:func:`coding.machine.report.validation_report`: per-code precision,
  recall and F1, alpha with its interval and verdict beside the human
  coders' alpha, the one-more-coder test).  No training, so every coded post
  is unseen: no folds.  All or nothing: the report and every call are
  stored in one transaction, as the model's next version, only when every
  post got a valid answer.
- :func:`code_with_llm` (``dazi model code NAME``): the posts no human coded,
  in batches; each batch's codes and calls are stored in one transaction
  once every post in it got a valid answer.  A failure stops the run: the
  failing batch stores nothing, earlier batches stay, and running again codes
  only what is left (the rule the trained models follow).  Refused until the
  model is validated on the current codebook version.  A language model
  gives no probabilities: its codings store none and an uncertainty of 0,
  and uncertainty samples refuse it (:mod:`coding.machine.sampling`).

Every prompt and raw reply is stored (``llm_calls``; the system prompt once
per text in ``llm_prompts``): :func:`list_calls` reads them back.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from coding.codebook import Codebook, Variable
from coding.machine.code import CodingRun, check_current
from coding.machine.llm_client import Endpoint, EndpointError, chat
from coding.machine.llm_prompt import PROMPT_VERSION, ReplyError, parse_answer, system_prompt, user_prompt
from coding.machine.store import LLM_KIND, Model, get_model, save_model
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project
from dazi.schema import llm_calls, llm_prompts, machine_codings, posts, utcnow

__all__ = ["Call", "code_with_llm", "destination", "endpoint_of", "list_calls", "register_llm", "validate_llm"]

#: Validation settings stored with a language-model coder (as the trained models' ``settings``).
VALIDATION_DEFAULTS: dict[str, Any] = {"bootstrap": 1000, "seed": 0, "equivalence_margin": 0.05}


@dataclass
class Call:
    """One call to the endpoint for one post: what was sent and what came back."""

    post_pk: int
    post_id: str
    variables: list[str]
    prompt: str
    reply: str
    parsed: dict[str, Any]
    latency_ms: float
    attempts: int


def endpoint_of(model: Model) -> Endpoint:
    """The endpoint a language-model coder calls (:class:`ValidationError` for a trained model)."""
    if model.kind != LLM_KIND:
        raise ValidationError(f"Model {model.name!r} is a trained model, not a language model.",
                              "Trained models are validated when trained: dazi model report " + model.name)
    return Endpoint.from_settings(model.settings)


def destination(model: Model) -> str:
    """Where post text goes when this model codes, in plain words (to show before any call)."""
    return endpoint_of(model).destination()


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise ValidationError(f"Not a model name: {name!r}", "Use 1 to 100 characters without spaces, e.g. qwen.")
    return name


def register_llm(db: Database, project: Project, name: str, endpoint: Endpoint, *,
                 variables: Sequence[str] | None = None) -> Model:
    """Set (or change) the endpoint of the language-model coder ``name``; nothing is sent.

    Changing the endpoint of an existing name stores its next version (its
    codes and validation belong to the old endpoint and are dropped).

    Parameters
    ----------
    variables : sequence of str, optional
        The variables it codes; default every single, multi and ordinal variable.

    Raises
    ------
    ValidationError
        A bad name, an unknown or uncodable variable, or a name held by a trained model.
    """
    from coding.codebook_store import current_codebook
    from coding.machine.train import trainable_variables

    name = _check_name(name)
    stored = current_codebook(db, project)
    chosen, notes = trainable_variables(stored.codebook, list(variables) if variables else None)
    if variables and notes:
        raise ValidationError("A language model codes choices of codes: " + "; ".join(notes),
                              "Leave numeric and text variables out of --variables.")
    if not chosen:
        raise ValidationError("The codebook has no single, multi or ordinal variable to code.")
    model = Model(id=None, name=name, version=0, kind=LLM_KIND, codebook_version=stored.version,
                  settings={**endpoint.to_settings(), **VALIDATION_DEFAULTS, "temperature": 0,
                            "asked": list(variables) if variables else None, "prompt_version": PROMPT_VERSION},
                  training={"post_ids": [], "n_posts": 0, "random_post_ids": []},
                  metrics={"variables": {}, "notes": notes}, created_at=None)
    return save_model(db, project, model)


def _asked(model: Model, codebook: Codebook) -> tuple[list[Variable], list[str]]:
    from coding.machine.train import trainable_variables

    return trainable_variables(codebook, model.settings.get("asked"))


def _ask(endpoint: Endpoint, codebook: Codebook, variables: list[Variable], system: str,
         item: tuple[int, str, str]) -> Call:
    pk, post_id, doc = item
    prompt = user_prompt(doc)
    reply = chat(endpoint, [{"role": "system", "content": system}, {"role": "user", "content": prompt}])
    parsed = parse_answer(codebook, variables, reply.content, post_id=post_id)
    return Call(pk, post_id, [v.id for v in variables], prompt, reply.raw, parsed, reply.latency_ms, reply.attempts)


def _ask_all(endpoint: Endpoint, codebook: Codebook, variables: list[Variable], system: str,
             items: Sequence[tuple[int, str, str]], workers: int,
             progress: Callable[[int], None] | None = None) -> list[Call]:
    """Every post's call, in order; the first failure stops the rest (posts not yet sent are never sent)."""
    out: list[Call] = []
    if workers <= 1:
        for item in items:
            out.append(_ask(endpoint, codebook, variables, system, item))
            if progress is not None:
                progress(len(out))
        return out
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(_ask, endpoint, codebook, variables, system, item) for item in items]
        for future in futures:
            out.append(future.result())
            if progress is not None:
                progress(len(out))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out


def _prompt_id(conn: Connection, model: Model, text: str) -> int:
    from coding.machine.store import new_id

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found = conn.execute(select(llm_prompts.c.id).where(llm_prompts.c.model_id == model.id,
                                                        llm_prompts.c.digest == digest)).scalar()
    if found is not None:
        return int(found)
    return new_id(conn.execute(llm_prompts.insert().values(model_id=model.id, digest=digest, text=text)))


def _store_calls(conn: Connection, project: Project, model: Model, purpose: str, system: str,
                 calls: Iterable[Call]) -> None:
    prompt_id = _prompt_id(conn, model, system)
    now = utcnow()
    rows = [{"project_id": project.id, "model_id": model.id, "model_version": model.version, "model_name": model.name,
             "purpose": purpose, "post_pk": c.post_pk, "post_id": c.post_id, "variables": c.variables,
             "system_prompt_id": prompt_id, "prompt": c.prompt, "reply": c.reply, "parsed": c.parsed,
             "latency_ms": round(c.latency_ms, 1), "attempts": c.attempts, "error": None, "created_at": now}
            for c in calls]
    if rows:
        conn.execute(llm_calls.insert(), rows)


def _documents(db: Database, project: Project, pks: Sequence[int]) -> dict[int, tuple[str, str]]:
    """``{post_pk: (post_id, document)}``: what the model reads of each post (as the trained models do)."""
    from coding.machine.features import document

    out: dict[int, tuple[str, str]] = {}
    with db.read() as conn:
        for start in range(0, len(pks), 1000):
            chunk = list(pks[start:start + 1000])
            for pk, post_id, title, text in conn.execute(
                    select(posts.c.id, posts.c.post_id, posts.c.title, posts.c.text).where(posts.c.id.in_(chunk))):
                out[int(pk)] = (str(post_id), document(title, text))
    return out


def _classes(variable: Variable, truth: Sequence[Any], predicted: Sequence[Any]) -> list[str]:
    """The codes given by the final values or the model, in codebook order."""
    seen: set[str] = set()
    for value in (*truth, *predicted):
        if value is None:
            continue
        seen.update(value if isinstance(value, list) else [value])
    return [c.id for c in variable.all_codes() if c.id in seen]


def validate_llm(db: Database, project: Project, name: str, *, limit: int | None = None, seed: int | None = None,
                 bootstrap: int | None = None, workers: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> Model:
    """Code the coded posts with the language model and store its validation as the model's next version.

    Parameters
    ----------
    limit : int, optional
        Validate on this many coded posts drawn at random (with ``seed``)
        instead of all of them (each post is one call).
    seed, bootstrap : int, optional
        The draw's and the bootstrap's seed; bootstrap resamples for the alpha intervals.
    workers : int
        Calls in flight at once.
    progress : callable, optional
        ``progress(done, total)`` after each call.

    Raises
    ------
    EndpointError, ReplyError
        The endpoint failed or answered something that is not a coding; nothing was stored.
    ValidationError
        Not a language model, no coded posts, a bad limit.
    """
    from coding.adjudication import final_dataset
    from coding.codebook_store import current_codebook
    from coding.machine.report import validation_report
    from coding.machine.train import _human_alphas, _human_codings, _random_post_ids

    model = get_model(db, project, name, parameters=False)
    endpoint = endpoint_of(model)
    settings = {**model.settings}
    settings["seed"] = int(settings["seed"] if seed is None else seed)
    settings["bootstrap"] = int(settings["bootstrap"] if bootstrap is None else bootstrap)
    if limit is not None and limit < 2:
        raise ValidationError(f"Validating on {limit} post(s) measures nothing.", "Pass --limit 2 or more.")
    stored = current_codebook(db, project)
    codebook = stored.codebook
    variables, notes = _asked(model, codebook)
    final = final_dataset(db, project)
    if final.empty:
        raise ValidationError("No post has a final value yet, so the language model cannot be validated.",
                              "Code posts first (and adjudicate disagreements).")
    humans = _human_codings(db, project)
    finals = {int(pk): {v.id: row[v.id] for v in variables}
              for pk, (_, row) in zip(final["post_pk"], final.iterrows(), strict=True)}
    double = {u for table in humans.values() for u in table}
    ids = dict(zip((int(pk) for pk in final["post_pk"]), (str(p) for p in final["post_id"]), strict=True))
    pks = [pk for pk in finals if any(v is not None for v in finals[pk].values()) or ids[pk] in double]
    if limit is not None and limit < len(pks):
        pks = sorted(random.Random(settings["seed"]).sample(pks, limit))
        notes = [*notes, f"validated on {limit:,} coded posts drawn at random (seed {settings['seed']}) of "
                         f"{len(finals):,}"]
    docs = _documents(db, project, pks)
    system = system_prompt(codebook, variables)
    items = [(pk, *docs[pk]) for pk in pks]
    calls = _ask_all(endpoint, codebook, variables, system, items, workers,
                     (lambda done: progress(done, len(items))) if progress else None)
    answers = {c.post_pk: c.parsed for c in calls}
    reports: dict[str, Any] = {}
    for variable in variables:
        rows = [pk for pk in pks if finals[pk].get(variable.id) is not None]
        if not rows:
            notes.append(f"{variable.id}: no validated post has a final value, so it is not validated and not coded")
            continue
        truth = [finals[pk][variable.id] for pk in rows]
        predicted = [answers[pk].get(variable.id) for pk in rows]
        units = [ids[pk] for pk in rows]
        valued = set(rows)
        unseen = {ids[pk]: answers[pk].get(variable.id) for pk in pks
                  if ids[pk] in humans.get(variable.id, {}) and pk not in valued}
        cv = {"predicted": predicted, "unseen": unseen}
        reports[variable.id] = validation_report(variable, _classes(variable, truth, predicted), units, truth, cv,
                                                 humans, settings, missing_codes=codebook.reliability_missing_codes)
    for vid, alpha in _human_alphas(db, project, list(reports), settings["bootstrap"], settings["seed"]).items():
        reports[vid]["human"] = alpha
    post_ids = [ids[pk] for pk in pks]
    latencies = sorted(c.latency_ms for c in calls)
    checked = Model(
        id=None, name=model.name, version=0, kind=LLM_KIND, codebook_version=stored.version, settings=settings,
        training={"post_ids": post_ids, "n_posts": len(post_ids),
                  "random_post_ids": _random_post_ids(db, project, post_ids)},
        metrics={"variables": reports, "notes": notes, "n_calls": len(calls),
                 "median_latency_ms": latencies[len(latencies) // 2] if latencies else None},
        created_at=None)
    return save_model(db, project, checked,
                      also=lambda conn, saved: _store_calls(conn, project, saved, "validate", system, calls))


def code_with_llm(db: Database, project: Project, name: str, *, sample: str | None = None, recode: bool = False,
                  batch_size: int = 50, workers: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> CodingRun:
    """Code every post without a finished human coding with the language model (see the module docstring).

    Raises
    ------
    ValidationError
        Not validated yet, or validated on an older codebook version.
    EndpointError, ReplyError
        The endpoint failed or answered nonsense: the batch it happened in
        stored nothing; the message says how many posts earlier batches coded.
    """
    from coding.machine.code import _batches, _todo
    from corpus.sampling import get_sample

    model = get_model(db, project, name, parameters=False)
    endpoint = endpoint_of(model)
    if not model.metrics.get("variables"):
        raise ValidationError(f"Language model {name!r} has not been validated, so nobody knows how well it codes. "
                              "Nothing was coded.", f"Validate it first: dazi model validate {name}")
    codebook = check_current(db, project, model)
    variables = [codebook.variable(v) for v in model.metrics["variables"]]
    system = system_prompt(codebook, variables)
    sample_id = get_sample(db, project, sample).id if sample else None
    todo, humans, already = _todo(db, project, model, sample_id, recode)
    done = 0
    for batch in _batches(todo, max(1, int(batch_size))):
        docs = _documents(db, project, batch)
        try:
            calls = _ask_all(endpoint, codebook, variables, system, [(pk, *docs[pk]) for pk in batch], workers)
        except (EndpointError, ReplyError) as exc:
            kept = (f" {done:,} posts coded by earlier batches are kept: run the command again to code the rest."
                    if done else "")
            raise type(exc)(f"{exc.message} Nothing of this batch of {len(batch):,} posts was stored.{kept}",
                            exc.hint) from None
        now = utcnow()
        records = [{"model_id": model.id, "post_pk": c.post_pk, "project_id": project.id, "codes": c.parsed,
                    "probabilities": {}, "uncertainty": 0.0, "model_version": model.version, "created_at": now}
                   for c in calls]

        def write(conn: Connection, batch: list[int] = batch, records: list[dict] = records,
                  calls: list[Call] = calls) -> None:
            conn.execute(delete(machine_codings).where(machine_codings.c.model_id == model.id,
                                                       machine_codings.c.post_pk.in_(batch)))
            conn.execute(machine_codings.insert(), records)
            _store_calls(conn, project, model, "code", system, calls)

        db.retrying(write)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    return CodingRun(model.name, model.version, done, humans, already)


def list_calls(db: Database, project: Project, name: str, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The stored calls of model ``name`` (every version), newest last, with the system prompt's text."""
    model = get_model(db, project, name, parameters=False)
    query = (select(llm_calls.c.id, llm_calls.c.model_version, llm_calls.c.purpose, llm_calls.c.post_id,
                    llm_calls.c.variables, llm_prompts.c.text.label("system_prompt"), llm_calls.c.prompt,
                    llm_calls.c.reply, llm_calls.c.parsed, llm_calls.c.latency_ms, llm_calls.c.attempts,
                    llm_calls.c.error, llm_calls.c.created_at)
             .join(llm_prompts, llm_prompts.c.id == llm_calls.c.system_prompt_id)
             .where(llm_calls.c.model_id == model.id).order_by(llm_calls.c.id))
    if limit is not None:
        query = query.limit(limit)
    with db.read() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


