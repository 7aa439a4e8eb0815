"""Benchmark: dazi's tokenisation pipeline against plain ``jieba.cut``.

Tokenises N synthetic Xiaohongshu-style posts (80-150 characters, Chinese
mixed with English, emoji, hashtags, mentions and sticker codes), all in the
same run:

* baseline: single-process ``jieba.cut`` (what a user would write by hand;
  it only splits words: no token kinds, offsets, protected spans or English
  tokenizer);
* dazi ``Pipeline.encode_many`` on one process and on ``--n-process``
  processes (typed tokens in the compact form the token cache stores);
* with ``--tokens``, ``Pipeline.tokenize_many`` (Token objects);
* the token cache (:func:`corpus.search.token_codes` on a fresh SQLite
  file): a first run that tokenises and stores, a second that only reads.

Each line gives wall seconds, posts per second, CPU seconds of this process
and of its workers, and the speed-up against the baseline.  Building the
pipelines (loading jieba's dictionary) is timed separately and left out.
The machine may be shared: read the ratios, and the load averages printed
at the start and the end.  Run on demand::

    python benchmarks/bench_text.py            # 100,000 posts
    python benchmarks/bench_text.py --n 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_ZH = [
    "周末想找一个饭搭子一起吃火锅",
    "有没有同城的姐妹一起去图书馆自习",
    "学习搭子第30天打卡，今天背了100个单词",
    "健身搭子招募，下班后一起撸铁，男女不限",
    "作为一个i人，云搭子真的太适合我了",
    "旅行搭子和我三观不合，下次一定要先聊清楚",
    "午睡搭子的神奇效果：下午再也不犯困了",
    "坐标上海徐汇，蹲一个周末city walk的搭子",
    "飞盘搭子集合，新手友好，已经有6个人了",
    "游戏搭子来！晚上10点后在线，不骂人不甩锅",
    "读书搭子这周读完了《活着》，哭了好几次",
    "搭子关系很轻，有边界，不需要深度社交",
    "评论区的宝子们扣1，我来拉群",
    "这家店真的绝绝子，人均只要80元",
]
_EN = [
    "Looking for a travel buddy in Chengdu!",
    "I'm a TikTok refugee, just moved here last month.",
    "Anyone want to grab hotpot this weekend?",
    "We meet every Tuesday at 7pm, best decision of 2025.",
    "No pressure, just do stuff together and go home.",
]
_EXTRA = [
    "😭",
    "😂",
    "✨",
    "👍🏻",
    "🏃‍♀️",
    "❤️",
    "🇨🇳",
    "[笑哭R]",
    "[加油R]",
    "#饭搭子[话题]#",
    "#学习搭子[话题]#",
    "#citywalk",
    "@小红书薯队长",
    "～",
    "！",
    "，",
    " ",
]


def make_posts(n: int, seed: int = 0) -> list[str]:
    """``n`` synthetic posts of 80-150 characters, deterministic for a seed."""
    rng = random.Random(seed)
    posts = []
    for _ in range(n):
        target = rng.randint(80, 150)
        parts: list[str] = []
        length = 0
        while length < target:
            r = rng.random()
            piece = (
                rng.choice(_ZH) if r < 0.6 else rng.choice(_EN) if r < 0.75 else rng.choice(_EXTRA)
            )
            parts.append(piece)
            length += len(piece)
        posts.append("".join(parts)[:target])
    return posts


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_BASE_CPU: list[float] = []


def _timed(label: str, fn, baseline: float | None, n: int, workers_n: int = 1) -> tuple[float, object]:
    """Run ``fn()``; print wall and CPU seconds (this process + its workers).

    CPU seconds hardly depend on what else the machine runs, so beside the
    wall-clock speed-up the line gives an idle-cores estimate: the workers'
    CPU seconds spread over ``workers_n`` cores plus this process's.
    """
    t0, c0, k0 = time.perf_counter(), time.process_time(), _cpu_children()
    result = fn()
    wall, cpu, workers = time.perf_counter() - t0, time.process_time() - c0, _cpu_children() - k0
    if baseline is None:
        _BASE_CPU[:] = [cpu]
    ratio = f"  speed-up {baseline / wall:5.2f}x" if baseline else ""
    cpu_text = f"cpu {cpu:6.1f} s" + (f" + workers {workers:6.1f} s" if workers > 0.05 else "")
    if baseline and _BASE_CPU:
        idle = workers / workers_n + cpu
        ratio += f" (idle cores: {_BASE_CPU[0] / idle:4.2f}x)"
    print(f"{label:<44}{wall:8.2f} s {n / wall:9,.0f} posts/s  {cpu_text}{ratio}", flush=True)
    return wall, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of posts (default 100,000)")
    parser.add_argument(
        "--n-process", type=int, default=2, help="worker processes for dazi (default 2)"
    )
    parser.add_argument("--chunk-size", type=int, default=2000, help="posts per worker chunk")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tokens",
        action="store_true",
        help="also time tokenize_many (Token objects; about 1 GB a 100,000 posts)",
    )
    parser.add_argument(
        "--batch", type=int, default=100_000, help="posts per token-cache call (default 100,000)"
    )
    args = parser.parse_args(argv)

    import jieba

    from corpus.search import token_codes
    from corpus.text import tokenizer
    from dazi.db import connect

    posts = make_posts(args.n, args.seed)
    chars = sum(map(len, posts))
    print(f"{args.n:,} posts, {chars:,} characters (mean {chars / args.n:.0f} per post)")
    print(f"load average at the start (1, 5, 15 min): {_load()}")

    t0 = time.perf_counter()
    pipeline = tokenizer()
    jieba.initialize()
    print(f"set-up (jieba dictionary, spaCy blank pipelines): {time.perf_counter() - t0:.2f} s, not counted")

    n, k = args.n, args.n_process
    base, pieces = _timed("jieba.cut, 1 process (baseline)", lambda: sum(len(list(jieba.cut(p))) for p in posts), None, n)
    print(f"    {pieces:,} jieba pieces")
    _, count = _timed("dazi encode_many, 1 process", lambda: sum(map(len, pipeline.encode_many(posts))), base, n)
    _, count = _timed(
        f"dazi encode_many, {k} processes",
        lambda: sum(map(len, pipeline.encode_many(posts, k, chunk_size=args.chunk_size))),
        base,
        n,
        k,
    )
    print(f"    {count:,} typed tokens")
    if args.tokens:
        _timed(
            f"dazi tokenize_many, {k} processes (Tokens)",
            lambda: sum(map(len, pipeline.tokenize_many(posts, k, chunk_size=args.chunk_size))),
            base,
            n,
            k,
        )

    with tempfile.TemporaryDirectory() as folder:
        db = connect(Path(folder) / "bench.db")

        def cached() -> int:
            total = 0
            for start in range(0, n, args.batch):
                total += sum(map(len, token_codes(db, posts[start : start + args.batch], n_process=k)))
            return total

        first, _ = _timed(f"token cache, first run ({k} processes)", cached, base, n, k)
        second, _ = _timed("token cache, second run (all cached)", cached, base, n)
        print(f"    second run / first run: {second / first:.3f}; second run / jieba.cut: {second / base:.3f}")
        db.engine.dispose()
    print(f"load average at the end (1, 5, 15 min): {_load()}")
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
