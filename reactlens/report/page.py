"""``report.html``: one self-contained, interactive page — the vendored uPlot, the data and the tables inline.

The curves travel as JSON in per mille (integers 0..1000, ``null`` where nobody is present), which keeps
a 2-hour film with several labels and sessions to a few megabytes; ``static/report.js`` draws them.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .audience import Audience
from .bootstrap import LEVEL
from .colours import B_RGB, LAUGH_RGB, label_colours
from .compare import MIN_RUN_S, Comparison
from .grid import timestamp
from .room import SILENT_SHARE, VIEWER_WINDOW_S


def _static(name: str) -> str:
    return resources.files("reactlens.report").joinpath("static", name).read_text(encoding="utf-8")


def _milli(values: np.ndarray) -> List[Optional[int]]:
    """Shares and probabilities as per mille integers, NaN as None."""
    scaled = np.round(np.asarray(values, dtype=np.float64) * 1000.0)
    return [None if v != v else int(v) for v in scaled.tolist()]


def _audience_data(audience: Audience) -> Dict[str, Any]:
    series = {}
    for label in audience.labels:
        curve = audience.label_curve(label)
        series[label] = {
            "share": _milli(curve["share"]),
            "low": _milli(curve["share_low"]),
            "high": _milli(curve["share_high"]),
            "mean": _milli(curve["mean"]),
            "mean_low": _milli(curve["mean_low"]),
            "mean_high": _milli(curve["mean_high"]),
        }
    sessions = {
        session: {label: _milli(values) for label, values in shares.items()}
        for session, shares in audience.session_shares().items()
    }
    room = audience.room
    heard = None
    if room is not None:
        starts = np.zeros(len(audience.grid.seconds), dtype=np.int64)
        index = np.floor(room.laughs["start_s"].to_numpy(dtype=float)).astype(int) - int(audience.grid.seconds[0])
        np.add.at(starts, np.clip(index, 0, len(starts) - 1), 1)
        heard = {"score": _milli(room.curve["score"]), "laughs": starts.tolist()}
    return {
        "name": audience.name,
        "series": series,
        "viewers": audience.grid.present.sum(axis=0).tolist(),
        "laughs": audience.grid.laughs.tolist() if audience.smile_label else None,
        "sessions": sessions,
        "room": heard,
    }


def _data(audiences: Sequence[Audience], comparison: Optional[Comparison]) -> Dict[str, Any]:
    first = audiences[0]
    data: Dict[str, Any] = {
        "start": int(first.grid.seconds[0]),
        "seconds": len(first.grid.seconds),
        "labels": list(first.labels),
        "smile_label": first.smile_label,
        "colours": label_colours(first.labels, first.smile_label),
        "b_colour": B_RGB,
        "laugh_colour": LAUGH_RGB,
        "audiences": [_audience_data(a) for a in audiences],
    }
    if comparison is not None:
        frame = comparison.difference
        data["difference"] = {
            label: {
                "value": _milli(rows["difference"]),
                "low": _milli(rows["low"]),
                "high": _milli(rows["high"]),
                "differs": rows["differs"].astype(int).tolist(),
            }
            for label, rows in ((label, frame[frame["label"] == label]) for label in first.labels)
        }
        data["regions"] = comparison.regions
    return data


def _table(rows: Sequence[Dict[str, Any]], columns: Sequence[str], headings: Optional[Sequence[str]] = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in (headings or columns))
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.0f}%"


def _moments_section(audience: Audience, top: int = 5) -> str:
    parts = []
    for label in audience.labels:
        rows = [
            {
                "rank": rank,
                "time": m["timestamp"],
                "share": f"{_pct(m['share'])} ({_pct(m['share_low'])}–{_pct(m['share_high'])})",
                "viewers": m["viewers"],
                "laughs": m["laughs"],
            }
            for rank, m in enumerate(audience.moments[label][:top], start=1)
        ]
        columns = ["rank", "time", "share", "viewers"] + (["laughs"] if label == audience.smile_label else [])
        parts.append(f"<h3>{html.escape(label)}</h3>" + (_table(rows, columns) if rows else "<p>never shown</p>"))
    return f"<h2>Top moments: {html.escape(audience.name)}</h2>" + "".join(parts)


def _room_section(audience: Audience, top: int = 10) -> str:
    room = audience.room
    name = html.escape(audience.name)
    if room is None:
        return (
            f"<h2>Laughs: {name}</h2><p>No room sound was recorded: laughs here are a visual estimate "
            "(a smile score that climbs fast past 0.85).</p>"
        )
    columns = ["timestamp", "session_id", "strength", "viewers_laughed", "viewers_present", "share", "film", "doubt"]
    headings = [
        "time",
        "session",
        "strength",
        "viewers laughed",
        "present",
        "share laughed",
        "the film's own?",
        "doubtful?",
    ]

    def rows(order: list) -> list:
        ranked = room.laughs.sort_values(order, ascending=False).head(top)
        return [
            {
                **r,
                "share": _pct(r["share_laughed"]),
                "film": "yes: not counted" if r["in_film"] else "",
                "doubt": "no face laughed" if r["doubtful"] else "",
            }
            for r in ranked.to_dict(orient="records")
        ]

    silent = [
        {**r, "share": _pct(r["peak_share"]), "seconds": f"{r['end_s'] - r['start_s']:.0f} s"}
        for r in room.silent.sort_values("peak_share", ascending=False).head(top).to_dict(orient="records")
    ]
    silent_columns = ["timestamp", "session_id", "seconds", "share", "viewers_smiling", "viewers_present"]
    silent_headings = ["time", "session", "for", "share smiling", "viewers smiling", "present"]

    claps = [
        {**r, "film": "yes: not counted" if r["in_film"] else "", "length": f"{r['seconds']:.1f} s"}
        for r in room.applause.to_dict(orient="records")
    ]
    applause = (
        f"<h3>Applause</h3><p>{room.applauded} applause heard from the room.</p>"
        + _table(
            claps,
            ["timestamp", "session_id", "length", "strength", "film"],
            ["time", "session", "for", "strength", "the film's own?"],
        )
        if claps
        else ""
    )
    minutes = [
        {
            "from": timestamp(r["from_s"]),
            "laughs": r["laughs"],
            "per minute": "–" if r["per_minute"] != r["per_minute"] else f"{r['per_minute']:.1f}",
        }
        for r in room.by_minute.to_dict(orient="records")
    ]
    return (
        f"<h2>Room laughs: {name}</h2><p>{room.heard} laughs heard, <b>{room.per_minute:.1f} per minute</b> "
        f"of sound. A viewer laughed with a room laugh when their smile was on within {VIEWER_WINDOW_S:g} s of it. "
        "Laughs that coincide with the film's own (given its file) are the film's and not counted. "
        f"{int(room.laughs['doubtful'].sum())} of the room laughs are doubtful: faces were visible and none laughed "
        "(a cough taken for a laugh, or a laugh off camera).</p>"
        "<h3>Strongest</h3>"
        + _table(rows(["strength", "share_laughed"]), columns, headings)
        + "<h3>Most viewers laughing</h3>"
        + _table(rows(["share_laughed", "strength"]), columns, headings)
        + "<h3>Per minute</h3>"
        + _table(minutes, ["from", "laughs", "per minute"])
        + f"<h3>Silent laughs</h3><p>{len(room.silent)} moments when {SILENT_SHARE:.0%} or more of the viewers "
        f"present smiled together, the room was heard, and no room laugh came within {VIEWER_WINDOW_S:g} s.</p>"
        + (_table(silent, silent_columns, silent_headings) if silent else "")
        + applause
    )


def _viewers_section(audience: Audience) -> str:
    rows = []
    for v in audience.viewers:
        labels: Dict[str, Dict[str, Any]] = v["labels"]
        row = {"viewer": v["viewer"], "present": f"{v['seconds_present']} s", "laughs": v["laughs"]}
        row.update({label: _pct(labels[label]["share"]) for label in audience.labels})
        rows.append(row)
    columns = ["viewer", "present", *audience.labels] + (["laughs"] if audience.smile_label else [])
    return f"<h2>Viewers: {html.escape(audience.name)}</h2><p>Share of each viewer's time showing each label.</p>" + (
        _table(rows, columns)
    )


def _differences_section(comparison: Comparison, top: int = 15) -> str:
    a, b = comparison.a.name, comparison.b.name
    rows = [
        {
            "label": r["label"],
            "from": r["from"],
            "to": r["to"],
            "higher": a if r["higher"] == "a" else b,
            "peak": f"{100 * float(r['peak_difference']):+.0f} points at {timestamp(float(r['peak_s']))} "
            f"(band {100 * float(r['peak_low']):+.0f} to {100 * float(r['peak_high']):+.0f})",
            "shares": f"{_pct(r['share_a'])} vs {_pct(r['share_b'])}",
        }
        for r in comparison.regions[:top]
    ]
    intro = (
        f"<p>Where the share of viewers differs by more than its band: runs of at least {MIN_RUN_S} s where the "
        f"{100 * LEVEL:.0f}% band of {html.escape(a)} − {html.escape(b)}, which holds over the whole timeline at "
        "once, excludes zero; the largest first.</p>"
    )
    table = _table(rows, ["label", "from", "to", "higher", "peak", "shares"]) if rows else "<p>No run differs.</p>"
    return "<h2>Where they differ</h2>" + intro + table


def _controls(audiences: Sequence[Audience]) -> str:
    def box(kind: str, value: str, checked: bool) -> str:
        return (
            f'<label><input type="checkbox" data-toggle="{kind}" value="{html.escape(value)}"'
            f"{' checked' if checked else ''}> {html.escape(value)}</label>"
        )

    labels = " ".join(box("label", label, True) for label in audiences[0].labels)
    groups = " ".join(box("audience", a.name, True) for a in audiences) if len(audiences) > 1 else ""
    sessions = " ".join(box("session", s["session_id"], False) for a in audiences for s in a.sessions)
    rows = [f"<div><b>labels</b> {labels}</div>"]
    if groups:
        rows.append(f"<div><b>audiences</b> {groups}</div>")
    rows.append(f"<div><b>sessions</b> {sessions}</div>")
    return '<div class="controls">' + "".join(rows) + "</div>"


CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1150px; color: #1d2733; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .lead { color: #555; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.card { background: #f2f6fa; border-radius: 8px; padding: 0.7rem 1.1rem; }
.card b { display: block; font-size: 1.5rem; }
.controls { background: #f7f9fb; border: 1px solid #e3e8ee; border-radius: 6px; padding: 0.5rem 0.8rem; }
.controls label { margin-right: 0.8rem; white-space: nowrap; } .controls div { margin: 0.2rem 0; }
#readout { min-height: 3.2em; font-size: 0.85rem; margin: 0.5rem 0; color: #333; }
.chart { margin-bottom: 0.8rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.2rem; font-size: 0.88rem; }
th, td { border-bottom: 1px solid #e3e8ee; padding: 0.3rem 0.5rem; text-align: left; }
th { background: #f7f9fb; } small { color: #666; }
"""


