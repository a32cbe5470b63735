"""Two audiences on one media timeline: where does the share of viewers showing a label differ, for real?

Audience A (``reactlens report A...``) and audience B (``--versus B...``) — two cuts, two screenings, two
cinemas — are analysed over the same seconds. Per label and second, the difference is A's share minus
B's, with a band from resampling the viewers of each audience on their own (see ``bootstrap``). The band
is simultaneous: with 95% confidence it holds the true difference at every second of the film at once,
so reading the whole timeline for differences is one test, not thousands. (Pointwise bands, 95% at each
second, reported 28 false runs per hour of film between two audiences of the same film;
``benchmarks/report_stats.py``.) A second *differs* when the band excludes zero; a *difference* is a run
of at least ``MIN_RUN_S`` such seconds with the same sign, ranked by how far it goes from zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd

from ..errors import ReactlensError
from .audience import Audience, analyse, span
from .bootstrap import Band, difference_band
from .grid import timestamp
from .load import Results
from .signal import SignalParams

MIN_RUN_S = 2
DIFFERENCE_COLUMNS = ["second", "label", "difference", "low", "high", "differs"]


@dataclass
class Comparison:
    """Both audiences, their per-label difference curves and the runs where they differ."""

    a: Audience
    b: Audience
    difference: pd.DataFrame
    regions: List[Dict[str, Any]]

    def summary(self) -> Dict[str, Any]:
        """JSON-ready: each audience's summary, and the differences ranked."""
        return {
            "audiences": [self.a.name, self.b.name],
            "a": self.a.summary(),
            "b": self.b.summary(),
            "definitions": {"difference": f"{self.a.name} minus {self.b.name}", "min_run_s": MIN_RUN_S},
            "differences": self.regions,
        }


def _runs(flags: np.ndarray) -> List[tuple]:
    """``(start, stop)`` index pairs of the runs of true values."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))


def regions_of(label: str, seconds: np.ndarray, band: Band, a: pd.DataFrame, b: pd.DataFrame) -> List[Dict[str, Any]]:
    """The runs of at least ``MIN_RUN_S`` seconds where ``band`` excludes zero with one sign."""
    out: List[Dict[str, Any]] = []
    for sign in (1, -1):
        flags = (band.low > 0) if sign > 0 else (band.high < 0)
        for start, stop in _runs(flags):
            if stop - start < MIN_RUN_S:
                continue
            peak = start + int(np.argmax(sign * band.value[start:stop]))
            out.append(
                {
                    "label": label,
                    "start_s": int(seconds[start]),
                    "end_s": int(seconds[stop - 1]) + 1,
                    "from": timestamp(seconds[start]),
                    "to": timestamp(seconds[stop - 1] + 1),
                    "higher": "a" if sign > 0 else "b",
                    "peak_s": int(seconds[peak]),
                    "peak_difference": round(float(band.value[peak]), 4),
                    "peak_low": round(float(band.low[peak]), 4),
                    "peak_high": round(float(band.high[peak]), 4),
                    "share_a": round(float(np.nanmean(a["share"].to_numpy()[start:stop])), 4),
                    "share_b": round(float(np.nanmean(b["share"].to_numpy()[start:stop])), 4),
                }
            )
    return out


def compare(
    a: Results,
    b: Results,
    names: Optional[List[str]] = None,
    media: Optional[List[Optional[str]]] = None,
    params: SignalParams = SignalParams(),
    top: int = 10,
) -> Comparison:
    """Analyse both audiences over the union of their seconds and find where they differ."""
    if a.labels != b.labels:
        raise ReactlensError(
            f"the two sets of results have different labels ({', '.join(a.labels)} / {', '.join(b.labels)})",
            "compare results of the same classifier",
        )
    media_a, media_b = media or [None, None]
    (first_a, last_a), (first_b, last_b) = span(a, media_a), span(b, media_b)
    seconds = (min(first_a, first_b), max(last_a, last_b))
    name_a, name_b = names or ["", ""]
    left = analyse(a, media_a, params, top, name_a, seconds)
    right = analyse(b, media_b, params, top, name_b, seconds)
    if left.name == right.name:  # the same media title: call them A and B
        left.name, right.name = (name_a or "A"), (name_b or "B")
    parts = []
    regions: List[Dict[str, Any]] = []
    grid_a, grid_b = left.grid, right.grid
    for label in a.labels:
        band = difference_band((grid_a.showing[label], grid_a.present), (grid_b.showing[label], grid_b.present))
        differs = (band.low > 0) | (band.high < 0)  # NaN (nobody present) compares false
        parts.append(
            pd.DataFrame(
                {
                    "second": grid_a.seconds,
                    "label": label,
                    "difference": np.round(band.value, 4),
                    "low": np.round(band.low, 4),
                    "high": np.round(band.high, 4),
                    "differs": differs,
                }
            )
        )
        regions += regions_of(label, grid_a.seconds, band, left.label_curve(label), right.label_curve(label))
    regions.sort(key=lambda r: -abs(float(r["peak_difference"])))
    difference = pd.concat(parts, ignore_index=True)[DIFFERENCE_COLUMNS]
    return Comparison(left, right, difference, regions)
