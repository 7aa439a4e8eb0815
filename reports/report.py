"""The inter-coder reliability report: one self-contained HTML file (and a PDF of it).

:func:`reliability_report` gathers everything from the project (the design
of the reliability subsample, Krippendorff's alpha and the kappa family per
variable at its level, per-code figures of multi-select variables,
agreement per pair of coders, the disagreements, and how well the
codebook's keywords alone would have coded the posts against the final
coding: precision, recall and F1 per code); :func:`render_html`
turns it into one HTML page a reviewer can open without a network: the
styles are inline, the charts are SVG images embedded as ``data:`` URIs
(glyphs drawn as outlines, so Chinese labels show on any machine), and a
Content-Security-Policy forbids loading or running anything.  Every piece of
codebook or post text goes through Jinja's autoescaping: none of it is ever
active HTML.  :func:`write_pdf` prints the page to PDF with a headless
Chromium (or WeasyPrint) when the machine has one.

Thresholds: alpha >= .800 is customary to rely on a variable; .667 <=
alpha < .800 supports tentative conclusions only (Krippendorff 2019); the
report marks variables below each.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd
from sqlalchemy import func, select

from coding.adjudication import Disagreement, count_final_posts, disagreements, iter_post_codings
from coding.assignments import overlap_post_pks
from coding.codebook import Codebook, Variable, code_label, localize
from coding.codebook_store import current_codebook
from coding.project_reliability import variable_frame, variable_reliability
from coding.reliability import MultiReliability, VariableReliability, pairwise_agreement
from coding.verdicts import MINIMUMS, alpha_verdict
from corpus.sampling import get_sample
from corpus.store import count_posts
from dazi import __version__
from dazi.db import Database
from dazi.errors import DaziError, NotFound, ValidationError
from dazi.files import replacing
from dazi.projects import Project, get_project
from dazi.schema import coders as coder_table
from dazi.schema import codings
from reports.charts import Chart, ChartItem, alpha_chart
from reports.methods import coefficient, methods_paragraph
from reports.safety import neutralize

__all__ = [
    "MINIMUMS",
    "Design",
    "KeywordSection",
    "ReliabilityReport",
    "pdf_converter",
    "reliability_frame",
    "reliability_report",
    "render_html",
    "write_pdf",
    "write_report",
]

_TEMPLATE = "report_template.html"
_APPENDIX_LIMIT = 500
#: F1 from which keywords "catch a code well", and below which human coding was needed.
KEYWORD_GOOD, KEYWORD_POOR = 0.8, 0.5
_STATUS_TEXT = {
    "ok": "≥ .800", "tentative": "< .800 (tentative)", "low": "< .667", "undefined": "undefined",
}
_METHOD_TEXT = {"random": "simple random sample", "stratified": "stratified sample", "purposive": "purposive sample"}


@dataclass
class Design:
    """How the reliability data came about (the report's first section).

    Attributes
    ----------
    project, codebook_name : str
    codebook_version : int
        Current version of the codebook.
    versions_used : list of int
        Codebook versions under which the reliability codings were saved.
    n_units : int
        Posts coded (finished) by two or more coders: the reliability units.
    n_overlap : int
        Posts in the overlap set assigned to several coders.
    n_sample : int or None
        Size of the sample the overlap set was drawn from (None if unknown).
    sample_name, sample_method : str or None
    sample_seed : int or None
    sample_params : dict
    overlap : float or int or None
        The overlap as assigned (a fraction or a number of posts).
    overlap_seed : int or None
    stratify_by : str or None
    coders : list of str
        Coders who coded reliability units.
    first_coded, last_coded : datetime or None
        Earliest and latest saving time of the reliability codings.
    n_posts, n_coded : int
        Posts in the project; posts with a finished coding.
    bootstrap : int
    seed : int or None
    ci_level : float
    """

    project: str
    codebook_name: str
    codebook_version: int
    versions_used: list[int]
    n_units: int
    n_overlap: int
    n_sample: int | None
    sample_name: str | None
    sample_method: str | None
    sample_seed: int | None
    sample_params: dict
    overlap: float | int | None
    overlap_seed: int | None
    stratify_by: str | None
    coders: list[str]
    first_coded: datetime | None
    last_coded: datetime | None
    n_posts: int
    n_coded: int
    bootstrap: int
    seed: int | None
    ci_level: float = 0.95

    def drawn_text(self, lang: str = "en") -> str:
        """How the overlap set was drawn, as an adjective (``random``), or ``""`` when unknown."""
        if self.overlap is None:
            return ""
        if self.stratify_by:
            return f"按 {self.stratify_by} 分层随机" if lang.startswith("zh") else f"stratified random (by {self.stratify_by})"
        return "随机" if lang.startswith("zh") else "random"

    def sentences(self) -> list[str]:
        """The design in plain English sentences, for the report."""
        out = []
        if self.sample_name:
            method = _METHOD_TEXT.get(self.sample_method or "", self.sample_method or "sample")
            seed = f", seed {self.sample_seed}" if self.sample_seed is not None else ""
            out.append(f"Sample \u201c{self.sample_name}\u201d: a {method} of {self.n_sample:,} posts "
                       f"(of {self.n_posts:,} in the project{seed}).")
        if self.overlap is not None:
            how = f"stratified by {self.stratify_by}" if self.stratify_by else "drawn at random"
            seed = f" with seed {self.overlap_seed}" if self.overlap_seed is not None else ""
            out.append(f"Reliability subsample (overlap set): {self.n_overlap:,} posts of the sample, {how}{seed}, "
                       f"assigned to every coder; the rest of the sample was split between the coders.")
        else:
            out.append("No assignment is recorded: the reliability units are the posts that happen to have been "
                       "coded by two or more coders.")
        out.append(f"Reliability units: {self.n_units:,} posts finished by two or more coders "
                   f"({', '.join(self.coders) or 'none'}).")
        versions = ", ".join(map(str, self.versions_used)) or "–"
        out.append(f"Codebook \u201c{self.codebook_name}\u201d, current version {self.codebook_version}; "
                   f"reliability codings saved under version(s) {versions}.")
        if self.first_coded and self.last_coded:
            out.append(f"Coded between {self.first_coded:%Y-%m-%d} and {self.last_coded:%Y-%m-%d} (UTC).")
        if self.bootstrap:
            seed = f", seed {self.seed}" if self.seed is not None else ""
            out.append(f"Confidence intervals: {round(self.ci_level * 100)}% percentile intervals from "
                       f"{self.bootstrap:,} bootstrap resamples (Hayes & Krippendorff 2007{seed}); q is the share "
                       f"of resamples with alpha below the minimum.")
        return out


@dataclass
class KeywordSection:
    """How well one variable's codebook keywords alone would have coded the posts.

    ``evaluation`` is :class:`corpus.suggest.KeywordEvaluation` (precision,
    recall and F1 per code against the final coding), or None when the
    variable was skipped; ``note`` then says why (no keywords, say).
    """

    variable: str
    evaluation: Any = None
    note: str = ""


@dataclass
class ReliabilityReport:
    """Everything the reliability report shows; build it with :func:`reliability_report`.

    Attributes
    ----------
    design : Design
    codebook : Codebook
    results : list of VariableReliability or MultiReliability
        One per variable, in codebook order (text variables are not rated).
    pairs : pandas.DataFrame
        Agreement per coder pair and variable: ``variable``, ``coder_a``,
        ``coder_b``, ``n_units``, ``percent_agreement``, ``cohen_kappa``,
        ``krippendorff_alpha`` (multi-select: over the pooled post-by-code data).
    disagreements : list of Disagreement
        Open and resolved (see :func:`coding.adjudication.disagreements`).
    created_at : datetime
    notes : list of str
        Things worth knowing about the report itself.
    coder_posts : dict
        Posts of the reliability subsample each coder finished.
    keywords : list of KeywordSection
        Keyword suggestions against the final coding, per choice variable
        (empty when nothing is coded yet or it was not asked for).
    """

    design: Design
    codebook: Codebook
    results: list[VariableReliability | MultiReliability]
    pairs: pd.DataFrame
    disagreements: list[Disagreement]
    created_at: datetime
    notes: list[str] = field(default_factory=list)
    coder_posts: dict[str, int] = field(default_factory=dict)
    keywords: list[KeywordSection] = field(default_factory=list)
    machine_html: str = ""  # the "Machine coder" section (reports.machine), empty without a model

    def variable(self, variable_id: str | None) -> Variable | None:
        """The codebook variable of a result (None if it is no longer in the codebook)."""
        ids = self.codebook.variable_ids()
        return self.codebook.variable(variable_id) if variable_id in ids else None

    def rows(self, lang: str = "en") -> list[dict[str, Any]]:
        """One dict per variable with display-ready fields (labels in ``lang``)."""
        out = []
        for result in self.results:
            variable = self.variable(result.variable)
            alpha = result.krippendorff_alpha
            q = result.q or {}
            out.append({
                "id": result.variable,
                "label": variable.display(lang) if variable else str(result.variable),
                "type": variable.type if variable else "",
                "level": result.level,
                "alpha": alpha,
                "ci_low": result.alpha_ci[0] if result.alpha_ci else None,
                "ci_high": result.alpha_ci[1] if result.alpha_ci else None,
                "q800": q.get(repr(MINIMUMS[0])),
                "q667": q.get(repr(MINIMUMS[1])),
                "percent_agreement": result.percent_agreement,
                "cohen_kappa": result.cohen_kappa,
                "fleiss_kappa": result.fleiss_kappa,
                "gwet_ac1": result.gwet_ac1,
                "exact_set_agreement": getattr(result, "exact_set_agreement", None),
                "n_units": result.n_units,
                "n_coders": result.n_coders,
                "n_pairable": result.n_pairable,
                "status": _status(alpha),
                "notes": list(result.notes),
            })
        return out

    def code_rows(self, result: MultiReliability, lang: str = "en") -> list[dict[str, Any]]:
        """One dict per code of a multi-select variable."""
        variable = self.variable(result.variable)
        out = []
        for code in result.codes:
            label = code_label(variable, str(code.code), lang)
            out.append({
                "code": code.code, "label": label, "alpha": code.krippendorff_alpha,
                "ci_low": code.alpha_ci[0] if code.alpha_ci else None,
                "ci_high": code.alpha_ci[1] if code.alpha_ci else None,
                "percent_agreement": code.percent_agreement, "n_units": code.n_units,
                "n_selected": code.n_selected, "disagreeing_units": code.disagreeing_units,
                "share_of_disagreement": code.share_of_disagreement, "status": _status(code.krippendorff_alpha),
                "notes": list(code.notes),
            })
        return out

    def coder_rows(self, lang: str = "en") -> list[dict[str, Any]]:
        """One dict per coder: how they agree with the others, over every rated variable.

        ``posts``: reliability posts they finished; ``disagreements``: post
        and variable cells where their value differs from another coder's;
        ``percent_agreement``, ``cohen_kappa``, ``krippendorff_alpha``: means
        over their pairs and variables (:attr:`pairs`); ``lowest``: the
        variable with their lowest pairwise alpha.  A coder low everywhere is
        the one to retrain; a variable low for everyone needs a clearer
        definition.
        """
        labels = {r["id"]: r["label"] for r in self.rows(lang)}
        out = []
        for coder in self.design.coders:
            mine = self.pairs[(self.pairs["coder_a"] == coder) | (self.pairs["coder_b"] == coder)]

            def mean(column: str, mine: pd.DataFrame = mine) -> float | None:
                values = pd.to_numeric(mine[column], errors="coerce").dropna()
                return float(values.mean()) if len(values) else None

            alphas = pd.to_numeric(mine["krippendorff_alpha"], errors="coerce")
            lowest = mine.loc[alphas.idxmin(), "variable"] if alphas.notna().any() else None
            out.append({
                "coder": coder, "posts": self.coder_posts.get(coder, 0),
                "disagreements": sum(1 for d in self.disagreements
                                     if any(cv.coder == coder for cv in d.values)),
                "percent_agreement": mean("percent_agreement"), "cohen_kappa": mean("cohen_kappa"),
                "krippendorff_alpha": mean("krippendorff_alpha"),
                "lowest": labels.get(lowest, lowest) if lowest is not None else None,
            })
        return out

    def methods(self, lang: str = "en") -> str:
        """The methods paragraph (see :func:`reports.methods.methods_paragraph`)."""
        return methods_paragraph(self, lang)


def _status(alpha: float | None) -> str:
    return {"rely": "ok", "do not rely": "low"}.get(alpha_verdict(alpha), alpha_verdict(alpha))


def _variable_frame(part: pd.DataFrame, codebook: Codebook, variable_id: str
                    ) -> tuple[pd.DataFrame, str, list[str] | None]:
    """One variable's codings as ``unit, coder, value`` with its level and code order
    (:func:`coding.project_reliability.variable_frame`)."""
    vf = variable_frame(part, codebook, variable_id)
    return vf.frame, vf.level, vf.order


def _reliability_codings(db: Database, project: Project) -> pd.DataFrame:
    """Finished codings of posts finished by two or more coders (``post_pk, unit, coder, variable, value``).

    The same rows as :func:`coding.project_reliability.project_codings`, but
    only the reliability subset is read from the database
    (:func:`coding.adjudication.iter_post_codings` with ``double_only``), so
    a report or export of a large project holds the double-coded posts only.
    """
    columns: dict[str, list[Any]] = {"post_pk": [], "unit": [], "coder": [], "variable": [], "value": []}
    pks, units, coders, variables, values = columns.values()
    for post in iter_post_codings(db, project, double_only=True):
        for unit in post.units:
            for variable, value in unit.values.items():
                pks.append(post.post_pk)
                units.append(post.post_id)
                coders.append(unit.coder)
                variables.append(variable)
                values.append(value)
    return pd.DataFrame({name: pd.Series(data, dtype=object if name == "value" else None)
                         for name, data in columns.items()}, columns=list(columns))


def _results(codings: pd.DataFrame, codebook: Codebook, wanted: list[str], bootstrap: int, seed: int | None
             ) -> list[VariableReliability | MultiReliability]:
    """Reliability of each wanted variable at its level (as ``project_reliability``), from the subset."""
    return [
        variable_reliability(codings[codings["variable"] == vid].reset_index(drop=True), codebook, vid,
                             bootstrap=bootstrap, seed=seed)
        for vid in wanted
    ]


def _pairs(codings: pd.DataFrame, codebook: Codebook, variable_ids: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Agreement per coder pair for each variable (pooled binary data for multi-select)."""
    frames, notes = [], []
    for vid in variable_ids:
        variable = codebook.variable(vid)
        part = codings[codings["variable"] == vid].reset_index(drop=True)
        if part.empty:
            continue
        frame, level, order = _variable_frame(part, codebook, vid)
        if variable.type == "multi":
            codes = [c.id for c in variable.codable_codes()]
            rows = [(f"{unit}\x1f{code}", coder, int(code in value))
                    for unit, coder, value in zip(frame["unit"], frame["coder"], frame["value"]) for code in codes]
            frame = pd.DataFrame(rows, columns=["unit", "coder", "value"])
        try:
            pairs = pairwise_agreement(frame, level=level, value_order=order)
        except ValidationError as exc:
            notes.append(f"{vid}: no agreement per coder pair ({exc.message})")
            continue
        if variable.type == "multi" and codes:
            pairs["n_units"] = pairs["n_units"] // len(codes)  # posts, not post-code pairs
        pairs.insert(0, "variable", vid)
        frames.append(pairs)
    columns = ["variable", "coder_a", "coder_b", "n_units", "percent_agreement", "cohen_kappa", "krippendorff_alpha"]
    if not frames:
        return pd.DataFrame(columns=columns), notes
    return pd.concat(frames, ignore_index=True)[columns], notes


def _versions_and_dates(db: Database, project: Project, post_pks: set[int], coders: set[str]
                        ) -> tuple[list[int], datetime | None, datetime | None]:
    """Codebook versions and first/last saving times of the reliability codings (one aggregate query)."""
    if not post_pks:
        return [], None, None
    query = (
        select(codings.c.post_pk, codings.c.codebook_version, func.min(codings.c.updated_at),
               func.max(codings.c.updated_at))
        .join(coder_table, coder_table.c.id == codings.c.coder_id)
        .where(codings.c.project_id == project.id, coder_table.c.name.in_(sorted(coders)))
        .group_by(codings.c.post_pk, codings.c.codebook_version)
    )
    with db.read() as conn:
        rows = [r for r in conn.execute(query) if r[0] in post_pks]
    if not rows:
        return [], None, None
    versions = sorted({int(r[1]) for r in rows if r[1] is not None})
    return versions, min(r[2] for r in rows), max(r[3] for r in rows)


def _machine_html(db, project) -> str:
    from reports.machine import machine_section_html

    return machine_section_html(db, project)


def reliability_report(db: Database, project: Project, *, bootstrap: int = 10_000, seed: int | None = 0,
                       variables: list[str] | None = None, with_disagreements: bool = True,
                       with_keywords: bool = True) -> ReliabilityReport:
    """Gather the reliability report of a project.

    Parameters
    ----------
    bootstrap : int
        Resamples for alpha's confidence interval and q (0 turns them off).
    seed : int, optional
        Seed of the bootstrap, so the report can be reproduced exactly.
    variables : list of str, optional
        Only these variables (default: every coded, non-text variable).
    with_disagreements : bool
        ``False``: leave :attr:`ReliabilityReport.disagreements` empty (the
        workbook streams them into its sheet instead of holding them all).
    with_keywords : bool
        ``False``: leave :attr:`ReliabilityReport.keywords` empty (scoring the
        keywords tokenises every coded post).

    Raises
    ------
    NotFound
        No codebook loaded; an unknown variable.
    """
    project = get_project(db, project.name)  # fresh settings (the assignment)
    stored = current_codebook(db, project)
    codebook = stored.codebook
    wanted = list(variables) if variables else [v.id for v in codebook.variables if v.type != "text"]
    for vid in wanted:
        codebook.variable(vid)  # NotFound with a did-you-mean, also when nothing is coded yet
    n_coded = count_final_posts(db, project)
    codings = _reliability_codings(db, project)  # the double-coded posts only
    # nothing double-coded: no results, and the report says so instead of computing on empty data
    results = _results(codings, codebook, wanted, bootstrap, seed) if len(codings) else []
    units = sorted(set(codings["unit"]))
    coders = sorted(set(codings["coder"]))
    versions, first, last = _versions_and_dates(db, project, set(codings["post_pk"]), set(coders))
    assignment = project.settings.get("assignment") or {}
    sample = None
    if assignment.get("sample"):
        try:
            sample = get_sample(db, project, assignment["sample"])
        except NotFound:
            sample = None
    design = Design(
        project=project.name, codebook_name=codebook.name, codebook_version=stored.version, versions_used=versions,
        n_units=len(units), n_overlap=len(overlap_post_pks(db, project)),
        n_sample=sample.size if sample else None, sample_name=sample.name if sample else None,
        sample_method=sample.method if sample else None, sample_seed=sample.seed if sample else None,
        sample_params=dict(sample.params) if sample else {},
        overlap=assignment.get("overlap") if sample else None, overlap_seed=assignment.get("seed") if sample else None,
        stratify_by=assignment.get("stratify_by") if sample else None, coders=coders,
        first_coded=first, last_coded=last,
        n_posts=count_posts(db, project), n_coded=n_coded, bootstrap=bootstrap, seed=seed,
        ci_level=results[0].ci_level if results else 0.95,
    )
    pairs, notes = _pairs(codings, codebook, [r.variable for r in results if r.variable])
    listed = disagreements(db, project, None, include_resolved=True) if with_disagreements else []
    coder_posts = {str(k): int(v) for k, v in codings.groupby("coder")["post_pk"].nunique().items()}
    keywords = _keyword_sections(db, project, codebook, wanted) if with_keywords and n_coded else []
    return ReliabilityReport(design, codebook, results, pairs, listed, datetime.now(UTC), notes, coder_posts,
                             keywords, _machine_html(db, project))


def _keyword_sections(db: Database, project: Project, codebook: Codebook, wanted: list[str]) -> list[KeywordSection]:
    """Score the keywords of each wanted choice variable against the final coding (issue #6)."""
    # imported here: corpus.code_terms loads spaCy and jieba, which only this part of a report needs
    from corpus.code_terms import codebook_keywords, keyword_evaluation

    with_keywords = codebook_keywords(codebook, wanted)
    out = []
    for vid in wanted:
        if not codebook.variable(vid).is_choice:
            continue
        if vid not in with_keywords:
            out.append(KeywordSection(vid, note="none of its codes has keywords"))
            continue
        try:
            out.append(KeywordSection(vid, keyword_evaluation(db, project, vid, source="final")))
        except DaziError as exc:  # e.g. nothing of it coded: the report still renders
            out.append(KeywordSection(vid, note=str(exc)))
    return out


def reliability_frame(report: ReliabilityReport, lang: str = "en") -> pd.DataFrame:
    """The reliability table for a spreadsheet: one row per variable, then one per code of each multi-select one."""
    rows = []
    for result, row in zip(report.results, report.rows(lang)):
        rows.append({
            "variable": row["id"], "label": row["label"], "code": None, "code_label": None, "level": row["level"],
            "n_units": row["n_units"], "n_coders": row["n_coders"], "n_pairable": row["n_pairable"],
            "alpha": row["alpha"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
            "q_below_800": row["q800"], "q_below_667": row["q667"], "percent_agreement": row["percent_agreement"],
            "cohen_kappa": row["cohen_kappa"], "fleiss_kappa": row["fleiss_kappa"], "gwet_ac1": row["gwet_ac1"],
            "status": _STATUS_TEXT[row["status"]], "notes": "; ".join(row["notes"]),
        })
        if isinstance(result, MultiReliability):
            for code in report.code_rows(result, lang):
                rows.append({
                    "variable": row["id"], "label": row["label"], "code": code["code"], "code_label": code["label"],
                    "level": "nominal", "n_units": code["n_units"], "n_coders": row["n_coders"], "n_pairable": None,
                    "alpha": code["alpha"], "ci_low": code["ci_low"], "ci_high": code["ci_high"],
                    "q_below_800": None, "q_below_667": None, "percent_agreement": code["percent_agreement"],
                    "cohen_kappa": None, "fleiss_kappa": None, "gwet_ac1": None,
                    "status": _STATUS_TEXT[code["status"]], "notes": "; ".join(code["notes"]),
                })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return coefficient(float(value)) if digits == 3 else f"{float(value):.{digits}f}"


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value) * 100:.1f}%"


