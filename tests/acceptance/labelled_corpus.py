"""A labelled acceptance corpus for the machine coder (issue 17): every post's true code is known.

``generate(n, seed)`` makes Chinese social-media-like posts (RedNote style: a title, a body
with emoji, stickers and ``#话题[话题]#`` hashtags) whose TRUE values are known for three
variables:

``topic``      single choice, four codes of unequal prevalence (food 50 %, study 25 %,
               travel 15 %, fitness 10 %);
``seeking``    binary (``yes`` / ``no``): the post looks for a partner (about 40 % yes);
``channels``   multi-select: ``online``, ``offline``, ``group`` (each independent), or the
               missing code ``not_stated`` when none applies.

The text is noisy the way real posts are: a shared vocabulary every code uses (搭子, 周末,
分享 ...), code-indicative words present only with some probability, distractor words of
other codes, emoji, stickers and hashtags, and about 10 % *ambiguous* posts whose text mixes
two topics evenly (their true topic is one of the two, at random): no coder, human or
machine, can be sure of those.

``simulate_coders(truth, ids, seed)`` gives two human coders' codings of the posts ``ids``:
the truth with realistic errors (about 4 % per variable on clear posts, 25 % on ambiguous
ones; about 8-12 % disagreement per variable overall).

Nothing here reads dazi: the corpus is written as a MediaCrawler Xiaohongshu JSONL file (a
format dazi imported before issue 17) plus a codebook YAML in dazi's documented format and a
truth file, so the acceptance test drives dazi only through its public interface.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOPICS = {"food": 0.50, "study": 0.25, "travel": 0.15, "fitness": 0.10}
SEEKING_YES = 0.40
CHANNELS = {"online": 0.40, "offline": 0.45, "group": 0.20}
AMBIGUOUS_SHARE = 0.10

# Words that point to a topic.  Each appears in a post of that topic only with some
# probability, and sometimes in posts of other topics (distractors).
TOPIC_WORDS = {
    "food": ["火锅", "探店", "饭搭子", "奶茶", "烧烤", "约饭", "美食", "小龙虾", "日料", "下午茶",
             "米其林", "夜宵", "咖啡店", "甜品", "干饭"],
    "study": ["自习", "图书馆", "考研", "背单词", "学习搭子", "刷题", "考公", "雅思", "论文",
              "番茄钟", "期末", "网课", "笔记", "上岸", "早起打卡"],
    "travel": ["旅行", "机票", "citywalk", "露营", "自驾", "古镇", "攻略", "民宿", "大理", "川西",
               "旅行搭子", "看日出", "景点", "签证", "徒步"],
    "fitness": ["健身", "撸铁", "跑步", "减脂", "瑜伽", "游泳", "羽毛球", "健身房", "夜跑", "体脂",
                "马拉松", "普拉提", "练腿", "蛋白粉", "私教"],
}
TOPIC_TAGS = {
    "food": ["饭搭子", "美食探店", "吃货日常", "干饭人"],
    "study": ["学习搭子", "考研", "自律打卡", "图书馆"],
    "travel": ["旅行搭子", "旅行攻略", "说走就走", "citywalk"],
    "fitness": ["健身搭子", "减脂", "运动打卡", "跑步"],
}
SEEK_PHRASES = ["有没有人一起", "找个搭子", "蹲一个搭子", "求搭子", "招募搭子", "想找人一起",
                "有人组队吗", "缺一个搭子", "滴滴我"]
NOT_SEEK_PHRASES = ["和搭子一起", "记录一下", "分享一下", "今天和搭子", "复盘一下", "晒晒成果",
                    "我们又见面了"]
# distractors: seeking words in posts that do not seek (a quote, the past)
SEEK_DISTRACTORS = ["之前找搭子的时候", "去年在这里求过搭子", "上次有人问我要不要一起"]
CHANNEL_WORDS = {
    "online": ["连麦", "视频通话", "腾讯会议", "线上", "云搭子", "语音", "直播间"],
    "offline": ["线下", "同城", "见面", "面基", "一起去", "现场", "约在"],
    "group": ["拉群", "群聊", "进群", "群里", "微信群", "组队群"],
}
SHARED = ["搭子", "周末", "今天", "分享", "真的", "感觉", "大家", "一起", "开心", "哈哈哈",
          "姐妹们", "宝子们", "打卡", "日常", "推荐", "小伙伴", "终于", "好久", "希望", "生活"]
FILLER = ["不尬聊", "随缘", "坐标上海", "坐标北京", "坐标成都", "i人友好", "e人勿扰", "00后",
          "上班族", "学生党", "坚持就是胜利", "冲冲冲", "有点紧张", "第一次发帖"]
EMOJI = ["😆", "🥹", "✨", "📚", "🍲", "💪", "🌏", "☕️", "🎉", "🙋", "😂", "❤️", "🔥", "🌸", "🏃"]
STICKERS = ["[笑哭R]", "[萌萌哒R]", "[哭惹R]", "[偷笑R]", "[派对R]", "[赞R]"]
GENERIC_TAGS = ["搭子", "找搭子", "搭子日常", "搭子社交"]


@dataclass
class Truth:
    """The true values of one post."""

    post_id: str
    topic: str
    seeking: str
    channels: list[str] = field(default_factory=list)
    ambiguous: bool = False

    def value(self, variable: str):
        return {"topic": self.topic, "seeking": self.seeking, "channels": self.channels}[variable]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _topic_segment(rng: random.Random, topic: str, strength: float) -> list[str]:
    """Words for ``topic``: each slot is an indicative word with probability ``strength``."""
    words = []
    for _ in range(rng.randint(2, 4)):
        if rng.random() < strength:
            words.append(rng.choice(TOPIC_WORDS[topic]))
        elif rng.random() < 0.25:  # a distractor from another topic
            other = rng.choice([t for t in TOPICS if t != topic])
            words.append(rng.choice(TOPIC_WORDS[other]))
        else:
            words.append(rng.choice(SHARED))
    return words


def _post(rng: random.Random, truth: Truth, second_topic: str | None) -> tuple[str, str]:
    """(title, body) of a post with these true values."""
    parts: list[str] = []
    if truth.seeking == "yes":
        if rng.random() < 0.8:
            parts.append(rng.choice(SEEK_PHRASES))
        else:
            parts.append(rng.choice(SHARED))
    else:
        parts.append(rng.choice(NOT_SEEK_PHRASES) if rng.random() < 0.7 else rng.choice(SHARED))
        if rng.random() < 0.12:
            parts.append(rng.choice(SEEK_DISTRACTORS))
    if second_topic:  # ambiguous: two topics with the same weight, in random order
        a = _topic_segment(rng, truth.topic, 0.6)
        b = _topic_segment(rng, second_topic, 0.6)
        parts.extend(a + b if rng.random() < 0.5 else b + a)
    else:
        parts.extend(_topic_segment(rng, truth.topic, 0.62))
    for ch in CHANNELS:
        if ch in truth.channels:
            if rng.random() < 0.75:
                parts.append(rng.choice(CHANNEL_WORDS[ch]))
        elif rng.random() < 0.06:
            parts.append(rng.choice(CHANNEL_WORDS[ch]))
    for _ in range(rng.randint(1, 3)):
        parts.append(rng.choice(SHARED + FILLER))
    tail = parts[1:]
    rng.shuffle(tail)
    parts[1:] = tail
    body = ""
    for p in parts:
        body += p
        r = rng.random()
        body += rng.choice(EMOJI) if r < 0.25 else rng.choice(STICKERS) if r < 0.32 else \
            "\n" if r < 0.40 else "，" if r < 0.75 else " "
    tags = [rng.choice(GENERIC_TAGS)]
    if rng.random() < 0.5:
        tags.append(rng.choice(TOPIC_TAGS[truth.topic]))
    if second_topic and rng.random() < 0.5:
        tags.append(rng.choice(TOPIC_TAGS[second_topic]))
    body += " " + "".join(f"#{t}[话题]#" for t in dict.fromkeys(tags))
    title = (rng.choice(parts[:3]) + rng.choice(["", "｜", "！"]) + rng.choice(SHARED))[:20]
    return title, body


def generate(n: int = 3000, seed: int = 17) -> tuple[list[dict], list[Truth]]:
    """``n`` posts as MediaCrawler Xiaohongshu note records, and their true values."""
    rng = random.Random(seed)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    notes, truths = [], []
    for i in range(n):
        post_id = f"{0x66000000 + i * 977:08x}" + f"{rng.getrandbits(64):016x}"
        topic = _pick(rng, TOPICS)
        seeking = "yes" if rng.random() < SEEKING_YES else "no"
        channels = [c for c, p in CHANNELS.items() if rng.random() < p] or ["not_stated"]
        ambiguous = rng.random() < AMBIGUOUS_SHARE
        second = None
        if ambiguous:
            second = rng.choice([t for t in TOPICS if t != topic])
        truth = Truth(post_id, topic, seeking, channels, ambiguous)
        title, body = _post(rng, truth, second)
        t = start + timedelta(seconds=rng.randint(0, 300 * 86400))
        liked = rng.choice([str(rng.randint(0, 999)), str(rng.randint(1000, 9999)), f"{rng.randint(10, 99) / 10}万"])
        notes.append({
            "note_id": post_id, "type": "normal", "title": title, "desc": body, "video_url": "",
            "time": int(t.timestamp() * 1000), "last_update_time": int(t.timestamp() * 1000) + 60_000,
            "user_id": f"{rng.getrandbits(96):024x}", "nickname": f"用户{rng.randint(1000, 99999)}",
            "avatar": "", "liked_count": liked, "collected_count": str(rng.randint(0, 500)),
            "comment_count": str(rng.randint(0, 200)), "share_count": str(rng.randint(0, 50)),
            "ip_location": rng.choice(["上海", "北京", "广东", "四川", "浙江", "江苏"]),
            "image_list": "", "tag_list": "", "last_modify_ts": int(t.timestamp() * 1000) + 86_400_000,
            "note_url": f"https://www.xiaohongshu.com/explore/{post_id}", "source_keyword": "搭子",
            "xsec_token": "",
        })
        truths.append(truth)
    return notes, truths


def _err_rate(truth: Truth) -> float:
    return 0.25 if truth.ambiguous else 0.04


def simulate_coder(truths: list[Truth], seed: int) -> dict[str, dict[str, object]]:
    """One human coder's codings: the truth with errors (more on ambiguous posts)."""
    rng = random.Random(seed)
    out: dict[str, dict[str, object]] = {}
    for t in truths:
        e = _err_rate(t)
        topic = t.topic
        if rng.random() < e:
            topic = rng.choice([c for c in TOPICS if c != t.topic])
        seeking = t.seeking
        if rng.random() < e:
            seeking = "no" if seeking == "yes" else "yes"
        chans = {c for c in t.channels if c != "not_stated"}
        for c in CHANNELS:
            if rng.random() < e / 3:
                chans ^= {c}
        out[t.post_id] = {"topic": topic, "seeking": seeking,
                          "channels": [c for c in CHANNELS if c in chans] or ["not_stated"]}
    return out