def page(audiences: Sequence[Audience], comparison: Optional[Comparison] = None) -> str:
    """The whole report as one HTML document; nothing in it refers to the network."""
    first = audiences[0]
    totals = [a.totals() for a in audiences]
    title = html.escape(" vs ".join(a.name for a in audiences) if comparison else (first.media or first.name))
    cards = []
    for audience, total in zip(audiences, totals):
        prefix = f"{html.escape(audience.name)}: " if comparison else ""
        cards.append(
            f'<div class="card"><b>{total["viewers"]}</b>{prefix}viewers in {total["sessions"]} session(s)</div>'
        )
        for label in audience.labels[:4]:
            share = total["mean_share"][label]
            cards.append(
                f'<div class="card"><b>{_pct(share)}</b>{prefix}showing {html.escape(label)}, on average</div>'
            )
        if audience.room is not None:
            cards.append(f'<div class="card"><b>{audience.room.per_minute:.1f}</b>{prefix}room laughs per minute</div>')
        elif audience.smile_label:
            cards.append(f'<div class="card"><b>{total["laughs"]}</b>{prefix}laugh events (visual estimate)</div>')
    if comparison is not None:
        cards.append(f'<div class="card"><b>{len(comparison.regions)}</b>runs where they differ</div>')
    data = json.dumps(_data(audiences, comparison), separators=(",", ":")).replace("</", "<\\/")
    p = first.params
    sections = "".join(_moments_section(a) for a in audiences)
    if comparison is not None:
        sections = _differences_section(comparison) + sections
    sessions = [s for a in audiences for s in a.sessions]
    laugh_rule = (
        f" A laugh event (smile label {html.escape(first.smile_label)}) is a smile whose score climbs from below "
        f"{p.off} to at least {p.strong} within {p.onset_s} s and stays there for {p.sustain_s} s: a visual estimate."
        if first.smile_label
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>reactlens · {title}</title>
<style>{_static("uPlot.min.css")}{CSS}</style></head><body>
<h1>Audience reaction: {title}</h1>
<p class="lead">{len(first.grid.seconds)} seconds of media ({html.escape(first.media or "untitled")}),
labels {html.escape(", ".join(first.labels))}. Hover a chart for exact values, drag to zoom the timeline
(double-click to zoom out), tick boxes to show or hide labels and sessions.</p>
<div class="cards">{"".join(cards)}</div>
{_controls(audiences)}
<div id="readout">Hover a chart.</div>
<div class="chart" id="chart-share"></div>
{'<div class="chart" id="chart-difference"></div>' if comparison else ""}
<div class="chart" id="chart-mean"></div>
<div class="chart" id="chart-viewers"></div>
{'<div class="chart" id="chart-room"></div>' if any(a.room is not None for a in audiences) else ""}
{sections}
{"".join(_room_section(a) for a in audiences)}
{"".join(_viewers_section(a) for a in audiences)}
<h2>Sessions</h2>
{_table(sessions, ["session_id", "media", "records", "frames", "viewers", "start_s", "end_s"])}
<p><small><b>Method.</b> A viewer is one face track of one session. Each label's probability is smoothed per viewer
(time constant {p.tau_s} s); a viewer shows the label whose smoothed probability last led every other label's by
{p.lead} (for two labels: from {p.on} until it falls to {p.off}), and counts as showing it in a second when that
holds for at least half of their frames there. The share is over the viewers present in that second.
Bands: {100 * LEVEL:.0f}% intervals from resampling
viewers, not frames — a Bayesian bootstrap (Dirichlet weights over the viewers, 1,000 draws) with half a
pseudo-viewer at 0 and at 1 (the Jeffreys prior of a share), which covers the true share in simulated audiences
of 12 viewers more than 90% of the time; with many viewers it equals the percentile bootstrap. A share's band
holds at each second; the band of a difference between two audiences (their viewers resampled independently)
holds over the whole timeline at once, so a film read end to end for differences is one test, not thousands.
A run of at least {MIN_RUN_S} s where that band excludes zero is reported as a difference.
{laugh_rule} Generated by reactlens.</small></p>
<script>{_static("uPlot.iife.min.js")}</script>
<script type="application/json" id="report-data">{data}</script>
<script>{_static("report.js")}</script>
</body></html>
"""
