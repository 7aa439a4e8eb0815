"""Reliability API: input forms, validation, degenerate data, bootstrap, diagnostics, multi-select."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from coding.agreement import CodedData, _resample_pairs, alpha_parts, bootstrap_alpha
from coding.reliability import (
    MULTI_DEFINITION,
    code_diagnostics,
    coincidence_matrix,
    diagnose,
    disagreements,
    krippendorff_alpha,
    multi_reliability,
    pairwise_agreement,
    reliability,
)
from dazi.errors import DaziError, ValidationError

NAN = np.nan
CLI_KEYS = {
    "variable",
    "level",
    "n_units",
    "n_coders",
    "n_pairable",
    "krippendorff_alpha",
    "alpha_ci",
    "q",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "scott_pi",
    "gwet_ac1",
    "brennan_prediger",
    "notes",
}

# Krippendorff (2011) worked example (see test_reliability.py), as strings ids.
K2011 = pd.DataFrame(
    {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        "C": [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    },
    index=pd.Index([f"0{i}" for i in range(1, 13)], name="post_id"),
)
CODERS = ["A", "B", "C", "D"]


def long_form(wide: pd.DataFrame) -> pd.DataFrame:
    out = (
        wide.rename_axis("post_id")
        .reset_index()
        .melt(id_vars="post_id", var_name="who", value_name="code")
    )
    return out.dropna(subset=["code"]).sample(frac=1.0, random_state=3)  # order must not matter


def strict_json(obj) -> str:
    return json.dumps(obj, allow_nan=False)


# ---------------------------------------------------------------------------
# Input forms
# ---------------------------------------------------------------------------


def test_long_wide_and_array_forms_agree():
    wide = reliability(K2011, coders=CODERS, bootstrap=0)
    long = reliability(long_form(K2011), unit="post_id", coder="who", value="code", bootstrap=0)
    array = reliability(K2011.to_numpy(), bootstrap=0)
    for r in (long, array):
        assert r.krippendorff_alpha == wide.krippendorff_alpha
        assert (r.n_units, r.n_coders, r.n_pairable) == (12, 4, 40)
        assert r.fleiss_kappa == pytest.approx(wide.fleiss_kappa)


def test_to_dict_is_strict_json_with_the_cli_keys():
    r = reliability(K2011, coders=CODERS, seed=3, bootstrap=500, variable="companion_type")
    d = r.to_dict()
    assert CLI_KEYS <= set(d)
    strict_json({"variables": [d]})
    assert d["variable"] == "companion_type"
    assert isinstance(d["alpha_ci"], list) and len(d["alpha_ci"]) == 2
    assert set(d["q"]) == {"0.8", "0.667"}
    assert d["cohen_kappa"] is None and d["scott_pi"] is None  # 4 coders
    assert all(isinstance(n, str) for n in d["notes"])


def test_string_ids_stay_strings():
    data = pd.DataFrame(
        {
            "unit": ["007", "007", "1.23457E+18", "1.23457E+18"],
            "coder": ["li", "wang", "li", "wang"],
            "value": ["meal", "meal", "travel", "meal"],
        }
    )
    table = disagreements(data)
    assert table["unit"].tolist() == ["1.23457E+18"]


def test_blank_strings_are_missing_not_a_code():
    data = pd.DataFrame({"a": ["x", "y", " ", "x"], "b": ["x", "y", "y", ""]})
    r = reliability(data, coders=["a", "b"], bootstrap=0)
    assert r.n_units == 4 and r.n_pairable == 4  # units 3 and 4 have one value each
    assert r.percent_agreement == 1.0


def test_conditional_variable_skipped_units_are_left_out_with_a_note():
    data = pd.DataFrame({"a": ["x", "y", None, "x"], "b": ["x", "y", None, "y"]})
    r = reliability(data, coders=["a", "b"], bootstrap=0)
    assert r.n_units == 3
    assert any("no value from any coder" in n for n in r.notes)


# ---------------------------------------------------------------------------
# Degenerate data answers honestly
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "alpha_note"),
    [
        pytest.param(
            pd.DataFrame({"a": ["x"] * 5, "b": ["x"] * 5}),
            "every pairable value is the same",
            id="every value the same",
        ),
        pytest.param(
            pd.DataFrame({"a": ["x", None, "y"], "b": [None, "x", None]}),
            "nothing is pairable",
            id="no unit coded twice",
        ),
        pytest.param(
            pd.DataFrame({"a": [None, None], "b": [None, None]}),
            "nothing is pairable",
            id="no values at all",
        ),
    ],
)
def test_undefined_alpha_is_none_with_a_reason(data, alpha_note):
    r = reliability(data, coders=["a", "b"], bootstrap=1000, seed=1)
    assert r.krippendorff_alpha is None and r.alpha_ci is None and r.q is None
    assert any(alpha_note in n for n in r.notes)
    d = r.to_dict()
    strict_json(d)
    for key in (
        "krippendorff_alpha",
        "cohen_kappa",
        "fleiss_kappa",
        "scott_pi",
        "gwet_ac1",
        "brennan_prediger",
    ):
        assert d[key] is None or isinstance(d[key], float)


def test_identical_values_keep_percent_agreement():
    r = reliability(pd.DataFrame({"a": ["x"] * 5, "b": ["x"] * 5}), coders=["a", "b"], bootstrap=0)
    assert r.percent_agreement == 1.0
    assert r.cohen_kappa is None and r.fleiss_kappa is None
    assert any("chance agreement is 1" in n for n in r.notes)


def test_unit_coded_once_is_not_pairable():
    full = reliability(K2011, coders=CODERS, bootstrap=0)
    assert full.n_pairable == 40  # unit 12 (one value) is left out
    assert any("1 unit(s) have a value from only one coder" in n for n in full.notes)
    without = reliability(K2011.iloc[:11], coders=CODERS, bootstrap=0)
    assert without.krippendorff_alpha == full.krippendorff_alpha
    assert without.percent_agreement == full.percent_agreement


@pytest.mark.parametrize(
    ("coders", "applies"),
    [
        pytest.param(["A", "B"], True, id="two coders"),
        pytest.param(["A", "B", "C"], False, id="three coders"),
    ],
)
def test_cohen_and_scott_only_for_two_coders(coders, applies):
    r = reliability(K2011, coders=coders, bootstrap=0)
    assert (r.cohen_kappa is not None) == applies and (r.scott_pi is not None) == applies
    if not applies:
        assert any("exactly two coders; these data have 3" in n for n in r.notes)


def test_two_coders_without_common_units():
    data = pd.DataFrame({"a": ["x", "y", None, None], "b": [None, None, "x", "y"]})
    r = reliability(data, coders=["a", "b"], bootstrap=0)
    assert r.cohen_kappa is None
    assert any("no unit in common" in n for n in r.notes)


# ---------------------------------------------------------------------------
# Validation: messages name the argument
# ---------------------------------------------------------------------------


LONG = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": ["a", "b", "a", "b"], "value": [1, 2, 2, 2]})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: reliability(LONG, level="nominl"), "level must be one of", id="bad level"
        ),
        pytest.param(
            lambda: reliability(LONG, unit="post"),
            "no column 'post' (the unit= argument)",
            id="missing column",
        ),
        pytest.param(
            lambda: reliability(pd.concat([LONG, LONG.iloc[:1]])),
            "coded more than once by coder 'a'",
            id="duplicate coding",
        ),
        pytest.param(
            lambda: reliability(LONG.assign(value=["1", "x", "2", "2"]), level="interval"),
            "needs numbers, but unit 1, coder 'b' has 'x'",
            id="text at interval level",
        ),
        pytest.param(
            lambda: reliability(LONG.assign(value=[1, -2, 2, 2]), level="ratio"),
            "values >= 0",
            id="negative ratio value",
        ),
        pytest.param(
            lambda: reliability(LONG.assign(value=list("lhhh")), level="ordinal"),
            "Pass value_order",
            id="ordinal text without order",
        ),
        pytest.param(
            lambda: reliability(LONG, value_order=[1, 3]),
            "not in value_order: 2",
            id="value outside order",
        ),
        pytest.param(
            lambda: reliability(LONG, value_order=[1, 2, 1]),
            "lists a value twice",
            id="order duplicates",
        ),
        pytest.param(
            lambda: reliability(LONG, weights="linear"),
            "needs ordered values",
            id="weights on nominal",
        ),
        pytest.param(
            lambda: reliability(LONG, weights="cubic", level="interval"),
            "weights must be",
            id="unknown weights",
        ),
        pytest.param(
            lambda: reliability(LONG, bootstrap=-1),
            "bootstrap must be an integer",
            id="bootstrap < 0",
        ),
        pytest.param(
            lambda: reliability(LONG, ci=95),
            "ci must be a number between 0 and 1",
            id="ci as percent",
        ),
        pytest.param(
            lambda: reliability(LONG, minimums=[0.8, "x"]),
            "minimums must hold numbers",
            id="bad minimum",
        ),
        pytest.param(lambda: reliability(LONG, seed=-3), "seed must be", id="negative seed"),
        pytest.param(
            lambda: reliability("posts.csv"),
            "data must be a pandas DataFrame",
            id="a path, not data",
        ),
        pytest.param(
            lambda: reliability(pd.DataFrame({"a": [1, 2]}, index=[1, 1]), coders=["a"]),
            "in more than one row",
            id="wide duplicate unit",
        ),
        pytest.param(
            lambda: reliability(pd.DataFrame({"a": [1]}), coders=["a", "z"]),
            "no column 'z' (the coders= argument)",
            id="coder column missing",
        ),
        pytest.param(lambda: reliability(np.zeros(3)), "must be 2-D", id="1-D array"),
        pytest.param(
            lambda: multi_reliability(LONG.assign(value=["a;b", "a", "b", "b"])),
            "Pass sep=';'",
            id="multi text without sep",
        ),
        pytest.param(
            lambda: multi_reliability(LONG.assign(value=[["a"], ["z"], [], []]), codes=["a"]),
            "not in codes: 'z'",
            id="multi unknown code",
        ),
    ],
)
def test_validation_errors_name_the_problem(call, message):
    with pytest.raises(ValidationError) as err:
        call()
    assert message in err.value.describe()  # the message, or the hint saying what to do
    assert isinstance(err.value, DaziError)


# ---------------------------------------------------------------------------
# Bootstrap (Krippendorff's algorithm)
# ---------------------------------------------------------------------------


def _two_coder_nominal(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n)
    b = np.where(rng.random(n) < 0.75, truth, rng.integers(0, 4, n))
    return pd.DataFrame({"a": truth, "b": b}).astype(object)


def test_bootstrap_is_reproducible_with_a_seed():
    a = reliability(K2011, coders=CODERS, seed=42)
    b = reliability(K2011, coders=CODERS, seed=42)
    c = reliability(K2011, coders=CODERS, seed=43)
    assert a.alpha_ci == b.alpha_ci and a.q == b.q
    assert a.alpha_ci != c.alpha_ci
    assert a.n_bootstrap == 10_000


def test_bootstrap_variance_matches_the_binomial_theory():
    # Two coders, complete nominal data: each of the M = N pairs disagrees with
    # probability D_o, so D_o* ~ Binomial(M, D_o) / M and
    # Var(alpha*) = D_o (1 - D_o) / (M D_e^2)   (Krippendorff's algorithm, exactly).
    data = _two_coder_nominal(5)
    codes = data.to_numpy(dtype=int)
    parts = alpha_parts(CodedData(codes, np.arange(1.0, 5.0), "nominal"))
    samples = bootstrap_alpha(parts, 20_000, np.random.default_rng(0))
    theory = parts.d_o * (1 - parts.d_o) / (len(codes) * parts.d_e**2)
    assert samples.mean() == pytest.approx(parts.alpha, abs=0.003)
    assert samples.var() == pytest.approx(theory, rel=0.05)


def test_bootstrap_sampling_paths_agree():
    # Pooled-distance multinomial draws and direct pair draws sample the same law.
    rng = np.random.default_rng(9)
    data = np.round(rng.normal(size=(300, 1)) + rng.normal(scale=0.6, size=(300, 3)))
    data[rng.random(data.shape) < 0.25] = np.nan  # units of 1, 2 and 3 values: 2 weight classes
    mask = ~np.isnan(data)
    uniq = np.unique(data[mask])
    codes = np.where(mask, np.searchsorted(uniq, np.nan_to_num(data)), -1)
    parts = alpha_parts(CodedData(codes, uniq.astype(float), "interval"))
    multinomial = bootstrap_alpha(parts, 20_000, np.random.default_rng(1))
    direct = np.empty(20_000)
    _resample_pairs(
        parts, direct, np.random.default_rng(2), 1.0 / (len(parts.pairs) * parts.d_e), 1 << 20
    )
    assert direct.mean() == pytest.approx(parts.alpha, abs=0.002)
    assert multinomial.mean() == pytest.approx(parts.alpha, abs=0.002)
    assert direct.std() == pytest.approx(multinomial.std(), rel=0.05)


def test_ci_and_q_are_consistent():
    r = reliability(
        _two_coder_nominal(6), coders=["a", "b"], seed=1, minimums=(0.9, 0.8, 0.5), ci=0.9
    )
    low, high = r.alpha_ci
    assert low < r.krippendorff_alpha < high
    assert r.ci_level == 0.9
    assert r.q["0.9"] >= r.q["0.8"] >= r.q["0.5"]
    assert any("bootstrap resamples of 400 pairs" in n for n in r.notes)


def test_perfect_agreement_bootstrap_says_it_shows_no_uncertainty():
    data = pd.DataFrame({"a": list("xyzxy"), "b": list("xyzxy")})
    r = reliability(data, coders=["a", "b"], seed=1)
    assert r.krippendorff_alpha == 1.0 and r.alpha_ci == (1.0, 1.0)
    assert r.q == {"0.8": 0.0, "0.667": 0.0}
    assert any("no width" in n for n in r.notes)


def test_no_bootstrap():
    r = reliability(K2011, coders=CODERS, bootstrap=0)
    assert r.alpha_ci is None and r.q is None
    assert "no confidence interval: bootstrap=0" in r.notes


@pytest.mark.slow
def test_bootstrap_speed_1000_units_3_coders_continuous():
    import time

    rng = np.random.default_rng(0)
    data = rng.normal(size=(1000, 1)) + rng.normal(scale=0.5, size=(1000, 3))
    start = time.perf_counter()
    reliability(data, level="interval", seed=1)
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------


def test_disagreements_worst_first():
    table = disagreements(K2011, coders=CODERS)
    # Krippendorff's data: unit 06 has four different values (6 of 6 pairs split).
    first = table.iloc[0]
    assert first["unit"] == "06"
    assert (first["pairs"], first["disagreeing_pairs"], first["mean_distance"]) == (6, 6, 1.0)
    assert [first[c] for c in CODERS] == [1, 2, 3, 4]
    assert set(table["unit"]) == {"06", "02", "08"}
    assert list(table["mean_distance"]) == sorted(table["mean_distance"], reverse=True)


def test_disagreements_interval_distance():
    data = pd.DataFrame({"a": [1.0, 1.0, 5.0], "b": [1.0, 2.0, 1.0]})
    table = disagreements(data, coders=["a", "b"], level="interval")
    assert table["unit"].tolist() == [2, 1]  # (5, 1) is worse than (1, 2)
    assert table["mean_distance"].tolist() == [16.0, 1.0]


def test_pairwise_agreement_spots_the_outlier_coder():
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 3, 300)
    careless = np.where(rng.random(300) < 0.5, truth, rng.integers(0, 3, 300))
    data = pd.DataFrame({"li": truth, "wang": truth, "zhao": careless}).astype(object)
    table = pairwise_agreement(data, coders=["li", "wang", "zhao"])
    assert len(table) == 3
    assert "zhao" in (table.loc[0, "coder_a"], table.loc[0, "coder_b"])  # lowest alpha first
    assert table.loc[2, "krippendorff_alpha"] == 1.0
    # each pair's alpha is the two-coder alpha of the reference implementation
    for _, row in table.iterrows():
        pair = data[[row["coder_a"], row["coder_b"]]].to_numpy(dtype=float).T
        assert row["krippendorff_alpha"] == pytest.approx(
            krippendorff.alpha(pair, level_of_measurement="nominal")
        )
        assert row["percent_agreement"] == pytest.approx(np.mean(pair[0] == pair[1]))


def test_code_diagnostics_single_select():
    table = code_diagnostics(K2011, coders=CODERS)
    assert table["code"].tolist() == [1, 2, 3, 4, 5]
    assert table["n_values"].tolist() == [9, 13, 10, 5, 3]
    assert table["share_of_disagreement"].sum() == pytest.approx(1.0)
    assert table.loc[4, "disagreeing_values"] == 0 and table.loc[4, "binary_alpha"] == 1.0
    # binary alpha of code 2 equals nominal alpha of the data recoded 2 / not 2
    binary = np.where(np.isnan(K2011.to_numpy()), np.nan, (K2011.to_numpy() == 2).astype(float))
    ref = krippendorff.alpha(binary.T, level_of_measurement="nominal")
    assert table.loc[1, "binary_alpha"] == pytest.approx(ref)
    assert table.loc[0, "most_confused_with"] == 2  # code 1 is mostly confused with 2 (o_12 = 4/3)


def test_diagnose_bundles_everything_and_serialises():
    d = diagnose(K2011, coders=CODERS, variable="v1")
    assert d.distribution["n_pairable"].tolist() == [9, 13, 10, 5, 3]
    assert d.coincidences.shape == (5, 5)
    assert len(d.pairwise) == 6 and d.codes is not None
    strict_json(d.to_dict())


def test_diagnose_continuous_values_skips_the_matrix():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(1500, 2))
    d = diagnose(data, level="interval")
    assert d.coincidences is None and d.codes is None
    with pytest.raises(ValidationError, match="too large to show"):
        coincidence_matrix(data, level="interval")


# ---------------------------------------------------------------------------
# Multi-select
# ---------------------------------------------------------------------------

MULTI = pd.DataFrame(
    {
        "unit": ["p1", "p1", "p1", "p2", "p2", "p2", "p3", "p3", "p4", "p4", "p4", "p5", "p5"],
        "coder": [
            "li",
            "wang",
            "zhao",
            "li",
            "wang",
            "zhao",
            "li",
            "wang",
            "li",
            "wang",
            "zhao",
            "li",
            "zhao",
        ],
        "value": [
            ["meal"],
            ["meal"],
            ["meal", "travel"],
            ["study", "fitness"],
            ["study"],
            ["study", "fitness"],
            [],
            [],
            ["travel"],
            ["travel"],
            None,
            ["fitness"],
            ["meal"],
        ],
    }
)
CODES = ["meal", "travel", "study", "fitness", "gaming"]


def _binary(code: str) -> np.ndarray:
    """coders x units 0/1 matrix for one code, NaN where a coder did not code."""
    wide = MULTI.pivot(index="unit", columns="coder", values="value")
    return np.array(
        [
            [NAN if not isinstance(v, list) else float(code in v) for v in wide[c]]
            for c in wide.columns
        ]
    )


def test_multi_per_code_alpha_matches_binary_alpha():
    r = multi_reliability(MULTI, codes=CODES, bootstrap=200, seed=1)
    assert [c.code for c in r.codes] == CODES
    for c in r.codes[:4]:
        assert c.krippendorff_alpha == pytest.approx(
            krippendorff.alpha(_binary(c.code), level_of_measurement="nominal")
        )
    gaming = r.codes[4]
    assert gaming.krippendorff_alpha is None and gaming.n_selected == 0
    assert "no coder selected this code" in gaming.notes[0]


def test_multi_pooled_alpha_is_alpha_over_the_stacked_binary_matrix():
    r = multi_reliability(MULTI, codes=CODES, bootstrap=0)
    stacked = np.concatenate([_binary(c) for c in CODES], axis=1)  # units x codes as units
    assert r.krippendorff_alpha == pytest.approx(
        krippendorff.alpha(stacked, level_of_measurement="nominal")
    )
    assert r.definition == MULTI_DEFINITION
    assert (r.n_units, r.n_coders, r.n_codes) == (5, 3, 5)


def test_multi_exact_set_agreement_hand_computed():
    # p1: {m},{m},{m,t} -> 1 of 3 pairs agree; p2: {s,f},{s},{s,f} -> 1/3; p3: {},{} -> 1;
    # p4: {t},{t} (zhao missing) -> 1; p5: {f} vs {m} -> 0.  Mean = (1/3 + 1/3 + 1 + 1 + 0)/5
    r = multi_reliability(MULTI, bootstrap=0)
    assert r.exact_set_agreement == pytest.approx((2 / 3 + 2) / 5)


def test_multi_disagreements_worst_first():
    table = disagreements(MULTI, multi=True, codes=CODES)
    # p5: {fitness} vs {meal} differ on 2 codes; p1, p2: 2 of 3 pairs differ on 1 code each
    assert table["unit"].tolist() == ["p5", "p1", "p2"]
    assert table["mean_distance"].tolist() == pytest.approx([2.0, 2 / 3, 2 / 3])
    assert table.loc[1, "zhao"] == ["meal", "travel"] and table.loc[0, "wang"] is None


def test_multi_text_with_separator_and_empty_selection():
    text = MULTI.assign(
        value=[";".join(v) if isinstance(v, list) else None for v in MULTI["value"]]
    )
    a = multi_reliability(text, sep=";", codes=CODES, bootstrap=0)
    b = multi_reliability(MULTI, codes=CODES, bootstrap=0)
    assert a.krippendorff_alpha == pytest.approx(b.krippendorff_alpha)
    assert a.exact_set_agreement == pytest.approx(b.exact_set_agreement)


def test_multi_to_dict_and_code_table():
    r = multi_reliability(MULTI, codes=CODES, seed=2, bootstrap=300)
    d = r.to_dict()
    strict_json(d)
    assert CLI_KEYS <= set(d) and len(d["codes"]) == 5
    table = code_diagnostics(MULTI, multi=True, codes=CODES)
    assert table["share_of_disagreement"].sum() == pytest.approx(1.0)
    assert table.set_index("code").loc["gaming", "disagreeing_units"] == 0


def test_krippendorff_alpha_returns_plain_float_or_none():
    a = krippendorff_alpha(K2011, coders=CODERS, level="ratio")
    assert type(a) is float and math.isfinite(a)
    assert krippendorff_alpha(pd.DataFrame({"a": ["x"], "b": ["x"]}), coders=["a", "b"]) is None
