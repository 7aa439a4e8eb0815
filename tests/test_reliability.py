"""Reliability coefficients against published values and reference implementations.

Every expected number below comes from a cited source (a paper, a book, or a
reference implementation's own test suite), or is worked out by hand in a
comment; none is our own output copied back.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from coding.agreement import CodedData, alpha_parts, pairs_of
from coding.reliability import krippendorff_alpha, reliability

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", sec. C:
# 4 coders (A-D) x 12 units with missing values, values 1-5.  He reports
# nominal .743, ordinal .815, interval .849, ratio .797 from n = 40 pairable
# values with n_1..n_5 = 9, 13, 10, 5, 3.  (Also Gwet's `cac.raw4raters`.)
K2011 = pd.DataFrame(
    {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        "C": [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    },
    index=pd.Index([f"u{i}" for i in range(1, 13)], name="unit"),
)
CODERS = ["A", "B", "C", "D"]

# Wikipedia's computational example (also the krippendorff package's doctest):
# 3 coders x 15 units; nominal alpha 0.691358, interval 0.810845.
WIKI = np.array(
    [
        [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
        [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
        [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
    ]
).T

# Hayes & Krippendorff (2007), Communication Methods and Measures 1(1), 77-89:
# 40 units x 5 observers, values 0-3, as in the icr package's test data.
# Ordinal alpha .7598, nominal .4765 (icr's tests); the KALPHA bootstrap
# "takes a random sample of 239 pairs of judgments" (the paper's text).
HAYES = np.array(
    [
        [1, 1, 2, NAN, 2],
        [1, 1, 0, 1, NAN],
        [2, 3, 3, 3, NAN],
        [NAN, 0, 0, NAN, 0],
        [0, 0, 0, NAN, 0],
        [0, 0, 0, NAN, 0],
        [1, 0, 2, NAN, 1],
        [1, NAN, 2, 0, NAN],
        [2, 2, 2, NAN, 2],
        [2, 1, 1, 1, NAN],
        [NAN, 1, 0, 0, NAN],
        [0, 0, 0, 0, NAN],
        [1, 2, 2, 2, NAN],
        [3, 3, 2, 2, 3],
        [1, 1, 1, NAN, 1],
        [1, 1, 1, NAN, 1],
        [2, 1, 2, NAN, 2],
        [1, 2, 3, 3, NAN],
        [1, 1, 0, 1, NAN],
        [0, 0, 0, NAN, 0],
        [0, 0, 1, 1, NAN],
        [0, 0, NAN, 0, 0],
        [2, 3, 3, 3, NAN],
        [0, 0, 0, 0, NAN],
        [1, 2, NAN, 2, 2],
        [0, 1, 1, 1, NAN],
        [0, 0, 0, 1, 0],
        [1, 2, 1, 2, NAN],
        [1, 1, 2, 2, NAN],
        [1, 1, 2, NAN, 2],
        [1, 1, 0, NAN, 0],
        [2, 1, 2, 1, NAN],
        [2, 2, NAN, 2, 2],
        [3, 2, 2, 2, NAN],
        [2, 2, 2, NAN, 2],
        [2, 2, 3, NAN, 2],
        [2, 2, 2, NAN, 2],
        [2, 2, NAN, 1, 2],
        [2, 2, 2, 2, NAN],
        [1, 1, 1, NAN, 1],
    ]
)

# Fleiss (1971), Psychological Bulletin 76, 378-382: 30 patients, 6
# psychiatrists, 5 diagnoses; kappa = .430.  Raw form as R irr's `diagnoses`
# (statsmodels' test_inter_rater.py); irr::kappam.fleiss gives 0.4302445.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)


def from_table(table: list[list[int]], labels: list[object]) -> pd.DataFrame:
    """Two coders' raw codings from a contingency table (rows: coder A)."""
    rows = [
        (a, b)
        for i, a in enumerate(labels)
        for j, b in enumerate(labels)
        for _ in range(table[i][j])
    ]
    return pd.DataFrame(rows, columns=["A", "B"])


