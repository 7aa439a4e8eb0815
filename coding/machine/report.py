"""A machine coder's validation report: built at training, printed by ``dazi model report``.

:func:`validation_report` turns one variable's cross-validation into plain
JSON (stored in ``models.metrics``): per-code figures, alpha against the
final values, the one-more-coder test, the learning curve, and the
out-of-fold codes themselves (which the corrected corpus-wide shares of
:mod:`coding.machine.prevalence` estimate error rates from).
:func:`report_lines` and :func:`validation_frame` lay it out for a terminal,
the app and the workbook.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coding.codebook import Variable
from coding.machine import validate
from coding.machine.store import LLM_KIND

__all__ = ["curve_frame", "report_lines", "validation_frame", "validation_report"]


def validation_report(variable: Variable, classes: list[str], units: list[str], truth: list[Any],
                      cv: dict[str, Any], humans: dict[str, dict[str, dict[str, Any]]],
                      settings: dict[str, Any], *, missing_codes: str = "value") -> dict[str, Any]:
    """One variable's validation as JSON-safe values (see the module docstring).

    *missing_codes* is the codebook's ``reliability_missing_codes``: the model's alpha reads
    "not stated" codes as the human coders' alpha does, so the two are at the same level.
    """
    bootstrap, seed = int(settings["bootstrap"]), int(settings["seed"])
    predicted = cv["predicted"]
    metrics = validate.code_metrics(variable, classes, truth, predicted)
    agreement = validate.model_alpha(variable, units, truth, predicted, bootstrap=bootstrap, seed=seed,
                                     missing_codes=missing_codes)
    model_codes = {**cv.get("unseen", {}), **dict(zip(units, predicted))}
    team = validate.one_more_coder(variable, humans.get(variable.id, {}), model_codes, bootstrap=min(bootstrap, 500),
                                   seed=seed, margin=float(settings["equivalence_margin"]), missing_codes=missing_codes)
    curve = []
    rows = cv.get("curve_rows", range(len(units)))
    curve_units, curve_truth = [units[i] for i in rows], [truth[i] for i in rows]
    for fraction in validate.FRACTIONS if "curve" in cv else ():  # a language model learns nothing: no curve
        labels = cv["curve"][fraction]
        point = validate.code_metrics(variable, classes, curve_truth, labels)
        alpha = validate.model_alpha(variable, curve_units, curve_truth, labels, bootstrap=0, seed=seed,
                                     missing_codes=missing_codes)["alpha"]
        curve.append({"fraction": fraction, "n_train": round(fraction * len(units) * (1 - 1 / int(settings["folds"]))),
                      "macro_f1": point["macro_f1"], "alpha": alpha})
    return {
        "type": variable.type, "classes": classes, "n": len(units), **metrics, "model": agreement,
        "one_more_coder": team, "learning_curve": curve,
        "curve_verdict": validate.curve_verdict(curve) if curve else "no learning curve: the model is not trained",
        "oof": {"post_ids": units, "truth": truth, "predicted": predicted},
    }


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}"


def _ci(ci: Any) -> str:
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""


def validation_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """One row per variable: n, macro-F1, the model's alpha and interval, the humans' alpha, verdicts, one more coder."""
    rows = []
    for vid, report in metrics.get("variables", {}).items():
        human = report.get("human") or {}
        team = report.get("one_more_coder") or {}
        rows.append({
            "variable": vid, "posts": report["n"], "macro_f1": report["macro_f1"], "accuracy": report["accuracy"],
            "alpha_model": report["model"]["alpha"], "alpha_model_ci": _ci(report["model"]["alpha_ci"]),
            "verdict_model": report["model"]["verdict"], "alpha_humans": human.get("alpha"),
            "verdict_humans": human.get("verdict", "undefined"),
            "one_more_coder": {True: "equivalent", False: "lowers alpha", None: "-"}[team.get("equivalent")],
            "learning_curve": report["curve_verdict"],
        })
    return pd.DataFrame(rows)


def curve_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """The learning curves in long form: variable, fraction, training posts, macro-F1, alpha."""
    rows = [{"variable": vid, **point} for vid, report in metrics.get("variables", {}).items()
            for point in report["learning_curve"]]
    return pd.DataFrame(rows, columns=["variable", "fraction", "n_train", "macro_f1", "alpha"])


def report_lines(model) -> list[str]:
    """The validation report of a stored model as lines of text."""
    metrics = model.metrics
    if model.kind == LLM_KIND:
        settings = model.settings
        lines = [(f"Model {model.name!r} version {model.version}: language model {settings['model']!r} at "
                  f"{settings['endpoint']} (not trained; prompt built from codebook version "
                  f"{model.codebook_version})")]
        lines.append(f"Validation: its codes of {model.training['n_posts']:,} coded posts against their final values "
                     f"(it never saw them: nothing is trained); alpha intervals from {settings['bootstrap']:,} "
                     "bootstrap resamples." if metrics.get("variables") else
                     f"Not validated yet: run `dazi model validate {model.name}` before it codes.")
    else:
        lines = [(f"Model {model.name!r} version {model.version}: trained on {model.training['n_posts']:,} coded "
                  f"posts, codebook version {model.codebook_version}, {metrics.get('n_features', 0):,} features"),
                 (f"Validation: {model.settings['folds']}-fold cross-validation on the coded posts; alpha "
                  f"intervals from {model.settings['bootstrap']:,} bootstrap resamples.")]
    for vid, report in metrics.get("variables", {}).items():
        human = report.get("human") or {}
        lines.append("")
        lines.append(f"{vid} ({report['type']}, {report['n']:,} posts): macro-F1 {_fmt(report['macro_f1'])}, "
                     f"accuracy {_fmt(report['accuracy'])}")
        lines.append(f"  alpha model vs final {_fmt(report['model']['alpha'])} {_ci(report['model']['alpha_ci'])} "
                     f"({report['model']['verdict']}); human coders {_fmt(human.get('alpha'))} "
                     f"{_ci(human.get('alpha_ci'))} ({human.get('verdict', 'undefined')})")
        lines.append(f"  {'code':<24} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        for row in report["codes"]:
            lines.append(f"  {str(row['code'])[:24]:<24} {_fmt(row['precision']):>9} {_fmt(row['recall']):>7} "
                         f"{_fmt(row['f1']):>6} {row['support']:>8}")
        team = report["one_more_coder"]
        if team.get("alpha_humans") is not None:
            said = ("codes like a member of the team" if team["equivalent"] else
                    f"lowers the team's alpha by more than {team['margin']:.2f} (or cannot be shown not to)")
            lines.append(f"  one more coder ({team['n_units']} posts coded by two or more coders): alpha "
                         f"{_fmt(team['alpha_humans'])} without the model, {_fmt(team['alpha_with_model'])} with it; "
                         f"difference 90% CI {_ci(team['difference_ci'])}: {said}")
        else:
            lines.append(f"  one more coder: {team.get('note', 'not computed')}")
        curve = ", ".join(f"{int(p['fraction'] * 100)}% {_fmt(p['macro_f1'], 2)}" for p in report["learning_curve"])
        lines.append(f"  learning curve (macro-F1): {curve}: {report['curve_verdict']}")
    for note in metrics.get("notes", []):
        lines.append(f"Note: {note}")
    return lines
