"""``dazi export``, ``dazi report`` and ``dazi tables``: what a researcher takes out of dazi."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dazi.cli.context import Context, pass_ctx

_LANGS = click.Choice(["zh", "en"])
_SPEC_FILES = (".yaml", ".yml", ".json")


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    for command in (export_cmd, report_cmd, tables_cmd):
        cli.add_command(command)


def _specs(values: tuple[str, ...]) -> list:
    """Table specs from one-line specs and/or YAML/JSON files of specs."""
    from reports.tables import load_table_specs, parse_table_spec

    specs = []
    for value in values:
        if Path(value).suffix.lower() in _SPEC_FILES and Path(value).is_file():
            specs.extend(load_table_specs(value))
        else:
            specs.append(parse_table_spec(value))
    return specs


class _Counter:
    """Posts written so far, on stderr when it is a terminal."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, n: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r  {n:,} posts", nl=False, err=True)
            self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("", err=True)


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-bom", is_flag=True, help="CSV: no UTF-8 byte-order mark (Excel then may garble Chinese).")
@click.option("--no-codes", is_flag=True, help="Only the canonical post fields, without coded values.")
@click.option("--source", default="final", show_default=True, metavar="final|CODER",
              help="Coded values: the final dataset (consensus, adjudicated) or one coder's codings.")
@click.option("--tables", "table_specs", multiple=True, metavar="SPEC|FILE",
              help="XLSX: add a summary table sheet (repeatable); a spec like 'freq companion_type' or a "
                   "YAML/JSON file of specs (see dazi tables --help).")
@click.option("--terms", "terms", multiple=True, metavar="VARIABLE",
              help="XLSX: add a 'Terms VARIABLE' sheet of the top and distinctive words and hashtags of each "
                   "code (repeatable; see dazi terms).")
@click.option("--lang", type=_LANGS, default="zh", show_default=True, help="Language of code labels.")
@click.option("--dummies", is_flag=True,
              help="Single-choice variables also get one 0/1 column per code (VARIABLE__CODE), as multi-select "
                   "ones always do; empty when the value is missing.")
@click.option("--bootstrap", type=int, default=10_000, show_default=True,
              help="XLSX: bootstrap resamples for the Reliability sheet.")
@click.option("--seed", type=int, default=0, show_default=True, help="XLSX: seed of the bootstrap.")
@pass_ctx
def export_cmd(ctx: Context, out: Path, no_bom: bool, no_codes: bool, source: str, table_specs: tuple[str, ...],
               terms: tuple[str, ...], lang: str, dummies: bool, bootstrap: int, seed: int):
    """Export posts with their coded values; the format follows OUT's extension.

    .xlsx is the full workbook (README, Posts, Codings, Codebook,
    Reliability, Coder pairs, Disagreements, and the summary tables asked
    for with --tables); .csv (UTF-8 with BOM so Excel shows Chinese),
    .jsonl, .parquet and .sav (SPSS, with variable and value labels) hold
    the posts.  Ids stay text and text that looks like a formula is
    neutralised.

    \b
    Example:
      dazi export coded_posts.xlsx
      dazi export coded_posts.xlsx --tables "summary by=interest_category metrics=n,mean(engagement),rate(match_outcome=success)"
      dazi export coded_posts.xlsx --terms interest_category
      dazi export posts.csv --no-bom
      dazi export posts.csv --dummies
      dazi export alice.sav --source alice --lang en
    """
    from reports.exports import export_posts

    specs = _specs(table_specs)
    counter = _Counter()
    result = export_posts(ctx.db, ctx.project(), out, bom=not no_bom, with_codes=not no_codes, source=source,
                          lang=lang, tables=specs, terms=terms, bootstrap=bootstrap, seed=seed,
                          progress=counter, dummies=dummies)
    counter.done()
    for line in result.lines():
        click.echo(line)


