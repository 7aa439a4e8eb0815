"""The arithmetic of inter-coder agreement, on coded arrays.

This module is the array layer under :mod:`coding.reliability`: it knows
nothing about DataFrames, column names or labels.  Its input is a
:class:`CodedData`, an ``(N units, C coders)`` matrix of integer value codes
(``-1`` where a coder gave no value) plus, per value code, the number the
level of measurement needs (the value itself for interval/ratio data, the
rank for ordinal data).  :mod:`coding.reliability` builds one from a long or
wide table, validates it and turns the numbers below into reports.

Why not call the ``krippendorff`` package?  It builds an ``(N, V)`` count
matrix and an ``(N, V, V)`` intermediate, so interval alpha on continuous
values (V distinct values) needs memory in ``N * V**2``; and the bootstrap
and the diagnostics need the individual pairs of values anyway.  Everything
here works from the list of *pairable pairs* (every unordered pair of values
two coders gave the same unit), in ``O(n log n)`` time for the nominal,
ordinal and interval levels and ``O(V**2)`` time (``O(V)`` memory) for the
ratio level.  The tests check every level against the ``krippendorff``
package to 1e-9 on random data with missing values.

Definitions (each cited where it is computed)
---------------------------------------------
* Krippendorff's alpha: Krippendorff (2011), *Computing Krippendorff's
  Alpha-Reliability*, and Krippendorff (2019), *Content Analysis*, 4th ed.,
  ch. 12.  ``alpha = 1 - D_o / D_e`` over pairable values only (a unit with
  one value is left out).
* Percent agreement, Fleiss' kappa, Gwet's AC1/AC2 and Brennan-Prediger
  follow Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed., for
  raw ratings with missing values, as the ``irrCAC`` package implements it:
  observed agreement ``p_a`` averages, over the units with two or more
  values, the share of agreeing pairs; the category proportions ``pi_k``
  average each unit's proportions over every unit with at least one value.
* Cohen's kappa (Cohen 1960; weighted: Cohen 1968) and Scott's pi (Scott
  1955) are two-coder coefficients computed on the units both coders coded.
* Weights (for the kappa family): identity, linear ``1 - |a - b| / R`` and
  quadratic ``1 - (a - b)**2 / R**2`` over the value positions, ``R`` the
  range of the value domain (as in Gwet 2014 and ``irrCAC``).
* Bootstrap: Krippendorff's algorithm (Hayes & Krippendorff 2007;
  Krippendorff, "Algorithm for bootstrapping a distribution of alpha",
  2006, revised 2011; Krippendorff 2019, ch. 12): resample ``M`` pairs of values (the number
  of pairs the data compared) from the observed coincidences, keep the
  expected disagreement fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "LEVELS",
    "WEIGHTS",
    "AlphaParts",
    "CodedData",
    "Coefficient",
    "Pairs",
    "alpha_parts",
    "bootstrap_alpha",
    "brennan_prediger",
    "cohen_kappa",
    "coincidences",
    "conger_kappa",
    "fleiss_kappa",
    "gwet_ac",
    "pair_distances",
    "pairable_counts",
    "pairs_of",
    "percent_agreement",
    "scott_pi",
]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = ("identity", "linear", "quadratic")

# Below this, a chance agreement is treated as 1 (kappa undefined, not huge).
_EPS = 1e-12


@dataclass(frozen=True)
class CodedData:
    """Reliability data as integer codes.

    Attributes
    ----------
    codes : ndarray of int64, shape (N, C)
        ``codes[u, c]`` is the index into the value domain of the value coder
        ``c`` gave unit ``u``, or ``-1`` if that coder gave none.
    positions : ndarray of float, shape (V,)
        The number each value stands for: the value itself (interval, ratio),
        its rank 1..V in the given order (ordinal, nominal).  Only the
        interval/ratio distances and the linear/quadratic weights use it.
    level : str
        One of :data:`LEVELS`.
    """

    codes: np.ndarray
    positions: np.ndarray
    level: str

    @property
    def n_values(self) -> int:
        """Size V of the value domain."""
        return int(self.positions.shape[0])

    @property
    def per_unit(self) -> np.ndarray:
        """Number of values ``m_u`` each unit received, shape (N,)."""
        return (self.codes >= 0).sum(axis=1)

    def subset(self, coders: list[int] | None = None, units: np.ndarray | None = None) -> CodedData:
        """The same data restricted to some coders and/or units."""
        codes = self.codes
        if units is not None:
            codes = codes[units]
        if coders is not None:
            codes = codes[:, coders]
        return CodedData(codes=codes, positions=self.positions, level=self.level)


@dataclass(frozen=True)
class Pairs:
    """Every unordered pair of values that two coders gave the same unit.

    ``weight`` is ``2 / (m_u - 1)``: each pair adds ``1 / (m_u - 1)`` to the
    coincidence matrix in each direction (Krippendorff 2011, eq. for
    ``o_ck``), so the weights sum to ``n``, the number of pairable values.
    """

    unit: np.ndarray
    coder_a: np.ndarray
    coder_b: np.ndarray
    value_a: np.ndarray
    value_b: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return int(self.unit.shape[0])

    def select(self, mask: np.ndarray) -> Pairs:
        """The pairs where ``mask`` is true (weights unchanged)."""
        return Pairs(
            self.unit[mask],
            self.coder_a[mask],
            self.coder_b[mask],
            self.value_a[mask],
            self.value_b[mask],
            self.weight[mask],
        )


@dataclass(frozen=True)
class Coefficient:
    """One chance-corrected coefficient with its parts.

    ``value`` is ``None`` when the coefficient is undefined for these data;
    ``note`` then says why.  ``pa`` and ``pe`` are the observed and chance
    agreement it was computed from (``None`` if there was nothing to compute).
    """

    value: float | None
    pa: float | None = None
    pe: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class AlphaParts:
    """Krippendorff's alpha with what it was computed from.

    ``delta`` holds the distance of each pair in ``pairs`` (the bootstrap
    resamples them).  ``alpha`` is ``None`` (with ``note``) when undefined.
    """

    alpha: float | None
    d_o: float | None
    d_e: float | None
    n: int
    pairs: Pairs
    delta: np.ndarray
    note: str | None = None


# ---------------------------------------------------------------------------
# Pairs and value counts
# ---------------------------------------------------------------------------


def pairs_of(coded: CodedData) -> Pairs:
    """List the pairable pairs of ``coded``.

    Loops over the ``C (C - 1) / 2`` coder pairs, each step vectorised over
    the units, so the cost is ``O(N C**2)``: small for content-analysis data
    (a few coders, many units).
    """
    codes = coded.codes
    present = codes >= 0
    m = present.sum(axis=1)
    n_coders = codes.shape[1]
    parts: list[tuple[np.ndarray, ...]] = []
    for a in range(n_coders):
        for b in range(a + 1, n_coders):
            units = np.flatnonzero(present[:, a] & present[:, b])
            if units.size:
                parts.append(
                    (
                        units,
                        np.full(units.size, a, dtype=np.int64),
                        np.full(units.size, b, dtype=np.int64),
                        codes[units, a],
                        codes[units, b],
                    )
                )
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, empty, empty, empty, np.zeros(0))
    unit, ca, cb, va, vb = (np.concatenate(col) for col in zip(*parts, strict=True))
    weight = 2.0 / (m[unit] - 1)
    return Pairs(unit, ca, cb, va, vb, weight)


def pairable_counts(coded: CodedData) -> np.ndarray:
    """``n_c``: how many pairable values (units with >= 2 values) are ``c``."""
    codes = coded.codes[coded.per_unit >= 2]
    values = codes[codes >= 0]
    return np.bincount(values, minlength=coded.n_values).astype(np.float64)


def coincidences(coded: CodedData, pairs: Pairs | None = None) -> np.ndarray:
    """Krippendorff's ``(V, V)`` coincidence matrix ``o_ck``.

    Dense: only for a value domain small enough to show as a table.
    """
    pairs = pairs_of(coded) if pairs is None else pairs
    v = coded.n_values
    o = np.zeros((v, v))
    half = pairs.weight / 2.0
    np.add.at(o, (pairs.value_a, pairs.value_b), half)
    np.add.at(o, (pairs.value_b, pairs.value_a), half)
    return o


# ---------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------


def _ordinal_positions(n_c: np.ndarray) -> np.ndarray:
    """Mid-rank ``M_g = N_{<g} + n_g / 2`` of each value.

    Krippendorff's ordinal metric ``(sum_{g=c..k} n_g - (n_c + n_k) / 2)**2``
    equals ``(M_k - M_c)**2`` (telescope the sum), so ordinal alpha is
    interval alpha on the mid-ranks of the pairable marginal frequencies.
    """
    return np.cumsum(n_c) - n_c / 2.0


def pair_distances(
    level: str, positions: np.ndarray, value_a: np.ndarray, value_b: np.ndarray
) -> np.ndarray:
    """Krippendorff's squared distance ``delta**2`` for each pair of codes.

    ``positions`` are the values (interval, ratio) or the mid-ranks
    (ordinal, see :func:`_ordinal_positions`); nominal ignores them.
    """
    if level == "nominal":
        return (value_a != value_b).astype(np.float64)
    xa = positions[value_a]
    xb = positions[value_b]
    if level == "ratio":
        total = xa + xb
        ratio = np.divide(xa - xb, total, out=np.zeros_like(total), where=total != 0)
        return ratio * ratio
    diff = xa - xb
    return diff * diff


def _expected_disagreement(level: str, positions: np.ndarray, n_c: np.ndarray) -> float:
    """``D_e = sum_c sum_k n_c n_k delta_ck / (n (n - 1))`` without a V x V matrix."""
    n = n_c.sum()
    if level == "nominal":
        return float((n * n - np.dot(n_c, n_c)) / (n * (n - 1)))
    used = n_c > 0
    x = positions[used]
    w = n_c[used]
    if level in ("interval", "ordinal"):
        # sum_ck n_c n_k (x_c - x_k)^2 = 2 n sum_c n_c (x_c - mean)^2
        mean = np.dot(w, x) / n
        return float(2.0 * np.dot(w, (x - mean) ** 2) / (n - 1))
    # ratio: no closed form; exact sum in blocks of rows (O(V) memory).
    total = 0.0
    block = max(1, (1 << 22) // max(1, x.size))
    for start in range(0, x.size, block):
        xi = x[start : start + block, None]
        s = xi + x[None, :]
        r = np.divide(xi - x[None, :], s, out=np.zeros(s.shape), where=s != 0)
        total += float(w[start : start + block] @ (r * r) @ w)
    return total / (n * (n - 1))


def alpha_parts(coded: CodedData, pairs: Pairs | None = None) -> AlphaParts:
    """Krippendorff's alpha of ``coded`` at ``coded.level``.

    ``D_o = (1/n) sum_pairs weight * delta`` and ``D_e`` from the pairable
    marginals (Krippendorff 2011).  Undefined (``alpha=None``) when fewer than
    two values are pairable or when every pairable value is the same
    (``D_e = 0``): then there is no variation to be reliable about.
    """
    pairs = pairs_of(coded) if pairs is None else pairs
    n_c = pairable_counts(coded)
    n = int(n_c.sum())
    if n < 2:
        return AlphaParts(
            None,
            None,
            None,
            n,
            pairs,
            np.zeros(0),
            "alpha is undefined: no unit has values from two or more coders (nothing is pairable)",
        )
    positions = _ordinal_positions(n_c) if coded.level == "ordinal" else coded.positions
    delta = pair_distances(coded.level, positions, pairs.value_a, pairs.value_b)
    d_e = float(_expected_disagreement(coded.level, positions, n_c))
    d_o = float(np.dot(pairs.weight, delta) / n)
    if not d_e > 0:
        return AlphaParts(
            None,
            d_o,
            d_e,
            n,
            pairs,
            delta,
            "alpha is undefined: every pairable value is the same, so expected disagreement is 0 "
            "(no variation to judge reliability by); percent agreement still applies",
        )
    return AlphaParts(float(1.0 - d_o / d_e), d_o, float(d_e), n, pairs, delta)


def bootstrap_alpha(
    parts: AlphaParts,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    max_block: int = 1 << 22,
) -> np.ndarray:
    """Krippendorff's bootstrap distribution of alpha.

    Following Hayes & Krippendorff (2007) and Krippendorff's "Algorithm for
    bootstrapping a distribution of alpha" (2006, rev. 2011): draw, with
    replacement, ``M`` pairs of values from the observed coincidences (pair
    probability ``o_ck / n``), where ``M = sum_u m_u (m_u - 1) / 2`` is the
    number of pairs the data compared (239 in Hayes & Krippendorff's example);
    each resample gives ``alpha* = 1 - mean(delta of the M pairs) / D_e`` with
    ``D_e`` held at its observed value.  ``E[alpha*]`` is the observed alpha.

    Vectorised: pairs with equal distance are pooled, so a resample is a
    multinomial count over the K distinct distances (K = 2 for nominal data)
    or, when K is large (continuous values), M indices drawn by inverse CDF.

    Returns
    -------
    ndarray, shape (n_resamples,)
        The bootstrapped alphas (not clipped).
    """
    if parts.alpha is None or parts.d_e is None:
        raise ValueError("bootstrap_alpha needs a defined alpha")
    m_pairs = len(parts.pairs)
    out = np.empty(n_resamples)
    distinct, inverse = np.unique(parts.delta, return_inverse=True)
    prob = np.bincount(inverse, weights=parts.pairs.weight)
    prob = prob / prob.sum()
    k = distinct.size
    if k == 1:
        out.fill(1.0 - distinct[0] / parts.d_e)
        return out
    scale = 1.0 / (m_pairs * parts.d_e)
    if k <= 64 or 4 * k <= m_pairs:
        rows = max(1, max_block // k)
        for start in range(0, n_resamples, rows):
            stop = min(n_resamples, start + rows)
            counts = rng.multinomial(m_pairs, prob, size=stop - start)
            out[start:stop] = 1.0 - (counts @ distinct) * scale
    else:
        _resample_pairs(parts, out, rng, scale, max_block)
    return out


def _resample_pairs(
    parts: AlphaParts, out: np.ndarray, rng: np.random.Generator, scale: float, max_block: int
) -> None:
    """Draw pairs directly (many distinct distances, e.g. continuous values).

    A pair's probability is ``weight / n`` and weights take one value per
    unit size ``m_u``, so a pair is drawn in O(1): one uniform number picks
    the weight class (a search among a handful of classes) and, rescaled
    within the class, a pair of that class uniformly.
    """
    weight = parts.pairs.weight
    order = np.argsort(weight, kind="stable")
    delta = parts.delta[order]
    classes, starts, counts = np.unique(weight[order], return_index=True, return_counts=True)
    mass = classes * counts
    upper = np.cumsum(mass) / mass.sum()
    upper[-1] = 1.0
    lower = np.concatenate(([0.0], upper[:-1]))
    m_pairs = delta.size
    rows = max(1, max_block // m_pairs)
    for start in range(0, out.size, rows):
        stop = min(out.size, start + rows)
        if classes.size == 1:
            idx = rng.integers(0, m_pairs, size=(stop - start, m_pairs))
        else:
            u = rng.random((stop - start, m_pairs))
            cls = np.searchsorted(upper, u, side="right")
            np.minimum(cls, classes.size - 1, out=cls)
            within = (u - lower[cls]) / (upper[cls] - lower[cls])
            offset = np.minimum((within * counts[cls]).astype(np.int64), counts[cls] - 1)
            idx = starts[cls] + offset
        out[start:stop] = 1.0 - delta[idx].sum(axis=1) * scale


# ---------------------------------------------------------------------------
# Weights and the kappa family
# ---------------------------------------------------------------------------


def _range(positions: np.ndarray) -> float:
    return float(positions.max() - positions.min()) if positions.size else 0.0


def _pair_weights(
    weights: str, positions: np.ndarray, value_a: np.ndarray, value_b: np.ndarray
) -> np.ndarray:
    """Agreement weight ``w(a, b)`` of each pair (1 = full agreement)."""
    if weights == "identity":
        return (value_a == value_b).astype(np.float64)
    r = _range(positions)
    diff = positions[value_a] - positions[value_b]
    if r == 0:
        return np.ones(diff.shape)
    if weights == "linear":
        return 1.0 - np.abs(diff) / r
    return 1.0 - (diff / r) ** 2


def _weighted_mass(weights: str, positions: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """``sum_k sum_l w_kl a_k b_l`` in O(V log V), never a V x V matrix.

    Identity: ``a . b``.  Quadratic: expand ``(x_k - x_l)**2``.  Linear:
    ``sum_kl a_k b_l |x_k - x_l|`` with prefix sums over the sorted values.
    """
    if weights == "identity":
        return float(np.dot(a, b))
    big_a, big_b = a.sum(), b.sum()
    r = _range(positions)
    if r == 0:
        return float(big_a * big_b)
    x = positions - positions.mean()
    if weights == "quadratic":
        spread = (
            big_a * np.dot(b, x * x) + big_b * np.dot(a, x * x) - 2.0 * np.dot(a, x) * np.dot(b, x)
        )
        return float(big_a * big_b - spread / (r * r))
    order = np.argsort(x, kind="stable")
    xs, as_, bs = x[order], a[order], b[order]
    cum_a = np.cumsum(as_)
    cum_ax = np.cumsum(as_ * xs)
    below = xs * cum_a - cum_ax  # sum over k <= l of a_k (x_l - x_k)
    above = (cum_ax[-1] - cum_ax) - xs * (cum_a[-1] - cum_a)  # sum over k > l
    spread = float(np.dot(bs, below + above))
    return float(big_a * big_b - spread / r)


def _observed_agreement(coded: CodedData, pairs: Pairs, weights: str) -> float | None:
    """Gwet's ``p_a``: mean over units with >= 2 values of their share of agreeing pairs."""
    if len(pairs) == 0:
        return None
    w = _pair_weights(weights, coded.positions, pairs.value_a, pairs.value_b)
    n_units = coded.codes.shape[0]
    agree = np.bincount(pairs.unit, weights=w, minlength=n_units)
    count = np.bincount(pairs.unit, minlength=n_units)
    has = count > 0
    return float(np.mean(agree[has] / count[has]))


def _unit_proportions(coded: CodedData) -> np.ndarray:
    """Gwet's ``pi_k``: each unit's category proportions averaged over the
    units with at least one value (Gwet 2014; ``irrCAC``)."""
    codes = coded.codes
    m = (codes >= 0).sum(axis=1)
    rated = m > 0
    rows, cols = np.nonzero(codes >= 0)
    share = 1.0 / m[rows]
    pi = np.bincount(codes[rows, cols], weights=share, minlength=coded.n_values)
    return pi / max(1, int(rated.sum()))


def _chance_corrected(name: str, pa: float | None, pe: float) -> Coefficient:
    if pa is None:
        return Coefficient(
            None, None, pe, f"{name} is undefined: no unit has values from two or more coders"
        )
    if 1.0 - pe < _EPS:
        return Coefficient(
            None,
            pa,
            pe,
            f"{name} is undefined: chance agreement is 1 (a single value is used throughout)",
        )
    return Coefficient((pa - pe) / (1.0 - pe), pa, pe)


def percent_agreement(coded: CodedData, pairs: Pairs | None = None) -> float | None:
    """Share of agreeing pairs per unit, averaged over units with >= 2 values.

    For two coders without missing values: the share of units they agree on.
    ``None`` if no unit is pairable.
    """
    pairs = pairs_of(coded) if pairs is None else pairs
    return _observed_agreement(coded, pairs, "identity")


def fleiss_kappa(
    coded: CodedData, pairs: Pairs | None = None, weights: str = "identity"
) -> Coefficient:
    """Fleiss' (1971) kappa, generalised to missing values and weights by
    Gwet (2014): ``p_e = sum_kl w_kl pi_k pi_l``."""
    pairs = pairs_of(coded) if pairs is None else pairs
    pa = _observed_agreement(coded, pairs, weights)
    pi = _unit_proportions(coded)
    pe = _weighted_mass(weights, coded.positions, pi, pi)
    return _chance_corrected("Fleiss' kappa", pa, pe)


def gwet_ac(coded: CodedData, pairs: Pairs | None = None, weights: str = "identity") -> Coefficient:
    """Gwet's AC1 (identity weights; Gwet 2008) or AC2 (other weights; Gwet 2014):
    ``p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k)``, ``T_w`` the sum of all
    weights and ``q`` the number of values in the domain."""
    pairs = pairs_of(coded) if pairs is None else pairs
    q = coded.n_values
    name = "Gwet's AC1" if weights == "identity" else "Gwet's AC2"
    if q < 2:
        return Coefficient(
            None, None, None, f"{name} is undefined: it needs at least two values in the domain"
        )
    pa = _observed_agreement(coded, pairs, weights)
    pi = _unit_proportions(coded)
    ones = np.ones(q)
    total_w = _weighted_mass(weights, coded.positions, ones, ones)
    pe = total_w / (q * (q - 1)) * float(np.dot(pi, 1.0 - pi))
    return _chance_corrected(name, pa, pe)


def brennan_prediger(
    coded: CodedData, pairs: Pairs | None = None, weights: str = "identity"
) -> Coefficient:
    """Brennan & Prediger's (1981) coefficient: chance agreement ``1/q`` (or
    ``T_w / q**2`` weighted), ``q`` the number of values in the domain."""
    pairs = pairs_of(coded) if pairs is None else pairs
    q = coded.n_values
    if q < 2:
        return Coefficient(
            None,
            None,
            None,
            "Brennan-Prediger is undefined: it needs at least two values in the domain",
        )
    pa = _observed_agreement(coded, pairs, weights)
    ones = np.ones(q)
    pe = _weighted_mass(weights, coded.positions, ones, ones) / (q * q)
    return _chance_corrected("Brennan-Prediger", pa, pe)


def conger_kappa(
    coded: CodedData, pairs: Pairs | None = None, weights: str = "identity"
) -> Coefficient:
    """Conger's (1980) kappa for any number of coders, with missing values
    and weights as in Gwet (2014) and ``irrCAC``: chance agreement from each
    coder's own category proportions ``p_gk`` (over the units that coder
    coded), ``p_e = sum_kl w_kl (pbar_k pbar_l - s_kl / r)``, ``s_kl`` the
    covariance of ``p_gk`` and ``p_gl`` across the ``r`` coders.  For two
    coders without missing values it equals Cohen's kappa."""
    pairs = pairs_of(coded) if pairs is None else pairs
    codes = coded.codes[:, (coded.codes >= 0).any(axis=0)]
    r = codes.shape[1]
    if r < 2:
        return Coefficient(
            None, None, None, "Conger's kappa is undefined: it needs values from two or more coders"
        )
    v = coded.n_values
    pa = _observed_agreement(coded, pairs, weights)
    p_g = [np.bincount(col[col >= 0], minlength=v) / float((col >= 0).sum()) for col in codes.T]
    p_bar = np.mean(p_g, axis=0)
    mean_mass = _weighted_mass(weights, coded.positions, p_bar, p_bar)
    own = sum(_weighted_mass(weights, coded.positions, p, p) for p in p_g)
    pe = mean_mass - (own - r * mean_mass) / (r * (r - 1.0))
    return _chance_corrected("Conger's kappa", pa, pe)


def _two_coder_pairs(coded: CodedData, pairs: Pairs, name: str) -> Pairs | Coefficient:
    coders = np.flatnonzero((coded.codes >= 0).any(axis=0))
    if coders.size != 2:
        return Coefficient(
            None,
            None,
            None,
            f"{name} is defined for exactly two coders; these data have {coders.size} "
            "(see fleiss_kappa and krippendorff_alpha for any number of coders)",
        )
    if len(pairs) == 0:
        return Coefficient(
            None, None, None, f"{name} is undefined: the two coders have no unit in common"
        )
    return pairs


def cohen_kappa(
    coded: CodedData, pairs: Pairs | None = None, weights: str = "identity"
) -> Coefficient:
    """Cohen's (1960) kappa, weighted as in Cohen (1968), for exactly two
    coders, on the units both coded: ``p_e = sum_kl w_kl pA_k pB_l``."""
    pairs = pairs_of(coded) if pairs is None else pairs
    checked = _two_coder_pairs(coded, pairs, "Cohen's kappa")
    if isinstance(checked, Coefficient):
        return checked
    v = coded.n_values
    w = _pair_weights(weights, coded.positions, checked.value_a, checked.value_b)
    pa = float(w.mean())
    p_a = np.bincount(checked.value_a, minlength=v) / len(checked)
    p_b = np.bincount(checked.value_b, minlength=v) / len(checked)
    pe = _weighted_mass(weights, coded.positions, p_a, p_b)
    return _chance_corrected("Cohen's kappa", pa, pe)


def scott_pi(
    coded: CodedData, pairs: Pairs | None = None, weights: str = "identity"
) -> Coefficient:
    """Scott's (1955) pi for exactly two coders, on the units both coded:
    chance agreement from the two coders' pooled proportions."""
    pairs = pairs_of(coded) if pairs is None else pairs
    checked = _two_coder_pairs(coded, pairs, "Scott's pi")
    if isinstance(checked, Coefficient):
        return checked
    v = coded.n_values
    w = _pair_weights(weights, coded.positions, checked.value_a, checked.value_b)
    pa = float(w.mean())
    pooled = (
        np.bincount(checked.value_a, minlength=v) + np.bincount(checked.value_b, minlength=v)
    ) / (2.0 * len(checked))
    pe = _weighted_mass(weights, coded.positions, pooled, pooled)
    return _chance_corrected("Scott's pi", pa, pe)
