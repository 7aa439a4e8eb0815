"""The reliability report: its numbers against a hand computation, its HTML, charts and PDF.

Ten posts coded by two coders, worked out by hand (Krippendorff 2011,
"Computing Krippendorff's Alpha-Reliability", nominal data, no missing values):

    kind, coder a: meal meal meal meal meal travel travel travel travel travel
    kind, coder b: meal meal meal meal travel travel travel travel travel meal

Coincidences: o(meal, meal) = 8, o(travel, travel) = 8, o(meal, travel) =
o(travel, meal) = 2; n_meal = n_travel = 10, n = 20.  D_o = 4/20 = 0.2,
D_e = 2 * 10 * 10 / (20 * 19) = 0.526316, alpha = 1 - D_o / D_e = 0.62.
Percent agreement 8/10; Cohen's kappa (0.8 - 0.5) / (1 - 0.5) = 0.6.
Markers: both coders chose [seeking] on posts 1-5 and [city] on 6-10, so
alpha = 1 (perfect agreement with variation).
"""

from __future__ import annotations

import html as htmllib
import math
import re
from pathlib import Path

import pytest

from coding.assignments import assign, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from corpus.code_terms import keyword_evaluation
from corpus.sampling import draw_sample
from dazi.errors import NotFound
from dazi.projects import get_project
from reports import charts
from reports.charts import ChartItem, alpha_chart, cjk_font
from reports.methods import coefficient
from reports.report import reliability_report, render_html, write_pdf, write_report
from tests.conftest import copy_demo, make_posts, unavailable

ARTIFACTS = Path(__file__).parent / "artifacts"
CODEBOOK = {
    "name": "report test", "version": 1,
    "variables": [
        {"id": "kind", "label": {"en": "Kind", "zh": "搭子类型"}, "type": "single", "codes": [
            {"id": "meal", "label": {"en": "Meal", "zh": "饭搭子"}},
            {"id": "travel", "label": {"en": "Travel <b>bold</b>", "zh": "旅行搭子"}}]},
        {"id": "markers", "label": {"en": "Markers", "zh": "寻找标记"}, "type": "multi", "codes": [
            {"id": "seeking", "label": {"en": "Seeking", "zh": "找搭子"}},
            {"id": "city", "label": {"en": "City", "zh": "同城"}}]},
    ],
}
A = ["meal"] * 5 + ["travel"] * 5
B = ["meal"] * 4 + ["travel"] * 5 + ["meal"]


def _rate(db, project) -> None:
    make_posts(db, project, 30)
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "main", size=20, seed=1)
    assign(db, project, "main", ["a", "b"], overlap=10, seed=1)
    overlap = overlap_post_pks(db, project)
    for name, kinds in (("a", A), ("b", B)):
        coder = get_coder(db, project, name)
        for i, (pk, kind) in enumerate(zip(overlap, kinds)):
            save_coding(db, project, coder, pk, {"kind": kind, "markers": ["seeking"] if i < 5 else ["city"]},
                        memo="<script>alert(1)</script>" if i == 0 else None)


@pytest.fixture
def rated(db, project, monkeypatch):
    """The scenario on each database backend."""
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
    _rate(db, project)
    return project


