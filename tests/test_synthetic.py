"""Tests of dazi.demo.synthetic: the synthetic MediaCrawler corpus and the shipped demo files.

Field lists, count formats and URL shapes are typed here by hand from
``/work/shared/source-formats.md`` and MediaCrawler's ``store/xhs/__init__.py``
(``update_xhs_note``, ``update_xhs_note_comment``), not read from the module,
so that a drift in the generator fails a test.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dazi.demo import synthetic as syn
from dazi.demo.synthetic import (
    CODEBOOK_VALUES,
    DEMO_COMMENTS_PATH,
    DEMO_NOTES_PATH,
    demo_truth,
    demo_truths,
    generate_comments,
    generate_notes,
    generate_notes_with_truth,
    write_demo_corpus,
    write_jsonl,
    write_notes_jsonl,
)
from dazi.errors import NotFound, ValidationError

ROOT = Path(__file__).resolve().parents[1]

NOTE_KEYS = [
    "note_id", "type", "title", "desc", "video_url", "time", "last_update_time", "user_id",
    "nickname", "avatar", "liked_count", "collected_count", "comment_count", "share_count",
    "ip_location", "image_list", "tag_list", "last_modify_ts", "note_url", "source_keyword",
    "xsec_token",
]  # fmt: skip
COMMENT_KEYS = [
    "comment_id", "create_time", "ip_location", "note_id", "content", "user_id", "nickname",
    "avatar", "sub_comment_count", "pictures", "parent_comment_id", "last_modify_ts", "like_count",
]  # fmt: skip
COUNT_KEYS = ("liked_count", "collected_count", "comment_count", "share_count")
HEX24 = re.compile(r"[0-9a-f]{24}")
TOPIC = re.compile(r"#([^#\[\]]+)\[话题\]#")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Every way the app writes a count, as source-formats.md lists them.
COUNT_STYLES = {
    "digits": re.compile(r"\d+"),
    "wan_plus": re.compile(r"\d+万\+"),
    "wan": re.compile(r"\d+(\.\d)?万"),
    "w": re.compile(r"\d+(\.\d)?w"),
    "k": re.compile(r"\d+(\.\d)?k"),
    "qian_plus": re.compile(r"\d千\+"),
    "ten_plus": re.compile(r"10\+"),
    "empty": re.compile(r""),
    "None": re.compile(r"None"),
}
CST = timezone(timedelta(hours=8))
MS_2025 = int(datetime(2025, 1, 1, tzinfo=CST).timestamp() * 1000)
MS_CRAWL = int(datetime(2026, 6, 27, 20, tzinfo=CST).timestamp() * 1000)


def _style(value: str) -> str:
    for name, rx in COUNT_STYLES.items():
        if rx.fullmatch(value):
            return name
    raise AssertionError(f"count {value!r} matches no known display style")


def _text(note: dict) -> str:
    return note["title"] + "\n" + note["desc"]


@pytest.fixture(scope="module")
def sample() -> list[tuple[dict, dict]]:
    """3,000 notes of seed 11 with their truths (about 0.3 s)."""
    return [(n, t.as_dict()) for n, t in generate_notes_with_truth(3000, seed=11)]


@pytest.fixture(scope="module")
def demo_notes() -> list[dict]:
    with open(DEMO_NOTES_PATH, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="module")
def demo_comments() -> list[dict]:
    with open(DEMO_COMMENTS_PATH, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_same_notes_and_other_seeds_differ():
    a = list(generate_notes(250, seed=3))
    assert a == list(generate_notes(250, seed=3))
    b = list(generate_notes(250, seed=4))
    assert {n["note_id"] for n in a}.isdisjoint({n["note_id"] for n in b})
    assert [n["desc"] for n in a] != [n["desc"] for n in b]


def test_a_short_corpus_is_a_prefix_of_a_long_one():
    def distinct(rows):
        seen, out = set(), []
        for row in rows:
            if row["note_id"] not in seen:
                seen.add(row["note_id"])
                out.append(row)
        return out

    short = distinct(generate_notes(150, seed=9))
    long = distinct(generate_notes(420, seed=9))
    assert len(short) == 150 and short == long[:150]


def test_generation_uses_no_global_random_state():
    import random

    random.seed(1)
    a = list(generate_notes(50, seed=2))
    random.seed(99)
    b = list(generate_notes(50, seed=2))
    assert a == b


# --------------------------------------------------------------------------- schema


def test_note_keys_are_mediacrawlers_in_order(sample):
    for note, _ in sample:
        assert list(note) == NOTE_KEYS
    assert list(syn.XHS_NOTE_FIELDS) == NOTE_KEYS


def test_note_value_types(sample):
    for note, _ in sample:
        for key in ("time", "last_update_time", "last_modify_ts"):
            assert type(note[key]) is int, key
        for key in NOTE_KEYS:
            if key not in ("time", "last_update_time", "last_modify_ts"):
                assert type(note[key]) is str, key
        assert note["type"] in ("normal", "video")
        assert (note["video_url"] != "") == (note["type"] == "video")


def test_ids_urls_and_tokens(sample):
    for note, _ in sample:
        nid = note["note_id"]
        assert HEX24.fullmatch(nid)
        assert int(nid[:8], 16) == note["time"] // 1000  # ObjectId: publish second first
        assert int(nid[8:16], 16) == 11  # the seed
        assert HEX24.fullmatch(note["user_id"])
        assert note["avatar"] == f"https://example.com/avatar/{note['user_id']}.jpg"
        token = note["xsec_token"]
        assert token.startswith("ABfake") and token.endswith("=")
        assert note["note_url"] == (
            f"https://www.xiaohongshu.com/explore/{nid}?xsec_token={token}&xsec_source=pc_search"
        )
        for url in filter(None, note["image_list"].split(",") + [note["video_url"]]):
            assert url.startswith("https://example.com/")
    ids = [note["note_id"] for note, _ in sample]
    assert len(set(ids)) == 3000 and len(ids) == 3030  # 1 duplicate row per 100 notes


def test_times_are_milliseconds_in_the_study_window(sample):
    for note, _ in sample:
        assert MS_2025 <= note["time"] < MS_CRAWL
        assert note["time"] <= note["last_update_time"] < MS_CRAWL
        assert note["last_modify_ts"] >= MS_CRAWL
    crawl = [note["last_modify_ts"] for note, _ in sample]
    assert crawl == sorted(crawl)  # the crawler appends as it goes


def test_authors_repeat_and_locations_look_like_ip_labels(sample):
    authors = Counter(note["user_id"] for note, _ in sample)
    assert max(authors.values()) >= 3  # some regulars post several notes
    assert len(authors) > 2000
    places = Counter(note["ip_location"] for note, _ in sample)
    for expected in ("上海", "北京", "广东", "四川", "浙江", "美国"):
        assert places[expected] > 0
    assert places["上海"] + places["北京"] + places["广东"] > places["美国"]


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        pytest.param(3585, "plain", "3585", id="plain"),
        pytest.param(13456, "wan", "1.3万", id="wan truncates"),
        pytest.param(13999, "wan", "1.3万", id="wan does not round up"),
        pytest.param(10000, "wan", "1万", id="wan drops .0"),
        pytest.param(123456, "wan", "10万+", id="100k and more"),
        pytest.param(123456, "plain", "10万+", id="100k whatever the style"),
        pytest.param(21000, "w", "2.1w", id="w"),
        pytest.param(1234, "k", "1.2k", id="k"),
        pytest.param(1500, "qian", "1千+", id="qian"),
        pytest.param(15, "ten", "10+", id="ten"),
        pytest.param(9, "ten", "9", id="ten below 10 stays exact"),
        pytest.param(999, "k", "999", id="k below 1000 stays exact"),
        pytest.param(0, "plain", "0", id="zero"),
    ],
)
def test_format_count(value, style, expected):
    assert syn._format_count(value, style) == expected


def test_count_strings_show_every_style(sample, demo_notes):
    in_demo = Counter(_style(n[k]) for n in demo_notes for k in COUNT_KEYS)
    assert set(in_demo) == set(COUNT_STYLES)
    big = Counter(_style(n[k]) for n, _ in sample for k in COUNT_KEYS)
    assert set(big) == set(COUNT_STYLES)
    assert big["digits"] / sum(big.values()) > 0.9  # most counts are plain numbers
    assert big["empty"] + big["None"] < 0.02 * sum(big.values())  # missing ones are rare


def test_likes_are_heavy_tailed(sample):
    likes = [int(n["liked_count"]) for n, _ in sample if n["liked_count"].isdigit()]
    assert 20 <= statistics.median(likes) <= 300  # tens to hundreds
    thousands = sum(v >= 1000 for v in likes) / len(likes)
    assert 0.01 <= thousands <= 0.12  # a few
    wan = sum(_style(n["liked_count"]) in ("wan", "wan_plus", "w") for n, _ in sample)
    assert 0 < wan / len(sample) < 0.02  # rare


# --------------------------------------------------------------------------- text


def test_about_ten_percent_english(sample):
    truths = [t for _, t in sample if t["status"] == "ok"]
    shares = Counter(t["lang"] for t in truths)
    assert 0.07 <= shares["en"] / len(truths) <= 0.13
    assert 0.08 <= shares["mixed"] / len(truths) <= 0.18
    for note, truth in sample:
        words = TOPIC.sub("", _text(note))
        if truth["lang"] == "en":
            assert not CJK.search(words), note["desc"]
        elif truth["lang"] in ("zh", "mixed"):
            assert CJK.search(words)
        if truth["lang"] == "mixed":
            assert re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", words), note["desc"]


def test_topics_match_tag_list(sample, demo_notes):
    for note, _ in sample:
        tags = note["tag_list"].split(",") if note["tag_list"] else []
        assert TOPIC.findall(note["desc"]) == tags
        assert len(tags) == len(set(tags))
    assert any("[话题]##" in n["desc"] for n in demo_notes)  # adjacent topics
    assert any("[话题]# #" in n["desc"] for n in demo_notes)  # spaced topics


def test_text_carries_emoji_stickers_mentions_and_newlines(demo_notes):
    descs = [n["desc"] for n in demo_notes]
    assert sum("\n" in d for d in descs) > 100
    assert sum(bool(re.search(r"\[[\u4e00-\u9fff]+R\]|\[doge\]", d)) for d in descs) > 50
    assert sum("\u200d" in d for d in descs) > 20  # ZWJ emoji sequences
    mentions = [d for d in descs if re.search(r"@\S+", d)]
    assert 20 < len(mentions) < 150
    assert sum(n["title"] == n["desc"][:255] and n["desc"] != "" for n in demo_notes) > 5


def test_seeking_markers_and_cities_appear(demo_notes):
    text = "\n".join(_text(n) for n in demo_notes)
    for phrase in ("找", "蹲", "(seeking companion)", "同城", "不聊天只打卡", "有空"):
        assert phrase in text, phrase
    for kind in (
        "饭搭子",
        "旅行搭子",
        "学习搭子",
        "健身搭子",
        "游戏搭子",
        "午睡搭子",
        "读书搭子",
        "飞盘搭子",
    ):
        assert kind in text, kind


# --------------------------------------------------------------------------- truth


def test_truth_values_come_from_the_codebook(sample):
    multi = ("communication_channel", "self_presentation", "seeking_markers")
    for _, truth in sample:
        if truth["status"] != "ok":
            assert truth["companion_type"] is None and truth["seeking_markers"] == []
            continue
        for variable, allowed in CODEBOOK_VALUES.items():
            value = truth[variable]
            if variable in multi:
                assert all(v in allowed for v in value)
                assert value == [v for v in allowed if v in value]  # codebook order
            else:
                assert value in allowed, (variable, value)
        duration = truth["relationship_duration"]
        assert duration is None or 0 < duration <= 24


def test_truth_is_internally_consistent(sample):
    for _, t in sample:
        if t["status"] != "ok":
            continue
        seeking = t["match_outcome"] == "seeking"
        assert seeking == (t["post_kind"] == "seeking")
        markers, pres = set(t["seeking_markers"]), set(t["self_presentation"])
        if not seeking:
            assert not markers
            continue
        assert t["relationship_duration"] is None
        assert ("availability" in markers) == ("schedule" in pres)
        assert ("boundaries" in markers) == ("boundaries" in pres)
        assert "same_city" not in markers or "location" in pres
        assert markers & {"explicit_seeking", "waiting_phrase", "english_seeking"}
        assert ("english_seeking" in markers) >= (t["lang"] == "en")


# A careful coder's cues, written from the codebook's meaning, not from the module.
CUES = {
    ("seeking_markers", "waiting_phrase"): ("蹲",),
    ("seeking_markers", "same_city"): ("同城", "看过来", "local in", "people only"),
    ("seeking_markers", "english_seeking"): (
        "(seeking companion)",
        "Looking for a",
        "want to be my",
    ),
    ("communication_channel", "video_call"): ("视频", "连麦", "腾讯会议", "video call"),
    ("communication_channel", "group_chat"): ("群", "group chat"),
    ("communication_channel", "reposts"): ("转发", "转给", "repost"),
    ("communication_channel", "private_message"): ("私信", "DM"),
    ("interaction_frequency", "daily"): ("每天", "天天", "every day"),
}


@pytest.mark.parametrize(("variable", "value"), list(CUES), ids=lambda v: str(v))
def test_truth_is_visible_in_the_text(sample, variable, value):
    cues = CUES[(variable, value)]
    for note, truth in sample:
        if truth["status"] != "ok":
            continue
        coded = truth[variable]
        has = value in coded if isinstance(coded, list) else coded == value
        text = TOPIC.sub("", _text(note))
        seen = any(cue in text for cue in cues)
        assert has == seen, (variable, value, truth, note["title"], note["desc"])


@pytest.mark.parametrize(
    ("months", "wordings"),
    [
        pytest.param(0.5, ("半个月", "两周", "two weeks"), id="half a month"),
        pytest.param(3.0, ("三个月", "3个月", "three months", "3 months"), id="three months"),
        pytest.param(6.0, ("半年", "六个月", "half a year", "6 months"), id="half a year"),
        pytest.param(12.0, ("一年", "a year", "a whole year"), id="a year"),
    ],
)
def test_stated_durations_are_in_the_text(sample, months, wordings):
    hits = [n for n, t in sample if t["relationship_duration"] == months]
    assert hits
    for note in hits:
        assert any(w in note["desc"] for w in wordings), note["desc"]


def test_demo_truth_recovers_the_yielded_truth(sample):
    picked = sample[::37] + [
        row
        for row in sample[:600]
        if row[1]["status"] != "ok" or len(row[1]["source_keywords"]) == 2
    ]
    assert any(t["status"] != "ok" for _, t in picked)
    for note, truth in picked:  # every block position, vanished notes, duplicate rows
        assert demo_truth(note) == truth


@pytest.mark.parametrize(
    "note",
    [
        pytest.param({}, id="no note_id"),
        pytest.param({"note_id": 123}, id="note_id not a string"),
        pytest.param({"note_id": "64b8f5c2000000001c00f2"}, id="too short"),
        pytest.param({"note_id": "64b8f5c2000000001c00f2zz"}, id="not hex"),
        pytest.param({"note_id": "64B8F5C2000000001C00F2A3"}, id="upper-case hex"),
        pytest.param({"note_id": "64b8f5c2000000001c00f2a3"}, id="a real-looking id"),
        pytest.param({"note_id": " 4b8f5c2000000000000002a"}, id="space that int() would accept"),
        pytest.param("not a dict", id="not a dict"),
    ],
)
def test_demo_truth_refuses_notes_it_did_not_make(note):
    with pytest.raises(NotFound, match="note_id"):
        demo_truth(note)


def test_demo_truth_refuses_a_tampered_time_prefix():
    note = next(generate_notes(1, seed=4))
    forged = dict(note, note_id=f"{int(note['note_id'][:8], 16) + 1:08x}" + note["note_id"][8:])
    with pytest.raises(NotFound, match="was not made"):
        demo_truth(forged)


# --------------------------------------------------------------------------- comments


def test_comments_schema_and_threading(sample):
    notes = [n for n, _ in sample[:600]]
    by_id = {n["note_id"]: n for n in notes}
    comments = list(generate_comments(notes, per_note=(0, 4), seed=3))
    assert comments
    ids = {c["comment_id"] for c in comments}
    assert len(ids) == len(comments)
    per_note = Counter(c["note_id"] for c in comments)
    assert max(per_note.values()) <= 4
    for c in comments:
        assert list(c) == COMMENT_KEYS
        assert HEX24.fullmatch(c["comment_id"]) and HEX24.fullmatch(c["user_id"])
        note = by_id[c["note_id"]]
        assert note["time"] <= c["create_time"] < note["last_modify_ts"]
        assert type(c["sub_comment_count"]) is str and type(c["like_count"]) is str
        parent = c["parent_comment_id"]
        if parent == 0:
            assert type(parent) is int  # as MediaCrawler's target_comment.get("id", 0)
        else:
            assert parent in ids
            assert parent != c["comment_id"]
    replies = [c for c in comments if c["parent_comment_id"] != 0]
    assert replies and len(replies) < len(comments) / 2
    assert any(c["user_id"] == by_id[c["note_id"]]["user_id"] for c in replies)  # author answers


def test_comments_are_deterministic_and_skip_repeats_and_vanished_notes(demo_notes):
    a = list(generate_comments(demo_notes, (1, 2), seed=8))
    assert a == list(generate_comments(demo_notes, (1, 2), seed=8))
    vanished = {n["note_id"] for n in demo_notes if not n["desc"]}
    assert len(vanished) == 2
    assert not vanished & {c["note_id"] for c in a}
    assert len({c["note_id"] for c in a}) == 498  # every live note once, duplicates ignored


@pytest.mark.parametrize(
    "per_note",
    [
        pytest.param((3, 1), id="low above high"),
        pytest.param((-1, 2), id="negative"),
        pytest.param((0,), id="one bound"),
        pytest.param((0, 2.5), id="float"),
        pytest.param("0,3", id="string"),
    ],
)
def test_generate_comments_rejects_bad_bounds(per_note):
    with pytest.raises(ValidationError, match="per_note"):
        generate_comments([], per_note=per_note)


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"n": -1}, "n must be", id="negative n"),
        pytest.param({"n": 2.0}, "n must be a whole number", id="float n"),
        pytest.param({"n": True}, "n must be a whole number", id="bool n"),
        pytest.param({"n": 5, "seed": -1}, "seed must be", id="negative seed"),
        pytest.param({"n": 5, "seed": 2**32}, "seed must be", id="seed too large for the id"),
        pytest.param({"n": 5, "seed": "1"}, "seed must be a whole number", id="string seed"),
    ],
)
def test_bad_arguments_fail_at_call_time(kwargs, match):
    for function in (generate_notes, generate_notes_with_truth):
        with pytest.raises(ValidationError, match=match):
            function(**kwargs)  # not only when iterated


# --------------------------------------------------------------------------- files


def test_write_jsonl_writes_utf8_lines_like_mediacrawler(tmp_path):
    notes = list(generate_notes(120, seed=6))
    path = tmp_path / "notes.jsonl"
    assert write_jsonl(notes, path) == len(notes)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM (that is MediaCrawler's CSV)
    text = raw.decode("utf-8")
    assert "搭子" in text and "\\u" not in text  # ensure_ascii=False
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == len(notes) + 1
    assert [json.loads(line) for line in lines[:-1]] == notes
    assert write_jsonl([], tmp_path / "empty.jsonl") == 0
    assert (tmp_path / "empty.jsonl").read_bytes() == b""


def test_parallel_writing_gives_the_same_bytes(tmp_path):
    n = 2 * syn._CHUNK + 130  # three tasks, the last one partial
    one = write_jsonl(generate_notes(n, seed=12), tmp_path / "one.jsonl")
    two = write_notes_jsonl(n, tmp_path / "two.jsonl", seed=12, jobs=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert one == two > n


def test_shipped_demo_files_regenerate_byte_for_byte(tmp_path):
    notes_path, comments_path = write_demo_corpus(tmp_path)
    assert notes_path.read_bytes() == DEMO_NOTES_PATH.read_bytes()
    assert comments_path.read_bytes() == DEMO_COMMENTS_PATH.read_bytes()


def test_shipped_demo_files_hold_what_the_readme_says(demo_notes, demo_comments):
    assert len(demo_notes) == 505 and len(demo_comments) == 480
    ids = Counter(n["note_id"] for n in demo_notes)
    assert len(ids) == 500
    twice = [i for i, k in ids.items() if k == 2]
    assert len(twice) == 5
    for note_id in twice:
        first, second = (n for n in demo_notes if n["note_id"] == note_id)
        assert first["source_keyword"] != second["source_keyword"]
        assert first["last_modify_ts"] < second["last_modify_ts"]
        assert first["xsec_token"] != second["xsec_token"]
        assert (first["title"], first["desc"]) == (second["title"], second["desc"])
    assert sum(c["parent_comment_id"] != 0 for c in demo_comments) == 48
    assert {c["note_id"] for c in demo_comments} <= set(ids)
    truths = demo_truths()
    assert set(truths) == set(ids)
    statuses = Counter(t["status"] for t in truths.values())
    assert statuses == {"ok": 498, "deleted": 1, "unavailable": 1}
    (unavailable,) = [n for n in demo_notes if truths[n["note_id"]]["status"] == "unavailable"]
    assert unavailable["title"] == "当前笔记暂时无法浏览" and unavailable["desc"] == ""


def test_shipped_demo_holds_one_of_each_hostile_text(demo_notes):
    first = {n["note_id"]: n for n in demo_notes}.values()  # one row per note
    script = [n for n in first if "<script>alert(1)</script>" in n["desc"]]
    formula = [n for n in first if n["desc"].startswith("=HYPERLINK(")]
    markdown = [n for n in first if re.search(r"\*\*.+\*\*.*\]\(http://example\.com\)", n["desc"])]
    assert (len(script), len(formula), len(markdown)) == (1, 1, 1)
    truths = demo_truths()
    assert [truths[n[0]["note_id"]]["hostile"] for n in (script, formula, markdown)] == [
        "script", "formula", "markdown",
    ]  # fmt: skip


# --------------------------------------------------------------------------- CLI and speed


def test_make_corpus_cli(tmp_path):
    out, comments = tmp_path / "n.jsonl", tmp_path / "c.jsonl"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "250", str(out),
           "--seed", "3", "--comments", str(comments), "--jobs", "1"]  # fmt: skip
    result = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    expected = list(generate_notes(250, seed=3))
    assert out.read_text(encoding="utf-8").splitlines() == [
        json.dumps(n, ensure_ascii=False) for n in expected
    ]
    assert f"wrote {len(expected)} rows (250 notes + {len(expected) - 250}" in result.stdout
    assert comments.stat().st_size > 0

    bad = subprocess.run(
        cmd[:2] + ["lots", str(out)], check=False, capture_output=True, text=True, cwd=ROOT
    )
    assert bad.returncode == 2 and "expected a whole number, got 'lots'" in bad.stderr


def test_generation_is_fast():
    # 100,000 notes in a few seconds on a quiet machine; asserted loosely (a tenth of
    # that, at least 2,000 notes a second) because CI shares two cores.
    t = time.process_time()
    count = sum(1 for _ in generate_notes(10_000, seed=1))
    seconds = time.process_time() - t
    assert count == 10_100
    assert seconds < 5.0, f"{10_000 / seconds:,.0f} notes/s"


@pytest.mark.slow
def test_writing_100k_notes_is_quick(tmp_path):
    t = time.perf_counter()
    rows = write_jsonl(generate_notes(100_000, seed=1), tmp_path / "n.jsonl")
    seconds = time.perf_counter() - t
    print(f"100,000 notes written in {seconds:.1f} s")
    assert rows == 101_000
    assert seconds < 60  # about 20 s on a busy 2-core machine