def wide_to_long(frame: pd.DataFrame) -> pd.DataFrame:
    long = (
        frame.rename_axis("unit")
        .reset_index()
        .melt(id_vars="unit", var_name="coder", value_name="value")
    )
    return long.dropna(subset=["value"])


def rel(data, **kw):
    kw.setdefault("bootstrap", 0)
    return reliability(data, **kw)


# ---------------------------------------------------------------------------
# Krippendorff's alpha: published worked examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_krippendorff_2011_example(level, published):
    r = rel(K2011, coders=CODERS, level=level)
    assert round(r.krippendorff_alpha, 3) == published
    assert r.n_units == 12 and r.n_coders == 4 and r.n_pairable == 40
    # and exactly what the reference implementation computes on the same data
    assert r.krippendorff_alpha == pytest.approx(
        krippendorff.alpha(K2011.to_numpy().T, level_of_measurement=level), abs=1e-12
    )


def test_alpha_krippendorff_2011_ordinal_text_labels():
    # The krippendorff package's doctest: the same data as labels, ordered.
    labels = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    text = K2011.apply(lambda col: col.map(labels))
    order = ["very low", "low", "mid", "high", "very high"]
    assert (
        round(rel(text, coders=CODERS, level="ordinal", value_order=order).krippendorff_alpha, 3)
        == 0.815
    )
    assert round(rel(text, coders=CODERS).krippendorff_alpha, 3) == 0.743


def test_alpha_krippendorff_2011_pairable_frequencies():
    # Krippendorff (2011): n_c = 9, 13, 10, 5, 3 (row sums of his coincidence matrix).
    from coding.reliability import coincidence_matrix

    o = coincidence_matrix(K2011, coders=CODERS)
    assert o.sum(axis=1).tolist() == pytest.approx([9, 13, 10, 5, 3])
    assert np.allclose(o.to_numpy(), o.to_numpy().T)
    # unit 6 (values 1, 2, 3, 4; m_u = 4) adds 1/3 to each off-diagonal cell it touches
    assert o.loc[1, 4] == pytest.approx(1 / 3)


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.691358), ("interval", 0.810845)])
def test_alpha_wikipedia_example(level, expected):
    assert round(krippendorff_alpha(WIKI, level=level), 6) == expected


@pytest.mark.parametrize(("level", "expected"), [("ordinal", 0.7598), ("nominal", 0.4765)])
def test_alpha_hayes_krippendorff_2007(level, expected):
    assert round(krippendorff_alpha(HAYES, level=level), 4) == expected


def test_hayes_krippendorff_2007_number_of_pairs_is_239():
    r = reliability(HAYES, level="ordinal", bootstrap=100, seed=0)
    assert any("of 239 pairs" in note for note in r.notes)


def test_alpha_hand_computed_interval():
    # units (1,1), (2,2), (3,2): n = 6, D_o = 2/6, mean 11/6,
    # D_e = 2 * sum (x - 11/6)^2 / 5 = 2 * (102/36) / 5 = 17/15 -> alpha = 1 - 5/17
    assert krippendorff_alpha(
        np.array([[1, 1], [2, 2], [3, 2]]), level="interval"
    ) == pytest.approx(12 / 17)


# ---------------------------------------------------------------------------
# Alpha against the krippendorff package on random data (all levels, missing values)
# ---------------------------------------------------------------------------


def _random_data(
    seed: int, n_units: int, n_coders: int, n_values: int, missing: float
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, n_values + 1, n_units)
    noise = rng.integers(1, n_values + 1, (n_units, n_coders))
    data = np.where(rng.random((n_units, n_coders)) < 0.6, truth[:, None], noise).astype(float)
    data[rng.random((n_units, n_coders)) < missing] = np.nan
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize(
    ("seed", "n_units", "n_coders", "n_values", "missing"),
    [
        pytest.param(1, 50, 2, 3, 0.0, id="2 coders complete"),
        pytest.param(2, 80, 3, 5, 0.2, id="3 coders 20% missing"),
        pytest.param(3, 40, 5, 7, 0.4, id="5 coders 40% missing"),
        pytest.param(4, 200, 4, 12, 0.1, id="12 values"),
    ],
)
def test_alpha_matches_krippendorff_package(level, seed, n_units, n_coders, n_values, missing):
    data = _random_data(seed, n_units, n_coders, n_values, missing)
    ours = krippendorff_alpha(data, level=level)
    ref = krippendorff.alpha(data.T, level_of_measurement=level)
    assert ours == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("level", ["interval", "ratio"])