CODEBOOK_YAML = """\
name: Acceptance corpus (机器编码验收语料)
version: 1
authors: [fixtures helper]
description: >-
  Unit of analysis: one post (title, body and hashtags). Synthetic posts whose true codes
  are known, for the machine coder's acceptance test (issue 17).
variables:
  - id: topic
    label: {en: Topic, zh: 主题}
    type: single
    codes:
      - id: food
        label: {en: Food, zh: 美食}
        definition: {en: "Eating out, food, drinks.", zh: 吃饭、探店、饮品。}
      - id: study
        label: {en: Study, zh: 学习}
        definition: {en: "Studying, exams, libraries.", zh: 学习、考试、自习。}
      - id: travel
        label: {en: Travel, zh: 旅行}
        definition: {en: "Trips, city walks, camping.", zh: 旅行、城市漫步、露营。}
      - id: fitness
        label: {en: Fitness, zh: 健身}
        definition: {en: "Sport and exercise.", zh: 运动健身。}
  - id: seeking
    label: {en: Seeks a partner, zh: 寻找搭子}
    type: single
    codes:
      - id: "yes"
        label: {en: "Yes", zh: 是}
      - id: "no"
        label: {en: "No", zh: 否}
  - id: channels
    label: {en: Channels, zh: 互动渠道}
    type: multi
    codes:
      - id: online
        label: {en: Online, zh: 线上}
      - id: offline
        label: {en: Offline, zh: 线下}
      - id: group
        label: {en: Group chat, zh: 群聊}
      - id: not_stated
        label: {en: Not stated, zh: 未提及}
        missing: true
"""