def _value_text(variable: Variable | None, value: Any, lang: str) -> str:
    if value is None:
        return "–"
    if variable is None:
        return str(value)
    if isinstance(value, list):
        return "; ".join(_value_text(variable, v, lang) for v in value) if value else "(none)"
    if isinstance(value, str) and variable.has_code(value):
        return f"{variable.code(value).display(lang)} [{value}]"
    return str(value)


def _charts(report: ReliabilityReport, lang: str) -> tuple[Chart | None, dict[str, Chart]]:
    rows = report.rows(lang)
    if not rows:
        return None, {}
    items = [ChartItem(r["label"], r["alpha"], r["ci_low"], r["ci_high"], fallback_label=_fallback(report, r["id"]))
             for r in rows]
    main = alpha_chart(items, minimums=MINIMUMS)
    per_code = {}
    for result in report.results:
        if isinstance(result, MultiReliability) and result.codes:
            code_items = [ChartItem(c["label"], c["alpha"], c["ci_low"], c["ci_high"],
                                    fallback_label=_fallback(report, result.variable, c["code"]))
                          for c in report.code_rows(result, lang)]
            per_code[str(result.variable)] = alpha_chart(code_items, minimums=MINIMUMS)
    return main, per_code


def _fallback(report: ReliabilityReport, variable_id: str | None, code: Any = None) -> str:
    variable = report.variable(variable_id)
    if variable is None:
        return str(code if code is not None else variable_id)
    if code is None:
        return localize(variable.label, "en") or variable.id
    return code_label(variable, str(code), "en")


