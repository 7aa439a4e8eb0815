"""Charts of reliability for the HTML report: alpha with its interval, per variable and per code.

Charts are drawn with matplotlib's object API (no pyplot state, Agg-free
SVG canvas) and returned as SVG text whose glyphs are outlines
(``svg.fonttype = "path"``), so the report shows them identically on any
machine, with no font installed and no network.

Chinese labels need a font with CJK glyphs when the chart is drawn.
:func:`cjk_font` looks for one among the fonts matplotlib knows (Noto Sans
CJK, Source Han Sans, WenQuanYi, Microsoft YaHei, PingFang, SimHei ...; on
Debian ``apt-get install fonts-noto-cjk``).  Without one, labels fall back to
English (or to variable and code ids) rather than turning into boxes, and
:attr:`Chart.fallback` says so; :attr:`Chart.missing_glyphs` lists any
missing-glyph warnings matplotlib still gave.
"""

from __future__ import annotations

import base64
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from io import StringIO

from coding.verdicts import MINIMUMS
from reports.methods import coefficient

__all__ = ["CJK_FAMILIES", "Chart", "ChartItem", "alpha_chart", "cjk_font", "has_cjk"]

#: Font families tried in order before any family whose name contains "CJK".
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei", "Noto Sans CJK JP",
    "Droid Sans Fallback", "Arial Unicode MS",
)
_CJK_RE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_GOOD, _TENTATIVE, _LOW, _NONE = "#2E7D32", "#E69F00", "#C62828", "#9E9E9E"


def has_cjk(text: str) -> bool:
    """Whether ``text`` has Chinese (CJK) characters.

    >>> has_cjk("搭子类型"), has_cjk("Companion type")
    (True, False)
    """
    return bool(_CJK_RE.search(text))


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or ``None``."""
    # imported here: matplotlib loads only when a chart is drawn, not with every report or export
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if not any(_is_cjk_family(n) for n in names):
        # matplotlib's font list is cached on disk when it is first imported: fonts installed
        # since (``make test`` installs Debian's CJK fonts) are missing from it until added
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known and "cjk" in path.lower():
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    others = sorted(n for n in names if _is_cjk_family(n))
    return others[0] if others else None


def _is_cjk_family(name: str) -> bool:
    return name in CJK_FAMILIES or "CJK" in name or "Han Sans" in name or "Hei" in name


@dataclass(frozen=True)
class ChartItem:
    """One row of an alpha chart: a label, alpha and its interval (any may be ``None``).

    ``fallback_label`` is shown when no CJK font is available and ``label``
    has Chinese characters.
    """

    label: str
    alpha: float | None
    low: float | None = None
    high: float | None = None
    fallback_label: str | None = None


@dataclass
class Chart:
    """A drawn chart.

    Attributes
    ----------
    svg : str
        The SVG document (glyphs as outlines).
    font : str or None
        The font family used for labels.
    fallback : str or None
        Why labels were replaced (no CJK font), else ``None``.
    missing_glyphs : list of str
        Missing-glyph warnings from matplotlib (empty when every label rendered).
    labels : list of str
        The labels drawn.
    """

    svg: str
    font: str | None
    fallback: str | None = None
    missing_glyphs: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def data_uri(self) -> str:
        """The SVG as a ``data:`` URI for an ``<img>`` (never inline, so nothing in it can run)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def _colour(alpha: float | None, minimums: Sequence[float]) -> str:
    if alpha is None:
        return _NONE
    if alpha >= minimums[0]:
        return _GOOD
    if alpha >= minimums[-1]:
        return _TENTATIVE
    return _LOW


def alpha_chart(items: Sequence[ChartItem], *, title: str | None = None, xlabel: str = "Krippendorff's alpha",
                minimums: Sequence[float] = MINIMUMS, undefined: str = "undefined") -> Chart:
    """Alpha per row as a point with its bootstrapped interval, with lines at the minimums.

    Points are green at or above the first minimum (.800), amber between
    the two, red below the last (.667); rows whose alpha is undefined show
    ``undefined`` instead of a point.

    Parameters
    ----------
    items : sequence of ChartItem
        Rows from top to bottom.
    title, xlabel : str
    minimums : sequence of float
        Reference lines (customary .800 and .667).
    """
    # imported here: as in cjk_font
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    font = cjk_font()
    labels = [item.label for item in items]
    fallback = None
    if font is None and any(has_cjk(text) for text in [*labels, title or "", xlabel]):
        labels = [item.fallback_label or item.label for item in items]
        fallback = "no font with Chinese glyphs found; labels shown in English or as ids"
        title = None if title and has_cjk(title) else title
        xlabel = "Krippendorff's alpha" if has_cjk(xlabel) else xlabel
    families = ([font] if font else []) + ["DejaVu Sans"]
    n = max(len(items), 1)
    lows = [v for item in items for v in (item.low, item.alpha) if v is not None]
    left = min([0.0, *lows]) - 0.05
    with rc_context({"font.family": "sans-serif", "font.sans-serif": families, "svg.fonttype": "path",
                     "svg.hashsalt": "dazi", "axes.unicode_minus": False}):
        figure = Figure(figsize=(7.5, 0.42 * n + 1.3), layout="constrained")
        FigureCanvasSVG(figure)
        ax = figure.add_subplot()
        ys = list(range(n))[::-1]
        for y, item in zip(ys, items):
            colour = _colour(item.alpha, minimums)
            if item.alpha is None:
                ax.text(0.02, y, undefined, va="center", ha="left", fontsize=9, color=_NONE)
                continue
            if item.low is not None and item.high is not None:
                ax.plot([item.low, item.high], [y, y], color=colour, linewidth=2.2, solid_capstyle="butt")
            ax.plot([item.alpha], [y], marker="o", markersize=7, color=colour)
            ax.text(1.02, y, coefficient(item.alpha), va="center", ha="left", fontsize=9,
                    transform=ax.get_yaxis_transform())
        for minimum, style in zip(minimums, ("-", "--")):
            ax.axvline(minimum, color="#555555", linestyle=style, linewidth=1)
            ax.text(minimum, 1.0, coefficient(minimum), transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, color="#555555")
        ax.set_yticks(ys, labels)
        ax.set_xlim(left, 1.0)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#E0E0E0", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if title:
            ax.set_title(title, loc="left", fontsize=11)
        buffer = StringIO()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    return Chart(buffer.getvalue(), font or "DejaVu Sans", fallback, missing, labels)
