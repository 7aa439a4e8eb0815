"""Computing the tables: frequencies, grouped summaries, crosstabs, co-occurrence, over time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from coding.codebook import Codebook, Variable, code_label
from dazi.errors import ValidationError
from reports.data import CodedPosts
from reports.methods import coefficient
from reports.tables.checks import _Metric, _metric, check_spec
from reports.tables.records import Section, Table, _say, _zh
from reports.tables.spec import _DEFAULT_METRICS, POST_NUMBERS, TableSpec, parse_table_spec

_NONE_LABEL = {"en": "(none of the codes)", "zh": "（未选任何代码）"}
_FIELD_NAMES = {
    "engagement": ("engagement", "互动量"), "likes": ("likes", "点赞数"), "collects": ("collects", "收藏数"),
    "comments": ("comments", "评论数"), "shares": ("shares", "分享数"),
}
_FUNCTION_NAMES = {
    "mean": ("Mean {x}", "{x}均值"), "median": ("Median {x}", "{x}中位数"), "sd": ("SD of {x}", "{x}标准差"),
    "sum": ("Total {x}", "{x}合计"), "min": ("Minimum {x}", "{x}最小值"), "max": ("Maximum {x}", "{x}最大值"),
}


# --------------------------------------------------------------------------
# Categories and memberships
# --------------------------------------------------------------------------

def _categories(variable: Variable, values: Sequence[Any], top: bool) -> tuple[list[str], Callable[[str], str]]:
    """Ordered category ids of a choice variable and a map from a coded id to its category."""
    if top:
        def to_category(code: str) -> str:
            return variable.path(code)[0] if variable.has_code(code) else code

        ordered = [c.id for c in variable.codes if not c.retired]
    else:
        def to_category(code: str) -> str:
            return code

        ordered = [c.id for c in variable.codable_codes()]
    seen = set(ordered)
    for value in values:
        for code in (value if isinstance(value, list) else [value] if isinstance(value, str) else []):
            category = to_category(code)
            if category not in seen:
                seen.add(category)
                ordered.append(category)
    return ordered, to_category


def _memberships(data: CodedPosts, variable: Variable, top: bool) -> tuple[list[str], list[frozenset[str] | None]]:
    """Per post: the set of categories it is coded under, or None when it has no value."""
    values = list(data.frame[variable.id])
    ordered, to_category = _categories(variable, values, top)
    out: list[frozenset[str] | None] = []
    for value in values:
        if isinstance(value, list):
            out.append(frozenset(to_category(c) for c in value))
        elif isinstance(value, str):
            out.append(frozenset([to_category(value)]))
        else:
            out.append(None)  # None, NaN, pd.NA
    return ordered, out


def _labels(variable: Variable, codes: Sequence[str], lang: str) -> list[str]:
    """Code labels, made unique (a repeated label gets its code id)."""
    labels = [code_label(variable, c, lang) for c in codes]
    counts = pd.Series(labels).value_counts()
    return [f"{lab} ({code})" if counts[lab] > 1 else lab for lab, code in zip(labels, codes)]


def _numbers(data: CodedPosts, target: str) -> list[float | None]:
    if target not in data.frame.columns:
        raise ValidationError(f"The coded posts have no column {target!r}.",
                              "Load them with load_coded_posts(), which adds the engagement counts.")
    out: list[float | None] = []
    for value in data.frame[target]:
        if value is None or value is pd.NA or isinstance(value, (list, str, bool)):
            out.append(None)
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(None if math.isnan(number) else number)
    return out


def _statistic(function: str, values: list[float]) -> float | None:
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    if function == "mean":
        return float(array.mean())
    if function == "median":
        return float(np.median(array))
    if function == "sd":
        return float(array.std(ddof=1)) if len(array) > 1 else None
    if function == "sum":
        return float(array.sum())
    if function == "min":
        return float(array.min())
    return float(array.max())


def _matches(variable: Variable, codes: Sequence[str]) -> set[str]:
    """The codes and all their descendants."""
    out: set[str] = set()
    for code in codes:
        out.add(code)
        if variable.has_code(code):
            out.update(variable.descendants(code))
    return out


def _left_out(k: int, total: int, what: str, lang: str) -> str:
    if not k:
        return ""
    return _say(lang, f" {k:,} of the {total:,} coded posts have no value for {what} and are left out.",
                f"{total:,} 篇已编码帖子中有 {k:,} 篇没有“{what}”的值，未计入。")


def _multi_note(variable: Variable, base: int, lang: str) -> str:
    name = variable.display(lang)
    return _say(lang,
                f" {name} is multi-select: a post counts once for every code chosen, so shares add up to more "
                f"than 100 %; base = {base:,} posts coded on it.",
                f"“{name}”为多选：一篇帖子选了几个代码就计入几次，因此占比之和可超过 100%；基数 = {base:,} 篇在该变量上已编码的帖子。")


def _table_name(spec: TableSpec | None, default: str) -> str:
    return spec.name if spec is not None and spec.name else default


def _title(spec: TableSpec | None, default: str) -> str:
    return spec.title if spec is not None and spec.title else default


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

def frequencies(data: CodedPosts, variable: str, *, lang: str = "en", top: bool = False,
                spec: TableSpec | None = None) -> Table:
    """How often each code was given (or, for a numeric variable, its descriptive statistics).

    Single-choice and ordinal variables: posts per code and their share of
    the posts with a value.  Multi-select: posts choosing each code and
    their share of the posts coded on the variable (the base); a post with
    several codes counts for each.  Numeric: n, mean, SD, median, min, max.

    Raises
    ------
    ValidationError
        Unknown variable, or a free-text variable.
    """
    spec = spec or TableSpec("frequencies", (variable,), top=top)
    check_spec(TableSpec("frequencies", (variable,)), data.codebook)
    var = data.codebook.variable(variable)
    name = var.display(lang)
    unresolved = data.unresolved(variable)
    open_note = (_say(lang, f" {unresolved:,} of them are open disagreements.",
                      f"其中 {unresolved:,} 篇为尚未仲裁的分歧。") if unresolved else "")
    if var.type == "numeric":
        numbers = [v for v in _numbers(data, variable) if v is not None]
        heads = [_say(lang, "Variable", "变量"), "n", _say(lang, "Mean", "均值"), _say(lang, "SD", "标准差"),
                 _say(lang, "Median", "中位数"), _say(lang, "Minimum", "最小值"), _say(lang, "Maximum", "最大值")]
        row = [name + (f" ({var.unit})" if var.unit else ""), len(numbers),
               *(_statistic(f, numbers) for f in ("mean", "sd", "median", "min", "max"))]
        frame = pd.DataFrame([row], columns=heads)
        note = _say(lang, "SD is the sample standard deviation (n − 1).", "标准差为样本标准差（n − 1）。")
        note += _left_out(data.n - len(numbers), data.n, name, lang) + open_note
        formats = {"n": "integer", **{h: "decimal" for h in heads[2:]}}
        return Table(_table_name(spec, f"freq_{variable}"), _title(spec, _say(lang, f"{name}: descriptive statistics",
                                                                              f"{name}：描述统计")),
                     frame, data.source, data.describe(lang), len(numbers), note.strip(), formats,
                     spec=spec, lang=lang)
    codes, members = _memberships(data, var, top)
    coded = [m for m in members if m is not None]
    base = len(coded)
    counts = {c: sum(c in m for m in coded) for c in codes}
    labels = _labels(var, codes, lang)
    code_col, label_col = _say(lang, "Code", "代码"), name
    n_col, share_col = _say(lang, "Posts", "帖子数"), _say(lang, "Share", "占比")
    rows = [(c, lab, counts[c], counts[c] / base if base else None) for c, lab in zip(codes, labels)]
    if var.type == "multi":
        none = sum(1 for m in coded if not m)
        if none:
            rows.append(("", _NONE_LABEL["zh" if _zh(lang) else "en"], none, none / base if base else None))
        rows.append(("", _say(lang, "Posts coded (base)", "已编码帖子（基数）"), base, None))
        note = _multi_note(var, base, lang).strip()
    else:
        rows.append(("", _say(lang, "Total", "合计"), base, 1.0 if base else None))
        note = _say(lang, f"Shares are of the {base:,} posts with a value.", f"占比以 {base:,} 篇有值的帖子为基数。")
    if top:
        note += _say(lang, " Child codes are counted under their top-level code.", " 子代码计入其顶层代码。")
    note += _left_out(data.n - base, data.n, name, lang) + open_note
    frame = pd.DataFrame(rows, columns=[code_col, label_col, n_col, share_col])
    return Table(_table_name(spec, f"freq_{variable}"), _title(spec, _say(lang, f"{name}: frequencies", f"{name}：频数")),
                 frame, data.source, data.describe(lang), base, note.strip(), {n_col: "integer", share_col: "percent"},
                 spec=spec, lang=lang)


def _metric_header(metric: _Metric, codebook: Codebook, lang: str) -> str:
    if metric.function == "n":
        return _say(lang, "Posts", "帖子数")
    if metric.function == "share":
        return _say(lang, "Share of posts", "帖子占比")
    if metric.function == "rate":
        assert metric.target is not None
        variable = codebook.variable(metric.target)
        codes = _say(lang, " or ", "或").join(code_label(variable, c, lang) for c in metric.codes)
        return _say(lang, f"{codes} rate ({variable.display(lang)})", f"{variable.display(lang)}为“{codes}”的比例")
    assert metric.target is not None
    if metric.target in POST_NUMBERS:
        what = _FIELD_NAMES[metric.target][1 if _zh(lang) else 0]
    else:
        variable = codebook.variable(metric.target)
        what = variable.display(lang) + (f" ({variable.unit})" if variable.unit else "")
        if not _zh(lang):
            what = what[:1].lower() + what[1:] if what[:1].isupper() and not what[1:2].isupper() else what
    template = _FUNCTION_NAMES[metric.function][1 if _zh(lang) else 0]
    return template.format(x=what)


def _metric_definition(metric: _Metric, codebook: Codebook, by: Variable, n_by: int, lang: str) -> str:
    if metric.function == "n":
        return _say(lang, "Posts: coded posts in the group.", "帖子数：该组的已编码帖子数。")
    if metric.function == "share":
        return _say(lang, f"Share of posts: the group's posts out of all {n_by:,} posts with a value for "
                          f"{by.display(lang)}.",
                    f"帖子占比：该组帖子占全部 {n_by:,} 篇有“{by.display(lang)}”值的帖子的比例。")
    if metric.function == "rate":
        assert metric.target is not None
        variable = codebook.variable(metric.target)
        codes = ", ".join(f"{code_label(variable, c, lang)} ({c})" for c in metric.codes)
        return _say(lang, f"{_metric_header(metric, codebook, lang)}: share of the group's posts with a value for "
                          f"{variable.display(lang)} that were coded {codes}, sub-codes included; posts without a "
                          f"value are left out of the base.",
                    f"{_metric_header(metric, codebook, lang)}：该组中有“{variable.display(lang)}”值的帖子里编码为 {codes}"
                    f"（含子代码）的比例；无值的帖子不计入基数。")
    assert metric.target is not None
    if metric.target in POST_NUMBERS:
        what = _FIELD_NAMES[metric.target][1 if _zh(lang) else 0]
    else:
        variable = codebook.variable(metric.target)
        what = _say(lang, f"the coded {variable.display(lang)}" + (f" in {variable.unit}" if variable.unit else ""),
                    f"编码的“{variable.display(lang)}”" + (f"（{variable.unit}）" if variable.unit else ""))
    stat = {"mean": ("mean", "均值"), "median": ("median", "中位数"), "sd": ("sample standard deviation", "样本标准差"),
            "sum": ("sum", "合计"), "min": ("minimum", "最小值"), "max": ("maximum", "最大值")}[metric.function]
    return _say(lang, f"{_metric_header(metric, codebook, lang)}: {stat[0]} of {what}, over the group's posts "
                      f"that have it.",
                f"{_metric_header(metric, codebook, lang)}：{what}的{stat[1]}，按该组中有此值的帖子计算。")


def grouped_summary(data: CodedPosts, by: str, metrics: Sequence[str] = _DEFAULT_METRICS, *, lang: str = "en",
                    top: bool = False, spec: TableSpec | None = None) -> Table:
    """Per code of ``by``: posts, shares, means and medians of numbers, and rates of codes.

    The layout of the study's Table 4 is
    ``grouped_summary(data, "interest_category", ["n", "mean(engagement)",
    "rate(match_outcome=success)", "mean(relationship_duration)",
    "rate(repeat_companion=yes)"])``.  A last row gives the same figures for
    all posts with a value for ``by``; the section "Bases" gives, per
    group, the number of posts each mean or rate is computed over.

    Raises
    ------
    ValidationError
        Unknown variable, code or metric; ``by`` not a choice variable.
    """
    spec = spec or TableSpec("summary", by=by, metrics=tuple(metrics), top=top)
    check_spec(spec, data.codebook)
    codebook = data.codebook
    by_var = codebook.variable(by)
    parsed = [_metric(m, codebook) for m in spec.metrics]
    codes, members = _memberships(data, by_var, top)
    in_by = [i for i, m in enumerate(members) if m is not None]
    n_by = len(in_by)
    groups = [(c, [i for i in in_by if c in members[i]]) for c in codes]  # type: ignore[operator]
    groups.append(("", in_by))
    labels = _labels(by_var, codes, lang) + [_say(lang, "All posts", "全部帖子")]
    columns: dict[str, list[Any]] = {_say(lang, "Code", "代码"): [g[0] for g in groups], by_var.display(lang): labels}
    formats: dict[str, str] = {}
    bases: dict[str, list[Any]] = {}
    numbers_cache: dict[str, list[float | None]] = {}
    memberships_cache: dict[str, list[frozenset[str] | None]] = {}
    for metric in parsed:
        header = _metric_header(metric, codebook, lang)
        if header in columns:
            continue
        if metric.function == "n":
            columns[header] = [len(ix) for _, ix in groups]
            formats[header] = "integer"
        elif metric.function == "share":
            columns[header] = [len(ix) / n_by if n_by else None for _, ix in groups]
            formats[header] = "percent"
        elif metric.function == "rate":
            assert metric.target is not None
            variable = codebook.variable(metric.target)
            if metric.target not in memberships_cache:
                memberships_cache[metric.target] = _memberships(data, variable, False)[1]
            held = memberships_cache[metric.target]
            wanted = _matches(variable, metric.codes)
            rates, base_n = [], []
            for _, ix in groups:
                valued = [m for m in (held[i] for i in ix) if m is not None]
                hits = sum(1 for m in valued if m & wanted)
                rates.append(hits / len(valued) if valued else None)
                base_n.append(len(valued))
            columns[header] = rates
            formats[header] = "percent"
            bases[header] = base_n
        else:
            assert metric.target is not None
            if metric.target not in numbers_cache:
                numbers_cache[metric.target] = _numbers(data, metric.target)
            numbers = numbers_cache[metric.target]
            values, base_n = [], []
            for _, ix in groups:
                present = [numbers[i] for i in ix if numbers[i] is not None]
                values.append(_statistic(metric.function, present))  # type: ignore[arg-type]
                base_n.append(len(present))
            columns[header] = values
            formats[header] = "one_decimal"
            bases[header] = base_n
    frame = pd.DataFrame(columns)
    sections = []
    if bases:
        base_frame = pd.DataFrame({by_var.display(lang): labels, **bases})
        sections.append(Section(_say(lang, "Bases (posts each figure is computed over)", "基数（各数值的计算帖子数）"),
                                base_frame, "integer"))
    definitions = [_metric_definition(m, codebook, by_var, n_by, lang) for m in parsed]
    if any(m.target in POST_NUMBERS for m in parsed):
        definitions.append(_say(lang, "Engagement = likes + collects + comments + shares (点赞 + 收藏 + 评论 + 分享) "
                                      "as crawled; a count the platform does not show is left out of the sum.",
                                "互动量 = 点赞 + 收藏 + 评论 + 分享（按抓取值；平台不显示的计数不计入）。"))
    note = " ".join(dict.fromkeys(definitions))
    if not top and any(c.codes for c in by_var.codes):
        note += _say(lang, " A code with child codes counts only the posts given that code itself (top=yes rolls "
                           "child codes up into it).",
                     " 有子代码的代码只计编码为该代码本身的帖子（top=yes 时子代码计入其父代码）。")
    if by_var.type == "multi":
        note += _say(lang, f" {by_var.display(lang)} is multi-select: a post counts in every group it was coded "
                           f"for, so groups overlap and shares add up to more than 100 %.",
                     f" “{by_var.display(lang)}”为多选：一篇帖子计入其所选的每个组，各组有重叠，占比之和可超过 100%。")
    if top:
        note += _say(lang, " Child codes are counted under their top-level code.", " 子代码计入其顶层代码。")
    note += _say(lang, " The last row is all posts with a value.", " 最后一行为所有有值的帖子。")
    note += _left_out(data.n - n_by, data.n, by_var.display(lang), lang)
    title = _title(spec, _say(lang, f"Summary by {by_var.display(lang)}", f"按{by_var.display(lang)}汇总"))
    return Table(_table_name(spec, f"summary_{by}"), title, frame, data.source, data.describe(lang), n_by,
                 note.strip(), formats, sections, spec=spec, lang=lang)


def _cochran(expected: np.ndarray) -> str | None:
    """Why the chi-square approximation is not trusted for these expected counts, or None."""
    if (expected < 1).any():
        return f"an expected count is below 1 (smallest {expected.min():.2f})"
    below = float((expected < 5).mean())
    if below > 0.2:
        return f"{below:.0%} of the expected counts are below 5 (at most 20 % allowed)"
    return None


def chi_square(counts: np.ndarray) -> dict[str, Any]:
    """Pearson's chi-square test of independence and Cramér's V for a table of counts.

    Rows and columns with zero totals are dropped first.  ``chi2``, ``p``
    and ``cramers_v`` are ``None`` (with ``test_reason``) when fewer than
    two rows or columns remain or Cochran's rule fails.

    >>> r = chi_square(np.array([[10, 20], [30, 40]]))
    >>> round(r["chi2"], 4), r["dof"], round(r["cramers_v"], 4)
    (0.7937, 1, 0.0891)
    """
    # imported here: scipy loads only for a crosstab's test
    from scipy.stats import chi2_contingency
    from scipy.stats.contingency import expected_freq

    observed = np.asarray(counts, dtype=float)
    observed = observed[observed.sum(axis=1) > 0][:, observed.sum(axis=0) > 0]
    out: dict[str, Any] = {"chi2": None, "dof": None, "p": None, "cramers_v": None, "min_expected": None,
                           "share_expected_below_5": None, "test_reason": None, "n": int(observed.sum())}
    if observed.shape[0] < 2 or observed.shape[1] < 2:
        out["test_reason"] = "fewer than two codes in use on one of the variables"
        return out
    expected = expected_freq(observed)
    out["min_expected"] = float(expected.min())
    out["share_expected_below_5"] = float((expected < 5).mean())
    reason = _cochran(expected)
    if reason:
        out["test_reason"] = reason
        return out
    chi2, p, dof, _ = chi2_contingency(observed, correction=False)
    n = observed.sum()
    out.update(chi2=float(chi2), p=float(p), dof=int(dof),
               cramers_v=float(math.sqrt(chi2 / (n * (min(observed.shape) - 1)))))
    return out


def _p_text(p: float) -> str:
    return "p < .001" if p < 0.001 else f"p = {p:.3f}".replace("0.", ".", 1)


def crosstab(data: CodedPosts, row: str, column: str, *, lang: str = "en", top: bool = False,
             spec: TableSpec | None = None) -> Table:
    """Counts of posts by the codes of two variables, with row and column shares.

    For two single-choice (or ordinal) variables also Pearson's chi-square,
    its p and Cramér's V when the expected counts allow (see
    :func:`chi_square`).  With a multi-select variable a post counts in
    every cell of its codes; totals are then posts, not cell sums, shares
    are of those posts, and no test is computed (the cells are not
    independent).

    Raises
    ------
    ValidationError
        Unknown variable, or one that is not a choice variable.
    """
    spec = spec or TableSpec("crosstab", (row, column), top=top)
    check_spec(spec, data.codebook)
    rvar, cvar = data.codebook.variable(row), data.codebook.variable(column)
    rcodes, rmem = _memberships(data, rvar, top)
    ccodes, cmem = _memberships(data, cvar, top)
    both = [i for i in range(data.n) if rmem[i] is not None and cmem[i] is not None]
    counts = np.zeros((len(rcodes), len(ccodes)), dtype=int)
    rindex = {c: k for k, c in enumerate(rcodes)}
    cindex = {c: k for k, c in enumerate(ccodes)}
    row_posts = np.zeros(len(rcodes), dtype=int)
    col_posts = np.zeros(len(ccodes), dtype=int)
    for i in both:
        rs, cs = rmem[i], cmem[i]
        for r in rs:  # type: ignore[union-attr]
            row_posts[rindex[r]] += 1
            for c in cs:  # type: ignore[union-attr]
                counts[rindex[r], cindex[c]] += 1
        for c in cs:  # type: ignore[union-attr]
            col_posts[cindex[c]] += 1
    rlabels, clabels = _labels(rvar, rcodes, lang), _labels(cvar, ccodes, lang)
    total_label = _say(lang, "Total", "合计")
    multi = rvar.type == "multi" or cvar.type == "multi"
    row_head = f"{rvar.display(lang)} \\ {cvar.display(lang)}"
    frame = pd.DataFrame(counts, columns=clabels)
    frame.insert(0, row_head, rlabels)
    frame[total_label] = row_posts
    totals = {row_head: total_label, **dict(zip(clabels, col_posts)), total_label: len(both)}
    frame = pd.concat([frame, pd.DataFrame([totals])], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_shares = np.where(row_posts[:, None] > 0, counts / row_posts[:, None], np.nan)
        col_shares = np.where(col_posts[None, :] > 0, counts / col_posts[None, :], np.nan)
    row_frame = pd.DataFrame(row_shares, columns=clabels)
    row_frame.insert(0, row_head, rlabels)
    col_frame = pd.DataFrame(col_shares, columns=clabels)
    col_frame.insert(0, row_head, rlabels)
    sections = [
        Section(_say(lang, "Row shares (of the posts in each row)", "行占比（占该行帖子数）"), row_frame, "percent"),
        Section(_say(lang, "Column shares (of the posts in each column)", "列占比（占该列帖子数）"), col_frame,
                "percent"),
    ]
    stats: dict[str, Any] = {}
    if multi:
        which = " and ".join(v.display(lang) for v in (rvar, cvar) if v.type == "multi")
        note = _say(lang, f"{which} is multi-select: a post counts in every cell of its codes, so totals are posts "
                          f"(not cell sums) and shares can add up to more than 100 %. No chi-square test: "
                          f"the cells are not independent.",
                    f"“{which}”为多选：一篇帖子计入其所有代码的单元格，合计为帖子数（不是单元格之和），占比之和可超过 100%。"
                    f"单元格不独立，因此不做卡方检验。")
        stats["test_reason"] = "multi-select variable"
    else:
        stats = chi_square(counts)
        if stats["chi2"] is not None:
            note = _say(lang, f"Pearson's chi-square test of independence (no continuity correction): "
                              f"χ²({stats['dof']}, N = {stats['n']:,}) = {stats['chi2']:.2f}, {_p_text(stats['p'])}, "
                              f"Cramér's V = {coefficient(stats['cramers_v'])}.",
                        f"Pearson 卡方独立性检验（无连续性校正）：χ²({stats['dof']}, N = {stats['n']:,}) = {stats['chi2']:.2f}，"
                        f"{_p_text(stats['p'])}，Cramér's V = {coefficient(stats['cramers_v'])}。")
        else:
            note = _say(lang, f"No chi-square test: {stats['test_reason']}. Merge sparse codes (or use an exact "
                              f"test) before testing.",
                        f"未做卡方检验：{stats['test_reason']}。请先合并稀疏代码（或改用精确检验）。")
        if stats.get("min_expected") is not None:
            note += _say(lang, f" Smallest expected count {stats['min_expected']:.2f}; "
                               f"{stats['share_expected_below_5']:.0%} of expected counts below 5 "
                               f"(codes nobody used left out).",
                         f" 最小期望频数 {stats['min_expected']:.2f}；{stats['share_expected_below_5']:.0%} 的期望频数小于 5"
                         f"（未使用的代码不计）。")
    if top:
        note += _say(lang, " Child codes are counted under their top-level code.", " 子代码计入其顶层代码。")
    note += _left_out(data.n - len(both), data.n, f"{rvar.display(lang)} / {cvar.display(lang)}", lang)
    formats = {c: "integer" for c in [*clabels, total_label]}
    title = _title(spec, f"{rvar.display(lang)} × {cvar.display(lang)}")
    return Table(_table_name(spec, f"xtab_{row}_{column}"), title, frame, data.source, data.describe(lang), len(both),
                 note.strip(), formats, sections, stats, spec=spec, lang=lang)


def cooccurrence(data: CodedPosts, variables: Sequence[str], *, lang: str = "en", top: bool = False,
                 spec: TableSpec | None = None) -> Table:
    """How often codes are given to the same post.

    One multi-select variable: a code-by-code matrix whose cell counts the
    posts with both codes (the diagonal: posts with the code).  Two
    variables: the codes of the first by the codes of the second.  The
    section "Share of posts" divides by the base (posts with values for the
    variables).

    Raises
    ------
    ValidationError
        Unknown variable; one single-choice variable.
    """
    variables = list(variables)
    spec = spec or TableSpec("cooccurrence", tuple(variables), top=top)
    check_spec(spec, data.codebook)
    first = data.codebook.variable(variables[0])
    second = data.codebook.variable(variables[-1])
    rcodes, rmem = _memberships(data, first, top)
    ccodes, cmem = (rcodes, rmem) if len(variables) == 1 else _memberships(data, second, top)
    both = [i for i in range(data.n) if rmem[i] is not None and cmem[i] is not None]
    counts = np.zeros((len(rcodes), len(ccodes)), dtype=int)
    rindex = {c: k for k, c in enumerate(rcodes)}
    cindex = {c: k for k, c in enumerate(ccodes)}
    for i in both:
        for r in rmem[i]:  # type: ignore[union-attr]
            for c in cmem[i]:  # type: ignore[union-attr]
                counts[rindex[r], cindex[c]] += 1
    rlabels, clabels = _labels(first, rcodes, lang), _labels(second, ccodes, lang)
    head = first.display(lang) if len(variables) == 1 else f"{first.display(lang)} \\ {second.display(lang)}"
    frame = pd.DataFrame(counts, columns=clabels)
    frame.insert(0, head, rlabels)
    base = len(both)
    shares = pd.DataFrame(counts / base if base else np.full(counts.shape, np.nan), columns=clabels)
    shares.insert(0, head, rlabels)
    if len(variables) == 1:
        note = _say(lang, f"Cells count posts coded with both codes; the diagonal counts posts with the code. "
                          f"Base = {base:,} posts coded on {first.display(lang)}.",
                    f"单元格为同时编码了两个代码的帖子数；对角线为编码了该代码的帖子数。基数 = {base:,} 篇在“{first.display(lang)}”上已编码的帖子。")
        title = _say(lang, f"{first.display(lang)}: code co-occurrence", f"{first.display(lang)}：代码共现")
        name = f"cooc_{first.id}"
    else:
        note = _say(lang, f"Cells count posts coded with the row code on {first.display(lang)} and the column code "
                          f"on {second.display(lang)}. Base = {base:,} posts with values for both.",
                    f"单元格为在“{first.display(lang)}”上编码为行代码且在“{second.display(lang)}”上编码为列代码的帖子数。"
                    f"基数 = {base:,} 篇两者都有值的帖子。")
        title = _say(lang, f"Co-occurrence: {first.display(lang)} × {second.display(lang)}",
                     f"共现：{first.display(lang)} × {second.display(lang)}")
        name = f"cooc_{first.id}_{second.id}"
    if top:
        note += _say(lang, " Child codes are counted under their top-level code.", " 子代码计入其顶层代码。")
    note += _left_out(data.n - base, data.n, " / ".join(dict.fromkeys([first.display(lang), second.display(lang)])),
                      lang)
    return Table(_table_name(spec, name), _title(spec, title), frame, data.source, data.describe(lang), base,
                 note.strip(), {c: "integer" for c in clabels},
                 [Section(_say(lang, "Share of posts (of the base)", "帖子占比（占基数）"), shares, "percent")],
                 spec=spec, lang=lang)


def _period_keys(times: pd.Series, period: str) -> tuple[list[str | None], list[str]]:
    """Each post's period label (None without a time) and every period from first to last."""
    stamps = pd.to_datetime(times, utc=True, errors="coerce")
    valid = stamps.dropna()
    if valid.empty:
        return [None] * len(stamps), []
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    if period == "week":
        iso = naive.dt.isocalendar()
        keys = [None if pd.isna(t) else f"{int(y)}-W{int(w):02d}" for t, y, w in zip(naive, iso["year"], iso["week"])]
        start = naive.min().normalize() - pd.Timedelta(days=int(naive.min().weekday()))
        spans = pd.date_range(start, naive.max(), freq="W-MON")
        everything = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in spans]
    elif period == "month":
        keys = [None if pd.isna(t) else f"{t.year}-{t.month:02d}" for t in naive]
        spans = pd.period_range(naive.min(), naive.max(), freq="M")
        everything = [f"{p.year}-{p.month:02d}" for p in spans]
    else:
        keys = [None if pd.isna(t) else f"{t.year}" for t in naive]
        everything = [str(y) for y in range(naive.min().year, naive.max().year + 1)]
    return keys, everything


