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
    """Add, list, rename and deactivate coders; change roles and passcodes.

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
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated coders.")
@pass_ctx
def coders_list(ctx: Context, include_inactive: bool):
    """List coders and their roles.

    \b
    Example:
      dazi coders list
    """
    from coding.coders import list_coders

    for c in list_coders(ctx.db, ctx.project(), include_inactive=include_inactive):
        click.echo(f"{c.name}\t{c.role}" + ("" if c.active else "\t(deactivated)"))


@coders_group.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["coder", "adjudicator", "admin"]))
@pass_ctx
def coders_set_role(ctx: Context, name: str, role: str):
    """Change a coder's role: coder, adjudicator (records final values) or admin.

    The project's last admin keeps the role.

    \b
    Example:
      dazi coders set-role carol adjudicator
    """
    from coding.coders import set_role

    coder = set_role(ctx.db, ctx.project(), name, role)
    click.echo(f"{coder.name!r} is now {'an' if role[0] in 'aeiou' else 'a'} {coder.role}.")


@coders_group.command("rename")
@click.argument("name")
@click.argument("new_name")
@pass_ctx
def coders_rename(ctx: Context, name: str, new_name: str):
    """Rename a coder; their codings and assignments follow, they sign in with the new name.

    \b
    Example:
      dazi coders rename bob robert
    """
    from coding.coders import rename_coder

    coder = rename_coder(ctx.db, ctx.project(), name, new_name)
    click.echo(f"Renamed {name!r} to {coder.name!r}.")


@coders_group.command("deactivate")
@click.argument("name")
@pass_ctx
def coders_deactivate(ctx: Context, name: str):
    """Deactivate a coder: they can no longer sign in; their codings stay and still count.

    `dazi coders activate NAME` lets them back in.

    \b
    Example:
      dazi coders deactivate bob
    """
    from coding.coders import deactivate_coder

    deactivate_coder(ctx.db, ctx.project(), name)
    click.echo(f"Deactivated {name!r}: they cannot sign in; their codings stay. "
               f"Undo with: dazi coders activate {name}")


@coders_group.command("remove", hidden=True)
@click.argument("name")
@click.pass_context
def coders_remove(click_ctx: click.Context, name: str):
    """The older name of `dazi coders deactivate`.

    \b
    Example:
      dazi coders remove bob
    """
    click_ctx.invoke(coders_deactivate, name=name)


@coders_group.command("activate")
@click.argument("name")
@pass_ctx
def coders_activate(ctx: Context, name: str):
    """Let a deactivated coder sign in again (same role and passcode).

    \b
    Example:
      dazi coders activate bob
    """
    from coding.coders import activate_coder

    coder = activate_coder(ctx.db, ctx.project(), name)
    click.echo(f"Activated {coder.name!r} ({coder.role}).")


@coders_group.command("reset-passcode")
@click.argument("name")
@click.option("--passcode", help="The new passcode (default: a generated 6-digit code).")
@pass_ctx
def coders_reset_passcode(ctx: Context, name: str, passcode: str | None):
    """Give a coder a new passcode; the old one stops working at once.

    \b
    Example:
      dazi coders reset-passcode alice
    """
    from coding.coders import set_passcode

    code = set_passcode(ctx.db, ctx.project(), name, passcode)
    click.echo(f"New passcode for {name!r}: {code}  (shown once; give it to {name})")


@coders_group.command("passcode", hidden=True)
@click.argument("name")
@click.option("--passcode", help="The new passcode (default: generated).")
@click.pass_context
def coders_passcode(click_ctx: click.Context, name: str, passcode: str | None):
    """The older name of `dazi coders reset-passcode`.

    \b
    Example:
      dazi coders passcode alice
    """
    click_ctx.invoke(coders_reset_passcode, name=name, passcode=passcode)


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
@click.option("--include-started", is_flag=True,
              help="Also deal out posts that coders not named in --coders have already started (they are then "
                   "coded twice). Without it they stay with those coders, and the output counts them.")
@pass_ctx
def assign_cmd(ctx: Context, sample_name, coders, overlap, seed, stratify_by, include_started):
    """Assign a sample to coders, with an overlap set for reliability.

    Every post goes to at least one coder; the overlap set goes to every
    coder; the rest is split evenly.  Re-running with a new coder rebalances
    only uncoded work.  Posts outside the overlap that a coder not named here
    has already started stay with that coder (the output says how many);
    --include-started deals them out too.

    \b
    Example:
      dazi assign --sample main --coders alice,bob --overlap 100 --seed 7
    """
    from coding.assignments import assign

    names = [n.strip() for n in coders.split(",") if n.strip()]
    summary = assign(ctx.db, ctx.project(), sample_name, names, overlap=overlap, seed=seed, stratify_by=stratify_by,
                     include_started=include_started)
    click.echo(f"Sample {summary.sample!r}: {summary.overlap} posts in the overlap set (coded by everyone)")
    for name, n in summary.per_coder.items():
        click.echo(f"  {name}\t{n} posts")
    click.echo(f"({summary.added} assignments added, {summary.removed} moved)")
    if summary.started_elsewhere:
        who = ", ".join(f"{name} {n}" for name, n in summary.started_elsewhere.items())
        total = sum(summary.started_elsewhere.values())
        click.echo(f"Left out: {total} post(s) outside the overlap already started by coders not in --coders "
                   f"({who}); they stay with them. Add --include-started to deal them to {', '.join(names)} too.")
    if summary.already_assigned:
        who = ", ".join(f"{name} {n}" for name, n in summary.already_assigned.items())
        click.echo(f"Kept elsewhere: post(s) already assigned to the same coder through another sample ({who}); "
                   "that assignment stands.")


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
