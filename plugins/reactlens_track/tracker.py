"""Following each viewer through the field of view.

An audience mostly sits still, turns and leans, and hides behind a hand when laughing hard; the detector
misses some frames. So a viewer is matched by box overlap (IoU) first and, failing that, by position
relative to face size, and a viewer unseen for up to ``max_gap_s`` seconds keeps its id. Ids grow from 0
and are never reused within a session.

Why not a library: ByteTrack (supervision) and norfair bring scipy, filterpy and more, count gaps in
frames rather than seconds, and would not run in the DeepLens package (Python 3.7, no compiled extras).
Greedy matching over a handful of faces costs microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from reactlens.components import Box, Frame, Tracker
from reactlens.faces import iou
from reactlens.geometry import box_of


@dataclass
class Track:
    """A viewer: id, last box, when last seen, and the box's velocity in pixels per second."""

    track_id: int
    box: Box
    last_seen: float
    vx: float = 0.0
    vy: float = 0.0

    def predicted(self, now: float) -> Box:
        """Where the box should be at ``now`` (velocity is only trusted over short gaps)."""
        dt = min(now - self.last_seen, 0.5)
        x, y, w, h = self.box
        return (int(x + self.vx * dt), int(y + self.vy * dt), w, h)


class ViewerTracker(Tracker):
    """Assigns viewer ids to face boxes.

    ``max_gap_s``: how long an unseen viewer keeps its id. ``min_iou``: overlap that counts as the same
    viewer. ``max_shift``: otherwise, the largest centre shift (in face widths) still taken as the same
    viewer, for faces of similar size (``max_scale`` ratio).
    """

    def __init__(self, max_gap_s: float = 2.0, min_iou: float = 0.25, max_shift: float = 0.8, max_scale: float = 1.6):
        self.max_gap_s = float(max_gap_s)
        self.min_iou = float(min_iou)
        self.max_shift = float(max_shift)
        self.max_scale = float(max_scale)
        self.tracks: List[Track] = []
        self.next_id = 0

    def _score(self, track: Track, box: Box, now: float) -> float:
        """Match quality (higher is better); 0 means no match."""
        guess = track.predicted(now)
        overlap = iou(guess, box)
        if overlap >= self.min_iou:
            return 1.0 + overlap
        scale = max(box[2], guess[2]) / float(max(1, min(box[2], guess[2])))
        if scale > self.max_scale:
            return 0.0
        dx = (box[0] + box[2] / 2.0) - (guess[0] + guess[2] / 2.0)
        dy = (box[1] + box[3] / 2.0) - (guess[1] + guess[3] / 2.0)
        shift = (dx * dx + dy * dy) ** 0.5 / max(1.0, (box[2] + guess[2]) / 2.0)
        return 1.0 - shift / self.max_shift if shift < self.max_shift else 0.0

    def update(self, frame: Frame, boxes: Sequence[Box]) -> List[int]:
        now = frame.time_s
        self.tracks = [t for t in self.tracks if now - t.last_seen <= self.max_gap_s]
        pairs: List[Tuple[float, int, int]] = []
        for ti, track in enumerate(self.tracks):
            for bi, box in enumerate(boxes):
                score = self._score(track, box, now)
                if score > 0.0:
                    pairs.append((score, ti, bi))
        pairs.sort(reverse=True)
        ids = [-1] * len(boxes)
        used = set()
        for _, ti, bi in pairs:
            if ti in used or ids[bi] >= 0:
                continue
            used.add(ti)
            track = self.tracks[ti]
            dt = now - track.last_seen
            if 0 < dt <= 0.5:
                old, new = track.box, boxes[bi]
                # smoothed velocity of the box centre
                vx = ((new[0] + new[2] / 2.0) - (old[0] + old[2] / 2.0)) / dt
                vy = ((new[1] + new[3] / 2.0) - (old[1] + old[3] / 2.0)) / dt
                track.vx, track.vy = 0.5 * track.vx + 0.5 * vx, 0.5 * track.vy + 0.5 * vy
            track.box, track.last_seen = box_of(boxes[bi]), now
            ids[bi] = track.track_id
        for bi, box in enumerate(boxes):
            if ids[bi] < 0:
                self.tracks.append(Track(self.next_id, box_of(box), now))
                ids[bi] = self.next_id
                self.next_id += 1
        return ids