def over_time(data: CodedPosts, variable: str, *, period: str = "month", lang: str = "en", top: bool = False,
              spec: TableSpec | None = None) -> Table:
    """Codes (or a number's mean and median) by week, month or year of posting.

    Periods run from the first to the last posting time (UTC), empty ones
    included, so the rows can be plotted as a series.  The section "Shares"
    divides each count by the period's posts with a value.

    Raises
    ------
    ValidationError
        Unknown variable or period; a free-text variable.
    """
    spec = spec or TableSpec("over_time", (variable,), period=period, top=top)
    check_spec(spec, data.codebook)
    if "created_at" not in data.frame.columns:
        raise ValidationError("The coded posts have no posting times (created_at).",
                              "Load them with load_coded_posts(), which adds them.")
    var = data.codebook.variable(variable)
    keys, periods = _period_keys(data.frame["created_at"], spec.period)
    period_head = {"week": _say(lang, "Week (ISO)", "周（ISO）"), "month": _say(lang, "Month", "月份"),
                   "year": _say(lang, "Year", "年份")}[spec.period]
    n_col = _say(lang, "Posts", "帖子数")
    index = {p: k for k, p in enumerate(periods)}
    no_time = sum(1 for k in keys if k is None)
    sections: list[Section] = []
    formats: dict[str, str] = {n_col: "integer"}
    if var.type == "numeric":
        numbers = _numbers(data, variable)
        per: list[list[float]] = [[] for _ in periods]
        for key, number in zip(keys, numbers):
            if key is not None and number is not None:
                per[index[key]].append(number)
        mean_col, median_col = _say(lang, "Mean", "均值"), _say(lang, "Median", "中位数")
        frame = pd.DataFrame({period_head: periods, n_col: [len(v) for v in per],
                              mean_col: [_statistic("mean", v) for v in per],
                              median_col: [_statistic("median", v) for v in per]})
        formats.update({mean_col: "one_decimal", median_col: "one_decimal"})
        used = sum(len(v) for v in per)
        note = _say(lang, f"Mean and median of {var.display(lang)}" + (f" ({var.unit})" if var.unit else "")
                    + " per period.", f"各时期“{var.display(lang)}”的均值和中位数。")
    else:
        codes, members = _memberships(data, var, top)
        labels = _labels(var, codes, lang)
        counts = np.zeros((len(periods), len(codes)), dtype=int)
        posts = np.zeros(len(periods), dtype=int)
        cindex = {c: k for k, c in enumerate(codes)}
        for key, member in zip(keys, members):
            if key is None or member is None:
                continue
            posts[index[key]] += 1
            for c in member:
                counts[index[key], cindex[c]] += 1
        frame = pd.DataFrame(counts, columns=labels)
        frame.insert(0, period_head, periods)
        frame.insert(1, n_col, posts)
        formats.update({lab: "integer" for lab in labels})
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(posts[:, None] > 0, counts / np.maximum(posts[:, None], 1), np.nan)
        share_frame = pd.DataFrame(share, columns=labels)
        share_frame.insert(0, period_head, periods)
        sections.append(Section(_say(lang, "Shares (of the period's posts)", "占比（占该时期帖子数）"), share_frame,
                                "percent"))
        used = int(posts.sum())
        note = _say(lang, "Posts per period of posting and how many were given each code.",
                    "各发布时期的帖子数及各代码的帖子数。")
        if var.type == "multi":
            note += _multi_note(var, used, lang)
    note += _say(lang, {"week": " Weeks are ISO weeks (Monday to Sunday), in UTC.",
                        "month": " Months are calendar months, in UTC.", "year": " Years in UTC."}[spec.period],
                 " 时间按 UTC 计。")
    if no_time:
        note += _say(lang, f" {no_time:,} posts without a posting time are left out.",
                     f" {no_time:,} 篇没有发布时间的帖子未计入。")
    note += _left_out(data.n - no_time - used, data.n, var.display(lang), lang) if data.n - no_time - used > 0 else ""
    title = _title(spec, _say(lang, f"{var.display(lang)} by {spec.period}", f"{var.display(lang)}随时间变化"))
    return Table(_table_name(spec, f"time_{variable}_{spec.period}"), title, frame, data.source, data.describe(lang),
                 used, note.strip(), formats, sections, spec=spec, lang=lang)