VARIABLES = ("topic", "seeking", "channels")


def write(directory: Path, n: int = 3000, seed: int = 17) -> dict[str, Path]:
    """Write ``notes.jsonl`` (MediaCrawler XHS), ``codebook.yaml`` and ``truth.jsonl``."""
    directory.mkdir(parents=True, exist_ok=True)
    notes, truths = generate(n, seed)
    paths = {"notes": directory / "search_contents_2026-03-01.jsonl",
             "codebook": directory / "acceptance_codebook.yaml",
             "truth": directory / "truth.jsonl"}
    paths["notes"].write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in notes), encoding="utf-8")
    paths["codebook"].write_text(CODEBOOK_YAML, encoding="utf-8")
    paths["truth"].write_text("".join(json.dumps(t.__dict__, ensure_ascii=False) + "\n" for t in truths),
                              encoding="utf-8")
    return paths


def true_shares(truths: list[Truth]) -> dict[str, dict[str, float]]:
    """Share of each code in the whole corpus (multi: share of posts with the code)."""
    n = len(truths)
    out = {"topic": {c: sum(t.topic == c for t in truths) / n for c in TOPICS},
           "seeking": {c: sum(t.seeking == c for t in truths) / n for c in ("yes", "no")},
           "channels": {c: sum(c in t.channels for t in truths) / n for c in [*CHANNELS, "not_stated"]}}
    return out


if __name__ == "__main__":  # a quick look at the corpus
    import sys

    notes, truths = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
    for note, t in list(zip(notes, truths))[:8]:
        print(t.topic, t.seeking, t.channels, "AMBIGUOUS" if t.ambiguous else "", "|", note["title"], "|",
              note["desc"].replace("\n", "⏎"))
    print(json.dumps(true_shares(truths), indent=1))
    a, b = simulate_coder(truths[:500], 1), simulate_coder(truths[:500], 2)
    for v in VARIABLES:
        print(v, "disagreement", sum(a[t.post_id][v] != b[t.post_id][v] for t in truths[:500]) / 500)