def test_alpha_matches_package_on_continuous_values(level):
    rng = np.random.default_rng(7)
    truth = rng.gamma(2.0, 2.0, 80)  # the package's memory grows with N * V**2: keep V small
    data = truth[:, None] * rng.lognormal(0, 0.2, (80, 3))
    data[rng.random(data.shape) < 0.15] = np.nan
    assert krippendorff_alpha(data, level=level) == pytest.approx(
        krippendorff.alpha(data.T, level_of_measurement=level), abs=1e-9
    )


def test_ordinal_alpha_ignores_unused_values_in_order():
    # Krippendorff's ordinal metric sums frequencies between two values; a value
    # nobody used has frequency 0 and changes nothing (krippendorff doctest).
    full = rel(
        K2011, coders=CODERS, level="ordinal", value_order=[0, 1, 2, 3, 4, 5, 6]
    ).krippendorff_alpha
    assert round(full, 3) == 0.815


# ---------------------------------------------------------------------------
# Fleiss' kappa, Gwet's AC1/AC2, Brennan-Prediger, percent agreement
# ---------------------------------------------------------------------------


def test_fleiss_1971_psychiatric_diagnoses():
    r = rel(FLEISS_1971)
    assert r.fleiss_kappa == pytest.approx(0.4302445, abs=1e-7)  # R irr::kappam.fleiss(diagnoses)
    assert round(r.fleiss_kappa, 3) == 0.430  # Fleiss (1971)
    assert r.n_units == 30 and r.n_coders == 6


# Gwet (2014, Handbook of Inter-Rater Reliability, 4th ed.) datasets as shipped
# by irrCAC (R: kgwet/irrCAC; Python port: afergadis/irrCAC, whose tests give
# these values to 3 decimals; AC1 .77544 and Fleiss .76117 to 5 in its doctest).
RAW_5OBSERVERS = pd.DataFrame(
    {
        "O1": [1, 1, 2, NAN, 0, 0, 1, 1, 2, 2, NAN, 0, 1, 3, 1],
        "O2": [1, 1, 3, 0, 0, 0, 0, NAN, 2, 1, 1, 0, 2, 3, 1],
        "O3": [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1],
        "O4": [NAN, 1, 3, NAN, NAN, NAN, NAN, 0, NAN, 1, 0, 0, 2, 2, NAN],
        "O5": [2, NAN, NAN, 0, 0, 0, 1, NAN, 2, NAN, NAN, NAN, NAN, 3, 1],
    }
)
RAW_GENDER = pd.DataFrame(
    {
        "R1": list("aaaaabbbcaaaaab"),
        "R2": list("aaaababccaaaaba"),
        "R3": list("abbcaabbcabbcaa"),
        "R4": list("ccccaabbcccccaa"),
    }
)
RAW_BEN_GERRY = pd.DataFrame(
    {
        "Ben": ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"],
        "Gerry": ["b", "a", "b", "b", "b", "c", "c", "c", "e", None, "d", "d"],
    }
)


@pytest.mark.parametrize(
    ("data", "coders", "pa", "ac1", "fleiss", "bp"),
    [
        pytest.param(
            K2011, CODERS, 0.81818, 0.77544, 0.76117, 0.773, id="raw4raters (missing, 4 coders)"
        ),
        pytest.param(
            RAW_5OBSERVERS, None, 0.616, 0.497, 0.458, 0.487, id="raw5observers (missing, 5 coders)"
        ),
        pytest.param(
            RAW_GENDER, None, 0.456, 0.208, 0.129, 0.183, id="gender (complete, 4 coders)"
        ),
        pytest.param(
            RAW_BEN_GERRY, None, 0.727, 0.661, 0.649, 0.659, id="ben-gerry (2 coders, 1 missing)"
        ),
    ],
)
def test_gwet_fleiss_bp_percent_against_irrcac(data, coders, pa, ac1, fleiss, bp):
    r = rel(data, coders=coders or list(data.columns))
    digits = 5 if pa == 0.81818 else 3
    assert round(r.percent_agreement, digits) == pa
    assert round(r.gwet_ac1, digits) == ac1
    assert round(r.fleiss_kappa, digits) == fleiss
    assert round(r.brennan_prediger, 3) == bp