_KEYWORD_TEMPLATE = """
<h2 id="keywords">6. Keyword suggestions against the final coding
{%- if zh %} <span lang="zh-Hans">关键词建议与最终编码对比</span>{% endif %}</h2>
<p class="small">How well the codebook's keywords alone would have coded the posts: a code is suggested when one of its
keywords is among a post's tokens, and compared with the final coding (consensus where double-coded, adjudicated
where resolved). Precision: share of suggestions that coders confirmed; recall: share of posts with the code that
keywords found; F1: their harmonic mean.{% if zh %} <span lang="zh-Hans">精确率：被编码员确认的建议所占比例；
召回率：关键词找到的带该编码帖子所占比例；F1：二者的调和平均。</span>{% endif %}</p>
{% for v in sections %}
<h3>{{ v.label }} <span class="small">({{ v.id }}; {{ "{:,}".format(v.n_posts) }} coded posts compared
{%- if v.ignored %}, {{ "{:,}".format(v.ignored) }} suggested but not yet coded left out{% endif %})</span></h3>
<table class="keywords" id="keywords-{{ v.id }}">
  <thead><tr><th class="text">Code</th><th>Precision</th><th>Recall</th><th>F1</th>
    <th>Support (posts with the code)</th><th>Posts suggested</th></tr></thead>
  <tbody>
  {% for c in v.codes %}
  <tr data-code="{{ c.code }}"
    {%- if c.support and c.f1_good %} class="good"{% elif c.support and c.f1_poor %} class="low"{% endif %}>
    <td class="text">{{ c.label }} <span class="small">({{ c.code }})</span></td>
    <td>{{ c.precision | coef }}</td><td>{{ c.recall | coef }}</td><td>{{ c.f1 | coef }}</td>
    <td>{{ "{:,}".format(c.support) }}</td><td>{{ "{:,}".format(c.suggested) }}</td></tr>
  {% endfor %}
  <tr data-code="(all codes)" class="total"><td class="text"><b>All codes (pooled)</b></td>
    <td>{{ v.micro.precision | coef }}</td><td>{{ v.micro.recall | coef }}</td><td>{{ v.micro.f1 | coef }}</td>
    <td>{{ "{:,}".format(v.micro.support) }}</td><td>{{ "{:,}".format(v.micro.suggested) }}</td></tr>
  </tbody>
</table>
<p class="reading">{{ v.reading_en }}</p>
{% if zh %}<p class="reading" lang="zh-Hans">{{ v.reading_zh }}</p>{% endif %}
{% endfor %}
{% if skipped %}
<ul class="small">{% for s in skipped %}
<li>{{ s.label }} ({{ s.id }}): skipped, {{ s.note }}.</li>
{% endfor %}</ul>
{% endif %}
{% if not sections %}<p>No code in the codebook has keywords, so there is nothing to score; add keywords to the codes
to see how well they would have coded the posts.</p>{% endif %}
"""


