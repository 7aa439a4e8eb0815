"""The README's tour is real: every command shown gives the output shown (see tests/readme_tour.py)."""

from __future__ import annotations

import difflib

from tests.readme_tour import README, Step, expected, parse, run_tour


def test_readme_tour_outputs_are_what_the_commands_give():
    text, problems = run_tour()
    assert not problems, "the README's Python session failed:\n" + "\n".join(problems)
    current = README.read_text(encoding="utf-8")
    if text != current:
        diff = "\n".join(difflib.unified_diff(current.split("\n"), text.split("\n"), "README.md", "tour", lineterm=""))
        raise AssertionError("README.md differs from what its tour gives; run `make readme`:\n" + diff[:6000])


def test_tour_blocks_are_found_and_parsed():
    lines = ["text", "<!-- tour -->", "```", "$ dazi a", "out 1", "$ dazi b   # note", "```", "",
             "<!-- tour: python -->", "```python", ">>> 1 + 1", "2", "```"]
    blocks = parse(lines)
    assert [b.kind for b in blocks] == ["shell", "python"]
    assert [(s.command, s.shown) for s in blocks[0].steps] == [("dazi a", ["out 1"]), ("dazi b   # note", [])]
    assert (blocks[0].start, blocks[0].end) == (3, 6)
    readme = parse(README.read_text(encoding="utf-8").split("\n"))
    assert len([b for b in readme if b.kind == "shell"]) >= 5 and any(b.kind == "python" for b in readme)


def test_a_shortened_output_keeps_its_length():
    step = Step("dazi x", ["a", "b", "..."])
    assert expected(step, ["a", "b", "c", "d"]) == ["a", "b", "..."]
    assert expected(step, ["A", "B", "c"]) == ["A", "B", "..."]
    assert expected(step, ["a"]) == ["a"]
    assert expected(Step("dazi y", ["a"]), ["a", "b"]) == ["a", "b"]
