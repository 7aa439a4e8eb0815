"""``dazi search``, ``dazi index``, ``dazi terms``, ``dazi suggestions-eval``."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import click

from dazi.cli import Context, pass_ctx


def register(cli: click.Group) -> None:
    for command in (search_cmd, index_cmd, terms_cmd, suggestions_eval_cmd):
        cli.add_command(command)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-06-30") from None


@click.command("search")
@click.argument("query")
@click.option("--whole-words", is_flag=True, help="Match whole words (搭子 will not match inside 饭搭子).")
@click.option("--platform")
@click.option("--hashtag", help="Only posts with this hashtag.")
@click.option("--since", help="Posted on or after this date (YYYY-MM-DD, UTC).")
@click.option("--until", help="Posted on or before this date.")
@click.option("--min-engagement", type=int)
@click.option("--max-engagement", type=int)
@click.option("--coded/--uncoded", default=None, help="Only posts somebody finished coding, or only uncoded ones.")
@click.option("--code", help="Only posts coded VARIABLE=CODE by any coder.")
@click.option("--limit", default=20, show_default=True)
@click.option("--offset", default=0, show_default=True)
@click.option("--context", default=20, show_default=True, help="Characters of context around each match.")
@pass_ctx
def search_cmd(ctx: Context, query, whole_words, platform, hashtag, since, until, min_engagement, max_engagement,
               coded, code, limit, offset, context):
    """Search posts: words, "phrases", AND / OR / NOT, /regex/; with keyword in context.

    \b
    Example:
      dazi search "找搭子 AND 上海"
      dazi search '"旅行 搭子" OR 饭搭子' --since 2025-06-01 --min-engagement 100
      dazi search 搭子 --whole-words --uncoded
    """
    from corpus.search import SearchFilters, search

    code_filter = None
    if code:
        if "=" not in code:
            raise click.BadParameter("use VARIABLE=CODE, e.g. interest_category=dining", param_hint="--code")
        code_filter = tuple(code.split("=", 1))
    filters = SearchFilters(platform=platform, hashtag=hashtag, since=_date(since), until=_date(until),
                            min_engagement=min_engagement, max_engagement=max_engagement, coded=coded,
                            code=code_filter)
    result = search(ctx.db, ctx.project(), query, whole_words=whole_words, filters=filters, limit=limit,
                    offset=offset, context=context)
    for hit in result.hits:
        when = f"{hit.created_at:%Y-%m-%d}" if hit.created_at else "?"
        click.echo(f"{hit.post_id}  {when}  engagement {hit.engagement if hit.engagement is not None else '-'}")
        for c in hit.contexts[:3]:
            left, right = c.left.replace("\n", " "), c.right.replace("\n", " ")
            click.echo(f"    …{left}[{c.match}]{right}…")
    click.echo(f"{result.total:,} posts match ({'whole words' if whole_words else 'substrings'}); "
               f"showing {offset + 1 if result.hits else 0}-{offset + len(result.hits)}", err=True)


@click.command("index")
@click.option("--processes", default=1, show_default=True, help="Tokenise with this many processes.")
@pass_ctx
def index_cmd(ctx: Context, processes: int):
    """Build or update the search index (new and changed posts only).

    Searches update the index themselves; this runs it ahead of time, with
    a progress bar, after a large import.

    \b
    Example:
      dazi index --processes 2
    """
    from corpus.search import index_posts

    with click.progressbar(length=1, label="indexing", file=None) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        n = index_posts(ctx.db, ctx.project(), n_process=processes, progress=progress)
    click.echo(f"Indexed {n:,} posts.")


@click.command("terms")
@click.option("--variable", required=True, help="A coded single, multi or ordinal variable.")
@click.option("--top", default=15, show_default=True, help="Terms per code.")
@click.option("--frequent", is_flag=True, help="Most frequent terms instead of the most distinctive.")
@click.option("--source", default="final", show_default=True, help="'final' (consensus) or a coder's name.")
@pass_ctx
def terms_cmd(ctx: Context, variable, top, frequent, source):
    """Words and hashtags that characterise each code of a variable.

    Distinctive terms use the weighted log-odds ratio with an informative
    Dirichlet prior (Monroe et al. 2008): z > 1.96 reads as clearly distinctive.

    \b
    Example:
      dazi terms --variable interest_category --top 10
    """
    from corpus.code_terms import code_terms

    frame = code_terms(ctx.db, ctx.project(), variable, n=top, distinctive=not frequent, source=source)
    for code, part in frame.groupby("code", sort=False):
        click.echo(f"{code} ({part['code_label'].iloc[0]})")
        for row in part.itertuples():
            if frequent:
                click.echo(f"    {row.term:<16}{row.count:>6}")
            else:
                click.echo(f"    {row.term:<16}{row.count_in:>6}{row.count_out:>7}   z {row.z:6.2f}")


@click.command("suggestions-eval")
@click.option("--variable", required=True, help="A coded variable whose codes have keywords.")
@click.option("--source", default="final", show_default=True)
@pass_ctx
def suggestions_eval_cmd(ctx: Context, variable, source):
    """How well the codebook's keywords alone would have coded the posts.

    Precision, recall and F1 per code against the final (consensus) coding.

    \b
    Example:
      dazi suggestions-eval --variable interest_category
    """
    from corpus.code_terms import keyword_evaluation

    ev = keyword_evaluation(ctx.db, ctx.project(), variable, source=source)

    def f(x: float) -> str:
        return "  –  " if x is None or math.isnan(x) else f"{x:5.2f}"

    click.echo(f"{'code':<20}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}{'suggested':>11}")
    for score in [*ev.scores.values(), ev.micro]:
        click.echo(f"{str(score.code):<20}{f(score.precision):>10}{f(score.recall):>8}{f(score.f1):>7}"
                   f"{score.support:>9}{score.suggested:>11}")
    click.echo(f"{ev.n_posts} coded posts compared.")