def make_table(data: CodedPosts, spec: TableSpec | str, *, lang: str = "en") -> list[Table]:
    """The table(s) ``spec`` describes (a frequencies spec with several variables gives one each).

    ``spec`` may be a :class:`TableSpec` or its one-line text form.

    Raises
    ------
    ValidationError
        The spec names an unknown variable, code or metric.
    """
    if isinstance(spec, str):
        spec = parse_table_spec(spec)
    check_spec(spec, data.codebook)
    if spec.kind == "terms":
        raise ValidationError(
            "Terms by code are computed from the posts' texts, not from the coded values alone.",
            f"Add them to the Excel export (dazi export out.xlsx --tables 'terms {' '.join(spec.variables)}') "
            f"or print them with dazi terms --variable {spec.variables[0]}.")
    if spec.kind == "frequencies":
        if len(spec.variables) == 1:
            return [frequencies(data, spec.variables[0], lang=lang, top=spec.top, spec=spec)]
        return [frequencies(data, v, lang=lang, top=spec.top) for v in spec.variables]
    if spec.kind == "summary":
        assert spec.by is not None
        return [grouped_summary(data, spec.by, spec.metrics, lang=lang, top=spec.top, spec=spec)]
    if spec.kind == "crosstab":
        return [crosstab(data, spec.variables[0], spec.variables[1], lang=lang, top=spec.top, spec=spec)]
    if spec.kind == "cooccurrence":
        return [cooccurrence(data, spec.variables, lang=lang, top=spec.top, spec=spec)]
    return [over_time(data, spec.variables[0], period=spec.period, lang=lang, top=spec.top, spec=spec)]


def make_tables(data: CodedPosts, specs: Iterable[TableSpec | str], *, lang: str = "en") -> list[Table]:
    """All tables of ``specs``, every spec checked before any table is computed."""
    parsed = [parse_table_spec(s) if isinstance(s, str) else s for s in specs]
    for spec in parsed:
        check_spec(spec, data.codebook)
    return [table for spec in parsed for table in make_table(data, spec, lang=lang)]