@pytest.mark.parametrize(
    ("weights", "ac2", "fleiss", "bp"),
    [
        pytest.param("linear", 0.859, 0.818, 0.848, id="linear"),
        pytest.param("quadratic", 0.914, 0.865, 0.902, id="quadratic"),
    ],
)
def test_weighted_coefficients_against_irrcac_raw4raters(weights, ac2, fleiss, bp):
    # irrCAC test suite, raw4raters with linear/quadratic weights on values 1-5.
    r = rel(K2011, coders=CODERS, level="interval", weights=weights)
    assert (round(r.gwet_ac1, 3), round(r.fleiss_kappa, 3), round(r.brennan_prediger, 3)) == (
        ac2,
        fleiss,
        bp,
    )
    assert any("Gwet's AC2" in n for n in r.notes)


# ---------------------------------------------------------------------------
# Cohen's kappa and Scott's pi (two coders)
# ---------------------------------------------------------------------------


def test_cohen_kappa_wikipedia_50_proposals():
    # Wikipedia "Cohen's kappa": 20 yes-yes, 5 A-yes/B-no, 10 A-no/B-yes, 15 no-no;
    # p_o = .7, p_e = .5, kappa = .4
    data = from_table([[20, 5], [10, 15]], ["yes", "no"])
    r = rel(data, coders=["A", "B"])
    assert r.cohen_kappa == pytest.approx(0.4, abs=1e-12)
    assert r.percent_agreement == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("level", "weights", "expected"),
    [
        pytest.param("nominal", None, 0.4842, id="unweighted"),
        pytest.param("interval", "linear", 0.4701, id="linear weights on scores 0,1,2"),
    ],
)
def test_cohen_kappa_sas_example(level, weights, expected):
    # SAS PROC FREQ output reproduced in statsmodels' test_inter_rater.py (table10).
    data = from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]], [0, 1, 2])
    assert (
        round(rel(data, coders=["A", "B"], level=level, weights=weights).cohen_kappa, 4) == expected
    )


# R irr's `anxiety` data (statsmodels' test_inter_rater.py), raters 2 and 3; irr::kappa2
# gives -0.006289308 unweighted, 0.1459075 "equal" (linear), 0.2520325 "squared".
ANXIETY_23 = np.array(
    [
        [3, 2],
        [6, 1],
        [4, 4],
        [6, 4],
        [2, 3],
        [4, 2],
        [2, 1],
        [4, 6],
        [3, 1],
        [3, 1],
        [2, 1],
        [3, 2],
        [3, 3],
        [3, 3],
        [2, 1],
        [2, 1],
        [1, 3],
        [3, 3],
        [3, 2],
        [4, 2],
    ],
    dtype=float,
)


