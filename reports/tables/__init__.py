"""Summary tables of coded posts: frequencies, grouped summaries, crosstabs,
co-occurrence and codes over time.

Every function takes :class:`reports.data.CodedPosts` (the final dataset by
default, or one coder's codings) and returns a :class:`Table`: a pandas
frame plus its title, extra sections (shares, bases), statistics, a note
that defines every figure, and the statement of its source and ``n``.
Nothing here touches the database, so tables can be computed on a frame
built by hand.

A :class:`TableSpec` describes a table declaratively, in Python, in a YAML or
JSON file, or on the command line as one string of words::

    freq companion_type
    summary by=interest_category metrics=n,mean(engagement),median(engagement),rate(match_outcome=success),mean(relationship_duration)
    crosstab companion_type communication_channel
    cooccur communication_channel
    cooccur companion_type self_presentation
    time match_outcome period=month

The second line is the layout of the study's Table 4 (engagement by interest
category); the third is Table 2's companion type x channel.

Conventions
-----------
- A post without a value for a variable (not applicable, an open
  disagreement, left empty) is left out of what needs that variable; notes
  say how many.
- Multi-select variables: a post counts once for every code chosen, so
  shares of posts add up to more than 100 %; the base (posts coded on the
  variable, including those that chose none of the codes) is stated.
- Codes with child codes: by default each post counts under the code it
  was given; ``top=yes`` rolls child codes up into their top-level code.
  ``rate(v=code)`` always counts a code's descendants as the code.
- Chi-square (Pearson, without continuity correction) and Cramér's V are
  given for two single-choice variables when the expected counts allow
  (Cochran's rule: no expected count below 1 and at most 20 % below 5, after
  dropping codes nobody used); otherwise the note says why not.

Modules: :mod:`~reports.tables.spec` (the spec language and its parser),
:mod:`~reports.tables.checks` (a spec against the codebook),
:mod:`~reports.tables.compute` (the tables), :mod:`~reports.tables.records`
(``Table``, ``Section`` and their text form).
"""

from reports.tables.checks import check_spec
from reports.tables.compute import (
    chi_square,
    cooccurrence,
    crosstab,
    frequencies,
    grouped_summary,
    make_table,
    make_tables,
    over_time,
)
from reports.tables.records import Section, Table, format_table
from reports.tables.spec import (
    METRIC_FUNCTIONS,
    PERIODS,
    POST_NUMBERS,
    TABLE_KINDS,
    TableSpec,
    load_table_specs,
    parse_table_spec,
)

__all__ = [
    "METRIC_FUNCTIONS",
    "PERIODS",
    "POST_NUMBERS",
    "TABLE_KINDS",
    "Section",
    "Table",
    "TableSpec",
    "check_spec",
    "cooccurrence",
    "crosstab",
    "format_table",
    "frequencies",
    "grouped_summary",
    "load_table_specs",
    "make_table",
    "make_tables",
    "over_time",
    "parse_table_spec",
]

