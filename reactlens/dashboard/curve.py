"""Live reaction curves: the report's per-second shares, built one record at a time as a screening runs.

The report (``reactlens.report``) smooths each viewer's scores, decides which expression they show, and
counts per second of media the viewers present and those showing each label. Every step is causal, so it
can run live: ``ViewerSignal`` keeps one viewer's smoothed scores and expression, ``SessionCurve`` closes a
second once a later frame arrives, and ``Series`` keeps the closed seconds with a version each, so a browser
is sent only what changed since it last looked. On the same records the live curve equals the report's
(tested), as it rounds scores to the CSV's four decimals first.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..report.signal import LaughOnsets, SignalParams


@dataclass
class Point:
    """One second of media: viewers present, viewers showing each label, viewers' laugh events starting."""

    second: int
    viewers: int = 0
    showing: Dict[str, int] = field(default_factory=dict)
    laughs: int = 0

    def merge(self, other: Point) -> Point:
        """The sum of two audiences' (or two updates') counts for the same second."""
        showing = dict(self.showing)
        for label, count in other.showing.items():
            showing[label] = showing.get(label, 0) + count
        return Point(self.second, self.viewers + other.viewers, showing, self.laughs + other.laughs)

    def row(self, labels: Sequence[str]) -> List[object]:
        """Compact JSON: ``[second, viewers, [showing per label], laughs]``."""
        return [self.second, self.viewers, [self.showing.get(label, 0) for label in labels], self.laughs]


class Series:
    """Per-second points that only grow: each ``add`` sums into its second and bumps a version."""

    def __init__(self) -> None:
        self.points: Dict[int, Point] = {}
        self.version = 0
        self._changes: List[Tuple[int, int]] = []  # (version, second), in version order

    def add(self, point: Point) -> None:
        present = self.points.get(point.second)
        self.points[point.second] = present.merge(point) if present else point
        self.version += 1
        self._changes.append((self.version, point.second))

    def since(self, version: int) -> List[Point]:
        """The points changed after ``version``, in time order."""
        start = bisect.bisect_right(self._changes, (version, math.inf))
        return [self.points[s] for s in sorted({second for _, second in self._changes[start:]})]


class ViewerSignal:
    """One viewer's smoothed scores, the expression shown and laugh onsets, as ``reactlens.report.signal``."""

    def __init__(self, labels: int, smile_index: Optional[int], params: SignalParams) -> None:
        self.params = params
        self.smile_index = smile_index
        self.level = np.zeros(labels)
        self.time: Optional[float] = None
        self.shown = 0 if labels == 1 else -1
        self.laughs = LaughOnsets(params) if smile_index is not None else None

    def step(self, time_s: float, probs: np.ndarray) -> Optional[float]:
        """Take one record's probabilities; the time of a laugh event completed now, else None."""
        params = self.params
        if self.time is None or time_s - self.time > params.reset_gap_s:
            self.level = probs.astype(np.float64)
        else:
            decay = math.exp(-max(time_s - self.time, 0.0) / params.tau_s)
            self.level = self.level * decay + (1.0 - decay) * probs
        self.time = time_s
        if len(self.level) > 1:
            first, second = np.sort(self.level)[-2:][::-1]
            if first - second >= params.lead - 1e-9:
                self.shown = int(self.level.argmax())
        if self.laughs is None or self.smile_index is None:
            return None
        return self.laughs.step(time_s, float(self.level[self.smile_index]))


class SessionCurve:
    """One session's curve on the media timeline, closed second by second as records arrive in time order."""

    def __init__(self, labels: Sequence[str], smile_label: Optional[str], params: Optional[SignalParams] = None):
        self.labels = tuple(labels)
        self.smile_index = self.labels.index(smile_label) if smile_label in self.labels else None
        self.params = params or SignalParams()
        self.series = Series()
        self.second: Optional[int] = None
        self._viewers: Dict[int, ViewerSignal] = {}
        self._bin: Dict[int, List[int]] = {}  # viewer → [records, records showing each label...]
        self._open_laughs = 0  # laugh events in the second not closed yet
        #: Faces in the last frame added.
        self.faces_now = 0

    def advance(self, time_s: float) -> List[Point]:
        """Close every second before the one ``time_s`` falls in (a frame with or without faces); the new points."""
        second = math.floor(time_s)
        closed: List[Point] = []
        if self.second is None:
            self.second = second
        while self.second < second:
            closed.append(self._close(self.second))
            self.second += 1
        return closed

    def add(self, time_s: float, records: Iterable[Tuple[int, Sequence[float]]]) -> List[Point]:
        """Add one frame's ``(face_id, probabilities)``.

        Returns what it added to the series, as points to sum: seconds closed, and a laugh for a second
        closed before (an event is complete 0.8 s after its time).
        """
        changed = self.advance(time_s)
        faces = 0
        for face_id, probs in records:
            faces += 1
            viewer = self._viewers.get(face_id)
            if viewer is None:
                viewer = self._viewers[face_id] = ViewerSignal(len(self.labels), self.smile_index, self.params)
            laugh = viewer.step(time_s, np.round(np.asarray(probs, dtype=np.float64), 4))
            counts = self._bin.setdefault(face_id, [0] * (len(self.labels) + 1))
            counts[0] += 1
            if viewer.shown >= 0:
                counts[viewer.shown + 1] += 1
            if laugh is not None:
                second = math.floor(laugh)
                if self.second is not None and second < self.second:
                    late = Point(second, laughs=1)
                    self.series.add(late)
                    changed.append(late)
                else:
                    self._open_laughs += 1
        self.faces_now = faces
        return changed

    def finish(self) -> List[Point]:
        """Close the last second (the screening ended)."""
        if self.second is None:
            return []
        closed = self._close(self.second)
        self.second += 1
        return [closed]

    def _close(self, second: int) -> Point:
        showing = dict.fromkeys(self.labels, 0)
        for counts in self._bin.values():
            for k, label in enumerate(self.labels):
                if counts[k + 1] >= 0.5 * counts[0]:
                    showing[label] += 1
        point = Point(second, len(self._bin), showing, self._open_laughs)
        self._open_laughs = 0
        self._bin = {}
        self.series.add(point)
        return point
