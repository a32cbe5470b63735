"""The report's static figures, as PNG and SVG: one panel per label, bands shaded, top moments marked."""

from __future__ import annotations

import gc
import math
from typing import List, Sequence

import numpy as np

from .audience import Audience
from .colours import B_RGB, LAUGH_RGB, label_colours
from .compare import Comparison
from .grid import timestamp

#: Tick steps in seconds a clock reads easily: 1 s up to 2 h.
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def tick_step(span_s: float, most: int = 10) -> float:
    """The smallest clock-friendly tick step that gives at most ``most`` ticks over ``span_s`` seconds."""
    for step in TICK_STEPS_S:
        if span_s / step <= most:
            return step
    return 3600 * math.ceil(span_s / (3600 * most))  # whole hours


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _time_axis(ax, seconds: np.ndarray, media: str) -> None:
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    span = float(seconds[-1] - seconds[0] + 1) if len(seconds) else 1.0
    ax.xaxis.set_major_locator(MultipleLocator(tick_step(span)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: timestamp(max(v, 0))))
    ax.set_xlabel(f"media time ({media or 'untitled'})")


def _share_panel(ax, curve, colour: str, name: str, dashed: bool = False) -> None:
    from matplotlib.ticker import PercentFormatter

    x = curve.index.to_numpy() + 0.5
    ax.fill_between(
        x, 100 * curve["share_low"], 100 * curve["share_high"], step="mid", color=colour, alpha=0.18, linewidth=0
    )
    ax.plot(x, 100 * curve["share"], drawstyle="steps-mid", color=colour, linestyle="--" if dashed else "-", label=name)
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.grid(alpha=0.25)


def _mark_moments(ax, moments: List[dict], span: float) -> None:
    placed: List[float] = []
    for rank, moment in enumerate(moments[:3], start=1):
        x = moment["second"] + 0.5
        level = sum(1 for other in placed if abs(other - x) < 0.06 * span)
        placed.append(x)
        ax.annotate(
            f"#{rank} {moment['timestamp']}",
            (x, 100 * moment["share"]),
            xytext=(0, 6 + 10 * level),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            arrowprops={"arrowstyle": "-", "color": "#555555"},
        )


def plot_audience(audience: Audience, paths: Sequence[str]) -> None:
    """Per label: share of viewers showing it with its band (laugh events on the smile label); viewers below."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    labels = audience.labels
    colours = label_colours(labels, audience.smile_label)
    room = audience.room
    panels = len(labels) + 1 + (room is not None)
    fig, axes = plt.subplots(panels, 1, sharex=True, figsize=(12, 1.9 * panels), dpi=110, squeeze=False)
    seconds = audience.grid.seconds
    span = float(len(seconds))
    for ax, label in zip(axes[:, 0], labels):
        curve = audience.label_curve(label)
        _share_panel(ax, curve, colours[label], f"viewers showing {label}")
        if label == audience.smile_label and curve["laughs"].any():
            laughs = curve[curve["laughs"] > 0]
            ax.bar(
                laughs.index + 0.5,
                100 * laughs["laughs"] / laughs["viewers"].clip(lower=1),
                width=0.8,
                color=LAUGH_RGB,
                label="viewers starting a laugh",
            )
        _mark_moments(ax, audience.moments[label], span)
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    if room is not None:
        heard = axes[-1, 0]
        heard.plot(room.curve["second"] + 0.5, 100 * room.curve["score"], color=LAUGH_RGB, label="laughter heard")
        for laugh in room.laughs.itertuples(index=False):
            heard.axvspan(laugh.start_s, laugh.end_s, color=LAUGH_RGB, alpha=0.25, lw=0)
        heard.set_ylim(0, 105)
        heard.set_ylabel(f"room\n{room.per_minute:.1f}/min", rotation=0, ha="right", va="center")
        heard.legend(loc="upper right", fontsize=7, frameon=False)
        heard.grid(alpha=0.25)
    bottom = axes[len(labels), 0]
    bottom.step(seconds + 0.5, audience.grid.present.sum(axis=0), where="mid", color="#888888")
    bottom.set_ylabel("viewers", rotation=0, ha="right", va="center")
    bottom.set_ylim(0, max(1, int(audience.grid.present.sum(axis=0).max())) * 1.15)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.grid(alpha=0.25)
    _time_axis(axes[-1, 0], seconds, audience.media)
    fig.suptitle(f"Audience reaction: {audience.name} (shaded: 95% band over viewers)", fontsize=11)
    _save(fig, paths)


def plot_comparison(comparison: Comparison, paths: Sequence[str]) -> None:
    """Per label: both audiences' shares with bands, then A − B with its band and the runs that differ."""
    plt = _pyplot()
    a, b = comparison.a, comparison.b
    labels = a.labels
    colours = label_colours(labels, a.smile_label)
    fig, axes = plt.subplots(2 * len(labels), 1, sharex=True, figsize=(12, 3.4 * len(labels) + 1), dpi=110)
    axes = np.atleast_1d(axes)
    for i, label in enumerate(labels):
        top, diff = axes[2 * i], axes[2 * i + 1]
        _share_panel(top, a.label_curve(label), colours[label], a.name)
        _share_panel(top, b.label_curve(label), B_RGB if colours[label] != B_RGB else "#444444", b.name, dashed=True)
        top.set_ylabel(f"{label}\nshowing", rotation=0, ha="right", va="center")
        top.legend(loc="upper right", fontsize=7, frameon=False)
        rows = comparison.difference[comparison.difference["label"] == label]
        x = rows["second"].to_numpy() + 0.5
        diff.fill_between(x, 100 * rows["low"], 100 * rows["high"], step="mid", color="#888888", alpha=0.3, lw=0)
        diff.plot(x, 100 * rows["difference"], drawstyle="steps-mid", color="#222222", linewidth=1)
        diff.axhline(0, color="#222222", linewidth=0.6)
        for region in comparison.regions:
            if region["label"] == label:
                diff.axvspan(region["start_s"], region["end_s"], color=LAUGH_RGB, alpha=0.35, lw=0)
        diff.set_ylim(-105, 105)
        diff.set_ylabel(f"{a.name} − {b.name}\n(points)", rotation=0, ha="right", va="center", fontsize=8)
        diff.grid(alpha=0.25)
    _time_axis(axes[-1], a.grid.seconds, a.media)
    fig.suptitle(
        f"{a.name} against {b.name}: share of viewers (95% bands; for the difference, over the whole timeline); "
        "orange: runs where they differ",
        fontsize=11,
    )
    _save(fig, paths)


def _save(fig, paths: Sequence[str]) -> None:
    fig.tight_layout()
    for path in paths:
        fig.savefig(path)
    _pyplot().close(fig)
    gc.collect()  # a figure is a web of reference cycles: freed now, not at a later collection (54 MB, 7 labels)