def _keyword_reading(labels_good: list[str], labels_poor: list[str]) -> tuple[str, str]:
    """One plain sentence (English, Chinese): which codes keywords catch, where human coding was needed."""
    good, poor = f"{KEYWORD_GOOD:.3f}".lstrip("0"), f"{KEYWORD_POOR:.3f}".lstrip("0")
    en = (f"Keywords alone catch {', '.join(labels_good)} well (F1 ≥ {good})" if labels_good
          else f"Keywords alone catch no code well (no F1 reaches {good})")
    en += (f"; human coding was needed for {', '.join(labels_poor)} (F1 below {poor})." if labels_poor
           else f"; no code used by the coders fell below F1 {poor}.")
    zh = (f"仅凭关键词即可较好识别：{'、'.join(labels_good)}（F1 ≥ {good}）" if labels_good
          else f"没有编码能仅凭关键词较好识别（F1 均未达到 {good}）")
    zh += (f"；需要人工编码：{'、'.join(labels_poor)}（F1 低于 {poor}）。" if labels_poor
           else f"；编码员用过的编码 F1 均不低于 {poor}。")
    return en, zh


def _keyword_context(report: ReliabilityReport, lang: str) -> dict[str, Any]:
    """Display rows of :attr:`ReliabilityReport.keywords` for the keyword section."""
    sections, skipped = [], []
    for part in report.keywords:
        variable = report.variable(part.variable)
        label = variable.display(lang) if variable else part.variable
        if part.evaluation is None:
            skipped.append({"id": part.variable, "label": label, "note": part.note})
            continue
        codes: list[dict[str, Any]] = []
        good: list[str] = []
        poor: list[str] = []
        for score in part.evaluation.scores.values():
            name = code_label(variable, score.code, lang)
            f1 = score.f1
            is_good = not math.isnan(f1) and f1 >= KEYWORD_GOOD
            is_poor = math.isnan(f1) or f1 < KEYWORD_POOR
            if score.support:
                (good if is_good else poor if is_poor else []).append(name)
            codes.append({"code": str(score.code), "label": name, "precision": score.precision,
                          "recall": score.recall, "f1": f1, "support": score.support,
                          "suggested": score.suggested, "f1_good": is_good, "f1_poor": is_poor})
        en, zh = _keyword_reading(good, poor)
        sections.append({"id": part.variable, "label": label, "codes": codes, "micro": part.evaluation.micro,
                         "n_posts": part.evaluation.n_posts, "ignored": len(part.evaluation.ignored_posts),
                         "reading_en": en, "reading_zh": zh})
    return {"sections": sections, "skipped": skipped, "zh": lang.startswith("zh")}


