"""``dazi export out.xlsx --terms VARIABLE`` on the demo project: the terms sheet holds what ``terms_table`` computes."""

from __future__ import annotations

import openpyxl
import pandas as pd
from click.testing import CliRunner

from dazi.cli import cli
from reports.terms import TERMS_COLUMNS, terms_table
from tests.test_text_cli import demo  # noqa: F401  (the demo project, built once per module)


def test_export_with_terms_adds_a_terms_sheet(demo, tmp_path):
    path, db, project = demo
    out = tmp_path / "coded.xlsx"
    result = CliRunner().invoke(cli, ["--db", str(path), "export", str(out), "--terms", "interest_category",
                                      "--bootstrap", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, read_only=True)
    [name] = [n for n in book.sheetnames if n.startswith("Terms")]
    rows = [list(r) for r in book[name].iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if tuple(v for v in r if v is not None) == TERMS_COLUMNS)
    width = len(TERMS_COLUMNS)
    body = [(r + [None] * width)[:width] for r in rows[header_at + 1:] if any(v is not None for v in r)]
    expected = terms_table(db, project, "interest_category").frame
    assert len(body) == len(expected) > 0
    for got, (_, want) in zip(body, expected.iterrows()):
        for column in ("code", "top_term", "count", "distinctive_term", "count_in"):
            value = want[column]
            assert got[TERMS_COLUMNS.index(column)] == (None if pd.isna(value) else value), (column, got, want)
    assert any(r[TERMS_COLUMNS.index("top_term")] is None for r in body)  # fewer top than distinctive terms: empty


def test_terms_for_an_unknown_variable_is_a_clear_error(demo, tmp_path):
    path, _, _ = demo
    result = CliRunner().invoke(cli, ["--db", str(path), "export", str(tmp_path / "x.xlsx"), "--terms", "nope",
                                      "--bootstrap", "0"])
    assert result.exit_code != 0
    assert "nope" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.xlsx").exists()
