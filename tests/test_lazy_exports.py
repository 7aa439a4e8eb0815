"""The package-level API of ``corpus`` and ``coding`` (:mod:`dazi.lazy`).

Five exported functions share their submodule's name.  Importing the
submodule must not replace the function: calling ``corpus.search(...)`` a
second time used to fail with "'module' object is not callable".
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import coding
import corpus
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder
from coding.codings import save_coding
from tests.conftest import make_posts

SHADOWED = [("coding", "reliability"), ("coding", "project_reliability"), ("corpus", "search"),
            ("corpus", "overview"), ("corpus", "code_terms")]

CODEBOOK = Codebook.from_dict({"name": "t", "variables": [
    {"id": "kind", "label": "Kind", "type": "single",
     "codes": [{"id": "meal", "label": "Meal"}, {"id": "study", "label": "Study"}]}]})


def test_reliability_twice():
    data = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "coder": ["a", "b"] * 4,
                         "value": ["x", "x", "y", "y", "x", "y", "y", "y"]})
    first = coding.reliability(data)
    second = coding.reliability(data)
    assert first.krippendorff_alpha == second.krippendorff_alpha
    assert first.krippendorff_alpha == pytest.approx(0.5333, abs=1e-4)


def test_project_functions_twice(db, project):
    pks = make_posts(db, project, 6)
    save_codebook(db, project, CODEBOOK)
    coders = [add_coder(db, project, name, role="admin", passcode="1234")[0] for name in ("alice", "bob")]
    for pk in pks:
        for who in coders:
            save_coding(db, project, who, pk, {"kind": "meal" if pk % 2 else "study"}, done=True)
    for _ in range(2):
        assert [r.variable for r in coding.project_reliability(db, project)] == ["kind"]
        assert corpus.search(db, project, "搭子").total == len(pks)
        assert corpus.overview(db, project).posts == len(pks)
        assert set(corpus.code_terms(db, project, "kind")["code"]) <= {"meal", "study"}


@pytest.mark.parametrize("package, name", SHADOWED)
def test_name_is_the_function_whatever_was_imported_first(package, name):
    """In a fresh interpreter: the submodule imported before the package, and after it."""
    code = textwrap.dedent(f"""
        import importlib, sys
        module = importlib.import_module("{package}.{name}")   # the submodule first
        import {package}
        assert {package}.{name} is module.{name}, {package}.{name}
        from {package}.{name} import {name} as again
        assert {package}.{name} is again is sys.modules["{package}.{name}"].{name}
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    code = textwrap.dedent(f"""
        import sys
        import {package}
        first = {package}.{name}                                 # the package first
        from {package}.{name} import {name}
        assert {package}.{name} is first is {name} is sys.modules["{package}.{name}"].{name}
        assert "{name}" in dir({package}) and "{name}" in {package}.__all__
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_corpus_does_not_load_spacy():
    code = "import sys, corpus, coding; assert 'spacy' not in sys.modules and 'corpus.text' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        corpus.nothing  # noqa: B018