@pytest.fixture(scope="module")
def sqlite_rated(tmp_path_factory):
    """The scenario once, on SQLite, for the tests of the page itself."""
    from dazi.db import connect
    from dazi.projects import create_project

    database = connect(tmp_path_factory.mktemp("report") / "r.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
        project = create_project(database, "default")
        _rate(database, project)
    yield database, project
    database.close()


@pytest.fixture(scope="module")
def report(sqlite_rated):
    return reliability_report(*sqlite_rated, bootstrap=500, seed=1)


def test_numbers_against_the_hand_computation(db, rated):
    report = reliability_report(db, rated, bootstrap=500, seed=1)
    kind, markers = report.rows("en")
    assert kind["alpha"] == pytest.approx(0.62)
    assert kind["percent_agreement"] == pytest.approx(0.8)
    assert kind["cohen_kappa"] == pytest.approx(0.6)
    assert kind["status"] == "low" and kind["n_units"] == 10
    assert kind["ci_low"] < 0.62 < kind["ci_high"]
    assert markers["alpha"] == pytest.approx(1.0) and markers["status"] == "ok"
    pair = report.pairs[report.pairs["variable"] == "kind"].iloc[0]
    assert (pair["coder_a"], pair["coder_b"], pair["n_units"]) == ("a", "b", 10)
    assert pair["krippendorff_alpha"] == pytest.approx(0.62)
    assert report.pairs[report.pairs["variable"] == "markers"]["n_units"].item() == 10  # posts, not post-codes
    design = report.design
    assert (design.n_units, design.n_sample, design.n_overlap, design.coders) == (10, 20, 10, ["a", "b"])
    assert design.versions_used == [1] and design.bootstrap == 500
    assert len(report.disagreements) == 2  # posts 5 and 10 on kind


def test_report_reads_the_double_coded_subset_with_the_cores_results(sqlite_rated):
    """The report reads only double-coded posts, yet gives exactly project_reliability's numbers."""
    from coding.codebook_store import current_codebook
    from coding.project_reliability import project_codings, project_reliability
    from reports.report import _reliability_codings, _results

    db, project = sqlite_rated
    subset = _reliability_codings(db, project)
    expected = project_codings(db, project)
    assert subset.to_dict("records") == expected.to_dict("records")
    codebook = current_codebook(db, project).codebook
    ours = _results(subset, codebook, ["kind", "markers"], 200, 3)
    core = project_reliability(db, project, bootstrap=200, seed=3)
    assert [r.to_dict() for r in ours] == [r.to_dict() for r in core]


def test_methods_paragraph_in_english_and_chinese(report):
    en = report.methods("en")
    assert en.startswith("Two coders independently coded a random subsample of 10 of the 20 posts (50.0%), "
                         "using version 1 of the codebook \u201creport test\u201d.")
    assert "nominal for 2 variables" in en and "the one multi-select variable was coded as the presence" in en
    assert "95% confidence intervals were obtained from 500 bootstrap resamples" in en
    assert "Alpha ranged from .620 (Kind) to 1.000 (Markers), with a median of .810" in en
    assert "percent agreement ranged from 80.0% to 100.0%" in en
    assert "One variable reached the customary .800 threshold" in en
    assert "Kind fell below .667 and should not be relied on" in en
    zh = report.methods("zh")
    assert zh.startswith("两名编码员从样本的 20 篇帖子中随机抽取 10 篇（50.0%）进行独立编码")
    assert "α 介于 .620（搭子类型）与 1.000（寻找标记）之间" in zh and "搭子类型低于 .667" in zh


def test_html_is_self_contained_and_inert(report):
    html = render_html(report, lang="en")
    assert "default-src 'none'" in html  # Content-Security-Policy: nothing loads, nothing runs
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "Travel &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert html.count('src="data:image/svg+xml;base64,') == 2  # per variable, and per code of markers
    assert ".620<span class=\"mark\" title=\"below .667\">‡</span>" in html
    kind = report.rows("en")[0]
    assert f"[{coefficient(kind['ci_low'])}, {coefficient(kind['ci_high'])}]" in html
    assert "Two coders independently coded" in html and "两名编码员" in html
    zh = render_html(report, lang="zh")
    assert "搭子类型" in zh and "饭搭子" in zh


def test_per_coder_table(report):
    """Each coder: 10 reliability posts, the 2 disagreements on kind, mean agreement over kind and markers."""
    a, b = report.coder_rows("en")
    assert (a["coder"], a["posts"], a["disagreements"]) == ("a", 10, 2) and b["posts"] == 10
    assert a["percent_agreement"] == pytest.approx((0.8 + 1.0) / 2)
    assert a["cohen_kappa"] == pytest.approx((0.6 + 1.0) / 2)
    assert a["krippendorff_alpha"] == pytest.approx((0.62 + 1.0) / 2) and a["lowest"] == "Kind"
    html = render_html(report, lang="en")
    table = html[html.index('id="coders-table"'):html.index('id="pairs-table"')]
    assert "<td>90.0%</td>" in table and "<td>.810</td>" in table


def test_report_neutralises_formula_like_text_in_the_appendix(report):
    """A reviewer may paste the appendix into a spreadsheet: coders' text must not become a formula."""
    import dataclasses

    from coding.adjudication import CoderValue, Disagreement

    hostile = Disagreement(1, "+8613800000000", "xiaohongshu", "kind",
                           (CoderValue("a", "=HYPERLINK(\"http://x\")"), CoderValue("b", "meal")))
    html = render_html(dataclasses.replace(report, disagreements=[hostile]), lang="en")
    appendix = html[html.index('id="disagreements"'):]
    assert "&#39;=HYPERLINK" in appendix and "&#39;+8613800000000" in appendix
    assert ">=HYPERLINK" not in appendix


def test_charts_render_chinese_labels_with_a_cjk_font():
    if cjk_font() is None:
        unavailable("no CJK font on this machine (Debian: apt-get install fonts-noto-cjk)")
    chart = alpha_chart([ChartItem("搭子类型", 0.62, 0.4, 0.8), ChartItem("寻找标记", 1.0, 1.0, 1.0),
                         ChartItem("未定义", None)])
    assert chart.font == cjk_font()
    assert chart.missing_glyphs == [] and chart.fallback is None
    assert chart.labels == ["搭子类型", "寻找标记", "未定义"]
    assert chart.svg.startswith("<?xml") and "<text" not in chart.svg  # glyphs are outlines


def test_charts_fall_back_to_english_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    chart = alpha_chart([ChartItem("搭子类型", 0.62, fallback_label="Kind")])
    assert chart.labels == ["Kind"] and "no font with Chinese glyphs" in chart.fallback
    assert chart.missing_glyphs == []


def test_pdf_needs_a_converter(report, tmp_path, monkeypatch):
    html = write_report(report, tmp_path / "r.html")
    monkeypatch.setattr("reports.report.pdf_converter", lambda: None)
    with pytest.raises(NotFound, match="No PDF converter") as info:
        write_pdf(html, tmp_path / "r.pdf")
    assert "print it to PDF" in info.value.hint


@pytest.mark.browser
def test_report_in_a_real_browser(report, tmp_path):
    """Render the report in Debian's chromium, keep a screenshot, and read the numbers off the page."""
    from playwright.sync_api import sync_playwright

    html = write_report(report, tmp_path / "report.html", lang="zh")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(html.as_uri())
        page.screenshot(path=str(ARTIFACTS / "reliability_report.png"), full_page=True)
        text = page.inner_text("body")
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        browser.close()
    assert ".620" in text and "1.000" in text and "搭子类型" in text and "寻找标记" in text
    assert "两名编码员从样本的 20 篇帖子中随机抽取 10 篇" in text
    assert len(widths) == 2 and all(w > 0 for w in widths)


@pytest.mark.browser
def test_pdf_with_chromium(report, tmp_path):
    html = write_report(report, tmp_path / "r.html")
    pdf = write_pdf(html, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_project_with_nothing_double_coded_says_so(db, project, tmp_path):
    make_posts(db, project, 3)
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    empty = reliability_report(db, project, bootstrap=100)
    assert empty.results == [] and empty.design.n_units == 0 and empty.pairs.empty
    assert empty.methods("en").startswith("No post has yet been coded independently by two or more coders")
    html = render_html(empty)
    assert "no post has been finished by two or more coders yet" in html
    from reports.exports import export_bytes

    workbook = export_bytes(db, project, ".xlsx", bootstrap=100)
    assert workbook.startswith(b"PK")
    with pytest.raises(NotFound, match='no variable "kidn"'):
        reliability_report(db, project, variables=["kidn"])


# --------------------------------------------------------------------------
# Keyword suggestions against the final coding (issue #6): the page must carry
# corpus.code_terms.keyword_evaluation's figures exactly (that function is
# checked in tests/test_suggest.py and tests/test_text_cli.py).
# --------------------------------------------------------------------------

_ROW = re.compile(r'<tr data-code="([^"]*)"[^>]*>(.*?)</tr>', re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _table(page: str, variable: str) -> dict[str, list[str]]:
    """``{code: [precision, recall, f1, support, suggested]}`` of a variable's keyword table."""
    match = re.search(rf'<table class="keywords" id="keywords-{re.escape(variable)}">(.*?)</table>', page, re.S)
    assert match, f"no keyword table for {variable}"
    return {htmllib.unescape(code): [c.strip() for c in _CELL.findall(row)[1:]]
            for code, row in _ROW.findall(match.group(1))}


def _number(cell: str) -> float:
    return math.nan if cell == "–" else float(cell.replace(",", ""))


def _same(cells: list[str], score) -> None:
    for cell, value in zip(cells[:3], (score.precision, score.recall, score.f1)):
        if math.isnan(value):
            assert cell == "–"
        else:
            assert _number(cell) == pytest.approx(round(value, 3), abs=1e-9)
    assert [int(_number(c)) for c in cells[3:]] == [score.support, score.suggested]


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_template):
    from dazi.db import connect

    db = connect(copy_demo(demo_template, tmp_path_factory.mktemp("demo")))
    project = get_project(db)
    yield db, project, reliability_report(db, project, bootstrap=0)
    db.engine.dispose()


def test_demo_tables_equal_keyword_evaluation(demo):
    db, project, report = demo
    page = render_html(report, lang="zh")
    assert '<h2 id="keywords">' in page and "关键词建议与最终编码对比" in page
    assert page.index('id="methods"') < page.index('id="keywords"') < page.index('id="appendix"')
    scored = [k for k in report.keywords if k.evaluation is not None]
    assert any(k.variable == "interest_category" for k in scored)
    for part in scored:
        expected = keyword_evaluation(db, project, part.variable)
        table = _table(page, part.variable)
        assert list(table) == [str(c) for c in expected.scores] + ["(all codes)"]
        for code, score in expected.scores.items():
            _same(table[str(code)], score)
        _same(table["(all codes)"], expected.micro)
        assert f"{expected.n_posts:,} coded posts compared" in page


def test_demo_reading_names_the_codes_keywords_catch_and_miss(demo):
    db, project, report = demo
    page = render_html(report, lang="en")
    assert "关键词建议与最终编码对比" not in page  # Chinese heading only in the Chinese report
    part = next(k for k in report.keywords if k.variable == "interest_category")
    variable = report.codebook.variable("interest_category")
    reading = re.search(r'id="keywords-interest_category">.*?</table>\s*<p class="reading">(.*?)</p>', page, re.S)
    sentence = htmllib.unescape(reading.group(1))
    good = [s for s in part.evaluation.scores.values() if s.support and s.f1 >= 0.8]
    poor = [s for s in part.evaluation.scores.values() if s.support and not s.f1 >= 0.5]
    assert good and poor  # the demo has both kinds
    head, _, tail = sentence.partition("human coding was needed for")
    for s in good:
        assert variable.code(s.code).display("en") in head
    for s in poor:
        assert variable.code(s.code).display("en") in tail
    skipped = [k for k in report.keywords if k.evaluation is None]
    for k in skipped:
        assert f"({k.variable}): skipped" in page


def test_no_keywords_note_and_no_tables(db, rated):
    report = reliability_report(db, rated, bootstrap=0)
    assert [(k.variable, k.evaluation) for k in report.keywords] == [("kind", None), ("markers", None)]
    page = render_html(report, lang="zh")
    assert '<h2 id="keywords">' in page and '<table class="keywords"' not in page
    assert "No code in the codebook has keywords" in page
    assert "(kind): skipped, none of its codes has keywords" in page


def test_nothing_coded_omits_the_section(db, project):
    make_posts(db, project, 5)
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    report = reliability_report(db, project, bootstrap=0)
    assert report.keywords == []
    page = render_html(report, lang="zh")
    assert 'id="keywords"' not in page and "</body>" in page


def test_codebook_text_is_escaped_and_numbers_on_both_backends(db, rated):
    book = Codebook.from_dict(CODEBOOK).to_dict()
    kind = book["variables"][0]
    kind["codes"][0]["keywords"] = ["饭搭子"]
    kind["codes"][1]["keywords"] = ["旅行搭子"]
    kind["codes"][1]["label"] = {"en": "<script>alert(1)</script>", "zh": "<img src=x onerror=alert(1)>"}
    save_codebook(db, rated, Codebook.from_dict(book))
    report = reliability_report(db, rated, bootstrap=0)
    page = render_html(report, lang="zh")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    expected = keyword_evaluation(db, rated, "kind")
    table = _table(page, "kind")
    for code, score in expected.scores.items():
        _same(table[str(code)], score)
    _same(table["(all codes)"], expected.micro)
    assert "(markers): skipped" in page
