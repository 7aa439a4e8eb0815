"""The methods paragraph on inter-coder reliability, in English and in Chinese.

:func:`methods_paragraph` fills in the real numbers of a
:class:`reports.report.ReliabilityReport`: how many units of how many were
coded by how many coders and how they were drawn, the codebook version, the
levels of measurement, the bootstrap (resamples and interval), the range of
Krippendorff's alpha and of percent agreement, and which variables fall
below .800 and .667.  It is meant to be pasted into a paper and then edited.

Conventions: coefficients are written with three decimals and no leading
zero (".812"), as is usual for alpha and its .800/.667 thresholds
(Krippendorff 2019, *Content Analysis*, 4th ed., ch. 12); percentages with
one decimal.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from coding.codebook import localize
from coding.verdicts import alpha_verdict

if TYPE_CHECKING:  # pragma: no cover
    from reports.report import ReliabilityReport

__all__ = ["coefficient", "methods_paragraph", "number_word"]

_EN_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_ZH_NUMBERS = ("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十")
_LEVEL_ZH = {"nominal": "定类", "ordinal": "定序", "interval": "定距", "ratio": "定比"}


def number_word(n: int, lang: str = "en", *, capital: bool = False) -> str:
    """Small numbers as words (as journals ask), others as digits.

    >>> number_word(2, capital=True), number_word(12), number_word(2, "zh")
    ('Two', '12', '两')
    """
    if lang.startswith("zh"):
        return _ZH_NUMBERS[n] if 0 <= n <= 10 else f"{n:,}"
    word = _EN_NUMBERS[n] if 0 <= n <= 10 else f"{n:,}"
    return word[:1].upper() + word[1:] if capital else word


def coefficient(value: float) -> str:
    """A coefficient with three decimals and no leading zero.

    >>> coefficient(0.8125), coefficient(-0.05), coefficient(1.0)
    ('.812', '-.050', '1.000')
    """
    text = f"{value:.3f}"
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


def _join(items: list[str], lang: str) -> str:
    if lang.startswith("zh"):
        return "、".join(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def methods_paragraph(report: ReliabilityReport, lang: str = "en") -> str:
    """The reliability paragraph of a methods section, with the report's numbers.

    Parameters
    ----------
    report : ReliabilityReport
    lang : {"en", "zh"}

    Returns
    -------
    str
        One paragraph.  When no unit was coded by two coders it says so
        instead of inventing figures.
    """
    zh = lang.startswith("zh")
    design = report.design
    rows = report.rows(lang)
    name = localize(report.codebook.name, lang)
    if not design.n_units or not rows:
        if zh:
            return "尚无由两名及以上编码员独立编码的帖子，因此无法报告编码员间信度。"
        return "No post has yet been coded independently by two or more coders, so inter-coder reliability " \
               "cannot be reported."
    coders = number_word(len(design.coders), lang, capital=True)
    n, total = design.n_units, design.n_sample
    drawn = design.drawn_text(lang)
    levels = Counter(r["level"] for r in rows)
    multi = [r for r in rows if r["type"] == "multi"]
    defined = [r for r in rows if r["alpha"] is not None]
    undefined = [r for r in rows if r["alpha"] is None]
    boot = design.bootstrap
    ci = round(design.ci_level * 100)
    parts: list[str] = []
    if zh:
        share = f"（{_percent(n / total)}）" if total else ""
        of = f"从样本的 {total:,} 篇帖子中{drawn}抽取 {n:,} 篇{share}" if total else f"对 {n:,} 篇帖子"
        versions = "、".join(map(str, design.versions_used or [design.codebook_version]))
        parts.append(f"{coders}名编码员{of}进行独立编码，使用编码表“{name}”第 {versions} 版。")
        level_text = "、".join(f"{_LEVEL_ZH.get(k, k)} {v} 个" for k, v in levels.items())
        parts.append(f"采用 Krippendorff's α 按各变量的测量层次（{level_text}）评估编码员间信度"
                     + (f"；{number_word(len(multi), 'zh')}个多选变量按每个代码的“有/无”编码，总体 α 基于合并的"
                        "“帖子 × 代码”数据计算" if multi else "") + "。")
        if boot:
            parts.append(f"{ci}% 置信区间由 {boot:,} 次自助抽样（bootstrap）得到（Hayes & Krippendorff, 2007）。")
    else:
        share = f" ({_percent(n / total)})" if total else ""
        kind = f"{drawn} " if drawn else ""
        of = f"a {kind}subsample of {n:,} of the {total:,} posts{share}" if total else f"{n:,} posts"
        used = design.versions_used or [design.codebook_version]
        versions = ("version " if len(used) == 1 else "versions ") + _join([str(v) for v in used], "en")
        parts.append(f"{coders} coders independently coded {of}, using {versions} of the codebook "
                     f"\u201c{name}\u201d.")
        counted = [f"{k} for {v} variable{'s' if v != 1 else ''}" if i == 0 else f"{k} for {v}"
                   for i, (k, v) in enumerate(levels.items())]
        level_text = _join(counted, "en")
        sentence = (f"Inter-coder reliability was assessed with Krippendorff's alpha at each variable's level of "
                    f"measurement ({level_text})")
        if multi:
            sentence += (f"; the {number_word(len(multi))} multi-select variable{'s' if len(multi) > 1 else ''} "
                         f"{'were' if len(multi) > 1 else 'was'} coded as the presence or absence of each code, "
                         f"with an overall alpha over the pooled post-by-code data")
        parts.append(sentence + ".")
        if boot:
            parts.append(f"{ci}% confidence intervals were obtained from {boot:,} bootstrap resamples "
                         f"(Hayes & Krippendorff, 2007).")
    if defined:
        low = min(defined, key=lambda r: r["alpha"])
        high = max(defined, key=lambda r: r["alpha"])
        alphas = sorted(r["alpha"] for r in defined)
        mid = len(alphas) // 2
        median = alphas[mid] if len(alphas) % 2 else (alphas[mid - 1] + alphas[mid]) / 2
        pcts = [r["percent_agreement"] for r in rows if r["percent_agreement"] is not None]
        good = [r["label"] for r in defined if alpha_verdict(r["alpha"]) == "rely"]
        tentative = [r["label"] for r in defined if alpha_verdict(r["alpha"]) == "tentative"]
        poor = [r["label"] for r in defined if alpha_verdict(r["alpha"]) == "do not rely"]
        if zh:
            if len(defined) == 1:
                parts.append(f"α 为 {coefficient(low['alpha'])}（{low['label']}）")
            else:
                parts.append(f"α 介于 {coefficient(low['alpha'])}（{low['label']}）与 {coefficient(high['alpha'])}"
                             f"（{high['label']}）之间，中位数为 {coefficient(median)}")
            if pcts:
                parts[-1] += (f"；百分比一致性介于 {_percent(min(pcts))} 与 {_percent(max(pcts))} 之间。"
                              if len(pcts) > 1 else f"；百分比一致性为 {_percent(pcts[0])}。")
            else:
                parts[-1] += "。"
            parts.append(f"{len(good)} 个变量达到惯用的 .800 标准" if good else "没有变量达到惯用的 .800 标准")
            parts[-1] += (f"；{_join(tentative, 'zh')}介于 .667 与 .800 之间，仅可用于得出初步结论" if tentative else "")
            parts[-1] += (f"；{_join(poor, 'zh')}低于 .667，不宜据以得出结论。" if poor else "；没有变量低于 .667。")
        else:
            if len(defined) == 1:
                parts.append(f"Alpha was {coefficient(low['alpha'])} ({low['label']})")
            else:
                parts.append(f"Alpha ranged from {coefficient(low['alpha'])} ({low['label']}) to "
                             f"{coefficient(high['alpha'])} ({high['label']}), with a median of {coefficient(median)}")
            if pcts:
                parts[-1] += (f"; percent agreement ranged from {_percent(min(pcts))} to {_percent(max(pcts))}."
                              if len(pcts) > 1 else f"; percent agreement was {_percent(pcts[0])}.")
            else:
                parts[-1] += "."
            count = number_word(len(good), capital=True)
            parts.append(f"{count} variable{'s' if len(good) != 1 else ''} reached the customary .800 threshold"
                         if good else "No variable reached the customary .800 threshold")
            if tentative:
                parts[-1] += (f"; {_join(tentative, 'en')} fell between .667 and .800 and "
                              f"support{'s' if len(tentative) == 1 else ''} only tentative conclusions")
            parts[-1] += (f"; {_join(poor, 'en')} fell below .667 and should not be relied on (Krippendorff, 2019)."
                          if poor else "; none fell below .667 (Krippendorff, 2019).")
    if undefined:
        labels = _join([r["label"] for r in undefined], lang)
        parts.append(f"{labels}的 α 无法计算（编码值没有变异或可配对的值不足）。" if zh else
                     f"Alpha could not be computed for {labels} (no variation or too few pairable values).")
    return ("" if zh else " ").join(parts)
