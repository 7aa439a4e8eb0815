"""``dazi codebook ...``: load, show, change and compare the project's codebook."""

from __future__ import annotations

from pathlib import Path

import click

from dazi.cli.context import Context, pass_ctx


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    cli.add_command(codebook)


@click.group()
def codebook():
    """Load, show, change and compare the project's codebook.

    Every change stores a new version; codings record the version they were
    made under.

    \b
    Example:
      dazi codebook load codebooks/cloud_companion.yaml
      dazi codebook merge-codes interest_category gaming --into hobbies --by alice
      dazi codebook diff 1 2
    """


def _lang_label(label, lang: str = "zh") -> str:
    from coding.codebook import localize

    return localize(label, lang)


@codebook.command("load")
@click.argument("source")
@click.option("--by", help="Who loads it (kept with the version).")
@pass_ctx
def load_cmd(ctx: Context, source: str, by: str | None):
    """Load a codebook file (YAML, JSON or REFI-QDA .qdc) or a shipped one by name.

    \b
    Example:
      dazi codebook load cloud_companion
      dazi codebook load my_codebook.yaml
      dazi codebook load exported_from_atlas.qdc
    """
    from coding.codebook import load_codebook
    from coding.codebook_store import save_codebook

    path = Path(source)
    if path.suffix.lower() == ".qdc":
        from coding.refi_qda import read_qdc

        cb = read_qdc(path)
    elif path.exists():
        cb = load_codebook(path)
    else:
        from codebooks import shipped_path

        cb = load_codebook(shipped_path(source))
    stored = save_codebook(ctx.db, ctx.project(create=True), cb, created_by=by)
    click.echo(f"Codebook {cb.name!r}: {len(cb.variables)} variables; project version {stored.version}")


