"""``dazi model ...``: machine coders trained on the team's final values.

Train a model (validated by cross-validation, like a coder), read its
validation report, code the posts no human coded, list and delete models.
Corpus-wide tables with a model's codes are ``dazi tables --with-model``;
the posts it is least sure of are ``dazi sample NAME --by-uncertainty``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dazi.cli.context import Context, pass_ctx


def register(cli: click.Group) -> None:
    cli.add_command(model_group)


@click.group("model")
def model_group():
    """Machine coders: train, validate, code the rest of the corpus.

    \b
    Example:
      dazi model train svm
      dazi model report svm
      dazi model code svm
      dazi tables "freq match_outcome" --with-model svm
      dazi sample next --by-uncertainty svm --size 100
    """


@model_group.command("train")
@click.argument("name")
@click.option("--variables", "variables", multiple=True, metavar="VAR",
              help="Only these variables (repeatable, or comma-separated). Default: every single, multi and "
                   "ordinal variable.")
@click.option("--folds", type=int, default=5, show_default=True, help="Cross-validation folds.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the folds, learner and bootstrap.")
@click.option("--bootstrap", type=int, default=1000, show_default=True, help="Resamples for the alpha intervals.")
@click.option("--skip-unready", is_flag=True,
              help="Leave out variables whose coded posts cannot train them (too few posts for a code) instead of "
                   "refusing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def train_cmd(ctx: Context, name: str, variables: tuple[str, ...], folds: int, seed: int, bootstrap: int,
              skip_unready: bool, fmt: str):
    """Train model NAME on the final values of the coded posts, validate it and store it.

    Prints the validation report: per variable and code precision, recall,
    F1 and support from k-fold cross-validation, Krippendorff's alpha
    between the model and the final values beside the human coders' alpha,
    the one-more-coder test and the learning curve.  Training NAME again
    stores its next version (its old machine codings are dropped).

    \b
    Example:
      dazi model train svm
      dazi model train svm --variables match_outcome,companion_type --folds 10
      dazi model train svm --skip-unready --format json
    """
    from coding.machine import train_model

    chosen = [v.strip() for value in variables for v in value.split(",") if v.strip()]
    progress = (lambda line: click.echo(line, err=True)) if sys.stderr.isatty() or fmt == "text" else None
    model = train_model(ctx.db, ctx.project(), name, chosen or None, skip_unready=skip_unready,
                        settings={"folds": folds, "seed": seed, "bootstrap": bootstrap}, progress=progress)
    _show(model, fmt)


def _show(model, fmt: str) -> None:
    from coding.machine import report_lines

    if fmt == "json":
        metrics = {vid: {k: v for k, v in report.items() if k != "oof"}
                   for vid, report in model.metrics["variables"].items()}
        click.echo(json.dumps({"name": model.name, "version": model.version,
                               "codebook_version": model.codebook_version, "n_posts": model.training["n_posts"],
                               "variables": metrics, "notes": model.metrics.get("notes", [])},
                              ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("\n".join(report_lines(model)))


@model_group.command("report")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def report_cmd(ctx: Context, name: str, fmt: str):
    """Print the validation report of model NAME.

    \b
    Example:
      dazi model report svm
      dazi model report svm --format json
    """
    from coding.machine import get_model

    _show(get_model(ctx.db, ctx.project(), name, parameters=False), fmt)


@model_group.command("code")
@click.argument("name")
@click.option("--sample", metavar="SAMPLE", help="Only the posts of this sample.")
@click.option("--recode", is_flag=True, help="Code again the posts this model version already coded.")
@click.option("--batch-size", type=int, default=2000, show_default=True, help="Posts per transaction.")
@click.option("--processes", type=int, default=1, show_default=True,
              help="Processes tokenising posts that are not in the token cache yet.")
@pass_ctx
def code_cmd(ctx: Context, name: str, sample: str | None, recode: bool, batch_size: int, processes: int):
    """Code every post without a human coding with model NAME.

    Codes and probabilities are stored as the coder model:NAME, apart from
    the human codings: blind coders never see them and human reliability
    never counts them.  Each batch is committed as it is done; run again to
    finish an interrupted run.

    \b
    Example:
      dazi model code svm
      dazi model code svm --sample main --processes 2
    """
    from coding.machine import code_posts

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  {done:,} of {total:,} posts", nl=False, err=True)

    run = code_posts(ctx.db, ctx.project(), name, sample=sample, recode=recode, batch_size=batch_size,
                     n_process=processes, progress=progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty() and run.coded:
        click.echo("", err=True)
    for line in run.lines():
        click.echo(line)


@model_group.command("list")
@pass_ctx
def list_cmd(ctx: Context):
    """List the project's models.

    \b
    Example:
      dazi model list
    """
    from coding.machine import list_models

    found = list_models(ctx.db, ctx.project())
    if not found:
        click.echo("No models yet. Train one with: dazi model train NAME")
    for m in found:
        click.echo(f"{m.name}\tversion {m.version}\tcodebook version {m.codebook_version}\t"
                   f"{m.training['n_posts']:,} training posts\t{', '.join(m.metrics.get('variables', {}))}")


@model_group.command("delete")
@click.argument("name")
@pass_ctx
def delete_cmd(ctx: Context, name: str):
    """Delete model NAME and its machine codings.

    \b
    Example:
      dazi model delete svm
    """
    from coding.machine import delete_model

    delete_model(ctx.db, ctx.project(), name)
    click.echo(f"Deleted model {name!r} and its machine codings")


@model_group.command("export")
@click.argument("name")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def export_cmd(ctx: Context, name: str, out: Path):
    """Export every post's values with their source (final, agreed, machine) to a CSV file.

    final: an adjudicated value; agreed: the value the coders agreed on (or
    a single coder's); machine: the model's code.

    \b
    Example:
      dazi model export svm corpus_codes.csv
    """
    from dazi.files import replacing
    from reports.machine import source_frame
    from reports.safety import neutralize

    frame = source_frame(ctx.db, ctx.project(), name)
    frame = frame.map(neutralize)
    frame = frame.map(lambda v: "; ".join(v) if isinstance(v, list) else v)
    with replacing(out) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    click.echo(f"Wrote {len(frame):,} posts to {out}")
