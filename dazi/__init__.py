"""dazi (搭子): qualitative content analysis of social media posts.

The toolkit is three packages over one storage layer:

- :mod:`corpus` loads crawler exports into canonical posts and reads their text;
- :mod:`coding` holds codebooks, coders, assignments, codings and reliability;
- :mod:`reports` builds summary tables, Excel workbooks and reliability reports.

:mod:`dazi.db` opens a project database (SQLite by default, PostgreSQL when
``DAZI_DATABASE_URL`` says so) and :mod:`dazi.cli` is the ``dazi`` command (a top floor: nothing in the
foundation imports it).
"""

__version__ = "0.1.0"

from dazi.errors import DaziError, InputError  # noqa: E402

__all__ = ["DaziError", "InputError", "__version__"]
