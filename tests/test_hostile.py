"""Hostile text stays inert: in the HTML reliability report, in a real browser, in every export.

Post text, post ids, author names, codebook labels and definitions, coders'
free text and memos carry ``<script>``, ``<img onerror=...>``, a markdown
``javascript:`` link, a 100,000-character line, a right-to-left override
(U+202E) and zero-width characters; other posts start with what spreadsheet
programs read as a formula (``= + - @``, tab, carriage return).  The posts
come in through the real importer (a MediaCrawler JSONL file) and are coded
by two coders, so that the report has disagreements to list.

- The HTML report, parsed: no ``<script>`` element, no ``on*`` attribute, no
  ``javascript:`` URL, no image but the report's own two charts (inline SVG
  data), and the hostile strings appear literally in its text.
- Chromium, opening the report from ``file://``: no dialog fires, and the
  strings show as text.
- Every export (``.xlsx`` workbook, ``.csv``, ``.sav``, the coding sheet):
  no cell is a formula and no text cell starts with a formula character
  unless prefixed with ``'``; ``.jsonl`` keeps the text exactly.
"""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import openpyxl
import pytest

from coding.assignments import assign, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from coding.sheets import write_coding_sheet
from corpus.importer import import_files
from corpus.sampling import draw_sample
from reports.exports import export_posts
from reports.report import reliability_report, render_html, write_report
from reports.safety import FORMULA_STARTS

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[x](javascript:alert(1))"
RTL = "\u202eevil.exe\u202c"
ZERO_WIDTH = "zero\u200bwidth\u200djoin\ufeffer"
LONG = "长" * 10 + "a" * 100_000
HOSTILE = [SCRIPT, IMG, LINK, RTL, ZERO_WIDTH]
FORMULAS = ["=1+1", '=HYPERLINK("http://example.com","click")', "+8613800000000", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]

CODEBOOK = {
    "name": f"Hostile {SCRIPT}", "version": 1,
    "description": f"{IMG} {LINK}",
    "variables": [
        {"id": "kind", "label": {"en": f"Kind {IMG}", "zh": f"类型 {LINK}"}, "type": "single",
         "instruction": SCRIPT, "codes": [
             {"id": "meal", "label": {"en": f"Meal {SCRIPT}", "zh": f"饭搭子 {SCRIPT}"}, "definition": LONG},
             {"id": "travel", "label": {"en": f"Travel {RTL}", "zh": f"旅行 {ZERO_WIDTH}"}},
             {"id": "formula", "label": {"en": "=1+1", "zh": "=1+1"}}]},
        {"id": "markers", "label": {"en": f"Markers {LINK}", "zh": "标记"}, "type": "multi", "codes": [
            {"id": "seeking", "label": {"en": IMG, "zh": IMG}},
            {"id": "city", "label": {"en": "@city", "zh": "@同城"}}]},
        {"id": "note", "label": {"en": "Note", "zh": "备注"}, "type": "text", "required": False},
    ],
}


def _note(i: int, text: str, title: str | None = None, note_id: str | None = None) -> dict:
    return {"note_id": note_id or f"65a1b2c3d4e5f607182930{i:02d}", "type": "normal", "title": title or "",
            "desc": text, "time": 1703323974000 + i * 60_000, "user_id": f"u{i}",
            "nickname": HOSTILE[i % len(HOSTILE)], "liked_count": "1.2万", "collected_count": "10",
            "comment_count": "3", "share_count": "1", "ip_location": RTL, "tag_list": "", "note_url": LINK,
            "source_keyword": "找搭子"}


