"""Reliability of a project's codings, variable by variable at its own level."""

from __future__ import annotations

import pytest

from coding.assignments import assign, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from coding.project_reliability import project_reliability
from corpus.sampling import draw_sample
from dazi.errors import AccessDenied
from tests.conftest import make_posts
from tests.test_codings import SMALL_CODEBOOK


def test_project_alpha_matches_hand_computed_values(db, project):
    make_posts(db, project, 12)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "main", size=10, seed=1)
    assign(db, project, "main", ["a", "b"], overlap=10, seed=1)
    pks = overlap_post_pks(db, project)
    a, b = get_coder(db, project, "a"), get_coder(db, project, "b")
    # kind: 10 units, coders disagree on one (meal vs travel).
    kinds_a = ["meal"] * 5 + ["travel"] * 3 + ["study"] * 2
    kinds_b = ["meal"] * 4 + ["travel"] * 4 + ["study"] * 2
    for pk, ka, kb in zip(pks, kinds_a, kinds_b):
        save_coding(db, project, a, pk, {"kind": ka, "outcome": "failure", "markers": ["city"]})
        save_coding(db, project, b, pk, {"kind": kb, "outcome": "failure", "markers": ["city"]})
    results = {r.variable: r for r in project_reliability(db, project, bootstrap=0)}
    # Nominal alpha by hand: n = 20 values; n_meal = 9, n_travel = 7, n_study = 4;
    # observed disagreement Do = 2/20 (one unit, two ordered pairs);
    # expected De = (20^2 - 81 - 49 - 16) / (20 * 19) = 254 / 380; alpha = 1 - Do/De.
    expected = 1 - (2 / 20) / (254 / 380)
    assert results["kind"].krippendorff_alpha == pytest.approx(expected)
    assert results["kind"].n_units == 10 and results["kind"].percent_agreement == pytest.approx(0.9)
    # everyone chose "failure": alpha is undefined, with the reason, and agreement is still 1
    assert results["outcome"].krippendorff_alpha is None and results["outcome"].notes
    assert results["outcome"].percent_agreement == 1.0
    assert "months" in results and results["months"].n_units == 0  # skipped by its condition: missing, not a code


def test_coders_cannot_compute_reliability_while_blind(db, project):
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    coder, _ = add_coder(db, project, "a", passcode="1234")
    with pytest.raises(AccessDenied):
        project_reliability(db, project, viewer=coder)


def test_nothing_double_coded_is_a_clear_error(db, project):
    from dazi.errors import ValidationError

    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    with pytest.raises(ValidationError, match="two or more coders"):
        project_reliability(db, project)
