"""Face detection with OpenCV's Haar cascades, as the original DeepLens project did — but at camera rate.

A Haar scan of a whole 1080p frame takes ~0.75 s on two cores. So the detector can scan the whole
frame only every ``every`` frames (optionally shrunk to ``detect_width`` pixels wide) and, in the frames
between, look again only around the faces it already knows, where a face is cheap to find: the region is
shrunk so the face is ~``track_face_px`` pixels and only scales near the known size are tried. When that
misses (a turn, a hand, motion blur), the face's last appearance is searched for by template matching for
up to ``coast`` frames before the face is dropped.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from reactlens.components import Box, FaceDetector, Frame
from reactlens.errors import ReactlensError
from reactlens.faces import iou

DEFAULT_CASCADE = "haarcascade_frontalface_alt.xml"


def load_cascade(cascade: str) -> cv2.CascadeClassifier:
    """A cascade from a file path or a file name in ``cv2.data.haarcascades``."""
    path = (
        cascade if os.path.sep in cascade or os.path.exists(cascade) else os.path.join(cv2.data.haarcascades, cascade)
    )
    if not os.path.exists(path):
        shipped = sorted(n for n in os.listdir(cv2.data.haarcascades) if n.endswith(".xml"))
        raise ReactlensError(f"Haar cascade {cascade} not found", f"use a file path or one of: {', '.join(shipped)}")
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise ReactlensError(f"{path} is not an OpenCV cascade file", "pass a cascade XML such as " + DEFAULT_CASCADE)
    return classifier


@dataclass
class _Known:
    """A face the detector follows between full scans."""

    box: Box
    misses: int = 0
    template: Optional[np.ndarray] = None


class HaarDetector(FaceDetector):
    """OpenCV Haar cascade face detector.

    ``cascade``: file name in ``cv2.data.haarcascades`` or a path. ``scale_factor``, ``min_neighbors``:
    as ``detectMultiScale``. ``min_size``: smallest face, frame pixels. ``detect_width``: shrink frames
    wider than this for full scans (0 = full resolution). ``every``: full scan every this many frames
    (1 = every frame). ``track``: between full scans, look again around known faces.
    ``track_neighbors``, ``track_margin``, ``track_face_px``, ``coast``: how (see the module docstring).
    ``cut_threshold``: a scene cut (mean change of a 32×18 thumbnail above this, in grey levels) starts a
    full scan at once instead of waiting for the next scheduled one (0 = never). ``background_scan``: run
    full scans on a second thread and add their faces when done (a few frames later), so no frame waits for
    a scan — for live cameras, where latency matters more than finding a new face at once; results then
    depend on timing, so files keep it off.
    """

    def __init__(
        self,
        cascade: str = DEFAULT_CASCADE,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        min_size: int = 20,
        detect_width: int = 0,
        every: int = 1,
        track: bool = False,
        track_neighbors: int = 2,
        track_margin: float = 0.5,
        track_face_px: int = 48,
        coast: int = 8,
        cut_threshold: float = 20.0,
        background_scan: bool = False,
    ) -> None:
        if scale_factor <= 1.0:
            raise ReactlensError(f"scale_factor {scale_factor} must be above 1", "use 1.1 (thorough) to 1.3 (fast)")
        if int(every) < 1:
            raise ReactlensError(f"every={every} must be at least 1", "use 1 to scan every frame")
        self.classifier = load_cascade(cascade)
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)
        self.min_size = int(min_size)
        self.detect_width = int(detect_width)
        self.every = int(every)
        self.track = bool(track)
        self.track_neighbors = int(track_neighbors)
        self.track_margin = float(track_margin)
        self.track_face_px = int(track_face_px)
        self.coast = int(coast)
        self.cut_threshold = float(cut_threshold)
        self._thumb: Optional[np.ndarray] = None
        self._known: List[_Known] = []
        self._last_index: Optional[int] = None
        self._since_scan = 0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="reactlens-scan") if background_scan and track else None
        # a cascade object is not safe to share between threads: the background scans get their own
        self._scan_classifier = load_cascade(cascade) if self._pool is not None else None
        self._pending: Optional[Future] = None

    # -- full scans --------------------------------------------------------------------------------

    def scan(self, gray: np.ndarray, classifier: Optional[cv2.CascadeClassifier] = None) -> List[Box]:
        """Every face in a grayscale frame (shrunk to ``detect_width`` first if set)."""
        scale = 1.0
        if self.detect_width and gray.shape[1] > self.detect_width:
            scale = self.detect_width / gray.shape[1]
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        min_side = max(8, int(round(self.min_size * scale)))
        found = (classifier or self.classifier).detectMultiScale(
            gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(min_side, min_side)
        )
        return [tuple(int(round(v / scale)) for v in box) for box in found]

    # -- following known faces ----------------------------------------------------------------------

    def _region(self, gray: np.ndarray, box: Box) -> Tuple[np.ndarray, int, int, float]:
        """The area around ``box``, shrunk so the face is ~track_face_px wide; with its origin and scale."""
        x, y, w, h = box
        mx, my = int(w * self.track_margin), int(h * self.track_margin)
        x0, y0 = max(0, x - mx), max(0, y - my)
        x1, y1 = min(gray.shape[1], x + w + mx), min(gray.shape[0], y + h + my)
        region = gray[y0:y1, x0:x1]
        factor = min(1.0, self.track_face_px / float(max(w, 1)))
        if factor < 1.0:
            region = cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        return region, x0, y0, factor

    def _template(self, gray: np.ndarray, box: Box) -> np.ndarray:
        region, x0, y0, factor = self._region(gray, box)
        x, y, w, h = (int(round(v * factor)) for v in (box[0] - x0, box[1] - y0, box[2], box[3]))
        return region[y : y + h, x : x + w].copy()

    def _follow(self, gray: np.ndarray, known: _Known) -> Optional[Box]:
        """The known face's box in this frame, or None if it is gone."""
        region, x0, y0, factor = self._region(gray, known.box)
        if region.size == 0:
            return None
        face = known.box[2] * factor
        low, high = max(20, int(face * 0.7)), int(face * 1.45) + 1
        if high > low:
            found = self.classifier.detectMultiScale(
                region, scaleFactor=1.1, minNeighbors=self.track_neighbors, minSize=(low, low), maxSize=(high, high)
            )
            if len(found):
                boxes = [
                    (int(x0 + a / factor), int(y0 + b / factor), int(c / factor), int(d / factor))
                    for a, b, c, d in found
                ]
                known.box = max(boxes, key=lambda candidate: iou(candidate, known.box))
                known.misses = 0
                known.template = self._template(gray, known.box)
                return known.box
        template = known.template
        if known.misses >= self.coast or template is None or template.size == 0:
            return None
        if region.shape[0] < template.shape[0] or region.shape[1] < template.shape[1]:
            return None
        scores = cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (tx, ty) = cv2.minMaxLoc(scores)
        if best < 0.6:
            return None
        known.misses += 1
        known.box = (int(x0 + tx / factor), int(y0 + ty / factor), known.box[2], known.box[3])
        return known.box

    # -- the component ------------------------------------------------------------------------------

    def _merge(self, gray: np.ndarray, found: List[Box], fresh: bool) -> None:
        """Add a full scan's faces; ``fresh``: the scan is of this very frame (else of a frame or more ago)."""
        for box in found:
            same = max(self._known, key=lambda k: iou(box, k.box), default=None)
            if same is not None and iou(box, same.box) >= 0.2:
                if fresh:  # the scan's box is better than the followed one
                    same.box, same.misses = box, 0
                    same.template = self._template(gray, box)
                continue
            if fresh:
                self._known.append(_Known(box, template=self._template(gray, box)))
                continue
            known = _Known(box)  # seen a frame or more ago: keep it only if the cascade finds it here now
            if self._follow(gray, known) is not None:
                self._known.append(known)

    def detect(self, frame: Frame) -> List[Box]:
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        if not self.track:
            return self.scan(gray)
        # live sources drop frames, so a short step forward still continues the same scene
        continues = self._last_index is not None and 0 < frame.index - self._last_index <= self.every
        self._last_index = frame.index
        if not continues:  # a new video, a seek, or single photos: start afresh
            self._known, self._since_scan, self._thumb, self._pending = [], 0, None, None
        followed: List[_Known] = []
        lost = False
        for known in self._known:
            if self._follow(gray, known) is None:
                lost = True
            elif all(iou(known.box, k.box) < 0.3 for k in followed):
                followed.append(known)
        self._known = followed
        thumb = cv2.resize(gray, (32, 18), interpolation=cv2.INTER_AREA).astype(np.int16)
        cut = (
            self.cut_threshold > 0
            and self._thumb is not None
            and float(np.abs(thumb - self._thumb).mean()) > self.cut_threshold
        )
        self._thumb = thumb
        if cut:
            self._known, self._since_scan, self._pending = [], 0, None
        # a lost face may only be hidden from the local search: look over the whole frame again soon
        if self._since_scan % self.every == 0 or (lost and self._since_scan >= 2):
            if self._pool is None:
                self._since_scan = 0
                self._merge(gray, self.scan(gray), fresh=True)
            elif self._pending is None:
                self._since_scan = 0
                self._pending = self._pool.submit(self.scan, gray, self._scan_classifier)
        if self._pending is not None and self._pending.done():
            found, self._pending = self._pending.result(), None
            self._merge(gray, found, fresh=False)
        self._since_scan += 1
        return [k.box for k in self._known]
