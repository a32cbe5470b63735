"""What the audience's curves and the room's laughs are both computed from: the per-viewer, per-second grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import numpy as np


def timestamp(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss`` (``-m:ss`` before the film's start: a recording that began before it)."""
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if seconds <= -1 else ""
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"


@dataclass
class Grid:
    """Per viewer and second of media, for every label: what the curves and their bands are made of.

    Arrays are ``(viewers, seconds)``; ``score`` and ``showing`` are meaningful where ``present`` is true.
    """

    seconds: np.ndarray
    viewers: List[str]
    sessions: List[str]
    present: np.ndarray
    #: The viewer's mean probability of the label in that second, as float32 (a classifier's own precision; in float64
    #: a seven-label report on 500 viewers over 2 hours held 202 MB of them, not 101).
    score: Dict[str, np.ndarray]
    #: True when the viewer shows the label (state on for at least half of that second's records).
    showing: Dict[str, np.ndarray]
    #: Viewers whose state turns on, per second.
    onsets: Dict[str, np.ndarray]
    #: Laugh events beginning, per second (smile label only).
    laughs: np.ndarray