def _keyword_section(env: Any, report: ReliabilityReport, lang: str) -> str:
    """The keyword section's HTML ("" when the report has none: nothing coded yet)."""
    if not report.keywords:
        return ""
    return env.from_string(_KEYWORD_TEMPLATE).render(**_keyword_context(report, lang))


def render_html(report: ReliabilityReport, *, lang: str = "zh") -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    lang : {"zh", "en"}
        Language of variable and code labels (headings are English; the
        methods paragraph is given in English and in Chinese).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["coef"] = _fmt
    env.filters["pct"] = _pct
    main_chart, code_charts = _charts(report, lang)
    rows = report.rows(lang)
    multi = []
    for result, row in zip(report.results, rows):
        if isinstance(result, MultiReliability):
            multi.append({"row": row, "codes": report.code_rows(result, lang),
                          "chart": code_charts.get(str(result.variable))})
    labels = {r["id"]: r["label"] for r in rows}
    pairs = [
        {**rec, "label": labels.get(rec["variable"], rec["variable"])}
        for rec in report.pairs.to_dict("records")
    ]
    coders = sorted({cv.coder for d in report.disagreements for cv in d.values})
    appendix = []
    for d in report.disagreements[:_APPENDIX_LIMIT]:
        variable = report.variable(d.variable)
        # coders' text is neutralised too: a reviewer may paste the table into a spreadsheet
        held = {cv.coder: neutralize(_value_text(variable, cv.value, lang)) for cv in d.values}
        final = neutralize(_value_text(variable, d.adjudication.value, lang)) if d.adjudication else "–"
        appendix.append({"post_id": neutralize(d.post_id), "variable": labels.get(d.variable, d.variable),
                         "held": [held.get(c, "") for c in coders], "status": d.status.replace("_", " "),
                         "final": final})
    charts = [c for c in [main_chart, *code_charts.values()] if c is not None]
    template = env.get_template(_TEMPLATE)
    return template.render(
        keyword_section=markupsafe.Markup(_keyword_section(env, report, lang)),  # rendered with autoescape
        machine_section=markupsafe.Markup(report.machine_html),  # built with every text escaped
        report=report, design=report.design, rows=rows, multi=multi, pairs=pairs, coders=coders,
        appendix=appendix, n_disagreements=len(report.disagreements), appendix_limit=_APPENDIX_LIMIT,
        coder_rows=report.coder_rows(lang),
        open_count=sum(1 for d in report.disagreements if not d.resolved),
        main_chart=main_chart, chart_fallback=next((c.fallback for c in charts if c.fallback), None),
        methods_en=report.methods("en"), methods_zh=report.methods("zh"), version=__version__,
        created=report.created_at.strftime("%Y-%m-%d %H:%M UTC"), status_text=_STATUS_TEXT,
        codebook_name=report.codebook.name, two_coders=len(report.design.coders) == 2,
    )


