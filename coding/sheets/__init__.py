"""Offline coding in Excel: a coder's assignment as a workbook, and reading it back.

Many teams code in Excel.  :func:`write_coding_sheet` writes one coder's
assigned posts as an ``.xlsx`` workbook; the coder fills it in (Excel,
WPS or LibreOffice) and returns it; :func:`import_codings` checks every cell
and records the codings as that coder, through the same
:func:`coding.codings.save_coding` the app uses.

The workbook
------------
``Coding``
    Row 1 holds the column keys (``post_id``, ``platform``, ``title``,
    ``text``, ``created_at``, ``likes``, ``collects``, ``comments``,
    ``shares``, ``hashtags``, then one column per variable named by its id,
    then ``memo`` and ``uncertain``); row 2 the labels in the sheet's
    language (``*`` marks required variables); one row per assigned post
    from row 3, in the coder's order.  Post columns are locked (the sheet is
    protected without a password: protection guards against slips, it is not
    security); code, memo and uncertain cells are unlocked.  Single and
    ordinal variables get a drop-down of code labels (read from the hidden
    ``Lists`` sheet through a defined name, since Excel limits inline lists
    to 255 characters), numeric ones a range check, multi-choice ones an
    input message listing the codes (typed as ``学习; 健身``).  Values the
    coder already saved are filled in.
``Instructions``
    How to fill in and return the sheet, and the codebook: variables, codes,
    definitions, inclusion and exclusion criteria.
``Lists``, ``Meta`` (hidden)
    The drop-down labels; and the sheet's identity: format and format
    version, project, coder, codebook version, language.

Ids stay text: ``post_id`` cells are strings with the text number format
``@``, so Excel never shows ``1.23457E+18``.  Post text is untrusted: every
string is written as a string cell (never a formula, whatever it starts
with), text starting with ``= + - @`` also gets Excel's quote prefix so that
editing the cell cannot turn it into a formula, and characters XML cannot
hold are dropped.

Reading back
------------
Every cell is checked before anything is written; any problem stops the
import with a list of ``Coding!F12 (kind): ...`` lines and nothing changes.
Codes may be typed as labels (any language of the codebook) or ids, in any
case and spacing; several codes are separated by ``;``, ``；``, ``，`` or
``、``.  Then:

- a row with no code, memo or flag is skipped (the post stays as it was);
- a blank cell leaves the stored value as it is (to clear a saved value,
  use the app);
- a row whose required variables (those that apply) all have values is
  saved as finished;
- a partly filled row is saved as a **draft** (not finished) and listed in
  the report, so a half-done sheet can be imported and finished later; but
  a post the coder had already finished must stay complete, so leaving one
  of its required values empty is an error;
- a value for a variable whose condition (``when``) does not hold is an error.

Every cell is checked before anything is written, and then every changed
post is saved in one transaction (:func:`coding.codings.save_codings`, the
app's checks): an import is all or nothing, also when the process is killed
or the database goes away half way.  Importing the same file again is safe:
unchanged values write nothing.
"""

from coding.sheets.layout import CODING_SHEET, FORMAT_VERSION, POST_COLUMNS, SHEET_FORMAT
from coding.sheets.read import import_codings
from coding.sheets.records import CodingSheet, SheetImportError, SheetImportReport, SheetProblem
from coding.sheets.values import parse_value
from coding.sheets.write import write_coding_sheet

__all__ = [
    "CODING_SHEET",
    "CodingSheet",
    "FORMAT_VERSION",
    "POST_COLUMNS",
    "SHEET_FORMAT",
    "SheetImportError",
    "SheetImportReport",
    "SheetProblem",
    "import_codings",
    "parse_value",
    "write_coding_sheet",
]
