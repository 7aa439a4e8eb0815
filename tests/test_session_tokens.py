"""Signed sign-in tokens (coding.session_tokens): what a token opens, and when it stops working.

A token must sign in only the coder it was issued to, only while that coder is active with the same
passcode and the token is young enough; anything altered or foreign opens nothing.  On both backends.
"""

from __future__ import annotations

import time

import pytest

from coding.coders import add_coder, remove_coder, set_passcode
from coding.session_tokens import MAX_AGE, check_token, issue_token
from dazi.projects import create_project


@pytest.fixture
def alice(db, project):
    coder, _ = add_coder(db, project, "alice", passcode="1111")
    return coder


def test_a_token_signs_in_its_coder(db, project, alice):
    found = check_token(db, issue_token(db, project, alice))
    assert found is not None
    assert (found[0].id, found[1].id, found[1].name, found[1].role) == (project.id, alice.id, "alice", "coder")


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t[:-2] + ("00" if t[-2:] != "00" else "11"), id="mac altered"),
    pytest.param(lambda t: t.replace("v1.", "v2.", 1), id="another version"),
    pytest.param(lambda t: ".".join(t.split(".")[:4]), id="mac missing"),
    pytest.param(lambda t: "", id="empty"),
    pytest.param(lambda t: "x" * 500, id="overlong"),
    pytest.param(lambda t: "v1.a.b.c.d", id="not numbers"),
])
def test_an_altered_token_opens_nothing(db, project, alice, change):
    assert check_token(db, change(issue_token(db, project, alice))) is None


def test_a_token_cannot_be_moved_to_another_coder(db, project, alice):
    bob, _ = add_coder(db, project, "bob", passcode="2222", role="admin")
    parts = issue_token(db, project, alice).split(".")
    parts[2] = str(bob.id)  # alice's token, claiming bob
    assert check_token(db, ".".join(parts)) is None


def test_a_token_of_another_project_opens_nothing_here(db, project, alice):
    other = create_project(db, "other")
    carol, _ = add_coder(db, other, "carol", passcode="3333")
    parts = issue_token(db, other, carol).split(".")
    parts[1] = str(project.id)  # the other project's token, claiming this project
    assert check_token(db, ".".join(parts)) is None


def test_a_token_ends_with_a_new_passcode_deactivation_or_age(db, project, alice):
    token = issue_token(db, project, alice)
    assert check_token(db, token, now=time.time() + MAX_AGE - 60) is not None
    assert check_token(db, token, now=time.time() + MAX_AGE + 60) is None  # too old
    assert check_token(db, issue_token(db, project, alice, now=time.time() + 3600)) is None  # from the future
    set_passcode(db, project, "alice", "9999")
    assert check_token(db, token) is None
    fresh = issue_token(db, project, alice)
    assert check_token(db, fresh) is not None
    remove_coder(db, project, "alice")
    assert check_token(db, fresh) is None
