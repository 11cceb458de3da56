"""Charts drawn with matplotlib as SVG: vector in print, one palette, readable in grayscale.

SVG output is made reproducible: no date in the metadata and a fixed hash salt for the ids
matplotlib generates. Text stays text (svg.fonttype "none") so WeasyPrint sets it with the
document's fonts, Chinese included, and it stays searchable in the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

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
# Beyond this many accounts the Pareto chart draws areas instead of one bar per account.
MAX_PARETO_BARS = 300


def _to_svg(fig, margins: tuple[float, float, float, float]) -> bytes:
    """SVG of `fig` with fixed (left, bottom, right, top) margins as fractions of the figure.

    Fixed margins rather than bbox_inches="tight": tight layout draws every chart twice and
    charts are half of a review's render time.
    """
    left, bottom, right, top = margins
    fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()


def monthly_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    y_label: str,
    tick_format: Callable[[float], str],
    size: tuple[float, float] = (6.6, 2.1),
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
            ax.legend(frameon=False, fontsize=7, ncols=2, loc="lower left",
                      bbox_to_anchor=(0.0, 1.0))
        ax.axhline(0, color=INK, linewidth=0.6)
        ax.set_xticks(list(positions), labels, rotation=45, ha="right")
        ax.set_ylabel(y_label)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_format(v)))
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        return _to_svg(fig, (0.11, 0.27, 0.99, 0.90))


def pareto(
    ranks: Sequence[int],
    shares: Sequence[float],
    cumulative_before: Sequence[float],
    tiers: Sequence[str],
    *,
    tier_names: dict[str, str],
    x_label: str,
    y_label: str,
    line_name: str,
    percent: Callable[[float], str],
    size: tuple[float, float] = (6.6, 2.8),
) -> bytes:
    """Revenue concentration: each account's share as a bar (shaded by tier) and the share
    held by the accounts ranked above it as a line: the quantity the tier cut-offs test."""
    tier_order = list(tier_names)
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=size)
        for index, tier in enumerate(tier_order):
            picked = [i for i, t in enumerate(tiers) if t == tier]
            if not picked:
                continue
            if len(ranks) <= MAX_PARETO_BARS:
                ax.bar([ranks[i] for i in picked], [float(shares[i]) for i in picked],
                       width=1.0, color=PALETTE[index], hatch=HATCHES[index],
                       edgecolor="white", linewidth=0.2, label=tier_names[tier])
            else:
                # A bar per account would put thousands of shapes in the SVG (megabytes
                # in the PDF); a filled step area per run of the tier draws the same
                # outline with a handful of paths.
                ax.fill_between(list(ranks), [float(v) for v in shares], step="mid",
                                where=[t == tier for t in tiers], color=PALETTE[index],
                                hatch=HATCHES[index], edgecolor="white", linewidth=0.0,
                                label=tier_names[tier])
        ax.set_ylabel(y_label)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: percent(v)))
        line_axis = ax.twinx()
        line_axis.plot(list(ranks), [float(v) for v in cumulative_before], color=PALETTE[4],
                       linewidth=1.4, label=line_name)
        line_axis.set_ylim(0, 1.0)
        line_axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: percent(v)))
        line_axis.spines["right"].set_visible(True)
        handles = ax.get_legend_handles_labels()
        line_handles = line_axis.get_legend_handles_labels()
        ax.legend(handles[0] + line_handles[0], handles[1] + line_handles[1],
                  frameon=False, fontsize=7, ncols=4, loc="upper center",
                  bbox_to_anchor=(0.5, 1.18))
        return _to_svg(fig, (0.10, 0.15, 0.90, 0.86))


def grouped_bars(
    groups: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    y_label: str,
    tick_format: Callable[[float], str],
    size: tuple[float, float] = (6.6, 2.4),
) -> bytes:
    """One cluster per group (e.g. tier), one bar per series (e.g. NRR, GRR, logo retention)."""
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=size)
        width = 0.8 / max(len(series), 1)
        for index, (name, values) in enumerate(series.items()):
            offsets = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
            heights = [0.0 if v is None else float(v) for v in values]
            ax.bar(offsets, heights, width=width, color=PALETTE[index % 4],
                   hatch=HATCHES[index % 4], edgecolor="white", linewidth=0.3, label=name)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylabel(y_label)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_format(v)))
        ax.axhline(1.0, color=INK, linewidth=0.5, linestyle="--")
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=7, ncols=len(series), loc="upper center",
                  bbox_to_anchor=(0.5, 1.15))
        return _to_svg(fig, (0.10, 0.10, 0.99, 0.86))


def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[float | None]],
    *,
    x_label: str,
    y_label: str,
    cell_format: Callable[[float], str],
    annotate: bool,
    size: tuple[float, float] = (6.6, 4.0),
) -> bytes:
    """Cohort retention: rows are cohorts, columns months since the first order."""
    grid = np.array([[np.nan if v is None else float(v) for v in row] for row in cells])
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=size)
        # pcolormesh draws vector cells; imshow would embed a PNG inside the SVG.
        image = ax.pcolormesh(np.ma.masked_invalid(grid), cmap="Blues", vmin=0, vmax=1,
                              edgecolors="white", linewidth=0.5)
        ax.invert_yaxis()
        ax.set_xticks([j + 0.5 for j in range(len(column_labels))], column_labels, fontsize=6)
        ax.set_yticks([i + 0.5 for i in range(len(row_labels))], row_labels, fontsize=6)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.spines[:].set_visible(False)
        if annotate:
            for (i, j), value in np.ndenumerate(grid):
                if not np.isnan(value):
                    ax.text(j + 0.5, i + 0.5, cell_format(value), ha="center", va="center",
                            fontsize=6, color="white" if value > 0.6 else INK)
        # Ten discrete steps: matplotlib rasterizes a colorbar of 50 colours or more into a
        # PNG inside the SVG, which the fetcher (rightly) refuses to load.
        fig.colorbar(image, ax=ax, format=FuncFormatter(lambda v, _pos: cell_format(v)),
                     fraction=0.03, boundaries=np.linspace(0, 1, 11))
        return _to_svg(fig, (0.12, 0.10, 0.92, 0.98))



def banded_counts(
    bands: Sequence[str],
    counts: dict[str, Sequence[int]],
    *,
    x_label: str,
    y_label: str,
    size: tuple[float, float] = (3.2, 2.2),
) -> bytes:
    """A histogram from counts already made: one bar per band, stacked by series (tier)."""
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=size)
        bottoms = [0.0] * len(bands)
        for index, (name, values) in enumerate(counts.items()):
            heights = [float(v or 0) for v in values]
            ax.bar(range(len(bands)), heights, bottom=bottoms, width=0.85,
                   color=PALETTE[index % 4], hatch=HATCHES[index % 4], edgecolor="white",
                   linewidth=0.3, label=name)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        ax.set_xticks(range(len(bands)), bands, rotation=45, ha="right", fontsize=6)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=6, ncols=len(counts), loc="lower left",
                  bbox_to_anchor=(0.0, 1.0))
        return _to_svg(fig, (0.16, 0.30, 0.98, 0.86))
