"""Face detection with OpenCV's Haar cascades, as the original DeepLens project did."""

from __future__ import annotations

import os
from typing import List

import cv2

from reactlens.components import Box, FaceDetector, Frame
from reactlens.errors import ReactlensError

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


class HaarDetector(FaceDetector):
    """OpenCV Haar cascade face detector.

    ``cascade``: file name in ``cv2.data.haarcascades`` or a path. ``scale_factor``, ``min_neighbors``:
    as ``detectMultiScale``. ``min_size``: smallest face in frame pixels. ``detect_width``: frames wider
    than this are shrunk before detection (0 = full resolution).
    """

    def __init__(
        self,
        cascade: str = DEFAULT_CASCADE,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        min_size: int = 24,
        detect_width: int = 0,
    ) -> None:
        if scale_factor <= 1.0:
            raise ReactlensError(f"scale_factor {scale_factor} must be above 1", "use 1.1 (thorough) to 1.3 (fast)")
        self.classifier = load_cascade(cascade)
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)
        self.min_size = int(min_size)
        self.detect_width = int(detect_width)

    def detect(self, frame: Frame) -> List[Box]:
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        scale = 1.0
        if self.detect_width and gray.shape[1] > self.detect_width:
            scale = self.detect_width / gray.shape[1]
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        min_side = max(8, int(round(self.min_size * scale)))
        found = self.classifier.detectMultiScale(
            gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(min_side, min_side)
        )
        return [tuple(int(round(v / scale)) for v in box) for box in found]
