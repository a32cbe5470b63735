"""Per-viewer signals: smoothing, the expression a viewer shows, and laugh events.

For each viewer (a session's ``face_id``), in time order:

* **smoothed score** ``s`` of each label: an exponential moving average of the frame's probability with
  time constant ``tau_s`` (0.5 s), so a one-frame flicker barely moves it; a gap longer than
  ``reset_gap_s`` restarts it.
* **expression shown**: a label becomes the viewer's expression when its smoothed score leads every other
  label's by at least ``lead`` (0.2), and stays so until another label does — hysteresis, so scores
  hovering near each other do not flicker the state. Before any label has led, none is shown. For two
  labels (smile-net) this is a smile from when ``s`` reaches ``on`` (0.6) until it falls to ``off`` (0.4).
* **laugh event** (smile label only): a smiling episode whose score climbs from below ``off`` to at least
  ``strong`` (0.85) within ``onset_s`` (1.5 s: a fast onset) and stays at or above ``strong`` for
  ``sustain_s`` (0.8 s). At most one per episode; its time is the moment ``s`` first reached ``strong``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np


@dataclass(frozen=True)
class SignalParams:
    """The thresholds and time constants above."""

    tau_s: float = 0.5
    lead: float = 0.2
    on: float = 0.6
    off: float = 0.4
    strong: float = 0.85
    onset_s: float = 1.5
    sustain_s: float = 0.8
    reset_gap_s: float = 2.0


#: Longest stretch (seconds) summed in one go by ``smooth``: keeps exp(t/tau) far from overflowing.
_CHUNK_S = 200.0


def smooth(times: np.ndarray, scores: np.ndarray, params: SignalParams) -> np.ndarray:
    """Exponential moving average over irregularly spaced samples, vectorised.

    Between samples the level decays by ``exp(-dt/tau)``, so the level at sample ``i`` of a stretch that
    starts at ``t0`` is ``exp(-(t_i - t0)/tau) * (x_0 + sum_j alpha_j x_j exp((t_j - t0)/tau))``: one
    cumulative sum per stretch. A stretch ends at a gap over ``reset_gap_s`` (the level restarts) or
    after ``_CHUNK_S`` seconds (the level carries over).
    """
    times = np.asarray(times, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    out = np.empty(len(scores), dtype=np.float64)
    if not len(scores):
        return out
    gaps = np.flatnonzero(np.diff(times) > params.reset_gap_s) + 1
    for segment in np.split(np.arange(len(times)), gaps):
        level, level_t = scores[segment[0]], times[segment[0]]  # a stretch starts at its first score
        start = 0
        while start < len(segment):
            stop = start + int(np.searchsorted(times[segment[start:]], level_t + _CHUNK_S, side="right"))
            idx = segment[start : max(stop, start + 1)]
            t = times[idx] - level_t
            growth = np.exp(t / params.tau_s)
            alpha = 1.0 - np.exp(-np.maximum(np.diff(t, prepend=0.0), 0.0) / params.tau_s)
            out[idx] = (level + np.cumsum(alpha * scores[idx] * growth)) / growth
            level, level_t = out[idx[-1]], times[idx[-1]]
            start += len(idx)
    return out


def expression(smoothed: np.ndarray, lead: float) -> np.ndarray:
    """Per sample, the index of the label shown (-1 before any label has led), from ``(samples, labels)`` scores.

    The label shown is the one that last led every other by at least ``lead``: vectorised as the leader
    at the most recent decisive sample.
    """
    smoothed = np.asarray(smoothed, dtype=np.float64)
    if smoothed.shape[1] == 1:
        return np.zeros(len(smoothed), dtype=np.int64)
    top_two = np.sort(smoothed, axis=1)[:, -2:]
    decisive = top_two[:, 1] - top_two[:, 0] >= lead - 1e-9  # 0.6 - 0.4 is 0.19999999999999996
    last = np.maximum.accumulate(np.where(decisive, np.arange(len(smoothed)), -1))
    return np.where(last >= 0, smoothed.argmax(axis=1)[np.maximum(last, 0)], -1)


class LaughOnsets:
    """The laugh-event rule above, one smoothed smile score at a time (the live dashboard feeds it frame by frame)."""

    def __init__(self, params: SignalParams) -> None:
        self.params = params
        self.last_low: Optional[float] = None  # last time the score was below `off`
        self.armed = True  # one event per episode: re-armed when the score falls back below `off`
        self.strong_since: Optional[float] = None

    def step(self, t: float, s: float) -> Optional[float]:
        """Take the score ``s`` at time ``t``; the event's time when one is complete now, else None."""
        params = self.params
        if s < params.off:
            self.last_low, self.armed, self.strong_since = t, True, None
            return None
        if s < params.strong:
            self.strong_since = None
            return None
        if self.strong_since is None:
            fast = self.last_low is not None and t - self.last_low <= params.onset_s
            self.strong_since = t if fast and self.armed else math.inf
        if self.strong_since != math.inf and t - self.strong_since >= params.sustain_s and self.armed:
            self.armed = False
            return float(self.strong_since)
        return None


def laugh_events(times: np.ndarray, smoothed: np.ndarray, params: SignalParams) -> List[float]:
    """Times of laugh events, as defined in the module docstring."""
    onsets = LaughOnsets(params)
    return [t for t in (onsets.step(float(a), float(b)) for a, b in zip(times, smoothed)) if t is not None]
