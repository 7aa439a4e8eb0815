"""Coders, passcodes and sign-in."""

from __future__ import annotations

import pytest

from coding.coders import (
    add_coder,
    authenticate,
    check_passcode,
    get_coder,
    hash_passcode,
    list_coders,
    remove_coder,
    set_passcode,
)
from dazi.errors import AccessDenied, NotFound, ValidationError


def test_passcode_hash_is_salted_and_checks():
    a, b = hash_passcode("1234"), hash_passcode("1234")
    assert a != b and a.startswith("scrypt$") and "1234" not in a
    assert check_passcode("1234", a) and not check_passcode("1235", a)
    assert not check_passcode("1234", None)


def test_add_list_remove(db, project):
    coder, passcode = add_coder(db, project, "alice")
    assert passcode.isdigit() and len(passcode) == 6
    add_coder(db, project, "carol", role="adjudicator", passcode="secret")
    assert [c.name for c in list_coders(db, project)] == ["alice", "carol"]
    with pytest.raises(ValidationError, match="already exists"):
        add_coder(db, project, "alice")
    with pytest.raises(ValidationError, match="Unknown role"):
        add_coder(db, project, "x", role="boss")
    remove_coder(db, project, "alice")
    assert [c.name for c in list_coders(db, project)] == ["carol"]
    with pytest.raises(NotFound, match="No coder named 'alice'"):
        get_coder(db, project, "alice")
    again, _ = add_coder(db, project, "alice", passcode="abcd")
    assert again.id == coder.id  # history stays attached to the same coder


def test_authenticate(db, project):
    add_coder(db, project, "alice", passcode="1111")
    assert authenticate(db, project, "alice", "1111").name == "alice"
    with pytest.raises(AccessDenied) as wrong:
        authenticate(db, project, "alice", "9999")
    with pytest.raises(AccessDenied) as unknown:
        authenticate(db, project, "mallory", "9999")
    assert wrong.value.message == unknown.value.message  # nothing given away
    new = set_passcode(db, project, "alice")
    assert authenticate(db, project, "alice", new)


def test_repeated_wrong_passcodes_slow_down(db, project):
    add_coder(db, project, "bob", passcode="2222")
    for _ in range(3):
        with pytest.raises(AccessDenied, match="Wrong coder name or passcode"):
            authenticate(db, project, "bob", "0000")
    # the fourth attempt comes too soon: refused even with the right passcode
    with pytest.raises(AccessDenied, match="Too many wrong passcodes") as info:
        authenticate(db, project, "bob", "2222")
    assert "Wait" in info.value.hint
