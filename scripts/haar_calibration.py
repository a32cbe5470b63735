"""Where a CNN detector's face box sits relative to the square box a Haar cascade draws around the same face.

Every built-in detector reports the Haar-style square box, so the shipped classifiers (whose crops are measured
against it) crop every detector's faces alike; each CNN's two numbers come from here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Tuple

import cv2
import numpy as np

from reactlens.components import Frame
from reactlens.faces import iou


def haar_calibration(detector: Any, shared: Path, every: int = 10) -> Tuple[int, float, float]:
    """Faces both found on every ``every``th frame of the shared clips and on the shared photos, and the medians of
    the Haar box's side and its centre's vertical offset, each in units of the detector's box height."""
    cascade = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_alt.xml"))
    rows = []

    def measure(image: np.ndarray) -> None:
        haar = [tuple(b) for b in cascade.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 1.1, 5)]
        for found in detector.detect(Frame(image, 0, 0.0, 0.0)):
            match = max(haar, key=lambda b: iou(b, found.box), default=None)
            if match is not None and iou(match, found.box) >= 0.3:
                _, y, _, h = found.box
                rows.append((match[2] / h, (match[1] + match[3] / 2 - (y + h / 2)) / h))

    for clip in sorted((shared / "media").glob("*.mp4")):
        capture = cv2.VideoCapture(str(clip))
        index = 0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if index % every == 0:
                measure(image)
            index += 1
    for photo in sorted((shared / "media" / "photos").glob("*.jpg")):
        measure(cv2.imread(str(photo)))
    side, shift = np.median(np.asarray(rows), axis=0)
    return len(rows), float(side), float(shift)
