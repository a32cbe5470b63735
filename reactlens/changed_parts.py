"""Which parts of a frame changed since each was last scanned, so a held audience's scans can look only there.

A seated audience's picture barely changes between full scans, and a scan of the parts that did (a face that
turned, looked down or came in) finds what a scan of the whole frame would. The frame is compared, on a grey copy a
``SHRINK``-th of its size, with how each place looked when it was last scanned: where the root mean square of the
difference over ``WINDOW`` × ``WINDOW`` of its pixels (about a far seat's face) is above ``threshold`` grey levels, it
changed. Changes less than two margins apart make one part: its *core* is the box around them (a face belongs to the
part whose core holds its centre), its *window*, what the detector sees, has ``margin`` pixels around the core, so a
face on its edge is seen whole, with some of its surroundings. Each part is then looked at alone
(``CameraRate._scan_parts``).

A camera's sensor noise moves that measure by 2–3.5 grey levels on the composed full house in full light and at a
fifth of it; a 20-pixel face blurred away moves it by 4.7 or more at a fifth of the light, 22 or more in full light
(the README's "Scans where the picture changed").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

#: The grey copy compared is this many times smaller each way than the frame.
SHRINK = 4
#: Side, in the grey copy's pixels, of the square over which a difference is averaged.
WINDOW = 3
#: Parts whose windows together cover more than this share of the frame are scanned as one whole frame (a scan in
#: strips, with the parts' overlaps, costs about as much).
MOST = 0.5

#: A rectangle in frame pixels: x0, y0, x1, y1 (ends excluded).
Rect = Tuple[int, int, int, int]


@dataclass(frozen=True)
class Part:
    """A part to scan: ``window`` is what the detector sees, ``core`` where it judges the faces (their centres)."""

    window: Rect
    core: Rect


def holds(cores: List[Rect], x: float, y: float) -> bool:
    """Whether a point (a face's centre) lies in one of ``cores``."""
    return any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in cores)


def _on_grey(rect: Rect) -> Rect:
    """The grey copy's pixels that ``rect`` (frame pixels, perhaps reaching out of the frame) touches."""
    x0, y0, x1, y1 = rect
    return max(0, x0 // SHRINK), max(0, y0 // SHRINK), max(0, -(-x1 // SHRINK)), max(0, -(-y1 // SHRINK))


def _around(core: Rect, margin: int, width: int, height: int) -> Rect:
    """``core`` with ``margin`` pixels around it, within the frame."""
    x0, y0, x1, y1 = core
    return max(0, x0 - margin), max(0, y0 - margin), min(width, x1 + margin), min(height, y1 + margin)


class ChangedParts:
    """The changed parts of frames of one scene; see the module docstring."""

    def __init__(self, threshold: float) -> None:
        self.threshold = float(threshold)
        #: The grey copy as each place looked when it was last scanned; None before a scene's first scan.
        self._seen: Optional[np.ndarray] = None

    @staticmethod
    def _grey(image: np.ndarray) -> np.ndarray:
        # every other pixel first (nearest: 0.6 ms for all three steps at 1080p; greying a strided view took 3.4)
        half = cv2.resize(
            image, (max(1, image.shape[1] // 2), max(1, image.shape[0] // 2)), interpolation=cv2.INTER_NEAREST
        )
        if half.ndim == 3:
            half = cv2.cvtColor(half, cv2.COLOR_BGR2GRAY)
        size = (max(1, image.shape[1] // SHRINK), max(1, image.shape[0] // SHRINK))
        return cv2.resize(half, size, interpolation=cv2.INTER_AREA).astype(np.float32)

    def forget(self) -> None:
        """A new scene: its first scan is of the whole frame."""
        self._seen = None

    def scanned_whole(self, image: np.ndarray) -> None:
        """The whole of ``image`` was scanned: every place is compared with it from now on."""
        self._seen = self._grey(image)

    def parts(
        self, image: np.ndarray, margin: int, also: Sequence[Rect] = (), followed: Sequence[Rect] = ()
    ) -> Optional[List[Part]]:
        """The parts of ``image`` that changed since they were last scanned, but for the changes within ``followed``
        (faces followed there, whose own re-detection looks at them), and the rectangles ``also`` (none: nothing to
        scan), each noted as scanned; or None when the whole frame is to be scanned (the scene's first scan, or most
        of it changed), noted as scanned whole."""
        seen = self._seen
        grey = self._grey(image)
        if seen is None or seen.shape != grey.shape:
            self._seen = grey
            return None
        changed = (np.sqrt(cv2.blur((grey - seen) ** 2, (WINDOW, WINDOW))) > self.threshold).astype(np.uint8)
        for x0, y0, x1, y1 in (_on_grey(rect) for rect in followed):
            changed[y0:y1, x0:x1] = 0
        for x0, y0, x1, y1 in (_on_grey(rect) for rect in also):
            changed[y0:y1, x0:x1] = 1
        if not changed.any():
            return []
        # changes closer than two margins apart are one part: each window is the bounding box of its changes grown
        # by the margin, and its core the bounding box of the changes themselves
        reach = max(1, -(-margin // SHRINK))
        grown = cv2.dilate(changed, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 2 * reach + 1)))
        _, labels = cv2.connectedComponents(grown, connectivity=8)
        rows, cols = np.nonzero(changed)
        part_of = labels[rows, cols]
        order = np.argsort(part_of, kind="stable")
        rows, cols, part_of = rows[order], cols[order], part_of[order]
        starts = np.flatnonzero(np.r_[True, part_of[1:] != part_of[:-1]])  # each part's first changed pixel
        height, width = image.shape[:2]
        parts = []
        for x0, y0, x1, y1 in zip(
            *(np.minimum.reduceat(v, starts).tolist() for v in (cols, rows)),
            *(np.maximum.reduceat(v, starts).tolist() for v in (cols, rows)),
        ):
            core = x0 * SHRINK, y0 * SHRINK, min(width, (x1 + 1) * SHRINK), min(height, (y1 + 1) * SHRINK)
            parts.append(Part(_around(core, margin, width, height), core))
        area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in (p.window for p in parts))
        if area > MOST * width * height:
            self._seen = grey
            return None
        for part in parts:
            x0, y0, x1, y1 = (v // SHRINK for v in part.core)
            seen[y0:y1, x0:x1] = grey[y0:y1, x0:x1]
        return parts
