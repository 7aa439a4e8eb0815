"""Reports with a machine coder: corpus-wide tables and the "Machine coder" section.

:func:`load_corpus_posts`
    Every post of the corpus with a value: human final values where a human
    coded the post, the model's codes elsewhere, each row marked by its
    ``value_source`` (``human`` or ``machine``).
:func:`corpus_tables`
    :func:`reports.tables.make_tables` over those posts (the naive count),
    and beside each frequency table of a variable the model codes, the
    shares corrected for the model's measured errors with bootstrapped 95 %
    intervals (:mod:`coding.machine.prevalence`), the method and its
    citation in the note.
:func:`machine_section_html`, :func:`add_machine_sheet`
    The validation table, learning-curve chart and a methods paragraph in
    English and Chinese, for the HTML report and the workbook.
:func:`source_frame`
    Each value's source (``final`` for an adjudicated value, ``agreed``
    for one the coders agreed on or a single coder gave, ``machine``) for
    exports.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coding.machine.prevalence import CITATION, adjusted_shares
from coding.machine.store import LLM_KIND, Model, get_model
from dazi.db import Database
from dazi.projects import Project
from reports.data import CODED_POST_FIELDS, CodedPosts
from reports.sources import machine_codings_frame, source_frame
from reports.tables import Section, Table, TableSpec, make_tables
from reports.xlsx import write_frame_sheet

__all__ = ["CorpusPosts", "corpus_tables", "load_corpus_posts", "machine_codings_frame", "methods_text",
           "source_frame"]


@dataclass(frozen=True)
class CorpusPosts(CodedPosts):
    """Coded posts of the whole corpus: human final values, machine codes elsewhere."""

    model: str = ""
    model_version: int = 0
    n_human: int = 0
    n_machine: int = 0

    def describe(self, lang: str = "en") -> str:
        if lang.startswith("zh"):
            return (f"全语料：{self.n_human:,} 篇帖子取人工最终值，其余 {self.n_machine:,} 篇取机器编码"
                    f"（模型 {self.model}，版本 {self.model_version}）。")
        return (f"Whole corpus: human final values for {self.n_human:,} posts, machine codes of model "
                f"{self.model!r} (version {self.model_version}) for the other {self.n_machine:,}.")


def load_corpus_posts(db: Database, project: Project, model_name: str) -> CorpusPosts:
    """Human final values where they exist, the model's codes elsewhere (see the module docstring).

    Raises
    ------
    ValidationError
        The model was trained on an older codebook version.
    NotFound
        No such model.
    """
    from coding.machine.code import check_current
    from corpus.store import posts_frame
    from reports.data import load_coded_posts

    model = get_model(db, project, model_name, parameters=False)
    codebook = check_current(db, project, model)
    human = load_coded_posts(db, project)
    machine = machine_codings_frame(db, project, model)
    machine = machine[~machine["post_pk"].isin(set(human.frame["post_pk"]))]
    fields = posts_frame(db, project, ["post_id", *CODED_POST_FIELDS])
    ids = codebook.variable_ids()
    part = fields.loc[machine["post_pk"].to_numpy()].reset_index(names="post_pk")
    for vid in ids:
        part[vid] = pd.Series([v.get(vid) for v in machine["values"]], dtype=object)
    frame = human.frame.copy()
    frame["value_source"] = "human"
    part["value_source"] = "machine"
    for column, empty in (("unresolved", list), ("coders", list), ("double_coded", bool), ("memos", str),
                          ("uncertain", bool)):
        if column in frame.columns:
            part[column] = pd.Series([empty() for _ in range(len(part))], dtype=object)
    combined = pd.concat([frame, part[[c for c in frame.columns if c in part.columns]]], ignore_index=True)
    return CorpusPosts(combined, codebook, f"model:{model.name}", human.codebook_version, project.name,
                       model=model.name, model_version=model.version, n_human=len(frame), n_machine=len(part))


def _validation_pairs(model: Model, variable: str) -> tuple[list[Any], list[Any]]:
    report = model.metrics["variables"][variable]
    allowed = set(model.training.get("random_post_ids", model.training["post_ids"]))
    oof = report["oof"]
    keep = [i for i, u in enumerate(oof["post_ids"]) if u in allowed]
    return [oof["truth"][i] for i in keep], [oof["predicted"][i] for i in keep]


def methods_text(lang: str = "en", kind: str = "linear") -> str:
    """The correction's method and citation, for table notes (a language model's error rates are measured on
    the coded posts, not cross-validated: it is not trained)."""
    if lang.startswith("zh"):
        rates = "在已编码帖子上测得的误判率" if kind == LLM_KIND else "交叉验证的误判率"
        return (f"校正占比：机器编码部分按模型{rates}以调整分类计数法（adjusted classify-and-count）校正，"
                "95% 区间来自对验证样本、机器编码帖子与人工编码帖子的同时自助抽样（1,000 次）。" + CITATION)
    rates = "error rates measured on the coded posts" if kind == LLM_KIND else "cross-validated error rates"
    return (f"Corrected shares: the machine-coded part is corrected for the model's {rates} by "
            "adjusted classify-and-count (multi-class: least squares with shares that are non-negative and sum to "
            "one); 95% intervals from 1,000 bootstrap resamples of the validation pairs, the machine-coded posts "
            "and the human-coded posts together. " + CITATION)


def _corrected_sections(data: CorpusPosts, model: Model, variable_id: str, lang: str, seed: int
                        ) -> tuple[list[Section], str]:
    variable = data.codebook.variable(variable_id)
    codes = [c.id for c in variable.codable_codes()]
    frame = data.frame
    human = frame.loc[frame["value_source"] == "human", variable_id].tolist()
    machine = frame.loc[frame["value_source"] == "machine", variable_id].tolist()
    truth, predicted = _validation_pairs(model, variable_id)
    est = adjusted_shares(variable, codes, human, machine, truth, predicted, seed=seed)
    zh = lang.startswith("zh")
    labels = [variable.code(c).display(lang) for c in codes]
    heads = (["代码", "标签", "人工编码", "机器编码"] if zh else ["Code", "Label", "Human-coded", "Machine-coded"])
    counts = pd.DataFrame({heads[0]: codes, heads[1]: labels, heads[2]: est.human.astype(int),
                           heads[3]: est.machine.astype(int)})
    share_heads = (["代码", "标签", "朴素占比", "校正占比", "95% 下限", "95% 上限"] if zh else
                   ["Code", "Label", "Naive share", "Corrected share", "95% CI low", "95% CI high"])
    shares = pd.DataFrame(dict(zip(share_heads, [codes, labels, est.naive, est.corrected, est.low, est.high])))
    sections = [Section("各来源帖子数" if zh else "Posts by source of the value", counts, "integer"),
                Section("校正后的全语料占比" if zh else "Corpus-wide shares corrected for the model's errors",
                        shares, "percent")]
    note = methods_text(lang, model.kind) + (f" ({est.n_validation:,} validation posts; "
                                 + "; ".join(est.notes) + ")" if est.notes else
                                 f" ({est.n_validation:,} validation posts)")
    return sections, note


def corpus_tables(db: Database, project: Project, model_name: str, specs: Iterable[TableSpec | str], *,
                  lang: str = "en", seed: int = 0) -> list[Table]:
    """Tables over the whole corpus with the model's codes, corrected shares beside frequency tables."""
    data = load_corpus_posts(db, project, model_name)
    model = get_model(db, project, model_name, parameters=False)
    specs = list(specs)
    if not specs:
        ids = [v.id for v in data.codebook.variables if v.type != "text"]
        specs = [TableSpec("frequencies", tuple(ids))] if ids else []
    tables = make_tables(data, specs, lang=lang)
    for table in tables:
        spec = table.spec
        if spec is None or spec.kind != "frequencies" or spec.top:
            continue
        vid = next((v for v in spec.variables if table.name == (spec.name or f"freq_{v}")), None)
        if vid is None and len(spec.variables) == 1:
            vid = spec.variables[0]
        if vid is None or vid not in model.metrics.get("variables", {}):
            continue
        sections, note = _corrected_sections(data, model, vid, lang, seed)
        table.sections.extend(sections)
        table.note = f"{table.note} {note}".strip()
    return tables


