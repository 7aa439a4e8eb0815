"""What a researcher takes out of dazi: summary tables, exports and the reliability report.

Pure functions over the core's data (pandas in, files out), used by the CLI
(``dazi export``, ``dazi report``, ``dazi tables``) and the app's download
buttons.

- :mod:`reports.data`: the coded posts (:func:`load_coded_posts`) and the
  export layout of posts (:func:`posts_table`); :mod:`reports.wide`: the
  columns of coded variables (:func:`wide_codes`, :func:`wide_layout`).
- :mod:`reports.tables`: frequencies, grouped summaries (the study's
  Table 4), crosstabs with chi-square and Cramér's V, co-occurrence, codes
  over time, all described by a declarative :class:`TableSpec`.
- :mod:`reports.exports`: ``.xlsx`` (:mod:`reports.workbook`), CSV, JSONL,
  Parquet and SPSS ``.sav`` (:func:`export_posts`).
- :mod:`reports.report`: the self-contained HTML reliability report (and PDF),
  with :mod:`reports.charts` and the methods paragraph of :mod:`reports.methods`.
- :mod:`reports.terms`: terms sheets of the workbook (top and distinctive
  terms per code, :func:`terms_table`).
- :mod:`reports.xlsx`: the streaming ``.xlsx`` writer; :mod:`reports.safety`:
  formula neutralisation.
"""

from reports.data import CodedPosts, PostsTable, describe_source, load_coded_posts, posts_table
from reports.exports import (
    FORMATS,
    ExportResult,
    export_bytes,
    export_posts,
    save_tables,
    spss_name,
)
from reports.methods import methods_paragraph
from reports.report import (
    ReliabilityReport,
    reliability_report,
    render_html,
    write_pdf,
    write_report,
)
from reports.safety import neutralize
from reports.tables import (
    Section,
    Table,
    TableSpec,
    cooccurrence,
    crosstab,
    format_table,
    frequencies,
    grouped_summary,
    load_table_specs,
    make_table,
    make_tables,
    over_time,
    parse_table_spec,
)
from reports.terms import TermsTable, terms_table
from reports.wide import WideLayout, wide_codes, wide_layout
from reports.workbook import export_workbook
from reports.xlsx import Column, StreamingWorkbook

__all__ = [
    "FORMATS",
    "CodedPosts",
    "Column",
    "ExportResult",
    "PostsTable",
    "ReliabilityReport",
    "Section",
    "StreamingWorkbook",
    "Table",
    "WideLayout",
    "TableSpec",
    "TermsTable",
    "cooccurrence",
    "crosstab",
    "describe_source",
    "export_bytes",
    "export_posts",
    "export_workbook",
    "format_table",
    "frequencies",
    "grouped_summary",
    "load_coded_posts",
    "load_table_specs",
    "make_table",
    "make_tables",
    "methods_paragraph",
    "neutralize",
    "over_time",
    "parse_table_spec",
    "posts_table",
    "reliability_report",
    "render_html",
    "save_tables",
    "spss_name",
    "terms_table",
    "wide_codes",
    "wide_layout",
    "write_pdf",
    "write_report",
]
