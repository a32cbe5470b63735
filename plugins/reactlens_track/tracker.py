"""Following each viewer through the field of view.

An audience mostly sits still, turns and leans, and hides behind a hand when laughing hard; the detector
misses some frames. So a viewer is matched by box overlap (IoU) first and, failing that, by position
relative to face size, and a viewer unseen for up to ``max_gap_s`` seconds keeps its id. Ids grow from 0
and are never reused within a session.

Why not a library: ByteTrack (supervision) and norfair bring scipy, filterpy and more, count gaps in
frames rather than seconds, and would not run in the DeepLens package (Python 3.7, no compiled extras).
Every pair of viewer and face is scored in one numpy operation, and the few pairs that can match are taken
greedily, best first: a full house of 400 faces costs about a millisecond a frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from reactlens.components import Box, Frame, Tracker
from reactlens.faces import iou_matrix
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

    def _scores(self, boxes: Sequence[Box], now: float) -> np.ndarray:
        """Match quality of every (track, box) pair (higher is better; 0 means no match): 1 + IoU with the track's
        predicted box when that is at least ``min_iou``, else 1 - shift / ``max_shift`` for a centre shift (in
        face widths) below ``max_shift`` between faces of similar size. One array operation for a full house."""
        predicted = [t.predicted(now) for t in self.tracks]
        overlap = iou_matrix(predicted, boxes)
        guess = np.asarray(predicted, dtype=np.float64).reshape(-1, 1, 4)
        box = np.asarray(boxes, dtype=np.float64).reshape(1, -1, 4)
        gx, gy, gw, gh = (guess[..., k] for k in range(4))
        bx, by, bw, bh = (box[..., k] for k in range(4))
        scale = np.maximum(bw, gw) / np.maximum(1.0, np.minimum(bw, gw))
        dx, dy = (bx + bw / 2.0) - (gx + gw / 2.0), (by + bh / 2.0) - (gy + gh / 2.0)
        shift = np.sqrt(dx * dx + dy * dy) / np.maximum(1.0, (bw + gw) / 2.0)
        near = (scale <= self.max_scale) & (shift < self.max_shift)
        return np.where(overlap >= self.min_iou, 1.0 + overlap, np.where(near, 1.0 - shift / self.max_shift, 0.0))

    def update(self, frame: Frame, boxes: Sequence[Box]) -> List[int]:
        now = frame.time_s
        self.tracks = [t for t in self.tracks if now - t.last_seen <= self.max_gap_s]
        pairs: List[Tuple[float, int, int]] = []
        if self.tracks and len(boxes):
            scores = self._scores(boxes, now)
            rows, cols = np.nonzero(scores > 0.0)
            pairs = list(zip(scores[rows, cols].tolist(), rows.tolist(), cols.tolist()))
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
