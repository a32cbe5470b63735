"""Real sample frames and faces for plugin tests: photos that ship inside installed packages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Tuple

import cv2
import numpy as np

from ..components import Box, Frame
from ..demo import demo_photos
from ..geometry import box_of


@dataclass
class FaceFrame:
    """A real frame and the face boxes in it (found by the Haar cascade with strict settings)."""

    frame: Frame
    boxes: List[Box]
    name: str


def sample_faces() -> List[FaceFrame]:
    """Each shipped photo as a frame, with its face box(es); at least one photo has a face."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt.xml")  # type: ignore[attr-defined]
    out = []
    for index, (name, photo) in enumerate(demo_photos()):
        gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
        found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40))
        boxes = [box_of(box) for box in found]
        out.append(FaceFrame(Frame(photo, index, index / 25.0, time.monotonic()), boxes, name))
    return out


def sample_frames(count: int = 12, size: Tuple[int, int] = (640, 360)) -> List[Frame]:
    """``count`` consecutive frames of the demo clip's real photos, as a source would yield them."""
    from ..demo import render_frame

    photos = [photo for _, photo in demo_photos()]
    duration = count / 25.0
    frames = []
    for index in range(count):
        image = render_frame(photos, index / 25.0, duration)
        if image.shape[1::-1] != size:
            image = cv2.resize(image, size)
        frames.append(Frame(np.ascontiguousarray(image), index, index / 25.0, time.monotonic()))
    return frames
