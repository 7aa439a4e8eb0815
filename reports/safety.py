"""Keeping post text inert in spreadsheets (the rules live in :mod:`dazi.cells`).

>>> neutralize("=1+1")
"'=1+1"
"""

from __future__ import annotations

from dazi.cells import EXCEL_CELL_LIMIT, FORMULA_STARTS, ILLEGAL_CHARACTERS, fit_cell, is_formula_text, neutralize

__all__ = ["EXCEL_CELL_LIMIT", "FORMULA_STARTS", "ILLEGAL_CHARACTERS", "fit_cell", "is_formula_text", "neutralize"]
