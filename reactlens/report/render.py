"""Writing the report: reaction.csv, summary.json, reaction.png and a self-contained report.html."""

from __future__ import annotations

import base64
import html
import json
import math
import os
from typing import Dict, List

from .audience import Audience, timestamp

SMILE_RGB = "#14a5ff"  # the seed's blueish box colour, (255,165,20) in BGR
LAUGH_RGB = "#ffa514"  # the seed's orange, (20,165,255) in BGR


#: Tick steps in seconds a clock reads easily: 1 s up to 2 h.
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def tick_step(span_s: float, most: int = 10) -> float:
    """The smallest clock-friendly tick step that gives at most ``most`` ticks over ``span_s`` seconds."""
    for step in TICK_STEPS_S:
        if span_s / step <= most:
            return step
    return 3600 * math.ceil(span_s / (3600 * most))  # whole hours


def plot(audience: Audience, path: str) -> None:
    """The audience curve with viewers present, laugh events and the top moments marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator, PercentFormatter

    curve = audience.curve
    fig, ax = plt.subplots(figsize=(12, 4.5), dpi=110)
    seconds = curve["second"] + 0.5
    ax.fill_between(seconds, 100 * curve["smiling_share"], step="mid", color=SMILE_RGB, alpha=0.35, linewidth=0)
    ax.plot(seconds, 100 * curve["smiling_share"], drawstyle="steps-mid", color=SMILE_RGB, label="viewers smiling")
    ax.plot(seconds, 100 * curve["mean_smile"], color="#1f3b57", linewidth=1, label="mean smile score")
    laughs = curve[curve["laughs"] > 0]
    if len(laughs):
        share = 100 * laughs["laughs"] / laughs["viewers"].clip(lower=1)
        ax.bar(
            laughs["second"] + 0.5,
            share,
            width=0.8,
            bottom=0,
            color=LAUGH_RGB,
            alpha=0.9,
            label="viewers starting a laugh",
        )
    span = float(curve["second"].max() + 1) if len(curve) else 1.0
    placed: List[float] = []
    for rank, moment in enumerate(audience.moments[:5], start=1):
        x = moment["second"] + 0.5
        y = 100 * moment["smiling_share"]
        # labels of moments close together are stacked rather than printed over each other
        level = sum(1 for other in placed if abs(other - x) < 0.06 * span)
        placed.append(x)
        ax.annotate(
            f"#{rank} {moment['timestamp']}",
            (x, y),
            xytext=(0, 8 + 11 * level),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            arrowprops={"arrowstyle": "-", "color": "#555555"},
        )
    ax.set_ylim(0, 125)  # room above 100% for the moments' labels
    ax.set_yticks(range(0, 101, 20))
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.xaxis.set_major_locator(MultipleLocator(tick_step(span)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: timestamp(max(v, 0))))
    ax.set_xlabel(f"media time ({audience.media or 'untitled'})")
    ax.set_ylabel("share of viewers")
    right = ax.twinx()
    right.step(seconds, curve["viewers"], where="mid", color="#888888", linewidth=1, label="viewers present")
    most = max(1, int(curve["viewers"].max()))
    right.set_ylim(0, most * 1.25)  # all viewers level with 100%
    right.set_ylabel("viewers present")
    right.set_yticks([t for t in MaxNLocator(integer=True).tick_values(0, most) if 0 <= t <= most])
    handles = ax.get_legend_handles_labels()
    extra = right.get_legend_handles_labels()
    ax.legend(
        handles[0] + extra[0],
        handles[1] + extra[1],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    ax.set_title("Audience reaction")
    ax.grid(alpha=0.25)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _table(rows: List[Dict[str, object]], columns: List[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(audience: Audience, png_path: str) -> str:
    """One HTML page with everything inline: no network needed."""
    with open(png_path, "rb") as handle:
        image = base64.b64encode(handle.read()).decode("ascii")
    totals = audience.summary()["totals"]
    moments = [
        {**m, "smiling": f"{100 * m['smiling_share']:.0f}%", "rank": i} for i, m in enumerate(audience.moments, start=1)
    ]
    viewers = [
        {
            **v,
            "smiling": f"{100 * v['share_smiling']:.0f}%",
            "peaks": ", ".join(p["timestamp"] for p in v["peak_moments"]),
        }
        for v in sorted(audience.viewers, key=lambda v: -v["share_smiling"])
    ]
    p = audience.params
    title = html.escape(audience.media or "untitled media")
    strongest = html.escape(audience.moments[0]["timestamp"]) if audience.moments else "–"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reactlens · {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d2733; }}
h1 {{ margin-bottom: 0.2rem; }} .lead {{ color: #555; margin-top: 0; }}
.cards {{ display: flex; gap: 1rem; margin: 1rem 0; }}
.card {{ background: #f2f6fa; border-radius: 8px; padding: 0.8rem 1.2rem; }}
.card b {{ display: block; font-size: 1.6rem; }}
img {{ width: 100%; border: 1px solid #dde; border-radius: 6px; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #e3e8ee; padding: 0.35rem 0.5rem; text-align: left; }}
th {{ background: #f7f9fb; }} small {{ color: #666; }}
</style></head><body>
<h1>Audience reaction: {title}</h1>
<p class="lead">{totals["viewers"]} viewers in {totals["sessions"]} session(s),
{totals["seconds"]} seconds of media.</p>
<div class="cards">
<div class="card"><b>{totals["laughs"]}</b>laugh events</div>
<div class="card"><b>{100 * totals["mean_smiling_share"]:.0f}%</b>viewers smiling, on average</div>
<div class="card"><b>{strongest}</b>strongest moment</div>
</div>
<img alt="audience reaction curve" src="data:image/png;base64,{image}">
<h2>Top moments</h2>
{_table(moments, ["rank", "timestamp", "laughs", "smiling", "viewers"])}
<h2>Viewers</h2>
{_table(viewers, ["viewer", "seconds_present", "smiling", "mean_smile", "laughs", "peaks"])}
<h2>Sessions</h2>
{_table(audience.sessions, ["session_id", "records", "frames", "viewers", "start_s", "end_s"])}
<p><small>A viewer is smiling when their smoothed smile score (time constant {p.tau_s} s) rises to {p.on} and
until it falls to {p.off}. A laugh is a smile whose score climbs from below {p.off} to at least {p.strong} within
{p.onset_s} s and stays there for {p.sustain_s} s. Generated by reactlens.</small></p>
</body></html>
"""


def write_report(audience: Audience, out_dir: str) -> Dict[str, str]:
    """Write the four report files; return their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {
        name: os.path.join(out_dir, name) for name in ("reaction.csv", "summary.json", "reaction.png", "report.html")
    }
    audience.curve.to_csv(paths["reaction.csv"], index=False)
    with open(paths["summary.json"], "w", encoding="utf-8") as handle:
        json.dump(audience.summary(), handle, indent=2)
    plot(audience, paths["reaction.png"])
    with open(paths["report.html"], "w", encoding="utf-8") as handle:
        handle.write(page(audience, paths["reaction.png"]))
    return paths
