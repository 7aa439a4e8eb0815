"""Reliability as a table (the Reliability and Exports pages): one row per variable, alpha
coloured by Krippendorff's customary thresholds."""

from __future__ import annotations

import pandas as pd

from coding.codebook import Codebook
from coding.verdicts import RELY, TENTATIVE, alpha_verdict

__all__ = ["RELY", "TENTATIVE", "alpha_colour", "reliability_table", "verdict"]

_COEFFICIENTS = {
    "percent_agreement": "% agreement", "cohen_kappa": "Cohen's kappa", "fleiss_kappa": "Fleiss' kappa",
    "scott_pi": "Scott's pi", "gwet_ac1": "Gwet's AC1", "brennan_prediger": "Brennan-Prediger",
}


def verdict(alpha: float | None) -> str:
    """:func:`coding.verdicts.alpha_verdict`, also for a missing cell of a table (NaN: ``undefined``)."""
    return alpha_verdict(None if alpha is None or pd.isna(alpha) else float(alpha))


def alpha_colour(alpha: object) -> str:
    """CSS background for an alpha cell: green, yellow, red by :func:`verdict`; grey if undefined."""
    return {"rely": "background-color: #c7f0d2", "tentative": "background-color: #fff1b8",
            "do not rely": "background-color: #ffd0d0"}.get(verdict(alpha), "background-color: #eaeef2")  # type: ignore[arg-type]


def reliability_table(results: list, book: Codebook, lang: str) -> pd.DataFrame:
    """One row per variable with the figures of each result's ``to_dict()``, unrounded."""
    rows = []
    for result in results:
        d = result.to_dict()
        low, high = d["alpha_ci"] or (None, None)
        rows.append({
            "variable": d["variable"], "label": book.variable(d["variable"]).display(lang), "level": d["level"],
            "units": d["n_units"], "coders": d["n_coders"], "alpha": d["krippendorff_alpha"],
            "CI low": low, "CI high": high, "q(alpha<.800)": (d["q"] or {}).get("0.8"),
            "verdict": verdict(d["krippendorff_alpha"]),
            **{label: d[key] for key, label in _COEFFICIENTS.items()},
        })
    return pd.DataFrame(rows)


