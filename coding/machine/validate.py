"""Validating a machine coder the way a human coder is validated.

Song, Tolochko, Eberl et al. (2020, "In validations we trust?", Political
Communication) ask for per-class precision, recall and F1 on held-out human
coding, with the human coders' own reliability beside them.  dazi reports,
per variable, from k-fold cross-validation on the coded posts:

- precision, recall, F1 and support per code, macro-F1 and accuracy
  (scikit-learn's definitions);
- Krippendorff's alpha between the model's codes and the final values, with
  a bootstrapped interval, beside the human coders' alpha on the same
  variable, and the same verdict words (:func:`coding.verdicts.alpha_verdict`);
- the "one more coder" test: alpha among the human coders on the posts two
  or more of them coded, with and without the model's (cross-validated)
  codes; the model codes like a member of the team when adding it lowers
  alpha by less than a margin with 95 % confidence (a one-sided bootstrap
  equivalence test; arXiv 2510.06658);
- a learning curve: macro-F1 and alpha at 25, 50, 75 and 100 % of each
  fold's training posts, and whether coding more posts would likely help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from coding.codebook import Variable
from coding.project_reliability import missing_code_rule
from coding.reliability import (
    MultiReliability,
    VariableReliability,
    krippendorff_alpha,
    multi_reliability,
    reliability,
)
from coding.verdicts import alpha_verdict
from dazi.errors import ValidationError

__all__ = ["FRACTIONS", "code_metrics", "curve_verdict", "model_alpha", "one_more_coder"]

#: Shares of the training posts the learning curve is drawn at.
FRACTIONS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)

def _value_key(variable: Variable, value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def code_metrics(variable: Variable, classes: Sequence[str], truth: Sequence[Any], predicted: Sequence[Any]
                 ) -> dict[str, Any]:
    """Per code precision, recall, F1 and support; macro-F1; accuracy (exact match for multi)."""
    from sklearn.metrics import precision_recall_fscore_support

    classes = list(classes)
    if variable.type == "multi":
        Y = np.array([[c in (t or ()) for c in classes] for t in truth], dtype=int)
        P = np.array([[c in (p or ()) for c in classes] for p in predicted], dtype=int)
        precision, recall, f1, support = precision_recall_fscore_support(Y, P, zero_division=0)
        accuracy = float(np.mean([set(t or ()) == set(p or ()) for t, p in zip(truth, predicted)]))
    else:  # no code (a language model's null) is a miss: a label no class has
        precision, recall, f1, support = precision_recall_fscore_support(
            list(truth), ["\x00none" if p is None else p for p in predicted], labels=classes, zero_division=0)
        accuracy = float(np.mean([t == p for t, p in zip(truth, predicted)]))
    used = [i for i, s in enumerate(support) if s > 0]
    per_code = [{"code": c, "label": variable.code(c).display("en") if variable.has_code(c) else c,
                 "precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                 "support": int(support[i])} for i, c in enumerate(classes)]
    return {"codes": per_code, "macro_f1": float(np.mean([f1[i] for i in used])) if used else None,
            "accuracy": accuracy, "n": len(truth)}


def model_alpha(variable: Variable, units: Sequence[str], truth: Sequence[Any], predicted: Sequence[Any], *,
                bootstrap: int, seed: int, missing_codes: str = "value") -> dict[str, Any]:
    """Krippendorff's alpha between the final values and the model's codes, with its interval.

    "Not stated" codes are read as for the human coders' alpha
    (:func:`coding.project_reliability.missing_code_rule`, with the codebook's
    ``reliability_missing_codes`` as *missing_codes*): the two alphas are at the same level.
    Without a bootstrap (the learning curve's points) alpha is computed on the units x coders array
    directly (:func:`pair_alpha`), the same coefficient without building the reliability tables.
    """
    import pandas as pd

    if bootstrap == 0:
        alpha = pair_alpha(variable, truth, predicted, missing_codes=missing_codes)
        return {"alpha": alpha, "alpha_ci": None, "verdict": alpha_verdict(alpha)}

    frame = pd.DataFrame({"unit": [*units, *units], "coder": ["final"] * len(units) + ["model"] * len(units),
                          "value": pd.Series([*truth, *predicted], dtype=object)})
    result: VariableReliability | MultiReliability
    if variable.type == "multi":
        frame["value"] = [list(v) if v is not None else None for v in frame["value"]]
        result = multi_reliability(frame, codes=[c.id for c in variable.codable_codes()], bootstrap=bootstrap,
                                   seed=seed, variable=variable.id)
    else:
        rule = missing_code_rule(variable, frame["value"], missing_codes)
        frame["value"] = pd.Series([None if v in rule.missing else v for v in frame["value"]], dtype=object)
        order = [c.id for c in variable.ordered_codes()] if rule.level != "nominal" else None
        result = reliability(frame, level=rule.level, value_order=order, bootstrap=bootstrap,
                             seed=seed, variable=variable.id)
    alpha = result.krippendorff_alpha
    return {"alpha": alpha, "alpha_ci": list(result.alpha_ci) if result.alpha_ci else None,
            "verdict": alpha_verdict(alpha)}


def _unit_matrix(variable: Variable, table: dict[str, dict[str, Any]], coders: list[str],
                 missing_codes: str = "value") -> tuple[np.ndarray, str, int]:
    """Units x coders as numbers (rows per unit; for multi, one row per unit and code), its level, rows per unit."""
    units = list(table)
    if variable.type == "multi":
        codes = [c.id for c in variable.codable_codes()]
        rows = []
        for unit in units:
            for code in codes:
                rows.append([np.nan if table[unit].get(c) is None else float(code in table[unit][c]) for c in coders])
        return np.array(rows, dtype=float).reshape(len(units) * len(codes), len(coders)), "nominal", len(codes)
    rule = missing_code_rule(variable, (table[u].get(c) for u in units for c in coders), missing_codes)
    missing, level = rule.missing, rule.level
    if level != "nominal":
        rank = {c.id: float(i) for i, c in enumerate(variable.ordered_codes())}
    else:
        rank = {c.id: float(i) for i, c in enumerate(variable.all_codes())}
    out = np.full((len(units), len(coders)), np.nan)
    for i, unit in enumerate(units):
        for j, coder in enumerate(coders):
            value = table[unit].get(coder)
            if value is not None and value not in missing and value in rank:
                out[i, j] = rank[value]
    return out, level, 1


def pair_alpha(variable: Variable, truth: Sequence[Any], predicted: Sequence[Any], *,
               missing_codes: str = "value") -> float | None:
    """Krippendorff's alpha between two codings of the same units, from the units x coders array."""
    table = {str(i): {"final": t, "model": p} for i, (t, p) in enumerate(zip(truth, predicted, strict=True))}
    matrix, level, _ = _unit_matrix(variable, table, ["final", "model"], missing_codes)
    return _finite(_alpha(matrix, level))


def _alpha(matrix: np.ndarray, level: str) -> float:
    try:
        value = krippendorff_alpha(matrix, level=level)
    except (ValidationError, ValueError, ZeroDivisionError):  # undefined on a resample: counted as missing
        return float("nan")
    return float("nan") if value is None else float(value)


def one_more_coder(variable: Variable, human: dict[str, dict[str, Any]], model: dict[str, Any], *,
                   bootstrap: int, seed: int, margin: float = 0.05, missing_codes: str = "value") -> dict[str, Any]:
    """Alpha among the humans with and without the model on the units two or more humans coded.

    Parameters
    ----------
    human : dict
        ``{unit: {coder: value}}`` of the double-coded units (values as stored).
    model : dict
        ``{unit: value}``: the model's cross-validated code of each unit.
    margin : float
        How much lower alpha with the model may be and still count as equal.
    missing_codes : {"value", "missing"}
        The codebook's ``reliability_missing_codes``: how "not stated" codes are read, as for
        the human coders' alpha (:func:`coding.project_reliability.missing_code_rule`).

    Returns
    -------
    dict
        ``alpha_humans``, ``alpha_with_model``, ``difference`` and its
        bootstrapped 90 % interval, ``equivalent`` (the interval's lower end
        above ``-margin``), ``n_units``, ``margin``.
    """
    units = [u for u in human if u in model and len(human[u]) >= 2]
    if len(units) < 2:
        return {"n_units": len(units), "alpha_humans": None, "alpha_with_model": None, "difference": None,
                "difference_ci": None, "equivalent": None, "margin": margin,
                "note": "fewer than two posts coded by two or more coders and by the model"}
    coders = sorted({c for u in units for c in human[u]})
    table = {u: {**human[u], "\x00model": model[u]} for u in units}
    matrix, level, per_unit = _unit_matrix(variable, table, [*coders, "\x00model"], missing_codes)
    without, with_model = _alpha(matrix[:, :-1], level), _alpha(matrix, level)
    rng = np.random.default_rng(seed)
    n = len(units)
    drawn = []
    for _ in range(bootstrap):
        pick = rng.integers(0, n, n)
        rows = (pick[:, None] * per_unit + np.arange(per_unit)).ravel()
        part = matrix[rows]
        drawn.append(_alpha(part, level) - _alpha(part[:, :-1], level))
    diffs = np.array(drawn)
    diffs = diffs[np.isfinite(diffs)]
    ci = [float(np.quantile(diffs, 0.05)), float(np.quantile(diffs, 0.95))] if len(diffs) else None
    diff = with_model - without if np.isfinite(with_model) and np.isfinite(without) else None
    return {"n_units": n, "alpha_humans": _finite(without), "alpha_with_model": _finite(with_model),
            "difference": diff, "difference_ci": ci, "margin": margin,
            "equivalent": None if ci is None else bool(ci[0] > -margin)}


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def curve_verdict(points: Sequence[dict[str, Any]]) -> str:
    """Whether more coding would likely help, from the last two points of the learning curve."""
    scores = [p.get("macro_f1") for p in points]
    if len(scores) < 2 or scores[-1] is None or scores[-2] is None:
        return "not enough posts to tell"
    gain = scores[-1] - scores[-2]
    if gain > 0.02:
        return "still rising: coding more posts would likely help"
    if gain > 0.005:
        return "rising slowly: more posts would help a little"
    return "flat: more posts like these would add little"
