"""Face detection with OpenCV's Haar cascades, as the original DeepLens project did.

The screening runs it at camera rate like every detector (``reactlens.camera_rate``); ``detect_near``
lets the region searches between full scans try only scales near the known face's size, which is what
makes Haar cheap there.
"""

from __future__ import annotations

import os
from typing import List

import cv2

from reactlens.components import Box, FaceDetector, Frame
from reactlens.errors import ReactlensError
from reactlens.geometry import box_of

DEFAULT_CASCADE = "haarcascade_frontalface_alt.xml"


#: The folder of Haar cascades opencv-python ships (its type stubs do not know ``cv2.data``).
CASCADES: str = cv2.data.haarcascades  # type: ignore[attr-defined]


def load_cascade(cascade: str) -> cv2.CascadeClassifier:
    """A cascade from a file path or a file name in ``CASCADES``."""
    path = cascade if os.path.sep in cascade or os.path.exists(cascade) else os.path.join(CASCADES, cascade)
    if not os.path.exists(path):
        shipped = sorted(n for n in os.listdir(CASCADES) if n.endswith(".xml"))
        raise ReactlensError(f"Haar cascade {cascade} not found", f"use a file path or one of: {', '.join(shipped)}")
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise ReactlensError(f"{path} is not an OpenCV cascade file", "pass a cascade XML such as " + DEFAULT_CASCADE)
    return classifier


class HaarDetector(FaceDetector):
    """OpenCV Haar cascade face detector.

    ``cascade``: file name in ``CASCADES`` or a path. ``scale_factor``, ``min_neighbors``:
    as ``detectMultiScale``. ``min_size``: smallest face, source pixels. ``track_neighbors``:
    ``min_neighbors`` for the searches around known faces between full scans (a face is expected there).
    """

    def __init__(
        self,
        cascade: str = DEFAULT_CASCADE,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        min_size: int = 20,
        track_neighbors: int = 2,
    ) -> None:
        if scale_factor <= 1.0:
            raise ReactlensError(f"scale_factor {scale_factor} must be above 1", "use 1.1 (thorough) to 1.3 (fast)")
        self.classifier = load_cascade(cascade)
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)
        self.min_size = int(min_size)
        self.track_neighbors = int(track_neighbors)

    @staticmethod
    def _gray(frame: Frame):
        image = frame.image
        return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)

    def detect(self, frame: Frame) -> List[Box]:
        min_side = max(8, int(round(self.min_size * frame.scale)))
        found = self.classifier.detectMultiScale(
            self._gray(frame),
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(min_side, min_side),
        )
        return [box_of(box) for box in found]

    def detect_near(self, frame: Frame, face_px: float) -> List[Box]:
        """Faces of about ``face_px`` pixels in a small region around a known face."""
        low, high = max(20, int(face_px * 0.7)), int(face_px * 1.45) + 1
        if high <= low:
            return []
        found = self.classifier.detectMultiScale(
            self._gray(frame),
            scaleFactor=1.1,
            minNeighbors=self.track_neighbors,
            minSize=(low, low),
            maxSize=(high, high),
        )
        return [box_of(box) for box in found]
