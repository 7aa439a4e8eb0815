"""``dazi export``: posts (and final codes) to CSV, JSONL or Excel."""

from __future__ import annotations

from pathlib import Path

import click

from dazi.cli import Context, pass_ctx


def register(cli: click.Group) -> None:
    cli.add_command(export_cmd)


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-bom", is_flag=True, help="CSV: no UTF-8 byte-order mark (Excel then may garble Chinese).")
@click.option("--no-codes", is_flag=True, help="Only the canonical post fields, without final codes.")
@pass_ctx
def export_cmd(ctx: Context, out: Path, no_bom: bool, no_codes: bool):
    """Export posts with the canonical fields (and final codes) by file extension.

    .csv (UTF-8 with BOM so Excel shows Chinese), .jsonl, or .xlsx.  Ids stay
    text and cells that look like formulas are neutralised.

    \b
    Example:
      dazi export coded_posts.xlsx
      dazi export posts.csv --no-bom
    """
    from reports.exports import export_posts

    n = export_posts(ctx.db, ctx.project(), out, bom=not no_bom, with_codes=not no_codes)
    click.echo(f"Wrote {n:,} posts to {out}")
