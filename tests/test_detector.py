"""The camera-rate Haar detector: as good as the seed's full scans where it matters, and never waiting in live mode."""

from __future__ import annotations

import time

import cv2
import pytest
from reactlens_opencv.haar import HaarDetector

from reactlens.components import Frame
from reactlens.faces import iou
from reactlens.profiles import CAMERA_RATE_HAAR

CAMERA_RATE = {k: v for k, v in CAMERA_RATE_HAAR.items() if k != "use"}


def frames(path, count):
    capture = cv2.VideoCapture(str(path))
    for index in range(count):
        ok, image = capture.read()
        if not ok:
            return
        yield Frame(image, index, index / 30.0, time.monotonic())


def recall(reference, found) -> float:
    hits = total = 0
    for ref_boxes, boxes in zip(reference, found):
        for box in ref_boxes:
            total += 1
            hits += any(iou(box, b) >= 0.3 for b in boxes)
    return hits / total


@pytest.mark.slow
def test_camera_rate_settings_find_what_full_scans_find_on_a_real_audience_clip(media):
    seed, fast = HaarDetector(), HaarDetector(**CAMERA_RATE)
    reference, found = [], []
    for frame in frames(media / "stage_audience_640x360.mp4", 150):
        reference.append(seed.detect(frame))
        found.append(fast.detect(frame))
    assert sum(map(len, reference)) > 50
    assert recall(reference, found) >= 0.95


def test_background_scans_add_their_faces_to_a_later_frame(clip):
    inline = HaarDetector(**CAMERA_RATE)
    background = HaarDetector(**CAMERA_RATE, background_scan=True)
    first, second = list(frames(clip, 2))
    background.detect(first)  # starts the first full scan on the second thread and returns at once
    if background._pending is not None:
        background._pending.result(timeout=30)  # let it finish: the next frame takes its faces
    inline.detect(first)
    want, got = inline.detect(second), background.detect(second)
    assert want and len(got) == len(want)
    assert all(max(iou(w, g) for g in got) >= 0.5 for w in want)
