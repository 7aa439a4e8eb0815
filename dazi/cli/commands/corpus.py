"""``dazi import``, ``dazi corpus``, ``dazi posts``, ``dazi sample``, ``dazi samples``, ``dazi demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dazi.cli.context import Context, pass_ctx
from dazi.errors import ValidationError


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    for command in (import_cmd, corpus_cmd, posts_cmd, comments_cmd, sample_cmd, samples_cmd, demo_cmd):
        cli.add_command(command)


def _parse_mapping(pairs: tuple[str, ...]) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValidationError(f"--map {pair!r} is not FIELD=COLUMN", "Example: --map text=正文 --map likes=点赞数")
        field, column = pair.split("=", 1)
        mapping[field.strip()] = column.strip()
    return mapping


class _Counter:
    """A progress line on stderr for streams of unknown length."""

    def __init__(self, label: str):
        from tqdm import tqdm

        self.bar = tqdm(desc=label, unit=" posts", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)
        self.seen = 0

    def __call__(self, total: int) -> None:
        self.bar.update(total - self.seen)
        self.seen = total

    def close(self) -> None:
        self.bar.close()


def _list_presets(click_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or click_ctx.resilient_parsing:
        return
    from corpus.presets import describe_presets

    for line in describe_presets():
        click.echo(line)
    click_ctx.exit()


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--presets", is_flag=True, expose_value=False, is_eager=True, callback=_list_presets,
              help="List every preset: the columns it recognises and the tool and version it comes from.")
@click.option("--preset", help="Force a preset instead of detecting it from the columns (list them: dazi import --presets).")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN", help="Column mapping for files no preset knows; repeatable.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows; write rejected rows with reasons to a CSV.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Where --skip-bad-rows writes rejected rows.")
@click.option("--pseudonymize", is_flag=True, help="Replace author ids, names and @mentions with stable pseudonyms; drop avatars.")
@click.option("--workers", type=int, help="Worker processes for large JSONL files (default: one per core; 0: none).")
@pass_ctx
def import_cmd(ctx: Context, files, preset, mapping, skip_bad_rows, rejects, pseudonymize, workers):
    """Import exports (CSV/TSV, XLSX, JSON, JSONL/NDJSON, Parquet, .zst/.gz, MediaCrawler sqlite).

    The tool is recognised from each file's columns: MediaCrawler (seven
    platforms), Zeeschuimer and 4CAT, Spider_XHS, weibo-search, Reddit dumps,
    X API / twarc, and sheets with dazi's own column names (post_id, text,
    ...), including dazi's exports.  `dazi import --presets` lists them all.
    The import is all or nothing: a bad row stops it and nothing changes,
    unless --skip-bad-rows is given.

    \b
    Example:
      dazi import xhs_notes.jsonl xhs_comments.jsonl
      dazi import zeeschuimer-export-xiaohongshu.com-2026-08-01T101010.ndjson
      dazi import weibo.csv --map text=正文 --map likes=点赞数 --map post_id=id
      dazi import --presets
    """
    from corpus.importer import import_files
    from dazi.projects import update_settings

    project = ctx.project(create=True)
    if pseudonymize and not project.settings.get("pseudonymize"):
        project = update_settings(ctx.db, project, pseudonymize=True)
    counter = _Counter("importing")
    try:
        report = import_files(
            ctx.db, project, files, preset=preset, mapping=_parse_mapping(mapping), skip_bad_rows=skip_bad_rows,
            pseudonymize=pseudonymize or None, rejects_path=rejects, progress=counter, workers=workers,
        )
    finally:
        counter.close()
    for line in report.lines():
        click.echo(line)


@click.command("corpus")
@click.option("--top", default=10, show_default=True, help="How many hashtags and keywords to list.")
@pass_ctx
def corpus_cmd(ctx: Context, top: int):
    """Summarise the corpus: platforms, status, dates, hashtags, engagement.

    \b
    Example:
      dazi corpus --top 5
    """
    from corpus.overview import overview

    for line in overview(ctx.db, ctx.project(), top=top).lines():
        click.echo(line)


@click.command("posts")
@click.option("--limit", default=20, show_default=True)
@click.option("--offset", default=0, show_default=True)
@click.option("--sort", type=click.Choice(["created_at", "engagement", "likes", "comments", "post_id"]), default="created_at", show_default=True,
              help="Dates and counts sort largest first (newest, most engaging), post ids A to Z; --asc or --desc "
                   "turns that round.")
@click.option("--asc/--desc", "ascending", default=None, help="Sort direction (default: as --sort says).")
@click.option("--text", help="Only posts whose title or text contains this.")
@click.option("--hashtag", help="Only posts with this hashtag (without #).")
@pass_ctx
def posts_cmd(ctx: Context, limit, offset, sort, ascending, text, hashtag):
    """List posts: newest first, or by engagement, likes, comments (largest first) or post id (A to Z).

    \b
    Example:
      dazi posts --sort engagement --limit 5
      dazi posts --sort post_id --desc
    """
    from corpus.store import list_posts

    descending = sort != "post_id" if ascending is None else not ascending
    page = list_posts(ctx.db, ctx.project(), offset=offset, limit=limit, sort=sort, text=text, hashtag=hashtag,
                      descending=descending)
    for p in page.posts:
        when = f"{p['created_at']:%Y-%m-%d}" if p["created_at"] else "?"
        first = (p["title"] or p["text"] or "").replace("\n", " ")[:40]
        approx = "~" if p["counts_approximate"] else ""
        click.echo(f"{p['post_id']}\t{when}\t{approx}{p['engagement'] if p['engagement'] is not None else '-'}\t{first}")
    click.echo(f"({offset + len(page.posts)} of {page.total:,})", err=True)


@click.command("comments")
@click.argument("post_id", required=False)
@click.option("--platform", help="The post's platform, when the same id exists on several.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write comments to this .csv, .jsonl or .parquet file instead (all of the project's without "
                   "POST_ID).")
@click.option("--no-bom", is_flag=True, help="--out .csv: write the CSV without a byte-order mark.")
@pass_ctx
def comments_cmd(ctx: Context, post_id, platform, out, no_bom):
    """Show a post's comments as a thread, or write comments to a file.

    \b
    Example:
      dazi comments 65a1b2c3d4e5f60718293a4b
      dazi comments --out comments.csv
      dazi comments --out comments.parquet
    """
    from corpus.comments import comment_lines, comments_by_post, iter_comments
    from corpus.store import get_post
    from reports.exports import write_comments

    project = ctx.project()
    if post_id is None:
        if out is None:
            raise ValidationError("Name a post (dazi comments POST_ID), or give --out FILE.csv for all comments.")
        _check_out(out)
        n = write_comments(iter_comments(ctx.db, project), out, bom=not no_bom)
        click.echo(f"Wrote {n:,} comments to {out}")
        return
    post = get_post(ctx.db, project, post_id, platform)
    thread = comments_by_post(ctx.db, project, [post], limit=None).get((post["platform"], post["post_id"]), [])
    if out is not None:
        _check_out(out)
        n = write_comments(thread, out, bom=not no_bom)
        click.echo(f"Wrote {n:,} comments to {out}")
        return
    title = (post["title"] or post["text"] or "").replace("\n", " ")[:60]
    click.echo(f"{post['platform']} {post['post_id']}: {title}")
    if not thread:
        click.echo("(no comments imported for this post)")
    for line in comment_lines(thread):
        click.echo(line)
    click.echo(f"({len(thread):,} comments)", err=True)


def _check_out(path: Path) -> None:
    from reports.exports import COMMENT_FORMATS

    if path.suffix.lower() not in COMMENT_FORMATS:
        raise ValidationError(f"--out {path.name!r}: comments are written as {', '.join(COMMENT_FORMATS)}",
                              "Name a file ending in .csv, .jsonl or .parquet.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"Cannot write {path}: folder {folder} does not exist.", "Create it first.")


@click.command("sample")
@click.argument("name")
@click.option("--method", type=click.Choice(["random", "stratified", "purposive"]), default="random", show_default=True)
@click.option("--size", type=int, help="Number of posts.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed on the same corpus gives the same sample.")
@click.option("--by", help="Stratify by this field (platform, source_keywords, hashtags, lang, location).")
@click.option("--per-stratum", type=int, help="Equal allocation: this many posts per stratum.")
@click.option("--keyword", "keywords", multiple=True, help="Purposive: keep posts containing any of these; repeatable.")
@click.option("--min-likes", type=int)
@click.option("--min-comments", type=int)
@click.option("--min-engagement", type=int)
@click.option("--order", type=click.Choice(["engagement", "random"]), default="engagement", show_default=True,
              help="Purposive: take the most engaging posts or random ones.")
@click.option("--replace", is_flag=True, help="Redraw a sample that already exists.")
@click.option("--by-uncertainty", "by_uncertainty", metavar="MODEL",
              help="The SIZE posts MODEL is least sure of (after dazi model code MODEL): for training, not random, "
                   "so refused for reliability and prevalence.")
@pass_ctx
def sample_cmd(ctx: Context, name, method, size, seed, by, per_stratum, keywords, min_likes, min_comments,
               min_engagement, order, replace, by_uncertainty):
    """Draw a named, reproducible sample of posts.

    \b
    Example:
      dazi sample main --size 500 --seed 7
      dazi sample strat --method stratified --by source_keywords --size 500
      dazi sample top --method purposive --min-likes 100 --min-comments 10 --size 500 --by source_keywords
    """
    from corpus.sampling import draw_sample

    if by_uncertainty:
        from coding.machine import draw_uncertainty_sample

        sample = draw_uncertainty_sample(ctx.db, ctx.project(), name, by_uncertainty, size, replace=replace)
        click.echo(f"Sample {sample.name!r}: {sample.size:,} posts model {by_uncertainty!r} is least sure of "
                   "(not random: for training only, refused for reliability and prevalence)")
        return
    thresholds = {k: v for k, v in (("min_likes", min_likes), ("min_comments", min_comments),
                                    ("min_engagement", min_engagement)) if v is not None}
    sample = draw_sample(
        ctx.db, ctx.project(), name, method=method, size=size, seed=seed, by=by, per_stratum=per_stratum,
        keywords=list(keywords) or None, order=order, replace=replace, **thresholds,
    )
    click.echo(f"Sample {sample.name!r}: {sample.size:,} posts ({sample.method}, seed {sample.seed})")
    for stratum, n in sample.strata.items():
        click.echo(f"  {stratum}\t{n}")


@click.command("samples")
@pass_ctx
def samples_cmd(ctx: Context):
    """List the project's samples.

    \b
    Example:
      dazi samples
    """
    from corpus.sampling import list_samples

    for s in list_samples(ctx.db, ctx.project()):
        click.echo(f"{s.name}\t{s.size:,} posts\t{s.method}\tseed {s.seed}\t{s.created_at:%Y-%m-%d %H:%M}")


@click.command("demo")
@click.option("--if-missing", is_flag=True, help="Do nothing if the project already exists (for `make app`).")
@pass_ctx
def demo_cmd(ctx: Context, if_missing: bool):
    """Build the demo project from the shipped synthetic corpus.

    Imports about 500 synthetic Xiaohongshu notes and their comments, loads
    the cloud-companion codebook, adds two coders and an adjudicator
    (passcodes printed once), assigns a sample with a 100-post overlap and
    simulates their codings.

    \b
    Example:
      dazi --db demo.db demo
    """
    from dazi.demo import build_demo

    if ctx.db_url and "://" not in ctx.db_url:
        Path(ctx.db_url).expanduser().parent.mkdir(parents=True, exist_ok=True)
    result = build_demo(ctx.db, ctx.project_name, if_missing=if_missing)
    for line in result.lines():
        click.echo(line)
