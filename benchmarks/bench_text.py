"""Benchmark: dazi's tokenisation pipeline against plain ``jieba.cut``.

Tokenises N synthetic Xiaohongshu-style posts (80-150 characters, Chinese
mixed with English, emoji, hashtags, mentions and sticker codes) twice in the
same run:

* baseline: single-process ``jieba.cut`` (what a user would write by hand;
  it only splits words: no token kinds, offsets, protected spans or English
  tokenizer);
* dazi: ``Pipeline.tokenize_many(texts, n_process=2)``.

Building the pipelines (loading jieba's dictionary) is timed separately and
left out of both figures.  Run on demand::

    python benchmarks/bench_text.py            # 100,000 posts
    python benchmarks/bench_text.py --n 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of posts (default 100,000)")
    parser.add_argument(
        "--n-process", type=int, default=2, help="worker processes for dazi (default 2)"
    )
    parser.add_argument("--chunk-size", type=int, default=2000, help="posts per worker chunk")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--single",
        action="store_true",
        help="also time dazi on one process (shows its own overhead)",
    )
    args = parser.parse_args(argv)

    import jieba

    from corpus.text import tokenizer

    posts = make_posts(args.n, args.seed)
    chars = sum(map(len, posts))
    print(f"{args.n:,} posts, {chars:,} characters (mean {chars / args.n:.0f} per post)")

    t0 = time.perf_counter()
    pipeline = tokenizer()
    jieba.initialize()
    print(
        f"set-up (jieba dictionary, spaCy blank pipelines): {time.perf_counter() - t0:.2f} s, not counted"
    )

    t0, c0 = time.perf_counter(), time.process_time()
    n_words = sum(len(list(jieba.cut(p))) for p in posts)
    baseline, baseline_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"jieba.cut, 1 process:          {baseline:8.2f} s  {args.n / baseline:10,.0f} posts/s  ({n_words:,} pieces)"
    )

    t0, c0 = time.perf_counter(), time.process_time()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    tokens = pipeline.tokenize_many(posts, n_process=args.n_process, chunk_size=args.chunk_size)
    ours, parent_cpu = time.perf_counter() - t0, time.process_time() - c0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = (children1.ru_utime + children1.ru_stime) - (
        children0.ru_utime + children0.ru_stime
    )
    n_tokens = sum(map(len, tokens))
    print(
        f"dazi tokenize_many, {args.n_process} processes: {ours:8.2f} s  {args.n / ours:10,.0f} posts/s  "
        f"({n_tokens:,} typed tokens)"
    )
    print(f"speed-up (jieba.cut time / dazi time): {baseline / ours:.2f}x")
    # CPU seconds do not depend on what else the machine runs: they tell what
    # two idle cores would give (workers in parallel, then the parent's share).
    idle_estimate = workers_cpu / args.n_process + parent_cpu
    print(
        f"CPU seconds: jieba.cut {baseline_cpu:.1f}; dazi workers {workers_cpu:.1f} + parent "
        f"{parent_cpu:.1f}; on {args.n_process} idle cores about {idle_estimate:.1f} s "
        f"(speed-up about {baseline_cpu / idle_estimate:.2f}x)"
    )
    if args.single:
        t0 = time.perf_counter()
        pipeline.tokenize_many(posts, n_process=1)
        single = time.perf_counter() - t0
        print(f"dazi tokenize_many, 1 process:  {single:8.2f} s  {args.n / single:10,.0f} posts/s")
        print(f"dazi 1 process / jieba.cut time: {single / baseline:.2f}x")
    load = os.getloadavg()
    print(f"load average at the end (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