@pytest.mark.parametrize(
    ("weights", "expected"),
    [("identity", -0.006289308), ("linear", 0.1459075), ("quadratic", 0.2520325)],
)
def test_weighted_cohen_kappa_against_r_irr(weights, expected):
    # irr weights the 5 levels present (1,2,3,4,6) by rank: the ordinal level does too.
    r = rel(ANXIETY_23, level="ordinal", weights=weights)
    assert r.cohen_kappa == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(
    ("table", "labels", "weights", "cohen", "scott"),
    [
        pytest.param(
            [[13, 0, 0], [0, 20, 7], [0, 4, 56]],
            ["Ectopic", "AIU", "NIU"],
            "identity",
            0.796,
            0.796,
            id="abstractors unweighted",
        ),
        pytest.param(
            [[13, 0, 0], [0, 20, 7], [0, 4, 56]],
            ["Ectopic", "AIU", "NIU"],
            "linear",
            0.843,
            0.843,
            id="abstractors linear",
        ),
        pytest.param(
            [[13, 0, 0], [0, 20, 7], [0, 4, 56]],
            ["Ectopic", "AIU", "NIU"],
            "quadratic",
            0.892,
            0.892,
            id="abstractors quadratic",
        ),
        pytest.param(
            [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]],
            list("SBDO"),
            "identity",
            0.432,
            0.430,
            id="diagnosis unweighted",
        ),
        pytest.param(
            [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]],
            list("SBDO"),
            "linear",
            0.407,
            0.406,
            id="diagnosis linear",
        ),
        pytest.param(
            [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]],
            list("SBDO"),
            "quadratic",
            0.383,
            0.382,
            id="diagnosis quadratic",
        ),
    ],
)
def test_cohen_and_scott_against_irrcac_tables(table, labels, weights, cohen, scott):
    # Gwet (2014) tables cont3x3abstractors and cont4x4diagnosis; values from irrCAC's tests.
    r = rel(
        from_table(table, labels),
        coders=["A", "B"],
        level="ordinal",
        value_order=labels,
        weights=weights,
    )
    assert (round(r.cohen_kappa, 3), round(r.scott_pi, 3)) == (cohen, scott)


def test_two_coder_coefficients_hand_computed():
    # A: a a a a b b b c c c      pA = (.4, .3, .3)
    # B: a a a b b b c c c b      pB = (.3, .4, .3); 7 of 10 units agree: p_o = .7
    # Cohen:  p_e = .12 + .12 + .09 = .33              -> kappa = .37/.67 = 37/67
    # Scott:  pooled (.35, .35, .3), p_e = .335        -> pi = .365/.665 = 73/133
    # Brennan-Prediger: p_e = 1/3                      -> (.7 - 1/3)/(2/3) = 11/20
    # Gwet AC1: p_e = (.35*.65*2 + .3*.7)/(3 - 1) = .3325 -> .3675/.6675 = 49/89
    # Fleiss (2 coders, complete) = Scott.  Alpha: n = 20, n_c = 7, 7, 6,
    # D_o = 3*2/20 = .3, D_e = (400 - 134)/380 = .7    -> 1 - .3/.7 = 4/7
    data = pd.DataFrame({"A": list("aaaabbbccc"), "B": list("aaabbbcccb")})
    r = rel(data, coders=["A", "B"])
    assert r.percent_agreement == pytest.approx(0.7)
    assert r.cohen_kappa == pytest.approx(37 / 67)
    assert r.scott_pi == pytest.approx(73 / 133)
    assert r.fleiss_kappa == pytest.approx(73 / 133)
    assert r.brennan_prediger == pytest.approx(11 / 20)
    assert r.gwet_ac1 == pytest.approx(49 / 89)
    assert r.krippendorff_alpha == pytest.approx(4 / 7)


def test_unused_categories_change_brennan_prediger_not_alpha():
    data = pd.DataFrame({"A": list("aaaabbbccc"), "B": list("aaabbbcccb")})
    r = rel(data, coders=["A", "B"], value_order=list("abcd"))
    assert r.brennan_prediger == pytest.approx((0.7 - 0.25) / 0.75)  # q = 4
    assert r.krippendorff_alpha == pytest.approx(4 / 7)


# ---------------------------------------------------------------------------
# The array layer: invariants
# ---------------------------------------------------------------------------


def test_coincidence_weights_sum_to_pairable_values():
    data = _random_data(11, 60, 4, 5, 0.3)
    mask = ~np.isnan(data)
    codes = np.where(mask, np.nan_to_num(data).astype(int) - 1, -1)
    coded = CodedData(codes, np.arange(1.0, 6.0), "nominal")
    pairs = pairs_of(coded)
    parts = alpha_parts(coded, pairs)
    assert pairs.weight.sum() == pytest.approx(parts.n)
    assert parts.n == int(mask[mask.sum(1) >= 2].sum())