def _curve_svg(metrics: dict[str, Any]) -> str:
    """A small inline SVG of macro-F1 against the share of training posts, one line per variable."""
    from coding.machine.report import curve_frame

    curves = curve_frame(metrics)
    if curves.empty:
        return ""
    width, height, pad = 420, 220, 36
    colours = ["#0969da", "#cf222e", "#1a7f37", "#bf8700", "#8250df", "#57606a", "#e16f24", "#1b7c83"]
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
              'aria-label="learning curves">'),
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" stroke="#888"/>',
             f'<line x1="{pad}" y1="10" x2="{pad}" y2="{height - pad}" stroke="#888"/>']
    for i, (vid, part) in enumerate(curves.groupby("variable", sort=False)):
        points = [(pad + (f - 0.25) / 0.75 * (width - pad - 20), height - pad - (s or 0) * (height - pad - 20))
                  for f, s in zip(part["fraction"], part["macro_f1"])]
        colour = colours[i % len(colours)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        parts.append(f'<text x="{width - 150}" y="{16 + 14 * i}" font-size="11" fill="{colour}">'
                     f'{html.escape(str(vid))}</text>')
    for f in (0.25, 0.5, 0.75, 1.0):
        x = pad + (f - 0.25) / 0.75 * (width - pad - 20)
        parts.append(f'<text x="{x:.0f}" y="{height - pad + 14}" font-size="10" text-anchor="middle">'
                     f'{int(f * 100)}%</text>')
    parts.append(f'<text x="4" y="{height / 2:.0f}" font-size="10">F1</text></svg>')
    return "".join(parts)


def methods_paragraph(model: Model, lang: str = "en") -> str:
    """A methods paragraph on the machine coder, in English or Chinese."""
    from coding.machine.report import validation_frame

    frame = validation_frame(model.metrics)
    n = model.training["n_posts"]
    folds = model.settings.get("folds")  # None for a language model (not trained, no folds)
    parts = []
    for row in frame.to_dict("records"):
        a = row["alpha_model"]
        h = row["alpha_humans"]
        parts.append((row["variable"], "–" if a is None else f"{a:.2f}", "–" if h is None else f"{h:.2f}",
                      "–" if row["macro_f1"] is None else f"{row['macro_f1']:.2f}"))
    if model.kind == LLM_KIND:
        return _llm_methods_paragraph(model, parts, lang)
    if lang.startswith("zh"):
        figures = "；".join(f"{v}：模型 α = {a}（人工 α = {h}），宏平均 F1 = {f}" for v, a, h, f in parts)
        return (f"人工编码未覆盖的帖子由机器编码员（{model.name}，版本 {model.version}）编码：以人工最终值"
                f"（一致值或仲裁值）为训练数据，对每个变量训练一个线性支持向量机（scikit-learn LinearSVC，类别权重平衡），"
                f"特征为结巴分词词语、话题标签、表情与提及，以及字符 1–3 元组（TF-IDF），并以交叉验证得分校准概率。"
                f"训练数据共 {n:,} 篇帖子；以 {folds} 折交叉验证评估，报告每个代码的精确率、召回率与 F1，"
                f"以及模型与最终值之间的 Krippendorff α（自助法 95% 区间），并与人工编码员的 α 并列比较：{figures}。"
                f"全语料占比按模型的交叉验证误判率以调整分类计数法校正（Forman, 2008），并给出自助法 95% 区间。")
    figures = "; ".join(f"{v}: model alpha = {a} (human coders {h}), macro-F1 = {f}" for v, a, h, f in parts)
    return (f"Posts that no human coded were coded by a machine coder ({model.name}, version {model.version}) "
            f"trained on the human final values (consensus or adjudicated) of {n:,} posts: one linear support vector "
            f"machine per variable (scikit-learn LinearSVC with balanced class weights) over jieba words, hashtags, "
            f"stickers, mentions and character 1-3-grams (TF-IDF), with probabilities calibrated on cross-validated "
            f"scores. Following Song et al. (2020), the model was validated by {folds}-fold cross-validation with "
            f"per-code precision, recall and F1 and Krippendorff's alpha between the model and the final values "
            f"(bootstrapped 95% intervals), reported beside the human coders' alpha: {figures}. Corpus-wide shares "
            f"were corrected for the model's cross-validated error rates by adjusted classify-and-count "
            f"(Forman, 2008), with bootstrapped 95% intervals.")


def _llm_methods_paragraph(model: Model, parts: list[tuple[str, str, str, str]], lang: str) -> str:
    """The methods paragraph of a language-model coder: prompted with the codebook, validated, not trained."""
    n, name = model.training["n_posts"], model.settings["model"]
    if lang.startswith("zh"):
        figures = "；".join(f"{v}：模型 α = {a}（人工 α = {h}），宏平均 F1 = {f}" for v, a, h, f in parts)
        return (f"人工编码未覆盖的帖子由大语言模型 {name}（机器编码员 {model.name}，版本 {model.version}）编码："
                f"提示词由编码手册的定义、纳入与排除规则及示例构成，温度为 0，要求以 JSON 作答；模型未以已编码帖子训练。"
                f"参照 Song 等（2020），以 {n:,} 篇模型未见过的人工编码帖子验证，报告每个代码的精确率、召回率与 F1，"
                f"以及模型与最终值之间的 Krippendorff α（自助法 95% 区间），并与人工编码员的 α 并列比较：{figures}。"
                f"每次调用的提示词与原始回复均已保存。全语料占比按模型测得的误判率以调整分类计数法校正（Forman, 2008），"
                f"并给出自助法 95% 区间。")
    figures = "; ".join(f"{v}: model alpha = {a} (human coders {h}), macro-F1 = {f}" for v, a, h, f in parts)
    return (f"Posts that no human coded were coded by a large language model ({name}; machine coder {model.name}, "
            f"version {model.version}) prompted at temperature 0 with the codebook's definitions, inclusion and "
            f"exclusion rules and examples, and asked for a JSON answer; it was not trained on the coded posts. "
            f"Following Song et al. (2020), it was validated on {n:,} human-coded posts it had not seen, with per-code "
            f"precision, recall and F1 and Krippendorff's alpha between the model and the final values (bootstrapped "
            f"95% intervals), reported beside the human coders' alpha: {figures}. Every prompt and raw reply was "
            f"stored. Corpus-wide shares were corrected for the model's measured error rates by adjusted "
            f"classify-and-count (Forman, 2008), with bootstrapped 95% intervals.")


def machine_section_html(db: Database, project: Project, lang: str = "en") -> str:
    """The "Machine coder" section of the HTML report ("" when the project has no model)."""
    from coding.machine.report import validation_frame
    from coding.machine.store import list_models

    models = list_models(db, project)
    if not models:
        return ""
    out = ['<section id="machine-coder"><h2>Machine coder</h2>']
    for stub in models:
        model = get_model(db, project, stub.name, parameters=False)
        if not model.metrics.get("variables"):  # a language model not validated yet: nothing to report
            continue
        frame = validation_frame(model.metrics)
        posts = ("validation posts, a language model" if model.kind == LLM_KIND else "training posts")
        out.append(f"<h3>{html.escape(model.name)} (version {model.version}, codebook version "
                   f"{model.codebook_version}, {model.training['n_posts']:,} {posts})</h3>")
        out.append(frame.to_html(index=False, escape=True, float_format=lambda x: f"{x:.3f}", na_rep="–"))
        out.append(_curve_svg(model.metrics))
        out.append(f"<p>{html.escape(methods_paragraph(model, 'en'))}</p>")
        out.append(f'<p lang="zh">{html.escape(methods_paragraph(model, "zh"))}</p>')
    out.append("</section>")
    return "\n".join(out)


def write_machine_sheets(book, db: Database, project: Project) -> int:
    """Add "Machine coder" sheets to a :class:`reports.xlsx.StreamingWorkbook`: per model the validation
    table, the learning curve's figures and the methods paragraphs (0 sheets when the project has no model)."""
    from coding.machine.report import curve_frame, validation_frame
    from coding.machine.store import list_models


    written = 0
    for stub in list_models(db, project):
        model = get_model(db, project, stub.name, parameters=False)
        if not model.metrics.get("variables"):  # a language model not validated yet
            continue
        frame = validation_frame(model.metrics)
        frame.insert(0, "model", f"{model.name} v{model.version}")
        decimals = {c: "decimal" for c in ("macro_f1", "accuracy", "alpha_model", "alpha_humans")}
        write_frame_sheet(book, f"Machine coder {model.name}"[:31], frame, kinds=decimals | {"learning_curve": "wrap"})
        curves = curve_frame(model.metrics)
        write_frame_sheet(book, f"Learning curve {model.name}"[:31], curves,
                          kinds={"fraction": "percent", "macro_f1": "decimal", "alpha": "decimal"})
        methods = pd.DataFrame({"language": ["en", "zh"],
                                "methods paragraph": [methods_paragraph(model, "en"), methods_paragraph(model, "zh")]})
        write_frame_sheet(book, f"Machine methods {model.name}"[:31], methods, kinds={"methods paragraph": "wrap"})
        written += 3
    return written
