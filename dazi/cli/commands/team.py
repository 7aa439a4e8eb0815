"""``dazi coders ...``, ``dazi assign``, ``dazi progress``."""

from __future__ import annotations

import click

from dazi.cli.context import Context, pass_ctx


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    cli.add_command(coders_group)
    cli.add_command(assign_cmd)
    cli.add_command(progress_cmd)


@click.group("coders")
def coders_group():
    """Add, list and remove coders.

    \b
    Example:
      dazi coders add alice
      dazi coders add carol --role adjudicator
      dazi coders list
    """


@coders_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["coder", "adjudicator", "admin"]), default="coder", show_default=True)
@click.option("--passcode", help="Set the passcode (default: a generated 6-digit code, printed once).")
@pass_ctx
def coders_add(ctx: Context, name: str, role: str, passcode: str | None):
    """Add a coder; prints their passcode once (only a salted hash is stored).

    \b
    Example:
      dazi coders add alice
    """
    from coding.coders import add_coder

    coder, code = add_coder(ctx.db, ctx.project(create=True), name, role=role, passcode=passcode)
    click.echo(f"Added {coder.role} {coder.name!r}. Passcode: {code}  (shown once; give it to {coder.name})")


@coders_group.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include removed coders.")
@pass_ctx
def coders_list(ctx: Context, include_inactive: bool):
    """List coders and their roles.

    \b
    Example:
      dazi coders list
    """
    from coding.coders import list_coders

    for c in list_coders(ctx.db, ctx.project(), include_inactive=include_inactive):
        click.echo(f"{c.name}\t{c.role}" + ("" if c.active else "\t(removed)"))


@coders_group.command("remove")
@click.argument("name")
@pass_ctx
def coders_remove(ctx: Context, name: str):
    """Remove a coder: they can no longer sign in; their codings stay.

    \b
    Example:
      dazi coders remove bob
    """
    from coding.coders import remove_coder

    remove_coder(ctx.db, ctx.project(), name)
    click.echo(f"Removed {name!r} (their codings stay in the history).")


@coders_group.command("passcode")
@click.argument("name")
@click.option("--passcode", help="The new passcode (default: generated).")
@pass_ctx
def coders_passcode(ctx: Context, name: str, passcode: str | None):
    """Give a coder a new passcode.

    \b
    Example:
      dazi coders passcode alice
    """
    from coding.coders import set_passcode

    click.echo(f"New passcode for {name!r}: {set_passcode(ctx.db, ctx.project(), name, passcode)}")


def _overlap(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise click.BadParameter("give a fraction like 0.2 or a number of posts like 100") from None
    return number


@click.command("assign")
@click.option("--sample", "sample_name", required=True, help="The sample to assign (see `dazi samples`).")
@click.option("--coders", required=True, help="Comma-separated coder names.")
@click.option("--overlap", default="0.2", show_default=True, callback=lambda c, p, v: _overlap(v),
              help="Fraction (0.2) or number (100) of posts every coder codes, for reliability.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--stratify-by", help="Draw the overlap proportionally over this field (e.g. source_keywords).")
@pass_ctx
def assign_cmd(ctx: Context, sample_name, coders, overlap, seed, stratify_by):
    """Assign a sample to coders, with an overlap set for reliability.

    Every post goes to at least one coder; the overlap set goes to every
    coder; the rest is split evenly.  Re-running with a new coder rebalances
    only uncoded work.

    \b
    Example:
      dazi assign --sample main --coders alice,bob --overlap 100 --seed 7
    """
    from coding.assignments import assign

    names = [n.strip() for n in coders.split(",") if n.strip()]
    summary = assign(ctx.db, ctx.project(), sample_name, names, overlap=overlap, seed=seed, stratify_by=stratify_by)
    click.echo(f"Sample {summary.sample!r}: {summary.overlap} posts in the overlap set (coded by everyone)")
    for name, n in summary.per_coder.items():
        click.echo(f"  {name}\t{n} posts")
    click.echo(f"({summary.added} assignments added, {summary.removed} moved)")


@click.command("progress")
@pass_ctx
def progress_cmd(ctx: Context):
    """Show each coder's progress and the reliability overlap's state.

    \b
    Example:
      dazi progress
    """
    from coding.assignments import progress

    rows, overlap = progress(ctx.db, ctx.project())
    click.echo(f"{'coder':<12}{'assigned':>9}{'coded':>7}{'uncertain':>10}{'remaining':>10}{'overlap':>13}")
    for r in rows:
        click.echo(f"{r.coder:<12}{r.assigned:>9}{r.coded:>7}{r.uncertain:>10}{r.remaining:>10}"
                   f"{f'{r.overlap_coded}/{r.overlap_assigned}':>13}")
    click.echo(f"overlap units complete for reliability: {overlap['complete_units']} of {overlap['overlap_units']}")
