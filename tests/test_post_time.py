"""Times as every preset reads them (corpus.parsing.post_time): unit by magnitude, dates in words, range.

Reference values by hand: 1703323974 s is 2023-12-23 09:32:54 UTC (see
test_parsing.py); the same instant is 1703323974000 ms and 1703323974000000 us.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from corpus.importer import import_files
from corpus.loaders import load
from corpus.parsing import SHANGHAI, parse_time, post_time
from corpus.presets import PRESETS, RowError
from corpus.store import get_post
from dazi.errors import InputError, NotFound
from tests.conftest import DATA

UTC = UTC
INSTANT = datetime(2023, 12, 23, 9, 32, 54, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1703323974, id="seconds"),
        pytest.param(1703323974000, id="milliseconds"),
        pytest.param(1703323974000000, id="microseconds"),
        pytest.param("1703323974", id="seconds as text"),
        pytest.param("1703323974000", id="milliseconds as text"),
        pytest.param(1703323974.0, id="seconds as float"),
        pytest.param("2023-12-23T09:32:54Z", id="ISO UTC"),
        pytest.param("2023-12-23 17:32:54", id="Beijing time without offset"),
        pytest.param("2023-12-23 17:32:54+08:00", id="with offset"),
        pytest.param("2023年12月23日 17:32:54", id="Chinese with seconds"),
    ],
)
def test_every_unit_and_format_gives_the_same_instant(value):
    assert post_time(value) == INSTANT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2024年3月5日", datetime(2024, 3, 4, 16, 0, tzinfo=UTC), id="Chinese date"),
        pytest.param("2024年3月5日 12:00", datetime(2024, 3, 5, 4, 0, tzinfo=UTC), id="Chinese date and time"),
        pytest.param("2024-03-05 12:00", datetime(2024, 3, 5, 4, 0, tzinfo=UTC), id="minutes"),
        pytest.param("2024/3/5 12:00", datetime(2024, 3, 5, 4, 0, tzinfo=UTC), id="Excel slashes"),
    ],
)
def test_date_strings(value, expected):
    assert post_time(value) == expected


def test_a_date_without_a_year_is_this_year_or_last():
    now = datetime.now(SHANGHAI)
    past = now - timedelta(days=40)
    got = post_time(f"{past.month}月{past.day}日")
    assert got.astimezone(SHANGHAI).date() == past.date()
    future = now + timedelta(days=40)  # still to come this year: so it was last year's
    got = post_time(f"{future.month:02d}-{future.day:02d} 08:30")
    assert got.astimezone(SHANGHAI).year == future.year - 1
    assert (got.astimezone(SHANGHAI).month, got.astimezone(SHANGHAI).day) == (future.month, future.day)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param(1703323, "1970-01-20", id="seconds too small: 1970"),
        pytest.param(0.5, "1970", id="fraction"),
        pytest.param("1999-12-31 23:00:00+00:00", "before 2000", id="1999"),
        pytest.param(4102444800, "in the future", id="2100 in seconds"),
        pytest.param(4102444800000, "in the future", id="2100 in milliseconds"),
        pytest.param(10**18, "out of range", id="too large for any unit"),
    ],
)
def test_impossible_dates_are_errors_never_1970(value, words):
    with pytest.raises(ValueError, match=words):
        post_time(value)


def test_zero_is_not_set():
    assert post_time(0) is None and post_time("0") is None and post_time("") is None


def test_parse_time_keeps_forced_units():
    assert parse_time(1703323974, "s") == INSTANT
    assert parse_time(1703323974000, "ms") == INSTANT
    assert parse_time(1703323974000000, "us") == INSTANT


# ---------------------------------------------------------------------------
# the two bugs of issue 15, through the presets and the importer
# ---------------------------------------------------------------------------


def _xhs(**changes) -> dict:
    rec = json.loads((DATA / "exports" / "xhs_notes.jsonl").read_text(encoding="utf-8").splitlines()[0])
    rec.update(changes)
    return rec


def test_xhs_time_in_seconds_is_not_1970():
    post = PRESETS["mediacrawler-xhs-notes"].convert(_xhs(time=1703323974))
    assert post["created_at"] == INSTANT  # was 1970-01-20 when read as milliseconds


def test_weibo_create_time_in_milliseconds_is_read():
    rec = {"note_id": "4985", "content": "找搭子", "create_time": 1703323974000, "liked_count": "3",
           "comments_count": "1", "shared_count": "0"}
    assert PRESETS["mediacrawler-weibo-notes"].convert(rec)["created_at"] == INSTANT  # was "out of range"


@pytest.mark.parametrize("preset", sorted(p for p, x in PRESETS.items() if "time" in " ".join(x.columns)))
def test_every_preset_with_a_time_column_refuses_1970(preset):
    p = PRESETS[preset]
    rec = {c: "12" for c in (*p.columns, *p.markers)}
    for c in p.columns:
        if "time" in c:
            rec[c] = "1703323"
    with pytest.raises(RowError, match="before 2000"):
        p.convert(rec)


def test_a_1970_time_is_a_row_error_with_line_and_column(db, project, tmp_path):
    path = tmp_path / "n.jsonl"
    lines = [_xhs(), _xhs(note_id="65a1b2c3d4e5f60718299999", time=1703323)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_files(db, project, [path])
    assert (info.value.location.row, info.value.location.column) == (2, "time")
    assert "1970-01-20" in info.value.describe()
    # with --skip-bad-rows the good line is imported and the bad one listed
    report = import_files(db, project, [path], skip_bad_rows=True, rejects_path=tmp_path / "rejects.csv")
    assert (report.imported, report.rejected) == (1, 1)
    assert get_post(db, project, lines[0]["note_id"])["created_at"] is not None


def test_loader_reads_microseconds_per_value(tmp_path):
    path = tmp_path / "mixed.jsonl"
    rows = [_xhs(note_id=f"65a1b2c3d4e5f6071829{i:04d}", time=t)
            for i, t in enumerate([1703323974, 1703323974000, 1703323974000000])]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    got = [p["created_at"] for b in load(path, workers=0) for p in b.posts]
    assert got == [INSTANT] * 3


# ---------------------------------------------------------------------------
# Relative times ("3天前", "昨天 12:30"): counted back from when the data was collected
# ---------------------------------------------------------------------------

#: Collected 2024-03-05 12:00 Beijing time = 04:00 UTC (worked out by hand below).
SAVED = datetime(2024, 3, 5, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("刚刚", datetime(2024, 3, 5, 4, 0, tzinfo=UTC), id="just now"),
        pytest.param("5分钟前", datetime(2024, 3, 5, 3, 55, tzinfo=UTC), id="minutes"),
        pytest.param("3小时前", datetime(2024, 3, 5, 1, 0, tzinfo=UTC), id="hours"),
        pytest.param("2天前", datetime(2024, 3, 3, 4, 0, tzinfo=UTC), id="days"),
        pytest.param("1周前", datetime(2024, 2, 27, 4, 0, tzinfo=UTC), id="a week"),
        # 昨天 18:30 in Beijing is 2024-03-04 18:30 +08:00 = 10:30 UTC
        pytest.param("昨天 18:30", datetime(2024, 3, 4, 10, 30, tzinfo=UTC), id="yesterday at"),
        # 昨天 alone: the day, at 00:00 Beijing time = 16:00 UTC the day before
        pytest.param("昨天", datetime(2024, 3, 3, 16, 0, tzinfo=UTC), id="yesterday"),
        pytest.param("前天 01:02", datetime(2024, 3, 2, 17, 2, tzinfo=UTC), id="the day before"),
        pytest.param("今天 08:00", datetime(2024, 3, 5, 0, 0, tzinfo=UTC), id="today at"),
        pytest.param("3 days ago", datetime(2024, 3, 2, 4, 0, tzinfo=UTC), id="English days"),
        pytest.param("Yesterday 18:30", datetime(2024, 3, 4, 10, 30, tzinfo=UTC), id="English yesterday"),
        # a date shown without a year falls in the year up to the collection, not up to today
        pytest.param("12-31 10:00", datetime(2023, 12, 31, 2, 0, tzinfo=UTC), id="no year, last year"),
        pytest.param("3月1日", datetime(2024, 2, 29, 16, 0, tzinfo=UTC), id="no year, this year"),
    ],
)
def test_relative_times_count_back_from_the_collection(value, expected):
    assert post_time(value, collected_at=SAVED) == expected


@pytest.mark.parametrize("value", ["3天前", "昨天 12:00", "刚刚", "5 minutes ago"])
def test_a_relative_time_without_a_collection_time_says_what_is_needed(value):
    with pytest.raises(ValueError, match="relative time.*crawled_at column"):
        post_time(value)


def test_mediacrawler_relative_time_counts_back_from_last_modify_ts():
    # last_modify_ts is MediaCrawler's time of writing the record (ms)
    saved_ms = int(SAVED.timestamp() * 1000)
    post = PRESETS["mediacrawler-xhs-notes"].convert(_xhs(time="昨天 18:30", last_modify_ts=saved_ms))
    assert post["created_at"] == datetime(2024, 3, 4, 10, 30, tzinfo=UTC)


def test_a_sheet_with_relative_times_imports_against_its_crawled_at_column(db, project, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "post_id,text,created_at,collected_at\n"
        "a1,找饭搭子,3天前,2024-03-05 12:00\n"
        "a2,找旅行搭子,昨天 18:30,2024-03-05 12:00\n",
        encoding="utf-8",
    )
    import_files(db, project, [path])
    assert get_post(db, project, "a1")["created_at"] == datetime(2024, 3, 2, 4, 0, tzinfo=UTC)
    assert get_post(db, project, "a2")["created_at"] == datetime(2024, 3, 4, 10, 30, tzinfo=UTC)


def test_a_sheet_with_relative_times_and_no_collection_time_is_refused_whole(db, project, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("post_id,text,created_at\na1,找饭搭子,2024-03-01\na2,找旅行搭子,3天前\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_files(db, project, [path])
    assert (info.value.location.row, info.value.location.column) == (3, "created_at")  # line 3 of the file
    assert "crawled_at column" in info.value.describe()
    with pytest.raises(NotFound):  # all or nothing: the good first row is not imported either
        get_post(db, project, "a1")
