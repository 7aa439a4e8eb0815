"""``dazi search``, ``dazi index``, ``dazi terms``, ``dazi suggestions-eval``."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import click

from dazi.cli.context import Context, pass_ctx
from dazi.display import display_width, pad


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    for command in (search_cmd, index_cmd, terms_cmd, suggestions_eval_cmd):
        cli.add_command(command)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
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
    if not whole_words and query.strip():  # new posts join the substring index first, with a bar if many
        from corpus.search import ensure_gram_index

        with _bar("indexing new posts") as progress:
            ensure_gram_index(ctx.db, ctx.project(), progress=progress)
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
@click.option("--processes", default=1, show_default=True, help="Tokenise words with this many processes.")
@click.option("--only", type=click.Choice(["substrings", "words"]),
              help="Build one index: substrings (fast, what a plain search uses) or words (for --whole-words).")
@click.option("--verify", is_flag=True, help="Also compare every post's text with what was indexed "
                                             "(after texts were changed outside dazi).")
@pass_ctx
def index_cmd(ctx: Context, processes: int, only: str | None, verify: bool):
    """Build or update the search indexes (new and changed posts only).

    Searches update the indexes themselves; this runs them ahead of time,
    with a progress bar, after a large import.  The substring index takes
    about two minutes for a million posts; the word index tokenises every
    post with jieba (much longer: use --processes 2).

    \b
    Example:
      dazi index --only substrings
      dazi index --processes 2
    """
    from corpus.search import index_grams, index_posts

    if only != "words":
        with _bar("indexing substrings") as progress:
            n = index_grams(ctx.db, ctx.project(), verify=verify, progress=progress)
        click.echo(f"Substring index: {n:,} posts indexed.")
    if only != "substrings":
        with _bar("indexing words") as progress:
            n = index_posts(ctx.db, ctx.project(), n_process=processes, progress=progress)
        click.echo(f"Word index: {n:,} posts indexed.")


@contextmanager
def _bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, moved by ``progress(done, total)`` calls; shown
    from the first call with something to do (a search that finds its index
    up to date prints nothing)."""
    with ExitStack() as stack:
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                if not total:
                    return
                bar = stack.enter_context(click.progressbar(length=total, label=label, file=sys.stderr))
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield progress


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
    width = max([16, *(display_width(str(t)) + 2 for t in frame["term"])]) if len(frame) else 16
    if frequent:
        click.echo(f"    {pad('term', width)}{'count':>7}")
    else:
        click.echo(f"    {pad('term', width)}{'in code':>8}{'elsewhere':>10}{'z':>8}")
    for code, part in frame.groupby("code", sort=False):
        click.echo(f"{code} ({part['code_label'].iloc[0]})")
        for row in part.itertuples():
            if frequent:
                click.echo(f"    {pad(str(row.term), width)}{row.count:>7}")
            else:
                click.echo(f"    {pad(str(row.term), width)}{row.count_in:>8}{row.count_out:>10}{row.z:>8.2f}")
    if not frequent:
        click.echo("in code: times the term occurs in posts with this code; elsewhere: in the other coded "
                   "posts; z > 1.96: clearly distinctive (weighted log-odds, Monroe et al. 2008).")


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
