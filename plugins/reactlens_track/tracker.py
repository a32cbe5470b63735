"""Following each viewer through the field of view.

An audience mostly sits still, turns and leans, and hides behind a hand when laughing hard; the detector
misses some frames. So a viewer is matched by box overlap (IoU) first and, failing that, by position
relative to face size, and a viewer unseen for up to ``max_gap_s`` seconds keeps its id. Ids grow from 0
and are never reused within a session.

A seated audience stays in its seats for the whole film, and a viewer who looks down, turns to a neighbour or is
hidden by the head in front for minutes must come back as the same viewer, or one viewer becomes many and the
report's viewer count and bands are wrong. With ``seat_s`` > 0, a viewer who sat still (seen for ``SEATED_S`` seconds
within half a face width of one place) and then vanished leaves a *seat*: a face that later appears there, of about
the same size, takes the seat's viewer id back, for up to ``seat_s`` seconds after the viewer left.

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

#: Seconds a viewer must have stayed in one place to leave a seat when they vanish.
SEATED_S = 2.0
#: How far (in face widths) a viewer's face may wander from where it was first seen and still be seated.
SEATED_SHIFT = 0.5


@dataclass
class Track:
    """A viewer: id, last box, when last seen, and the box's velocity in pixels per second; where and when it was
    first seen (its seat, while it stays there)."""

    track_id: int
    box: Box
    last_seen: float
    vx: float = 0.0
    vy: float = 0.0
    first_box: Box = (0, 0, 0, 0)
    first_seen: float = 0.0

    def __post_init__(self) -> None:
        if self.first_box == (0, 0, 0, 0):
            self.first_box, self.first_seen = self.box, self.last_seen

    @property
    def seated(self) -> bool:
        """Seen for ``SEATED_S`` seconds, and still within ``SEATED_SHIFT`` face widths of where it was first seen."""
        (x, y, w, h), (fx, fy, fw, fh) = self.box, self.first_box
        shift = max(abs(x + w / 2.0 - fx - fw / 2.0), abs(y + h / 2.0 - fy - fh / 2.0))
        return self.last_seen - self.first_seen >= SEATED_S and shift <= SEATED_SHIFT * max(fw, 1)

    def predicted(self, now: float) -> Box:
        """Where the box should be at ``now`` (velocity is only trusted over short gaps)."""
        dt = min(now - self.last_seen, 0.5)
        x, y, w, h = self.box
        # rounded: truncated, a velocity decayed to a hundredth of a pixel moved a box left of or above where it is
        return (round(x + self.vx * dt), round(y + self.vy * dt), w, h)


class ViewerTracker(Tracker):
    """Assigns viewer ids to face boxes.

    ``max_gap_s``: how long an unseen viewer keeps its id. ``min_iou``: overlap that counts as the same
    viewer. ``max_shift``: otherwise, the largest centre shift (in face widths) still taken as the same
    viewer, for faces of similar size (``max_scale`` ratio). ``seat_s``: how long a seated viewer's seat keeps
    their id after they vanish (0: not at all; see the module docstring).
    """

    def __init__(
        self,
        max_gap_s: float = 2.0,
        min_iou: float = 0.25,
        max_shift: float = 0.8,
        max_scale: float = 1.6,
        seat_s: float = 0.0,
    ):
        self.max_gap_s = float(max_gap_s)
        self.min_iou = float(min_iou)
        self.max_shift = float(max_shift)
        self.max_scale = float(max_scale)
        self.seat_s = float(seat_s)
        self.tracks: List[Track] = []
        #: Viewers who vanished from their seats (box: the seat, last_seen: when they left).
        self.seats: List[Track] = []
        self.next_id = 0

    def _scores(self, predicted: Sequence[Box], boxes: Sequence[Box]) -> np.ndarray:
        """Match quality of every (viewer, box) pair (higher is better; 0 means no match): 1 + IoU with where the
        viewer should be when that is at least ``min_iou``, else 1 - shift / ``max_shift`` for a centre shift (in
        face widths) below ``max_shift`` between faces of similar size. One array operation for a full house."""
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
        gone = [t for t in self.tracks if now - t.last_seen > self.max_gap_s]
        if gone:
            self.tracks = [t for t in self.tracks if now - t.last_seen <= self.max_gap_s]
            if self.seat_s > 0:
                self.seats.extend(t for t in gone if t.seated)
        if self.seats:
            self.seats = [s for s in self.seats if now - s.last_seen <= self.seat_s]
        ids = [-1] * len(boxes)
        where = [t.predicted(now) for t in self.tracks]
        found = self._unmoved(where, boxes, ids)  # a held face's box is the same box: no need to score it
        if -1 in ids and len(found) < len(self.tracks):
            taken = {id(track) for track, _ in found}
            rest = [i for i, t in enumerate(self.tracks) if id(t) not in taken]
            found += self._matched([self.tracks[i] for i in rest], [where[i] for i in rest], boxes, ids)
        for track, bi in found:
            dt = now - track.last_seen
            new = boxes[bi]
            moved = new != track.box  # a held face has not (a full house's every face, most frames)
            if 0 < dt <= 0.5:
                vx = vy = 0.0
                if moved:
                    old = track.box
                    vx = ((new[0] + new[2] / 2.0) - (old[0] + old[2] / 2.0)) / dt
                    vy = ((new[1] + new[3] / 2.0) - (old[1] + old[3] / 2.0)) / dt
                # smoothed velocity of the box centre
                track.vx, track.vy = 0.5 * track.vx + 0.5 * vx, 0.5 * track.vy + 0.5 * vy
            if moved:
                track.box = box_of(new)
            track.last_seen = now
        if self.seats and -1 in ids:  # back in a seat: the seat's viewer, seen again
            back = self._matched(self.seats, [s.first_box for s in self.seats], boxes, ids)
            for seat, bi in back:
                seat.box, seat.last_seen, seat.vx, seat.vy = box_of(boxes[bi]), now, 0.0, 0.0
                self.tracks.append(seat)
            taken = {id(seat) for seat, _ in back}
            self.seats = [s for s in self.seats if id(s) not in taken]
        for bi, box in enumerate(boxes):
            if ids[bi] < 0:
                self.tracks.append(Track(self.next_id, box_of(box), now))
                ids[bi] = self.next_id
                self.next_id += 1
        return ids

    def _unmoved(self, where: List[Box], boxes: Sequence[Box], ids: List[int]) -> List[Tuple[Track, int]]:
        """Boxes exactly where a viewer is expected (the best match there can be, so greedy matching would take
        them first), given that viewer's id; each viewer matched, with its box's index."""
        expected: dict = {}
        for track, box in zip(self.tracks, where):
            expected.setdefault(box, track)
        matched: List[Tuple[Track, int]] = []
        for bi, box in enumerate(boxes):
            track = expected.pop(box_of(box), None)
            if track is not None:
                ids[bi] = track.track_id
                matched.append((track, bi))
        return matched

    def _matched(
        self, viewers: List[Track], where: List[Box], boxes: Sequence[Box], ids: List[int]
    ) -> List[Tuple[Track, int]]:
        """Give boxes without an id yet (``ids`` -1) the id of the viewer expected ``where`` they are, best pairs
        first, one box per viewer; each viewer matched, with its box's index."""
        free = [bi for bi, i in enumerate(ids) if i < 0]
        if not viewers or not free:
            return []
        scores = self._scores(where, [boxes[bi] for bi in free])
        rows, cols = np.nonzero(scores > 0.0)
        pairs: List[Tuple[float, int, int]] = sorted(
            zip(scores[rows, cols].tolist(), rows.tolist(), cols.tolist()), reverse=True
        )
        matched: List[Tuple[Track, int]] = []
        used = set()
        for _, vi, ci in pairs:
            bi = free[ci]
            if vi in used or ids[bi] >= 0:
                continue
            used.add(vi)
            ids[bi] = viewers[vi].track_id
            matched.append((viewers[vi], bi))
        return matched
