"""``dazi init``, ``dazi projects``, ``dazi unblind``."""

from __future__ import annotations

import click

from dazi.cli.context import Context, pass_ctx


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(projects_cmd)
    cli.add_command(blind_cmd)


@click.command()
@pass_ctx
def init(ctx: Context):
    """Create the database (if needed) and the project.

    \b
    Example:
      dazi --db study.db --project pilot init
    """
    from dazi.projects import create_project

    project = create_project(ctx.db, ctx.project_name)
    click.echo(f"Created project {project.name!r} in {ctx.db.shown_url}")


@click.command("projects")
@pass_ctx
def projects_cmd(ctx: Context):
    """List the projects in the database.

    \b
    Example:
      dazi --db study.db projects
    """
    from dazi.projects import list_projects

    for p in list_projects(ctx.db):
        click.echo(f"{p.name}\t{'blind' if p.blind else 'unblinded'}\tcreated {p.created_at:%Y-%m-%d}")


@click.command("blind")
@click.option("--off", is_flag=True, help="Unblind: coders may see each other's codings.")
@pass_ctx
def blind_cmd(ctx: Context, off: bool):
    """Blind the project (default) or unblind it with --off.

    While a project is blind, a coder reads only their own codings.

    \b
    Example:
      dazi blind --off
    """
    from dazi.projects import set_blind

    project = set_blind(ctx.db, ctx.project(), not off)
    click.echo(f"Project {project.name!r} is now {'blind' if project.blind else 'unblinded'}.")
