"""``dazi model ...``: machine coders trained on the team's final values, or language models.

Train a model (validated by cross-validation, like a coder), read its
validation report, code the posts no human coded, list and delete models.
``llm`` sets a language model's endpoint, ``validate`` validates it on the
coded posts, ``calls`` prints its stored prompts and replies.
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

    \b
    A language model behind a chat endpoint (not trained, validated the same way):
      dazi model llm qwen --endpoint http://127.0.0.1:11434/v1 --model qwen2.5:7b
      dazi model validate qwen
      dazi model code qwen
    """


@model_group.command("train")
@click.argument("name")
@click.option("--variables", "variables", multiple=True, metavar="VAR",
              help="Only these variables (repeatable, or comma-separated). Default: every single, multi and "
                   "ordinal variable.")
@click.option("--folds", type=int, default=10, show_default=True,
              help="Cross-validation folds (10: each fold's model learns from 90 % of the coded posts, so the "
                   "reported reliability is close to that of the model trained on all of them).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the folds, learner and bootstrap.")
@click.option("--bootstrap", type=int, default=1000, show_default=True, help="Resamples for the alpha intervals.")
@click.option("--skip-unready", is_flag=True,
              help="Leave out variables whose coded posts cannot train them (too few posts for a code) instead of "
                   "refusing.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes fitting the models (the results are the same for any number).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def train_cmd(ctx: Context, name: str, variables: tuple[str, ...], folds: int, seed: int, bootstrap: int,
              skip_unready: bool, jobs: int, fmt: str):
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
                        settings={"folds": folds, "seed": seed, "bootstrap": bootstrap, "n_jobs": jobs},
                        progress=progress)
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
@click.option("--batch-size", type=int, default=None,
              help="Posts per transaction (default 2,000; 50 for a language model).")
@click.option("--processes", type=int, default=1, show_default=True,
              help="Processes tokenising posts that are not in the token cache yet.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="A language model: calls in flight at once.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="A trained model: worker processes coding the posts.")
@click.option("--yes", is_flag=True, help="A language model on another computer: send the posts without asking.")
@pass_ctx
def code_cmd(ctx: Context, name: str, sample: str | None, recode: bool, batch_size: int | None, processes: int,
             workers: int, jobs: int, yes: bool):
    """Code every post without a human coding with model NAME.

    Codes and probabilities are stored as the coder model:NAME, apart from
    the human codings: blind coders never see them and human reliability
    never counts them.  Each batch is committed as it is done; run again to
    finish an interrupted run.  A language model (dazi model llm) is sent
    each post's text: where to is said before the first call.

    \b
    Example:
      dazi model code svm
      dazi model code svm --sample main --processes 2
      dazi model code qwen --yes
    """
    from coding.machine import code_posts

    _consent(ctx, name, yes)

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  {done:,} of {total:,} posts", nl=False, err=True)

    run = code_posts(ctx.db, ctx.project(), name, sample=sample, recode=recode, batch_size=batch_size,
                     n_process=processes, workers=workers, n_jobs=jobs,
                     progress=progress if sys.stderr.isatty() else None)
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
        posts = (f"{m.training['n_posts']:,} training posts" if m.kind != "llm" else
                 f"language model {m.settings['model']} at {m.settings['endpoint']}, "
                 + (f"validated on {m.training['n_posts']:,} posts" if m.metrics.get("variables") else "not validated"))
        click.echo(f"{m.name}\tversion {m.version}\tcodebook version {m.codebook_version}\t"
                   f"{posts}\t{', '.join(m.metrics.get('variables', {}))}")


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


def _consent(ctx: Context, name: str, yes: bool) -> None:
    """Before a language model is sent any post: say where the text goes; ask when it leaves the machine."""
    from coding.machine.llm import endpoint_of
    from coding.machine.store import LLM_KIND, get_model

    model = get_model(ctx.db, ctx.project(), name, parameters=False)
    if model.kind != LLM_KIND:
        return
    endpoint = endpoint_of(model)
    click.echo(endpoint.destination(), err=True)
    if endpoint.is_local or yes:
        return
    if not sys.stdin.isatty():
        from dazi.errors import ValidationError

        raise ValidationError(f"Not sending posts to {endpoint.host} without your consent. Nothing was sent.",
                              "Pass --yes to send them.")
    click.confirm(f"Send the posts' text to {endpoint.host}?", abort=True, err=True)


@model_group.command("llm")
@click.argument("name")
@click.option("--endpoint", "url", required=True, metavar="URL",
              help="The server's OpenAI-compatible address, e.g. http://127.0.0.1:8080/v1 (llama.cpp), "
                   "http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8000/v1 (vLLM) or a hosted API.")