NOTES = (
    [_note(i, text, title=text) for i, text in enumerate(HOSTILE)]
    + [_note(10 + i, text, title=text) for i, text in enumerate(FORMULAS)]
    + [_note(20, LONG), _note(21, "ids too", note_id=SCRIPT), _note(22, "and this", note_id="=1+1")]
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The study on SQLite: imported, coded by a and b with disagreements, hostile memos and notes."""
    from dazi.db import connect
    from dazi.projects import create_project

    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "notes.jsonl"
    path.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in NOTES), encoding="utf-8")
    db = connect(folder / "h.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
        project = create_project(db, "hostile")
        import_files(db, project, [path], workers=0)
        save_codebook(db, project, Codebook.from_dict(CODEBOOK))
        for name in ("a", "b"):
            add_coder(db, project, name, passcode="1234")
        draw_sample(db, project, "main", size=len(NOTES), seed=1)
        assign(db, project, "main", ["a", "b"], overlap=len(NOTES), seed=1)
        hostile_texts = HOSTILE + FORMULAS + [LONG]
        for name in ("a", "b"):
            coder = get_coder(db, project, name)
            for i, pk in enumerate(overlap_post_pks(db, project)):
                kind = ["meal", "travel", "formula"][(i + (name == "b") * (i % 2)) % 3]
                save_coding(db, project, coder, pk,
                            {"kind": kind, "markers": ["seeking"] if i % 2 else ["city"],
                             "note": hostile_texts[(i + (name == "b")) % len(hostile_texts)]},
                            memo=hostile_texts[i % len(hostile_texts)], done=True)
    yield db, project, folder
    db.close()


@pytest.fixture(scope="module")
def report(hostile):
    db, project, _ = hostile
    return reliability_report(db, project, bootstrap=200, seed=1)


# ---------------------------------------------------------------------------
# the HTML report
# ---------------------------------------------------------------------------


class _Page(HTMLParser):
    """Tags, attributes and text of an HTML page, as a browser's parser tokenises them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "background")


def _inert(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    names = [tag for tag, _ in page.tags]
    for tag in ("script", "iframe", "object", "embed", "form", "base", "link", "svg", "math", "a"):
        assert tag not in names, f"<{tag}> in the report"
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}=...> in the report"
            if name in _URL_ATTRIBUTES and value is not None:
                cleaned = "".join(value.split()).lower()
                assert not cleaned.startswith(("javascript:", "vbscript:")), value
                if tag == "img":
                    assert value.startswith("data:image/svg+xml;base64,"), value[:60]
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            raise AssertionError("a meta refresh in the report")
    return page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_html_is_inert_and_shows_the_text_literally(hostile, report, lang):
    html = render_html(report, lang=lang)
    page = _inert(html)
    assert sum(tag == "img" for tag, _ in page.tags) == 2  # the report's own charts, nothing else
    text = "".join(page.text)
    # the codebook's name and labels, and post ids in the disagreements appendix, as typed
    assert f"Hostile {SCRIPT}" in text
    label = f"Kind {IMG}" if lang == "en" else f"类型 {LINK}"
    assert label in text
    assert SCRIPT in text and "<script" not in html.lower()
    assert "onerror=alert(1)>" in text and "onerror" not in "".join(str(a) for _, a in page.tags)
    assert (f"Travel {RTL}" if lang == "en" else f"旅行 {ZERO_WIDTH}") in text


@pytest.mark.browser
def test_report_in_chromium_fires_no_dialog_and_shows_text_literally(hostile, report, tmp_path):
    """Open the report from file:// in Chromium: no alert, no navigation, the strings shown as text."""
    from playwright.sync_api import sync_playwright

    from tests.app_browser import launch

    path = write_report(report, tmp_path / "report.html", lang="en")
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            for cell in page.query_selector_all("td.text")[:20]:
                cell.hover(timeout=1000, force=True)  # onmouseover handlers, were there any
            page.wait_for_timeout(300)
            text = page.inner_text("body")
            scripts = page.evaluate("document.scripts.length")
            handlers = page.evaluate("""Array.from(document.querySelectorAll('*')).flatMap(
                e => Array.from(e.attributes).map(a => a.name).filter(n => n.startsWith('on')))""")
            links = page.evaluate("document.links.length")
            images = page.evaluate("Array.from(document.images).map(i => i.src.slice(0, 26))")
            url = page.url
        finally:
            browser.close()
    assert dialogs == []
    assert scripts == 0 and handlers == [] and links == 0
    assert images == ["data:image/svg+xml;base64,"] * 2
    assert url == path.as_uri()
    assert f"Hostile {SCRIPT}" in text and f"Kind {IMG}" in text


# ---------------------------------------------------------------------------
# exports
# ---------------------------------------------------------------------------


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def test_xlsx_export_has_no_formulas(hostile, tmp_path):
    db, project, _ = hostile
    path = tmp_path / "export.xlsx"
    export_posts(db, project, path, bootstrap=100)
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    assert not _formula_like(cell.value) or cell.quotePrefix, \
                        f"{ws.title}!{cell.coordinate} would be read as a formula: {cell.value[:40]!r}"
                    assert len(cell.value) <= 32_767, f"{ws.title}!{cell.coordinate} is longer than Excel allows"
    assert any(SCRIPT in v for v in seen) and any(RTL in v for v in seen) and any(ZERO_WIDTH in v for v in seen)


def test_csv_export_neutralises_formulas(hostile, tmp_path):
    db, project, _ = hostile
    path = tmp_path / "export.csv"
    export_posts(db, project, path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    cells = [c for row in rows for c in row]
    bad = [c[:40] for c in cells if _formula_like(c)]
    assert bad == [], f"cells a spreadsheet reads as formulas: {bad}"
    assert "'=1+1" in cells and "'\t=1+1" in cells and "'@SUM(A1:A2)" in cells
    assert SCRIPT in cells and LINK in cells and any(LONG in c for c in cells)


@pytest.fixture(scope="module")
def sav(hostile, tmp_path_factory):
    pyreadstat = pytest.importorskip("pyreadstat")
    db, project, _ = hostile
    path = tmp_path_factory.mktemp("sav") / "export.sav"
    export_posts(db, project, path)
    return pyreadstat.read_sav(str(path))


def test_sav_export_neutralises_formulas(sav):
    frame, _ = sav
    strings = [v for column in frame.columns for v in frame[column] if isinstance(v, str) and v]
    bad = [v[:40] for v in strings if _formula_like(v)]
    assert bad == [], f"string values a spreadsheet reads as formulas: {bad}"
    assert SCRIPT in strings and "'=1+1" in strings


def test_sav_value_labels_neutralise_formulas(sav):
    _, meta = sav
    labels = [label for mapping in meta.variable_value_labels.values() for label in mapping.values()]
    assert "饭搭子 " + SCRIPT in labels
    assert [label for label in labels if _formula_like(label)] == [], "value labels that read as formulas"


def test_jsonl_export_keeps_the_text_exactly(hostile, tmp_path):
    """JSON is data, not a spreadsheet: the text comes back exactly as imported."""
    db, project, _ = hostile
    path = tmp_path / "export.jsonl"
    export_posts(db, project, path)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    texts = {r["text"] for r in records}
    # the loaders fold CR and CRLF into LF (corpus.presets._text); nothing else changes
    assert {t.replace("\r", "\n") for t in [*HOSTILE, *FORMULAS, LONG]} <= texts
    assert {r["post_id"] for r in records} >= {SCRIPT, "=1+1"}


def test_coding_sheet_has_no_formulas(hostile, tmp_path):
    db, project, _ = hostile
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, get_coder(db, project, "a"), path)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if _formula_like(cell.value):
                    assert cell.quotePrefix, f"{ws.title}!{cell.coordinate}: {cell.value[:40]!r}"
                if isinstance(cell.value, str):
                    assert len(cell.value) <= 32_767, f"{ws.title}!{cell.coordinate} is longer than Excel allows"
    text = [c.value for row in wb["Coding"].iter_rows() for c in row if isinstance(c.value, str)]
    assert SCRIPT in text and RTL in text and ZERO_WIDTH in text
    assert any(t.startswith(LONG[:1000]) and t.endswith("[truncated]") for t in text)
