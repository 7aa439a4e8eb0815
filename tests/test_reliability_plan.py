"""Sample-size planner (Krippendorff 2019, ch. 12; Bloch & Kraemer 1989, eq. 3.7)."""

from __future__ import annotations

import math

import pytest

from coding.reliability import plan_sample_size
from dazi.errors import ValidationError


@pytest.mark.parametrize(
    ("alpha_min", "expected"),
    [pytest.param(0.8, 139, id="alpha .800"), pytest.param(0.667, 81, id="alpha .667")],
)
def test_atlas_ti_published_example(alpha_min, expected):
    # ATLAS.ti manual, "Sample Size and Decision Rules": a semantic domain of 4
    # equally distributed codes (p_c = .25), two coders, .05 level: "you need a
    # minimum of 139 codings ... For a lower alpha of 0.667, ... 81 codings".
    assert plan_sample_size(alpha_min, p=0.05, categories=4) == expected
    assert plan_sample_size(alpha_min, p=0.05, smallest_p=0.25) == expected


def test_hand_computed_binary_code():
    # z(.05, one-tailed) = 1.6448536; p_c = .5; alpha .8:
    # (1.8 * 2.2) / (4 * .2 * .25) - .8 = 19.0;  2 coders: 2 * 2.7055434 * 19 = 102.81 -> 103
    assert plan_sample_size(0.8, categories=2) == 103
    # "multiply Z square by the number of coders": 3 * 2.7055434 * 19 = 154.22 -> 155
    assert plan_sample_size(0.8, categories=2, coders=3) == 155


def test_formula_directly():
    z = 2.3263479  # one-tailed .01
    a, pc = 0.9, 0.1
    n = 2 * z * z * ((1 + a) * (3 - a) / (4 * (1 - a) * pc * (1 - pc)) - a)
    assert plan_sample_size(a, p=0.01, smallest_p=pc) == math.ceil(n)


def test_stricter_requirements_need_more_units():
    base = plan_sample_size(0.8, categories=3)
    assert plan_sample_size(0.9, categories=3) > base
    assert plan_sample_size(0.8, p=0.01, categories=3) > base
    assert plan_sample_size(0.8, smallest_p=0.05) > base
    assert plan_sample_size(0.8, categories=3, coders=4) > base


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"alpha_min": 1.0, "categories": 2}, "alpha_min must be between 0 and 1", id="alpha 1"
        ),
        pytest.param(
            {"alpha_min": "0.8", "categories": 2},
            "alpha_min must be a finite number",
            id="alpha text",
        ),
        pytest.param(
            {"alpha_min": 0.8, "p": 0.5, "categories": 2}, "significance level", id="p too large"
        ),
        pytest.param({"alpha_min": 0.8}, "exactly one of categories", id="neither"),
        pytest.param(
            {"alpha_min": 0.8, "categories": 2, "smallest_p": 0.5}, "exactly one of", id="both"
        ),
        pytest.param(
            {"alpha_min": 0.8, "categories": 1},
            "categories must be an integer >= 2",
            id="1 category",
        ),
        pytest.param(
            {"alpha_min": 0.8, "smallest_p": 0.7}, "smallest_p must be in (0, 0.5]", id="p_c > .5"
        ),
        pytest.param(
            {"alpha_min": 0.8, "categories": 2, "coders": 1},
            "coders must be an integer >= 2",
            id="1 coder",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValidationError) as err:
        plan_sample_size(**kwargs)
    assert message in str(err.value)