@click.option("--model", "model_name", required=True, metavar="M", help="The model name the server knows.")
@click.option("--api-key-env", metavar="VAR",
              help="The environment variable holding the API key (the key itself is never stored).")
@click.option("--variables", "variables", multiple=True, metavar="VAR",
              help="Only these variables (repeatable, or comma-separated). Default: every single, multi and "
                   "ordinal variable.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for each answer.")
@click.option("--retries", type=int, default=2, show_default=True,
              help="Further tries after a timeout, a refused connection or a server error.")
@click.option("--json-mode/--no-json-mode", default=True, show_default=True,
              help="Ask the server for a JSON answer (response_format); turn off for servers that refuse it.")
@pass_ctx
def llm_cmd(ctx: Context, name: str, url: str, model_name: str, api_key_env: str | None,
            variables: tuple[str, ...], timeout: float, retries: int, json_mode: bool):
    """Set the endpoint of a language model that codes as model:NAME (nothing is sent now).

    The model gets a prompt built from the codebook (definitions, inclusion
    and exclusion rules, examples) at temperature 0 and answers in JSON.  It
    is not trained: validate it on the coded posts (dazi model validate NAME)
    before it codes the rest (dazi model code NAME).  Setting the endpoint of
    an existing NAME again stores its next version.

    \b
    Example:
      dazi model llm qwen --endpoint http://127.0.0.1:11434/v1 --model qwen2.5:7b
      dazi model llm gpt --endpoint https://api.openai.com/v1 --model gpt-4o-mini --api-key-env OPENAI_API_KEY
    """
    from coding.machine.llm import register_llm
    from coding.machine.llm_client import Endpoint

    chosen = [v.strip() for value in variables for v in value.split(",") if v.strip()]
    endpoint = Endpoint(url, model_name, api_key_env, timeout, retries, json_mode)
    model = register_llm(ctx.db, ctx.project(), name, endpoint, variables=chosen or None)
    click.echo(f"Language model {model.name!r} (version {model.version}): {endpoint.model} at {endpoint.url}")
    click.echo("When validated or used: " + endpoint.destination())
    if api_key_env:
        click.echo(f"API key read from ${api_key_env} at each call (not stored).")
    click.echo(f"Next: dazi model validate {model.name}")


@model_group.command("validate")
@click.argument("name")
@click.option("--limit", type=int, help="Validate on this many coded posts drawn at random (each post is one call).")
@click.option("--seed", type=int, help="Seed of the draw and the bootstrap (default: the model's, 0).")
@click.option("--bootstrap", type=int, help="Resamples for the alpha intervals (default 1000).")
@click.option("--workers", type=int, default=1, show_default=True, help="Calls in flight at once.")
@click.option("--yes", is_flag=True, help="A server on another computer: send the posts without asking.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def validate_cmd(ctx: Context, name: str, limit: int | None, seed: int | None, bootstrap: int | None, workers: int,
                 yes: bool, fmt: str):
    """Validate language model NAME on the coded posts, like a coder, and print the report.

    The model codes every coded post (or --limit of them); its codes are
    compared with the final values: per code precision, recall, F1, alpha
    with its interval and verdict beside the human coders' alpha, the
    one-more-coder test.  Every prompt and reply is stored with the report,
    as the model's next version, only if every post got a valid answer.
    A trained model was validated when trained: its report is printed.

    \b
    Example:
      dazi model validate qwen
      dazi model validate gpt --limit 200 --yes
    """
    from coding.machine import get_model
    from coding.machine.store import LLM_KIND

    model = get_model(ctx.db, ctx.project(), name, parameters=False)
    if model.kind != LLM_KIND:
        click.echo(f"Model {name!r} is a trained model: it was cross-validated when trained.", err=True)
        _show(model, fmt)
        return
    from coding.machine.llm import validate_llm

    _consent(ctx, name, yes)

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  {done:,} of {total:,} posts", nl=False, err=True)

    model = validate_llm(ctx.db, ctx.project(), name, limit=limit, seed=seed, bootstrap=bootstrap, workers=workers,
                         progress=progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        click.echo("", err=True)
    _show(model, fmt)


@model_group.command("calls")
@click.argument("name")
@click.option("--limit", type=int, help="Only the first N calls.")
@pass_ctx
def calls_cmd(ctx: Context, name: str, limit: int | None):
    """Print the stored calls of language model NAME as JSON lines (prompt, raw reply, parsed values, latency).

    \b
    Example:
      dazi model calls qwen --limit 5
    """
    from coding.machine.llm import list_calls

    for call in list_calls(ctx.db, ctx.project(), name, limit=limit):
        click.echo(json.dumps(call, ensure_ascii=False, default=str))
