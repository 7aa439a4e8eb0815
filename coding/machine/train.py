"""Training a machine coder on the team's final values, and validating it.

:func:`train_model` reads the final dataset (:func:`coding.adjudication.final_dataset`:
adjudicated values, values the coders agreed on, a single coder's values),
fits one classifier per codable variable (:mod:`coding.machine.learners`)
over the posts' features (:mod:`coding.machine.features`, one matrix for
every variable and fold), validates it by k-fold cross-validation
(:mod:`coding.machine.crossval`, :mod:`coding.machine.validate`) and stores it
(:mod:`coding.machine.store`), all or nothing.

Conditional variables are trained only on the posts where they apply under
the final values (a variable asked only when ``match_outcome`` is
``success`` learns from the successes), and are applied only where they
apply under the model's own codes.  Numeric and free-text variables are
skipped with a note.  A variable is refused (:class:`TrainingRefused`,
naming every problem at once, nothing stored) when a code it uses has fewer
coded posts than :data:`MIN_FOLDS` (or the folds asked for, if fewer), or when only one code is used
(a variable whose rarest code has fewer posts than the folds asked for is
cross-validated with fewer folds, with a note); pass
``skip_unready=True`` to leave such variables out instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from scipy import sparse
from sqlalchemy import select

from coding.codebook import Codebook, Variable, is_applicable
from coding.machine import learners
from coding.machine.crossval import Job, cross_validate
from coding.machine.features import FeatureBatch, document, extract, fit_vocabulary, stopwords
from coding.machine.store import Model, VariableModel, save_model
from coding.verdicts import alpha_verdict
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project

__all__ = ["DEFAULT_SETTINGS", "TrainingRefused", "featurize", "train_model", "trainable_variables"]

#: The learner's settings (stored with each model).
DEFAULT_SETTINGS: dict[str, Any] = {
    "learner": "linear SVM (scikit-learn LinearSVC), class_weight=balanced, one-vs-rest; probabilities by "
               "temperature (single, ordinal) or Platt (multi) scaling of cross-validated scores",
    "features": "dazi tokens (jieba words, hashtags, stickers, mentions, emoji) + character 1-3-grams, TF-IDF",
    "C": 0.5, "min_df": 2, "max_features": 50_000, "folds": 10, "seed": 0, "bootstrap": 1000,
    "equivalence_margin": 0.05, "n_jobs": 2, "curve_folds": 5,
}
_CHOICE = ("single", "ordinal", "multi")
#: Fewest folds a variable is cross-validated with (a code needs at least this many coded posts).
MIN_FOLDS = 5


class TrainingRefused(ValidationError):
    """The coded posts cannot train (some of) the variables asked for; nothing was stored."""


@dataclass
class _Target:
    variable: Variable
    rows: list[int]          # positions in the training posts
    labels: list[Any]        # code id, or list of code ids (multi)
    classes: list[str]
    folds: int               # cross-validation folds: the setting, or fewer when a code is rarer


def trainable_variables(codebook: Codebook, variables: Sequence[str] | None = None) -> tuple[list[Variable], list[str]]:
    """The variables a model can learn (single, multi, ordinal) and notes on those it skips."""
    chosen = [codebook.variable(v) for v in variables] if variables else list(codebook.variables)
    keep, notes = [], []
    for variable in chosen:
        if variable.type in _CHOICE:
            keep.append(variable)
        else:
            notes.append(f"{variable.id}: a {variable.type} variable, skipped (a model codes choices of codes)")
    return keep, notes


def featurize(db: Database, docs: Sequence[str], *, n_process: int = 1) -> FeatureBatch:
    """Features of the documents, tokens read from (and written to) the token cache."""
    from corpus.search import token_codes

    return extract(docs, token_codes(db, docs, n_process=n_process), stopwords())


def _targets(codebook: Codebook, variables: list[Variable], finals: list[dict[str, Any]], folds: int,
             skip_unready: bool, notes: list[str]) -> list[_Target]:
    problems: list[str] = []
    out = []
    wanted, folds = folds, min(folds, MIN_FOLDS)  # a code needs posts for MIN_FOLDS folds; more folds when it has
    for variable in variables:
        rows, labels = [], []
        for i, values in enumerate(finals):
            value = values.get(variable.id)
            if value is None or not is_applicable(variable, values, codebook):
                continue
            rows.append(i)
            labels.append(value)
        order = {c.id: variable.order(c.id) for c in variable.all_codes()}
        issues = []
        if variable.type == "multi":
            counts = {c.id: 0 for c in variable.codable_codes()}
            for value in labels:
                for code in value:
                    counts[code] = counts.get(code, 0) + 1
            used = {c: n for c, n in counts.items() if n}
            for code, n in used.items():
                if n < folds:
                    issues.append(f"code {code!r} is chosen in {n} coded post(s); it needs {folds - n} more "
                                  f"(at least {folds}, one per cross-validation fold)")
                elif len(labels) - n < folds:
                    issues.append(f"code {code!r} is chosen in all but {len(labels) - n} post(s); it needs "
                                  f"{folds - (len(labels) - n)} more posts without it")
            if not used:
                issues.append("no code is chosen in any coded post")
        else:
            counts = {}
            for value in labels:
                counts[value] = counts.get(value, 0) + 1
            used = dict(counts)
            thin = {c: n for c, n in used.items() if n < folds}
            if len(used) < 2:
                only = next(iter(used), None)
                issues.append(f"only one code is used ({only!r} in all {len(labels)} coded posts): there is nothing "
                              "to tell apart" if only else "no coded post has a value")
            for code, n in sorted(thin.items(), key=lambda kv: order.get(kv[0], 0)):
                issues.append(f"code {code!r} has {n} coded post(s); it needs {folds - n} more "
                              f"(at least {folds}, one per cross-validation fold)")
        if issues:
            if skip_unready:
                notes.append(f"{variable.id}: skipped, " + "; ".join(issues))
                continue
            problems.append(f"{variable.id}: " + "; ".join(issues))
            continue
        classes = sorted(used, key=lambda c: (c not in order, order.get(c, 0), str(c)))
        rarest = min(min(n, len(labels) - n) for n in used.values()) if variable.type == "multi" \
            else min(used.values())
        k = max(folds, min(wanted, rarest))
        if k < wanted:
            notes.append(f"{variable.id}: {k}-fold cross-validation (its rarest code has {rarest} coded posts, "
                         f"fewer than the {wanted} folds asked for)")
        never = [c.id for c in variable.codable_codes() if c.id not in used]
        if never:
            notes.append(f"{variable.id}: never coded, so never given by the model: {', '.join(never)}")
        if variable.when:
            notes.append(f"{variable.id}: trained on the {len(rows)} posts where it applies (when {variable.when})")
        out.append(_Target(variable, rows, labels, classes, k))
    if problems:
        raise TrainingRefused(
            "The coded posts are not enough to train: " + " | ".join(problems),
            "Code more posts with these codes (dazi sample NAME --by-uncertainty MODEL draws likely ones), "
            "leave the variables out with --variables, or pass --skip-unready to train the others.")
    return out


def _missing(variable: Variable) -> list[str]:
    return [c.id for c in variable.all_codes() if c.missing]


def train_model(db: Database, project: Project, name: str, variables: Sequence[str] | None = None, *,
                settings: dict[str, Any] | None = None, skip_unready: bool = False,
                progress: Callable[[str], None] | None = None) -> Model:
    """Train, validate and store the machine coder ``name`` (a new version if it exists).

    Parameters
    ----------
    variables : sequence of str, optional
        Variable ids; default every single, multi and ordinal variable.
    settings : dict, optional
        Overrides of :data:`DEFAULT_SETTINGS` (``folds``, ``seed``, ``C``,
        ``bootstrap``, ``min_df``, ``max_features``, ``equivalence_margin``).
    skip_unready : bool
        Leave out variables whose coded posts cannot train them (with a
        note) instead of refusing.
    progress : callable, optional
        Called with a line of text at each step.

    Returns
    -------
    Model
        With the validation report in ``metrics`` (see :func:`coding.machine.report.report_lines`).

    Raises
    ------
    TrainingRefused
        Too few coded posts for a code (named, with how many more are
        needed), or a variable with one code used.
    ValidationError
        No coded posts, no choice variable, a bad name or setting.
    """
    from coding.adjudication import final_dataset
    from coding.codebook_store import current_codebook
    from corpus.store import get_posts_by_pk

    say = progress or (lambda line: None)
    name = (name or "").strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise ValidationError(f"Not a model name: {name!r}", "Use 1 to 100 characters without spaces, e.g. svm1.")
    chosen = {**DEFAULT_SETTINGS, **(settings or {})}
    unknown = set(settings or {}) - set(DEFAULT_SETTINGS)
    if unknown:
        raise ValidationError(f"Unknown model setting(s): {', '.join(sorted(unknown))}",
                              f"Settings: {', '.join(DEFAULT_SETTINGS)}.")
    if int(chosen["folds"]) < 2:
        raise ValidationError("Cross-validation needs at least 2 folds.")
    stored = current_codebook(db, project)
    codebook = stored.codebook
    wanted, notes = trainable_variables(codebook, variables)
    if not wanted:
        raise ValidationError("No single, multi or ordinal variable to train.",
                              "A model learns variables coded with codes; name them with --variables.")
    final = final_dataset(db, project)
    if final.empty:
        raise ValidationError("No post has a final value yet, so there is nothing to learn from.",
                              "Code posts first (and adjudicate disagreements).")
    finals = [{v.id: row[v.id] for v in codebook.variables} for _, row in final.iterrows()]
    targets = _targets(codebook, wanted, finals, int(chosen["folds"]), skip_unready, notes)
    if not targets:
        raise TrainingRefused("No variable can be trained: " + "; ".join(notes),
                              "Code more posts, then train again.")
    used_rows = sorted({i for t in targets for i in t.rows})
    pks = [int(final["post_pk"].iloc[i]) for i in used_rows]
    say(f"Reading and tokenising {len(pks):,} coded posts")
    posts = get_posts_by_pk(db, project, pks)
    docs = [document(posts[pk].get("title"), posts[pk].get("text")) for pk in pks]
    feats = featurize(db, docs)
    vocabulary = fit_vocabulary(feats, min_df=int(chosen["min_df"]), max_features=int(chosen["max_features"]))
    position = {row: i for i, row in enumerate(used_rows)}
    X = vocabulary.transform(feats)
    post_ids = [str(final["post_id"].iloc[i]) for i in used_rows]
    fitted: dict[str, VariableModel] = {}
    reports: dict[str, Any] = {}
    from coding.machine.report import validation_report

    humans = _human_codings(db, project)
    # posts two coders finished whose final value is open are in no training set: the final model codes them
    # for the one-more-coder test (it never saw them)
    known = set(post_ids)
    extra_ids = sorted({u for table in humans.values() for u in table} - known)
    X_all, ids_all = X, list(post_ids)
    if extra_ids:
        extra = _posts_by_id(db, project, extra_ids)
        extra_ids = [u for u in extra_ids if u in extra]
        X_all = sparse.vstack([X, vocabulary.transform(featurize(db, [extra[u] for u in extra_ids]))]).tocsr()
        ids_all += extra_ids
    row_of = {u: i for i, u in enumerate(ids_all)}
    jobs = [Job(t.variable.type, t.classes, [position[r] for r in t.rows], t.labels, t.folds, _missing(t.variable))
            for t in targets]
    validated = cross_validate(X, jobs, C=float(chosen["C"]), seed=int(chosen["seed"]),
                               curve_folds=int(chosen["curve_folds"]), n_jobs=int(chosen["n_jobs"]))
    with closing(validated):  # a failure stops the worker processes
        for target, job in zip(targets, jobs, strict=True):
            say(f"Training and cross-validating {target.variable.id} ({len(target.rows):,} posts, "
                f"{len(target.classes)} codes)")
            learnt, cv = next(validated)
            learnt.variable = target.variable.id
            fitted[target.variable.id] = learnt
            units = [post_ids[r] for r in job.rows]
            trained_on = set(units)
            unseen = [u for u in humans.get(target.variable.id, {}) if u not in trained_on and u in row_of]
            if unseen:
                probs = learners.probabilities(learnt, learners.scores(learnt, X_all[[row_of[u] for u in unseen]]))
                cv["unseen"] = dict(zip(unseen, learners.predict(learnt, probs, job.missing), strict=True))
            reports[target.variable.id] = validation_report(
                target.variable, target.classes, units, target.labels, cv, humans, chosen,
                missing_codes=codebook.reliability_missing_codes)
    human_alphas = _human_alphas(db, project, list(fitted), int(chosen["bootstrap"]), int(chosen["seed"]),
                                 overlap=bool(humans))
    for vid, alpha in human_alphas.items():
        reports[vid]["human"] = alpha
    random_ids = _random_post_ids(db, project, post_ids)
    model = Model(
        id=None, name=name, version=0, kind="linear", codebook_version=stored.version,
        settings={**chosen, "variables": {vid: {"type": m.type, "classes": m.classes} for vid, m in fitted.items()},
                  "pipeline_version": _pipeline_version()},
        training={"post_ids": post_ids, "n_posts": len(post_ids), "random_post_ids": random_ids},
        metrics={"variables": reports, "notes": notes, "n_features": len(vocabulary.terms)},
        created_at=None, vocabulary=vocabulary, variables=fitted)
    saved = save_model(db, project, model)
    say(f"Stored model {name!r} version {saved.version} (codebook version {stored.version})")
    return saved


def _posts_by_id(db: Database, project: Project, post_ids: list[str]) -> dict[str, str]:
    """Documents of posts by platform id."""
    from dazi.schema import posts

    out: dict[str, str] = {}
    with db.read() as conn:
        for start in range(0, len(post_ids), 2000):
            chunk = post_ids[start:start + 2000]
            for post_id, title, text in conn.execute(
                    select(posts.c.post_id, posts.c.title, posts.c.text)
                    .where(posts.c.project_id == project.id, posts.c.post_id.in_(chunk))):
                out[str(post_id)] = document(title, text)
    return out


def _pipeline_version() -> str:
    from corpus.text import PIPELINE_VERSION

    return PIPELINE_VERSION


def _human_codings(db: Database, project: Project) -> dict[str, dict[str, dict[str, Any]]]:
    """``{variable: {post_id: {coder: value}}}`` of the posts two or more humans finished."""
    from coding.project_reliability import project_codings

    data = project_codings(db, project)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for unit, coder, variable, value in zip(data["unit"], data["coder"], data["variable"], data["value"]):
        out.setdefault(variable, {}).setdefault(str(unit), {})[coder] = value
    return out


def _human_alphas(db: Database, project: Project, variables: list[str], bootstrap: int, seed: int, *,
                  overlap: bool = True) -> dict[str, dict[str, Any]]:
    """The human coders' alpha per variable (``None`` when no post was coded twice).

    ``overlap=False`` says that no post was coded twice (known from :func:`_human_codings`), which spares
    reading every coding again.
    """
    from coding.project_reliability import project_reliability

    def undefined(note: str) -> dict[str, dict[str, Any]]:
        return {v: {"alpha": None, "alpha_ci": None, "verdict": "undefined", "note": note} for v in variables}

    if not overlap:
        return undefined("No post has been coded by two or more coders yet, so there is nothing to compare.")
    try:
        results = project_reliability(db, project, variables=variables, bootstrap=bootstrap, seed=seed)
    except ValidationError as exc:
        return undefined(exc.message)
    return {r.variable: {"alpha": r.krippendorff_alpha, "alpha_ci": list(r.alpha_ci) if r.alpha_ci else None,
                         "verdict": alpha_verdict(r.krippendorff_alpha), "n_units": r.n_units}
            for r in results if r.variable}


def _random_post_ids(db: Database, project: Project, post_ids: list[str]) -> list[str]:
    """The training posts not drawn by a non-random (uncertainty) sample: those that may estimate error rates."""
    from coding.machine.sampling import nonrandom_post_ids

    drawn = nonrandom_post_ids(db, project)
    return [p for p in post_ids if p not in drawn]
