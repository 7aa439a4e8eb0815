"""Tests for corpus.pseudonyms: stable salted pseudonyms for authors and @mentions."""

from __future__ import annotations

import copy
import hashlib
import hmac
import re

import pytest

from corpus.presets import PRESETS
from corpus.pseudonyms import PERSONAL_FIELDS, pseudonym, pseudonymize_comment, pseudonymize_post
from tests.data.exports import make_fixtures as fx

SALT = "project-secret"
PSEUDONYM = re.compile(r"user_[0-9a-f]{12}")


@pytest.fixture
def post() -> dict:
    return PRESETS["mediacrawler-xhs-notes"].convert(dict(fx.XHS_NOTES[1]))


def test_pseudonym_is_hmac_sha256_by_hand():
    expected = hmac.new(b"s", b"weibo\x1fid\x1f123", hashlib.sha256).hexdigest()[:12]
    assert pseudonym("weibo", "123", "s") == "user_" + expected


def test_pseudonym_separates_platforms_kinds_and_salts():
    a = pseudonym("weibo", "123", SALT)
    assert a == pseudonym("weibo", "123", SALT)
    assert a != pseudonym("douyin", "123", SALT)
    assert a != pseudonym("weibo", "123", SALT, kind="name")
    assert a != pseudonym("weibo", "123", "another project")


def test_post_author_and_mentions_are_replaced(post):
    original = copy.deepcopy(post)
    out = pseudonymize_post(post, SALT)
    author = pseudonym("xiaohongshu", "5f0e1d2c3b4a596877665545", SALT)
    assert out["author_id"] == out["author_name"] == author
    amy = pseudonym("xiaohongshu", "Amy_Li", SALT, kind="name")
    assert out["mentions"] == [amy]
    assert out["text"] == original["text"].replace("@Amy_Li", "@" + amy)
    assert "Amy_Li" not in out["text"] and "Amy考研版" not in str(out)
    assert out["url"] is None
    assert post == original  # the input is not changed


def test_stable_across_calls_and_different_salts_differ(post):
    first = pseudonymize_post(post, SALT)
    again = pseudonymize_post(post, SALT)
    other = pseudonymize_post(post, "other salt")
    assert first == again
    assert first["author_id"] != other["author_id"]
    assert first["mentions"] != other["mentions"]


def test_same_name_same_pseudonym_across_posts_and_comments(post):
    out = pseudonymize_post(post, SALT)
    comment = PRESETS["mediacrawler-xhs-comments"].convert(
        dict(fx.XHS_COMMENTS[0], content="@Amy_Li 加油")
    )
    c = pseudonymize_comment(comment, SALT)
    assert c["text"] == "@" + out["mentions"][0] + " 加油"


def test_names_mapping_ties_mentions_to_author_ids(post):
    # 干饭人小王 writes note 0 (author id ...544); note 1 mentions nobody by that name,
    # so build a post that does.
    mentioning = dict(post, text="谢谢 @干饭人小王", mentions=["干饭人小王"])
    names = {"干饭人小王": "5f0e1d2c3b4a596877665544"}
    out = pseudonymize_post(mentioning, SALT, names=names)
    author_of_note0 = pseudonymize_post(
        PRESETS["mediacrawler-xhs-notes"].convert(dict(fx.XHS_NOTES[0])), SALT
    )
    assert out["mentions"] == [author_of_note0["author_id"]]
    assert out["text"] == "谢谢 @" + author_of_note0["author_id"]


def test_raw_loses_personal_fields_and_mentions(post):
    out = pseudonymize_post(post, SALT)
    raw = out["raw"]
    for key in ("user_id", "nickname", "avatar", "note_url", "xsec_token"):
        assert key not in raw
    assert "Amy_Li" not in raw["desc"] and raw["desc"] == out["text"]
    assert raw["liked_count"] == "10万+"  # the rest is kept
    assert post["raw"]["nickname"] == "Amy考研版"  # the original record is untouched


def test_nested_raw_of_x_tweets_is_cleaned():
    preset = PRESETS["x-api-v2-pages"]
    tweet = preset.convert(next(iter(preset.expand(fx.X_PAGE))))
    out = pseudonymize_post(tweet, SALT)
    text = str(out["raw"])
    assert "buddy_a" not in text and "buddy_b" not in text and "Buddy A" not in text
    assert out["author_name"] == pseudonym("x", "111", SALT)


def test_author_without_id_is_keyed_on_the_name():
    post = {
        "platform": "weibo",
        "author_id": None,
        "author_name": "搭子研究所",
        "title": None,
        "text": "",
        "mentions": [],
        "url": None,
        "raw": {},
    }
    out = pseudonymize_post(post, SALT)
    assert (
        out["author_id"]
        == out["author_name"]
        == pseudonym("weibo", "搭子研究所", SALT, kind="name")
    )


def test_no_author_stays_none_and_url_can_be_kept(post):
    anon = dict(post, author_id=None, author_name=None)
    out = pseudonymize_post(anon, SALT, keep_url=True)
    assert out["author_id"] is None and out["author_name"] is None
    assert out["url"] == post["url"]


def test_every_pseudonym_has_the_documented_shape(post):
    out = pseudonymize_post(post, SALT)
    assert PSEUDONYM.fullmatch(out["author_id"])
    assert all(PSEUDONYM.fullmatch(m) for m in out["mentions"])


@pytest.mark.parametrize("salt", [pytest.param("", id="empty"), pytest.param(None, id="None")])
def test_a_salt_is_required(post, salt):
    with pytest.raises(ValueError, match="salt"):
        pseudonymize_post(post, salt)


def test_personal_fields_cover_every_preset_author_column():
    for column in (
        "user_id",
        "nickname",
        "avatar",
        "creator_hash",
        "sec_uid",
        "profile_url",
        "用户id",
        "昵称",
        "头像url",
        "用户昵称",
        "author",
        "author_fullname",
        "author_id",
        "author.username",
    ):
        assert column in PERSONAL_FIELDS