@click.command("report")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pdf", is_flag=True, help="Also print the report to a PDF next to it (needs chromium or weasyprint).")
@click.option("--lang", type=_LANGS, default="zh", show_default=True, help="Language of variable and code labels.")
@click.option("--bootstrap", type=int, default=10_000, show_default=True, help="Resamples for the intervals and q.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--variable", "variables", multiple=True, help="Only this variable (repeatable).")
@pass_ctx
def report_cmd(ctx: Context, out: Path, pdf: bool, lang: str, bootstrap: int, seed: int, variables: tuple[str, ...]):
    """Write the inter-coder reliability report as one self-contained HTML file.

    The design of the reliability subsample, alpha with its bootstrapped
    interval and the kappa family per variable, charts, per-code figures
    of multi-select variables, agreement per coder pair, a methods
    paragraph in English and Chinese, and the disagreements.  Opens
    offline in any browser.

    \b
    Example:
      dazi report reliability.html
      dazi report reliability.html --pdf --lang en
    """
    from reports.report import reliability_report, write_pdf, write_report

    report = reliability_report(ctx.db, ctx.project(), bootstrap=bootstrap, seed=seed,
                                variables=list(variables) or None)
    path = write_report(report, out, lang=lang)
    click.echo(f"Wrote the reliability report to {path} ({report.design.n_units:,} posts coded by two or more "
               f"coders, {len(report.results)} variables)")
    if pdf:
        from dazi.errors import DaziError

        try:
            written = write_pdf(path, path.with_suffix(".pdf"))
        except DaziError as exc:
            click.secho(f"PDF not written: {exc.message}", fg="yellow", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
        else:
            click.echo(f"Wrote {written}")


@click.command("tables")
@click.argument("specs", nargs=-1, metavar="[SPEC|FILE]...")
@click.option("--source", default="final", show_default=True, metavar="final|CODER",
              help="The final dataset (consensus, adjudicated) or one coder's codings.")
@click.option("--lang", type=_LANGS, default="en", show_default=True, help="Language of labels, headings and notes.")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path),
              help="Also save the tables: .xlsx (a sheet each), .csv (a file each) or .json.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--with-model", "with_model", metavar="MODEL",
              help="Whole corpus: human final values where they exist, MODEL's codes elsewhere, with shares "
                   "corrected for the model's measured errors (dazi model --help).")
@pass_ctx
def tables_cmd(ctx: Context, specs: tuple[str, ...], source: str, lang: str, save: Path | None, fmt: str,
               with_model: str | None):
    """Print summary tables of the coded posts (and save them).

    Each SPEC is one quoted line: a kind, variables, and key=value options.

    \b
      freq VAR...                 posts per code (numbers: mean, SD, median)
      summary by=VAR metrics=...  per code of VAR: n, share, mean(x),
                                  median(x), sd(x), rate(VAR2=CODE) where x is
                                  engagement, likes, collects, comments,
                                  shares or a numeric variable
      crosstab ROW COL            counts, row/column shares, chi-square, V
      cooccur VAR [VAR2]          codes given to the same posts
      time VAR period=month       codes by week, month or year of posting
      options: top=yes (child codes under their parent), title=..., name=...

    Without SPEC: the frequencies of every coded variable.  A YAML or JSON
    FILE can hold a list of specs.

    \b
    Example:
      dazi tables "freq companion_type"
      dazi tables "summary by=interest_category metrics=n,mean(engagement),median(engagement),rate(match_outcome=success),mean(relationship_duration)"
      dazi tables "crosstab companion_type communication_channel" --save table2.xlsx
      dazi tables tables.yaml --source alice --lang zh
    """
    from reports.data import load_coded_posts
    from reports.exports import save_tables
    from reports.tables import TableSpec, make_tables

    parsed = _specs(specs)
    if with_model:
        from reports.machine import corpus_tables

        tables = corpus_tables(ctx.db, ctx.project(), with_model, parsed, lang=lang)
    else:
        data = load_coded_posts(ctx.db, ctx.project(), source=source)
        if not parsed:
            ids = [v.id for v in data.codebook.variables if v.type != "text"]
            parsed = [TableSpec("frequencies", tuple(ids))] if ids else []
        tables = make_tables(data, parsed, lang=lang)
    if fmt == "json":
        click.echo(json.dumps([t.to_dict() for t in tables], ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("\n\n".join(t.to_text() for t in tables))
    if save is not None:
        for path in save_tables(tables, save):
            click.echo(f"Saved {path}", err=fmt == "json")