@codebook.command("show")
@click.option("--version", type=int, help="A stored version (default: the current one).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@pass_ctx
def show_cmd(ctx: Context, version: int | None, lang: str):
    """Print the codebook's variables and codes.

    \b
    Example:
      dazi codebook show --lang en
    """
    from coding.codebook_store import codebook_version, current_codebook

    project = ctx.project()
    stored = codebook_version(ctx.db, project, version) if version else current_codebook(ctx.db, project)
    click.echo(f"{stored.codebook.name} (project version {stored.version})")
    for v in stored.codebook.variables:
        cond = f"  when {v.when}" if v.when else ""
        click.echo(f"{v.id}  [{v.type}, {v.level or '-'}]  {_lang_label(v.label, lang)}{cond}")
        if v.type == "numeric":
            click.echo(f"    range {v.min}..{v.max} {v.unit or ''}")
        for code in v.all_codes():
            depth = len(v.path(code.id)) - 1
            retired = "  (retired)" if code.retired else ""
            click.echo(f"    {'  ' * depth}{code.id}: {_lang_label(code.label, lang)}{retired}")


@codebook.command("versions")
@pass_ctx
def versions_cmd(ctx: Context):
    """List the stored versions with who made them and why.

    \b
    Example:
      dazi codebook versions
    """
    from coding.codebook_store import list_versions

    for s in list_versions(ctx.db, ctx.project()):
        what = "; ".join(str(c.get("detail") or c.get("change")) if isinstance(c, dict) else str(c) for c in s.changes)
        click.echo(f"v{s.version}\t{s.created_at:%Y-%m-%d %H:%M}\t{s.created_by or '-'}\t{what}")


@codebook.command("diff")
@click.argument("old", type=int)
@click.argument("new", type=int, required=False)
@click.option("--verbose", "-v", is_flag=True, help="Show changed texts in full.")
@pass_ctx
def diff_cmd(ctx: Context, old: int, new: int | None, verbose: bool):
    """Show what changed between two stored versions (default: OLD to current).

    \b
    Example:
      dazi codebook diff 1 3
    """
    from coding.codebook import diff, format_diff
    from coding.codebook_store import codebook_version, current_codebook

    project = ctx.project()
    a = codebook_version(ctx.db, project, old)
    b = codebook_version(ctx.db, project, new) if new else current_codebook(ctx.db, project)
    changes = diff(a.codebook, b.codebook)
    click.echo(format_diff(changes, verbose=verbose) if changes else f"No differences between v{a.version} and v{b.version}.")


def _apply(ctx: Context, new_cb, summary: str, by: str | None, merges=None) -> None:
    from coding.codebook_store import change_codebook

    stored = change_codebook(ctx.db, ctx.project(), new_cb, merges=merges,
                             changes=[{"change": "edit", "detail": summary}], created_by=by)
    click.echo(f"{summary}; project version {stored.version}")


def _current(ctx: Context):
    from coding.codebook_store import current_codebook

    return current_codebook(ctx.db, ctx.project()).codebook


@codebook.command("add-code")
@click.argument("variable")
@click.argument("code_id")
@click.option("--label", required=True, help="Label shown to coders.")
@click.option("--definition", help="What the code means.")
@click.option("--parent", help="Parent code id (for a sub-theme).")
@click.option("--keyword", "keywords", multiple=True, help="Keyword for suggestions; repeatable.")
@click.option("--by", help="Who made the change.")
@pass_ctx
def add_code_cmd(ctx: Context, variable, code_id, label, definition, parent, keywords, by):
    """Add a code while coding (inductive coding).

    \b
    Example:
      dazi codebook add-code interest_category nap --label 午睡 --parent hobbies --by alice
    """
    from coding.codebook import add_code

    code = {"id": code_id, "label": label}
    if definition:
        code["definition"] = definition
    if keywords:
        code["keywords"] = list(keywords)
    _apply(ctx, add_code(_current(ctx), variable, code, parent, by=by), f"Added {variable}.{code_id}", by)


@codebook.command("rename-code")
@click.argument("variable")
@click.argument("code_id")
@click.argument("label")
@click.option("--by", help="Who made the change.")
@pass_ctx
def rename_code_cmd(ctx: Context, variable, code_id, label, by):
    """Change a code's label (its id and codings stay).

    \b
    Example:
      dazi codebook rename-code interest_category dining "Dining/Food 美食"
    """
    from coding.codebook import rename_code

    _apply(ctx, rename_code(_current(ctx), variable, code_id, label, by=by), f"Renamed {variable}.{code_id}", by)


@codebook.command("merge-codes")
@click.argument("variable")
@click.argument("sources", nargs=-1, required=True)
@click.option("--into", "into", required=True, help="The code the sources merge into.")
@click.option("--by", help="Who made the change.")
@pass_ctx
def merge_codes_cmd(ctx: Context, variable, sources, into, by):
    """Merge codes; existing codings follow the merge (as new events).

    \b
    Example:
      dazi codebook merge-codes self_presentation appearance personality --into personality
    """
    from coding.codebook import merge_codes

    new_cb, mapping = merge_codes(_current(ctx), variable, list(sources), into, by=by)
    _apply(ctx, new_cb, f"Merged {', '.join(sources)} into {variable}.{into}", by, merges={variable: mapping})


@codebook.command("retire-code")
@click.argument("variable")
@click.argument("code_id")
@click.option("--by", help="Who made the change.")
@pass_ctx
def retire_code_cmd(ctx: Context, variable, code_id, by):
    """Retire a code: kept in history, hidden from coders.

    \b
    Example:
      dazi codebook retire-code seeking_markers english_seeking
    """
    from coding.codebook import retire_code

    _apply(ctx, retire_code(_current(ctx), variable, code_id, by=by), f"Retired {variable}.{code_id}", by)


@codebook.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--version", type=int, help="A stored version (default: current).")
@pass_ctx
def export_cmd(ctx: Context, out: Path, version: int | None):
    """Write the codebook as YAML (.yaml/.yml), JSON (.json) or REFI-QDA (.qdc).

    The .qdc file opens in ATLAS.ti, NVivo, MAXQDA and QualCoder.

    \b
    Example:
      dazi codebook export codebook.qdc
    """
    import json

    from coding.codebook import dump_codebook
    from coding.codebook_store import codebook_version, current_codebook

    project = ctx.project()
    stored = codebook_version(ctx.db, project, version) if version else current_codebook(ctx.db, project)
    suffix = out.suffix.lower()
    left_out = []
    if suffix == ".qdc":
        from coding.refi_qda import left_out_of_qdc, write_qdc

        write_qdc(stored.codebook, out)
        left_out = left_out_of_qdc(stored.codebook)
    elif suffix == ".json":
        out.write_text(json.dumps(stored.codebook.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        dump_codebook(stored.codebook, out)
    click.echo(f"Wrote {out} (project version {stored.version})")
    if left_out:
        names = ", ".join(f"{v.id} ({v.type})" for v in left_out)
        click.echo(f"Left out {len(left_out)} variable(s) a .qdc file cannot hold: {names}. A REFI-QDA codebook "
                   "is a tree of codes, and a number or free text is not a code; export .yaml to keep them.")
