"""Computing a prepared variable's reliability: every coefficient, its
standard error and interval, Krippendorff's bootstrap, and the notes that
explain what was left out and why."""

from __future__ import annotations

import numbers

import numpy as np

from coding.agreement import (
    AlphaParts,
    alpha_parts,
    bootstrap_alpha,
    brennan_prediger,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac,
    pairs_of,
    percent_agreement,
    scott_pi,
)
from coding.agreement_variance import (
    confidence_interval,
    raw_standard_error,
    two_coder_standard_error,
)
from coding.reliability_data import _Prepared
from coding.reliability_results import VariableReliability

# ---------------------------------------------------------------------------
# Computing a variable's reliability
# ---------------------------------------------------------------------------


def _q_key(m: float) -> str:
    return repr(float(m))


def _assess(
    prep: _Prepared,
    *,
    weights: str,
    n_bootstrap: int,
    rng: np.random.Generator,
    seed: object,
    ci: float,
    minimums: tuple[float, ...],
    variable: str | None,
    population: int | None = None,
) -> VariableReliability:
    coded = prep.coded
    notes = list(prep.notes)
    pairs = pairs_of(coded)
    parts = alpha_parts(coded, pairs)
    m = coded.per_unit
    singles = int((m == 1).sum())
    if singles:
        notes.append(
            f"{singles} unit(s) have a value from only one coder (the other coders' cells are "
            "missing), so they are not pairable: left out of alpha, percent agreement, Cohen's kappa "
            "and Scott's pi (Gwet's category proportions for Fleiss' and Conger's kappa and AC1 "
            "still count them, as in Gwet 2014)"
        )
    if parts.note:
        notes.append(parts.note)
    fleiss = fleiss_kappa(coded, pairs, weights)
    gwet = gwet_ac(coded, pairs, weights)
    bp = brennan_prediger(coded, pairs, weights)
    cohen = cohen_kappa(coded, pairs, weights)
    scott = scott_pi(coded, pairs, weights)
    conger = conger_kappa(coded, pairs, weights)
    if cohen.note and scott.note and "exactly two coders" in cohen.note:
        notes.append(cohen.note.replace("Cohen's kappa is", "Cohen's kappa and Scott's pi are"))
    else:
        notes.extend(c.note for c in (cohen, scott) if c.note)
    notes.extend(c.note for c in (conger, fleiss, gwet, bp) if c.note)
    if weights != "identity":
        notes.append(
            f"Cohen's, Conger's and Fleiss' kappa, Scott's pi, Brennan-Prediger and Gwet's "
            f"coefficient use {weights} weights over the {coded.level} values (gwet_ac1 therefore "
            "holds Gwet's AC2)"
        )
    alpha_ci, q = _bootstrap(parts, n_bootstrap, rng, seed, ci, minimums, notes)
    pa = percent_agreement(coded, pairs)
    n_units = int((coded.per_unit >= 1).sum())
    ses: dict[str, float | None] = {
        "percent_agreement": raw_standard_error(
            "percent", coded, "identity", pa, None, population
        ),
        "cohen_kappa": two_coder_standard_error(
            "cohen", coded, pairs, weights, cohen.value, cohen.pa, cohen.pe, population
        ),
        "conger_kappa": raw_standard_error(
            "conger", coded, weights, conger.value, conger.pe, population
        ),
        "fleiss_kappa": raw_standard_error(
            "fleiss", coded, weights, fleiss.value, fleiss.pe, population
        ),
        "scott_pi": two_coder_standard_error(
            "scott", coded, pairs, weights, scott.value, scott.pa, scott.pe, population
        ),
        "gwet_ac1": raw_standard_error("gwet", coded, weights, gwet.value, gwet.pe, population),
        "brennan_prediger": raw_standard_error(
            "brennan_prediger", coded, weights, bp.value, bp.pe, population
        ),
    }
    values = {
        "percent_agreement": pa,
        "cohen_kappa": cohen.value,
        "conger_kappa": conger.value,
        "fleiss_kappa": fleiss.value,
        "scott_pi": scott.value,
        "gwet_ac1": gwet.value,
        "brennan_prediger": bp.value,
    }
    two_coder_n = len(pairs)
    intervals = {
        name: confidence_interval(
            values[name],
            se,
            two_coder_n if name in ("cohen_kappa", "scott_pi") else n_units,
            ci,
        )
        for name, se in ses.items()
    }
    return VariableReliability(
        variable=variable,
        level=coded.level,
        n_units=int(coded.codes.shape[0]),
        n_coders=prep.n_coders,
        n_pairable=parts.n,
        krippendorff_alpha=parts.alpha,
        alpha_ci=alpha_ci,
        q=q,
        percent_agreement=pa,
        cohen_kappa=cohen.value,
        fleiss_kappa=fleiss.value,
        scott_pi=scott.value,
        gwet_ac1=gwet.value,
        brennan_prediger=bp.value,
        conger_kappa=conger.value,
        standard_errors=ses,
        intervals=intervals,
        notes=notes,
        weights=weights,
        ci_level=ci,
        n_bootstrap=n_bootstrap,
        population=population,
    )


def _bootstrap(
    parts: AlphaParts,
    n_bootstrap: int,
    rng: np.random.Generator,
    seed: object,
    ci: float,
    minimums: tuple[float, ...],
    notes: list[str] | None,
) -> tuple[tuple[float, float] | None, dict[str, float] | None]:
    if n_bootstrap == 0 or parts.alpha is None:
        if notes is not None and n_bootstrap == 0:
            notes.append("no confidence interval: bootstrap=0")
        return None, None
    samples = bootstrap_alpha(parts, n_bootstrap, rng)
    low, high = np.quantile(samples, [(1.0 - ci) / 2.0, (1.0 + ci) / 2.0])
    q = {_q_key(m): float(np.mean(samples < m)) for m in minimums}
    if notes is not None:
        seed_text = f"seed {seed}" if isinstance(seed, numbers.Integral) else "unseeded"
        notes.append(
            f"alpha_ci and q from {n_bootstrap} bootstrap resamples of {len(parts.pairs)} pairs of values "
            f"(Krippendorff's algorithm, Hayes & Krippendorff 2007; {seed_text})"
        )
        if parts.d_o == 0:
            notes.append(
                "every pair of values agrees, so every resample gives alpha = 1: the interval has no "
                "width and shows no sampling uncertainty"
            )
    return (float(low), float(high)), q

