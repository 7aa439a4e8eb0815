"""Conger's kappa and the analytic standard errors and intervals, against irrCAC.

Every expected number is published by the irrCAC R package (Gwet, kgwet/irrCAC,
README.md and vignettes/overview.Rmd, "Computing agreement coefficients from
raw ratings" and "... from contingency tables"), which implements the variance
formulas of Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.  The
package rounds coefficients and standard errors to 5 decimals and intervals to
3; the asserts compare at that precision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coding.agreement import CodedData, conger_kappa, pairs_of
from coding.reliability import multi_reliability, reliability
from tests.test_reliability import from_table

NA = np.nan

# irrCAC's cac.raw4raters as printed in its README (Rater3 gave unit 12's only
# value; in Krippendorff's 2011 layout that value is coder B's).
RAW4RATERS = pd.DataFrame(
    {
        "Rater1": [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
        "Rater2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, NA],
        "Rater3": [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
        "Rater4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
    }
)

# irrCAC README, raw ratings: pa.coeff.raw, gwet.ac1.raw, fleiss.kappa.raw,
# conger.kappa.raw, bp.coeff.raw on cac.raw4raters (unweighted).
RAW4RATERS_PUBLISHED = {
    # name: (coefficient, standard error, 95% interval)
    "percent_agreement": (0.8181818, 0.12561, (0.542, 1.0)),
    "gwet_ac1": (0.77544, 0.14295, (0.461, 1.0)),
    "fleiss_kappa": (0.76117, 0.15302, (0.424, 1.0)),
    "conger_kappa": (0.76282, 0.14917, (0.435, 1.0)),
    "brennan_prediger": (0.77273, 0.14472, (0.454, 1.0)),
}


@pytest.fixture(scope="module")
def raw4() -> object:
    return reliability(RAW4RATERS, coders=list(RAW4RATERS.columns), bootstrap=0)


@pytest.mark.parametrize("name", list(RAW4RATERS_PUBLISHED))
def test_raw4raters_coefficient_se_and_interval(raw4, name):
    value, se, (low, high) = RAW4RATERS_PUBLISHED[name]
    assert round(getattr(raw4, name), 5) == pytest.approx(value, abs=5e-6)
    assert round(raw4.standard_errors[name], 5) == se
    assert tuple(round(x, 3) for x in raw4.intervals[name]) == (low, high)


def test_raw4raters_alpha_unchanged(raw4):
    # krippen.alpha.raw(cac.raw4raters): 0.74342 (Krippendorff 2011: .743)
    assert round(raw4.krippendorff_alpha, 5) == 0.74342


# irrCAC README, contingency table cont3x3abstractors (Gwet 2014, 100 subjects).
ABSTRACTORS = from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], ["Ectopic", "AIU", "NIU"])


@pytest.mark.parametrize(
    ("name", "value", "se", "interval"),
    [
        pytest.param("cohen_kappa", 0.7964094, 0.05891072, (0.68, 0.913), id="kappa2.table"),
        pytest.param("scott_pi", 0.7962397, 0.05905473, (0.679, 0.913), id="scott2.table"),
    ],
)
def test_two_coder_table_se_against_irrcac(name, value, se, interval):
    r = reliability(ABSTRACTORS, coders=["A", "B"], bootstrap=0)
    assert getattr(r, name) == pytest.approx(value, abs=5e-8)
    assert r.standard_errors[name] == pytest.approx(se, abs=5e-9)
    assert tuple(round(x, 3) for x in r.intervals[name]) == interval


def test_conger_equals_cohen_for_two_complete_coders():
    r = reliability(ABSTRACTORS, coders=["A", "B"], bootstrap=0)
    assert r.conger_kappa == pytest.approx(r.cohen_kappa, abs=1e-12)


def test_conger_function_directly():
    codes = RAW4RATERS.to_numpy()
    coded = CodedData(np.where(np.isnan(codes), -1, codes - 1).astype(np.int64), np.arange(1.0, 6.0), "nominal")
    assert round(conger_kappa(coded, pairs_of(coded)).value, 5) == 0.76282


def test_finite_population_correction_shrinks_the_se():
    # Gwet (2014): var * (1 - n/N); n = 12 units of a population of 24 halves the variance
    full = reliability(RAW4RATERS, coders=list(RAW4RATERS.columns), bootstrap=0)
    half = reliability(RAW4RATERS, coders=list(RAW4RATERS.columns), bootstrap=0, population=24)
    for name, se in full.standard_errors.items():
        if se is not None:
            assert half.standard_errors[name] == pytest.approx(se * np.sqrt(0.5))
    assert half.to_dict()["population"] == 24


def test_se_in_json_and_undefined_is_none():
    d = reliability(RAW4RATERS, coders=list(RAW4RATERS.columns), bootstrap=0).to_dict()
    assert d["standard_errors"]["cohen_kappa"] is None  # four coders
    assert d["intervals"]["cohen_kappa"] is None
    assert isinstance(d["intervals"]["fleiss_kappa"], list)
    m = multi_reliability(
        pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "coder": ["a", "b"] * 3,
                      "value": [["x"], ["x"], ["x", "y"], ["y"], [], []]}),
        bootstrap=0,
    ).to_dict()
    assert set(m["standard_errors"]) == set(d["standard_errors"]) and "conger_kappa" in m
