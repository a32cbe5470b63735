"""Which parts of a frame changed since each was last scanned, so a held audience's scans can look only there.

A seated audience's picture barely changes between full scans, and a scan of the parts that did (a face that
turned, looked down or came in) finds what a scan of the whole frame would. The frame is cut into ``TILES`` ×
``TILES`` tiles. Each is compared, on a grey copy a ``SHRINK``-th of the frame's size, with how it looked when it was
last scanned: the root mean square of the difference over ``WINDOW`` × ``WINDOW`` of its pixels (about a far seat's
face) above ``threshold`` grey levels anywhere in the tile is a change (a face that changes, changes around its
centre). A run of changed tiles along a row, with the same run in the rows below it, is scanned as one part, with
``margin`` pixels around it so a face on its edge is seen whole; a face belongs to the part that holds its centre.

A camera's sensor noise moves that measure by 2–3.5 grey levels on the composed full house in full light and at a
fifth of it; a 20-pixel face blurred away moves it by 4.7 or more at a fifth of the light, 22 or more in full light
(the README's "Scans where the picture changed").
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

#: Tiles across and down the frame.
TILES = 12
#: The grey copy compared is this many times smaller each way than the frame.
SHRINK = 4
#: Side, in the grey copy's pixels, of the square over which a difference is averaged.
WINDOW = 3
#: Parts that together cover more than this share of the frame are scanned as one whole frame (one call, no margins).
MOST = 0.3

#: A rectangle in frame pixels: x0, y0, x1, y1 (ends excluded).
Rect = Tuple[int, int, int, int]


@dataclass(frozen=True)
class Part:
    """A run of changed tiles to scan: ``window`` is what the detector sees, ``core`` the tiles it judges."""

    window: Rect
    core: Rect


def holds(cores: List[Rect], x: float, y: float) -> bool:
    """Whether a point (a face's centre) lies in one of ``cores``."""
    return any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in cores)


def _around(core: Rect, margin: int, width: int, height: int) -> Rect:
    """``core`` with ``margin`` pixels around it, within the frame."""
    x0, y0, x1, y1 = core
    return max(0, x0 - margin), max(0, y0 - margin), min(width, x1 + margin), min(height, y1 + margin)


class ChangedParts:
    """The changed parts of frames of one scene; see the module docstring."""

    def __init__(self, threshold: float) -> None:
        self.threshold = float(threshold)
        #: The grey copy as each tile looked when it was last scanned; None before a scene's first scan.
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
        """The whole of ``image`` was scanned: every tile is compared with it from now on."""
        self._seen = self._grey(image)

    def parts(self, image: np.ndarray, margin: int, also: Sequence[Tuple[float, float]] = ()) -> Optional[List[Part]]:
        """The parts of ``image`` that changed since they were last scanned, with the tiles holding the points ``also``
        (none: nothing to scan), each noted as scanned; or None when the whole frame is to be scanned (the scene's
        first scan, or most of it changed), noted as scanned whole."""
        seen = self._seen
        grey = self._grey(image)
        if seen is None or seen.shape != grey.shape:
            self._seen = grey
            return None
        change = np.sqrt(cv2.blur((grey - seen) ** 2, (WINDOW, WINDOW)))
        height, width = image.shape[:2]
        xs = np.linspace(0, width, TILES + 1).round().astype(int)
        ys = np.linspace(0, height, TILES + 1).round().astype(int)

        asked = {(int(np.searchsorted(xs, x, "right")) - 1, int(np.searchsorted(ys, y, "right")) - 1) for x, y in also}

        def changed(col: int, row: int) -> bool:
            tile = change[ys[row] // SHRINK : ys[row + 1] // SHRINK, xs[col] // SHRINK : xs[col + 1] // SHRINK]
            return (col, row) in asked or bool(tile.max(initial=0.0) > self.threshold)

        cores: List[Rect] = []  # a run of changed tiles along a row, or runs of the same columns in rows below it
        above: Dict[Tuple[int, int], int] = {}  # (first, last column) of each run in the row above → its core
        for row in range(TILES):
            flags = [changed(col, row) for col in range(TILES)]
            here: Dict[Tuple[int, int], int] = {}
            for run in (list(run) for flag, run in groupby(range(TILES), flags.__getitem__) if flag):
                span = (run[0], run[-1])
                if span in above:
                    x0, y0, x1, _ = cores[above[span]]
                    cores[above[span]] = (x0, y0, x1, int(ys[row + 1]))
                    here[span] = above[span]
                else:
                    here[span] = len(cores)
                    cores.append((int(xs[run[0]]), int(ys[row]), int(xs[run[-1] + 1]), int(ys[row + 1])))
            above = here
        parts = [Part(_around(core, margin, width, height), core) for core in cores]
        area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in (p.window for p in parts))
        if area > MOST * width * height:
            self._seen = grey
            return None
        for part in parts:
            x0, y0, x1, y1 = (v // SHRINK for v in part.core)
            seen[y0:y1, x0:x1] = grey[y0:y1, x0:x1]
        return parts
