"""``dazi coding-sheet``, ``dazi import-codings``, ``dazi adjudicate``.

The multi-coder workflow from the command line: offline coding in Excel and
adjudication of disagreements.  Writes act as a named coder (``--coder``,
``--as``); ``dazi adjudicate --list`` also needs ``--as`` an adjudicator or
admin while the project is blind, so the owner's terminal keeps the same
blind discipline as the app.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from dazi.cli.context import Context, pass_ctx

_LANGS = click.Choice(["zh", "en"])


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    for command in (coding_sheet_cmd, import_codings_cmd, adjudicate_cmd):
        cli.add_command(command)


@click.command("coding-sheet")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", required=True, metavar="NAME", help="Whose assigned posts go into the sheet.")
@click.option("--lang", type=_LANGS, default="zh", show_default=True, help="Language of labels and instructions.")
@pass_ctx
def coding_sheet_cmd(ctx: Context, out: Path, coder: str, lang: str):
    """Write a coder's assigned posts as an Excel sheet, to code offline.

    One row per post with drop-downs of code labels; post text is locked,
    code cells are open; an Instructions sheet holds the codebook.  Values
    the coder has already saved are filled in.  Return the filled-in file
    with `dazi import-codings`.

    \b
    Example:
      dazi coding-sheet --coder alice alice.xlsx
      dazi coding-sheet --coder bob --lang en bob.xlsx
    """
    from coding.coders import get_coder
    from coding.sheets import write_coding_sheet

    project = ctx.project()
    written = write_coding_sheet(ctx.db, project, get_coder(ctx.db, project, coder), out, lang=lang)
    for line in written.lines():
        click.echo(line)


@click.command("import-codings")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", metavar="NAME", help="Record as this coder (default: the coder the sheet was made for).")
@pass_ctx
def import_codings_cmd(ctx: Context, file: Path, coder: str | None):
    """Import a filled-in coding sheet (from `dazi coding-sheet`).

    Every cell is checked first; if any is wrong, the problems are listed by
    cell (Coding!K12) and nothing is imported.  Blank rows are skipped,
    partly filled rows are saved as drafts, and importing the same file
    twice changes nothing.

    \b
    Example:
      dazi import-codings alice.xlsx
      dazi import-codings returned.xlsx --coder bob
    """
    from coding.sheets import import_codings

    report = import_codings(ctx.db, ctx.project(), file, coder=coder)
    for line in report.lines():
        click.echo(line)


def _plain(text: str) -> str:
    """One line without control characters (a memo must not drive the terminal)."""
    return " ".join("".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch in "\n\t").split())


def _show(variable, value, lang: str) -> str:
    """A value as ``id (label)`` for the terminal."""
    if value is None:
        return "(no value)"
    if variable.is_choice:
        codes = value if isinstance(value, list) else [value]
        if not codes:
            return "(no code)"
        labels = [variable.code(c).display(lang) if variable.has_code(c) else c for c in codes]
        return f"{'; '.join(codes)} ({'; '.join(labels)})"
    return str(value)


@click.command("adjudicate")
@click.argument("args", nargs=-1, metavar="[POST_ID VARIABLE VALUE]")
@click.option("--list", "list_", is_flag=True, help="List disagreements instead of recording a final value.")
@click.option("--variable", "variables", multiple=True, metavar="V", help="With --list: only this variable; repeatable.")
@click.option("--all", "include_resolved", is_flag=True, help="With --list: also those already resolved.")
@click.option("--rationale", help="Why this is the final value (required when recording).")
@click.option("--as", "as_name", required=True, metavar="NAME", help="Act as this adjudicator or admin.")
@click.option("--platform", help="The post's platform, when its id exists on several.")
@click.option("--lang", type=_LANGS, default="zh", show_default=True, help="Language of code labels.")
@pass_ctx
def adjudicate_cmd(ctx: Context, args, list_, variables, include_resolved, rationale, as_name, platform, lang):
    """List disagreements between coders, or record a final value.

    With --list: every open disagreement, posts with the most first, with
    each coder's value and memo.  Otherwise VALUE becomes the final value of
    VARIABLE for the post POST_ID.  Codes may be given as ids or labels; for
    a multi-choice variable separate several with ';' ("seeking;city").
    Re-adjudicating records a new value; the latest counts.

    \b
    Example:
      dazi adjudicate --list --as carol
      dazi adjudicate 64f1a2b3c4d5e6f7 kind meal --rationale "title says 饭搭子" --as carol
      dazi adjudicate 64f1a2b3c4d5e6f7 markers "seeking;city" --rationale "both stated" --as carol
    """
    from coding.adjudication import adjudicate, disagreements
    from coding.codebook_store import current_codebook
    from coding.coders import get_coder

    project = ctx.project()
    who = get_coder(ctx.db, project, as_name)
    if list_:
        if args:
            raise click.UsageError("--list takes no POST_ID VARIABLE VALUE.")
        found = disagreements(ctx.db, project, who, variables=list(variables) or None,
                              include_resolved=include_resolved)
        codebook = current_codebook(ctx.db, project).codebook
        _print_disagreements(found, codebook, lang, include_resolved)
        return
    if len(args) != 3:
        raise click.UsageError("Give POST_ID VARIABLE VALUE, or --list.")
    if variables or include_resolved:
        raise click.UsageError("--variable and --all go with --list.")
    if not rationale or not rationale.strip():
        raise click.UsageError("--rationale is required when recording a final value.")
    from coding.sheets import parse_value
    from corpus.store import get_post

    post_id, variable_id, typed = args
    post = get_post(ctx.db, project, post_id, platform)
    variable = current_codebook(ctx.db, project).codebook.variable(variable_id)
    record = adjudicate(ctx.db, project, who, post["pk"], variable.id, parse_value(variable, typed, lang=lang),
                        rationale)
    click.echo(f"Final value of {variable.id} for post {record.post_id}: {_show(variable, record.value, lang)} "
               f"(by {record.adjudicator}, codebook version {record.codebook_version}).")
    if record.old_value is not None and record.old_value != record.value:
        click.echo(f"  It replaces the earlier final value {_show(variable, record.old_value, lang)}.")


def _print_disagreements(found, codebook, lang: str, include_resolved: bool) -> None:
    if not found:
        click.echo("No disagreements." if include_resolved else "No open disagreements.")
        return
    current = None
    for item in found:
        if item.post_pk != current:
            current = item.post_pk
            n = sum(1 for d in found if d.post_pk == current)
            click.echo(f"Post {item.post_id} ({item.platform}): {n} variable(s)")
        variable = codebook.variable(item.variable)
        status = ""
        if item.status == "adjudicated" and item.adjudication is not None:
            status = (f"  [adjudicated by {item.adjudication.adjudicator}: "
                      f"{_show(variable, item.adjudication.value, lang)}]")
        elif item.status == "not_applicable":
            status = "  [does not apply under the final values]"
        click.echo(f"  {item.variable}{status}")
        for held in item.values:
            line = f"    {held.coder}: {_show(variable, held.value, lang)}"
            if held.uncertain:
                line += "  [uncertain]"
            if held.memo:
                line += f"  memo: {_plain(held.memo)}"
            click.echo(line)
    posts = len({d.post_pk for d in found})
    kind = "disagreement(s)" if include_resolved else "open disagreement(s)"
    click.echo(f"{len(found)} {kind} on {posts} post(s).")
