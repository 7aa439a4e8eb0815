"""What an alpha means for the variable: Krippendorff's customary minimums.

Krippendorff (2019, *Content Analysis*, 4th ed., sec. 12.4.4): rely on a
variable whose alpha is at least .800; alphas from .667 up to .800 support
tentative conclusions only; below .667, do not rely on the variable.  Every
report, chart, page and command takes the thresholds and the verdict from
here.

>>> alpha_verdict(0.81), alpha_verdict(0.7), alpha_verdict(0.5), alpha_verdict(None), alpha_verdict(float("nan"))
('rely', 'tentative', 'do not rely', 'undefined', 'undefined')
"""

from __future__ import annotations

__all__ = ["MINIMUMS", "RELY", "TENTATIVE", "VERDICT_TEXT", "alpha_verdict"]

#: Alpha from which a variable can be relied on.
RELY = 0.800
#: Alpha from which it supports tentative conclusions only.
TENTATIVE = 0.667
#: Both minimums, highest first (the default ``minimums`` of ``q``).
MINIMUMS: tuple[float, float] = (RELY, TENTATIVE)

#: Each verdict in plain words, for legends and table notes.
VERDICT_TEXT = {
    "rely": "alpha >= .800: rely on the variable",
    "tentative": ".667 <= alpha < .800: tentative conclusions only",
    "do not rely": "alpha < .667: do not rely on the variable",
    "undefined": "alpha undefined (no variation, or nothing pairable)",
}


def alpha_verdict(alpha: float | None) -> str:
    """``"rely"`` (>= .800), ``"tentative"`` (>= .667), ``"do not rely"``,
    or ``"undefined"`` when alpha is ``None`` or NaN."""
    if alpha is None or alpha != alpha:
        return "undefined"
    if alpha >= RELY:
        return "rely"
    if alpha >= TENTATIVE:
        return "tentative"
    return "do not rely"
