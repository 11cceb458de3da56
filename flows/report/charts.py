"""Charts drawn with matplotlib as SVG: vector in print, one palette, readable in grayscale.

SVG output is made reproducible: no date in the metadata and a fixed hash salt for the ids
matplotlib generates. Text stays text (svg.fonttype "none") so WeasyPrint sets it with the
document's fonts, Chinese included, and it stays searchable in the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

# Sequential blues that stay distinct in grayscale (lightness 25% .. 85%), plus hatches.
PALETTE = ("#08306b", "#2171b5", "#6baed6", "#c6dbef", "#f16913")
INK = "#222222"
HATCHES = ("", "//", "..", "xx")

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "kam-report",
    "font.family": ["DejaVu Sans", "WenQuanYi Micro Hei"],
    "font.size": 8,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
}

SVG_MIME = "image/svg+xml"


def _to_svg(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def monthly_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    y_label: str,
    tick_format: Callable[[float], str],
    size: tuple[float, float] = (6.6, 2.4),
    line: Sequence[float | None] | None = None,
    bar_name: str | None = None,
    line_name: str | None = None,
) -> bytes:
    """Bars per month (e.g. revenue) with an optional line over them (e.g. gross margin)."""
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=size)
        positions = range(len(labels))
        heights = [0.0 if v is None else float(v) for v in values]
        ax.bar(positions, heights, color=PALETTE[1], width=0.7, label=bar_name)
        if line is not None:
            points = [float("nan") if v is None else float(v) for v in line]
            ax.plot(positions, points, color=PALETTE[0], marker="o", markersize=3,
                    linewidth=1.2, label=line_name)
            ax.legend(frameon=False, loc="upper left", fontsize=7)
        ax.axhline(0, color=INK, linewidth=0.6)
        ax.set_xticks(list(positions), labels, rotation=45, ha="right")
        ax.set_ylabel(y_label)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_format(v)))
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        return _to_svg(fig)
