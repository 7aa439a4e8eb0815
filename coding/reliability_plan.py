"""How many units a reliability subsample needs (Krippendorff's planner).

Krippendorff (2019, *Content Analysis*, 4th ed., ch. 12; 2004, 2nd ed.,
ch. 11) sizes the reliability sample with Bloch & Kraemer's (1989,
eq. 3.7) formula, as the ATLAS.ti manual ("Sample Size and Decision Rules")
documents it for inter-coder agreement::

    N = m * z**2 * ((1 + a)(3 - a) / (4 (1 - a) p (1 - p)) - a)

where ``a`` is the smallest acceptable alpha, ``z`` the one-tailed normal
quantile for the significance level (1.645 at .05), ``p`` the probability
of the least frequent category (``1 / k`` for ``k`` equally likely
categories) and ``m`` the number of coders (the manual: "multiply Z square
by the number of coders"; its table is for two).  The result is rounded up.
"""

from __future__ import annotations

import math
import numbers
from statistics import NormalDist

from dazi.errors import ValidationError

__all__ = ["plan_sample_size"]


def _number(name: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
    ):
        raise ValidationError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def plan_sample_size(
    alpha_min: float,
    p: float = 0.05,
    categories: int | None = None,
    smallest_p: float | None = None,
    coders: int = 2,
) -> int:
    """Minimum number of units to code for a reliability test.

    Parameters
    ----------
    alpha_min : float
        Smallest alpha you will accept, e.g. 0.800 (rely on the variable) or
        0.667 (tentative conclusions only).  Must be in (0, 1).
    p : float, default 0.05
        Significance level: the chance of wrongly concluding alpha >= alpha_min.
        Must be in (0, 0.5).
    categories : int, optional
        Number of equally likely categories (then ``smallest_p = 1 / categories``).
    smallest_p : float, optional
        Estimated probability of the least frequent category, in (0, 0.5].
        Give exactly one of ``categories`` and ``smallest_p``.
    coders : int, default 2
        Number of coders who will each code every unit of the subsample.

    Returns
    -------
    int
        Number of units, rounded up.

    Examples
    --------
    The ATLAS.ti manual's example: four equally likely codes, alpha .800 at
    the .05 level, two coders, needs 139 units (81 for alpha .667).

    >>> plan_sample_size(0.8, p=0.05, categories=4)
    139
    >>> plan_sample_size(0.667, p=0.05, categories=4)
    81
    """
    a = _number("alpha_min", alpha_min)
    if not 0.0 < a < 1.0:
        raise ValidationError(
            f"alpha_min must be between 0 and 1 (exclusive), got {alpha_min!r}",
            "Customary minimums are 0.800, or 0.667 for tentative conclusions.",
        )
    sig = _number("p", p)
    if not 0.0 < sig < 0.5:
        raise ValidationError(
            f"p (significance level) must be between 0 and 0.5, got {p!r}", "Use e.g. p=0.05."
        )
    if (categories is None) == (smallest_p is None):
        raise ValidationError(
            "give exactly one of categories (number of equally likely categories) "
            "and smallest_p (probability of the least frequent category)",
            "For a yes/no code use categories=2; for skewed codes estimate smallest_p.",
        )
    if categories is not None:
        if (
            isinstance(categories, bool)
            or not isinstance(categories, numbers.Integral)
            or categories < 2
        ):
            raise ValidationError(f"categories must be an integer >= 2, got {categories!r}")
        pc = 1.0 / int(categories)
    else:
        pc = _number("smallest_p", smallest_p)
        if not 0.0 < pc <= 0.5:
            raise ValidationError(
                f"smallest_p must be in (0, 0.5], got {smallest_p!r}",
                "It is the probability of the least frequent category, so at most 1/2.",
            )
    if isinstance(coders, bool) or not isinstance(coders, numbers.Integral) or coders < 2:
        raise ValidationError(f"coders must be an integer >= 2, got {coders!r}")
    z = NormalDist().inv_cdf(1.0 - sig)
    n = int(coders) * z * z * ((1 + a) * (3 - a) / (4 * (1 - a) * pc * (1 - pc)) - a)
    # Round up, but do not let float noise (e.g. 81.0000000001) add a unit.
    return math.ceil(n - 1e-9)