def write_report(report: ReliabilityReport, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the HTML report to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValidationError(f"Cannot write the report as {path.name!r}.", "Give a file name ending in .html.")
    if not path.parent.is_dir():
        raise ValidationError(f"Cannot write {path}: folder {path.parent} does not exist.", "Create it first.")
    html = render_html(report, lang=lang)
    with replacing(path) as tmp:  # a full disk leaves no truncated report
        tmp.write_text(html, encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge")


def pdf_converter() -> str | None:
    """The PDF converter found on this machine: a browser's path, ``"weasyprint"``, or ``None``."""
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return None
    return "weasyprint"


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 120) -> Path:
    """Print the HTML report to PDF with a headless browser (or WeasyPrint).

    Raises
    ------
    NotFound
        No converter on this machine (the hint says what to do instead).
    DaziError
        The converter failed.
    """
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    converter = pdf_converter()
    if converter is None:
        raise NotFound(
            "No PDF converter on this machine (looked for " + ", ".join(_BROWSERS) + " and the weasyprint package).",
            "Open the HTML report in a browser and print it to PDF, or install chromium (apt-get install chromium).",
        )
    if converter == "weasyprint":
        import weasyprint

        weasyprint.HTML(filename=str(html_path)).write_pdf(str(pdf_path))
        return pdf_path
    with tempfile.TemporaryDirectory(prefix="dazi-pdf-") as profile:
        command = [
            converter, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", "--print-to-pdf-no-header",  # the second for Chromium before 120
            f"--print-to-pdf={pdf_path}", html_path.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DaziError(f"The PDF converter {converter} failed: {exc}",
                            "Open the HTML report in a browser and print it to PDF.") from exc
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise DaziError(f"The PDF converter {converter} did not write {pdf_path.name}: {' '.join(tail)}",
                        "Open the HTML report in a browser and print it to PDF.")
    return pdf_path
