"""Measuring a face detector against hand-checked face boxes: recall, precision and speed.

Ground truth is XML in the form of dlib's ``imglab`` files (``../shared/media/photos/faces.xml``)::

    <dataset><images>
      <image file='group.jpg'><box top='90' left='194' width='37' height='37'/></image>
      <image file='crowd.mp4' frame='25'><box .../></image>
    </images></dataset>

``file`` is a photo or a video, relative to the XML file's folder (or to ``media_dir``); a video's
images name the frames that were annotated. A video is screened frame by frame in order, so a detector
at camera rate is judged as it runs (tracking between full scans included), on the annotated frames.
``light`` below 1 simulates a dim room: every frame is scaled to that share of its light, with sensor noise.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np

from .components import Box, FaceDetector, Frame
from .errors import ReactlensError
from .faces import as_detection, iou

IOU_THRESHOLDS = (0.3, 0.5)
#: Standard deviation of the sensor noise added to darkened frames, in grey levels.
DARK_NOISE = 3.0


@dataclass
class Truth:
    """The annotated faces of one media file: frame index (0 for a photo) → boxes."""

    path: str
    video: bool
    frames: Dict[int, List[Box]]


@dataclass
class FileScore:
    """How the detector did on one file."""

    path: str
    frames: int
    faces: int
    found: Dict[float, int]
    false_faces: int
    seconds: float
    processed: int

    def to_dict(self) -> Dict[str, Any]:
        return {
            "file": self.path,
            "annotated_frames": self.frames,
            "faces": self.faces,
            **{f"recall@{t}": round(self.found[t] / max(self.faces, 1), 4) for t in IOU_THRESHOLDS},
            "false_faces": self.false_faces,
            "false_faces_per_frame": round(self.false_faces / max(self.frames, 1), 4),
            "ms_per_frame": round(1000.0 * self.seconds / max(self.processed, 1), 2),
        }


@dataclass
class DetectorScore:
    """Every file's score and the totals."""

    files: List[FileScore] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        faces = sum(f.faces for f in self.files)
        frames = sum(f.frames for f in self.files)
        false = sum(f.false_faces for f in self.files)
        matched = {t: sum(f.found[t] for f in self.files) for t in IOU_THRESHOLDS}
        return {
            "files": [f.to_dict() for f in self.files],
            "total": {
                "annotated_frames": frames,
                "faces": faces,
                **{f"recall@{t}": round(matched[t] / max(faces, 1), 4) for t in IOU_THRESHOLDS},
                **{f"precision@{t}": round(matched[t] / max(matched[t] + false, 1), 4) for t in IOU_THRESHOLDS},
                "false_faces": false,
                "false_faces_per_frame": round(false / max(frames, 1), 4),
            },
        }


def load_truth(xml_path: str, media_dir: Optional[str] = None) -> List[Truth]:
    """The annotated files of one ground-truth XML."""
    try:
        root = ET.parse(xml_path).getroot()
    except FileNotFoundError:
        raise ReactlensError(f"ground truth {xml_path} not found", "check the path") from None
    except ET.ParseError as exc:
        raise ReactlensError(
            f"ground truth {xml_path} is not valid XML ({exc})", "fix or regenerate the file"
        ) from None
    by_file: Dict[str, Truth] = {}
    for image in root.iter("image"):
        name = image.get("file", "")
        folders = [os.path.dirname(os.path.abspath(xml_path))] + ([media_dir] if media_dir else [])
        path = next((os.path.join(d, name) for d in folders if os.path.exists(os.path.join(d, name))), None)
        if path is None:
            raise ReactlensError(f"{xml_path} names {name}, which is not beside it", "pass --media DIR where it is")
        frame = image.get("frame")
        truth = by_file.setdefault(path, Truth(path, frame is not None, {}))
        try:
            boxes = [
                (int(b.get("left", "")), int(b.get("top", "")), int(b.get("width", "")), int(b.get("height", "")))
                for b in image.iter("box")
            ]
        except (TypeError, ValueError):
            raise ReactlensError(f"{xml_path}: a box of {name} lacks top/left/width/height", "fix the file") from None
        truth.frames[int(frame or 0)] = boxes
    if not by_file:
        raise ReactlensError(f"{xml_path} has no <image> elements", "see reactlens/detector_eval.py for the format")
    return list(by_file.values())


def darkened(image: np.ndarray, light: float, seed: int) -> np.ndarray:
    """``image`` at ``light`` of its brightness, with Gaussian sensor noise (a dim room)."""
    noise = np.random.default_rng(seed).normal(0.0, DARK_NOISE, image.shape)
    return np.clip(image.astype(np.float32) * light + noise, 0, 255).astype(np.uint8)


def _frames(truth: Truth):
    if not truth.video:
        image = cv2.imread(truth.path, cv2.IMREAD_COLOR)
        if image is None:
            raise ReactlensError(f"{truth.path} cannot be read as an image", "pass a .jpg or .png")
        yield 0, image
        return
    capture = cv2.VideoCapture(truth.path)
    if not capture.isOpened():
        raise ReactlensError(f"{truth.path} cannot be opened as a video", "check the file")
    last = max(truth.frames)
    index = 0
    try:
        while index <= last:
            ok, image = capture.read()
            if not ok:
                raise ReactlensError(f"{truth.path} ends before annotated frame {last}", "check the ground truth")
            yield index, image
            index += 1
    finally:
        capture.release()


def match(truth: Sequence[Box], found: Sequence[Box], threshold: float) -> int:
    """How many true boxes a found box overlaps by at least ``threshold`` IoU (each found box used once)."""
    candidates = list(found)
    matched = 0
    for box in truth:
        best = max(range(len(candidates)), key=lambda i: iou(box, candidates[i]), default=None)
        if best is not None and iou(box, candidates[best]) >= threshold:
            matched += 1
            candidates.pop(best)
    return matched


def score_detector(
    truths: Sequence[Truth],
    make_detector: Callable[[], FaceDetector],
    light: float = 1.0,
    on_frame: Optional[Callable[[], None]] = None,
) -> DetectorScore:
    """Run a fresh detector over every file (``light`` < 1 darkens the frames) and score it."""
    score = DetectorScore()
    for truth in truths:
        detector = make_detector()
        found = {t: 0 for t in IOU_THRESHOLDS}
        false = faces = processed = 0
        seconds = 0.0
        fps = 25.0
        for index, image in _frames(truth):
            if light < 1.0:
                image = darkened(image, light, seed=index)
            if truth.video and index == 0 and hasattr(detector, "warm_up"):
                detector.warm_up(image.shape[1], image.shape[0])  # as a screening of the video does
            started = time.perf_counter()
            boxes = [as_detection(f).box for f in detector.detect(Frame(image, index, index / fps, time.monotonic()))]
            seconds += time.perf_counter() - started
            processed += 1
            if on_frame is not None:
                on_frame()
            if index not in truth.frames:
                continue
            want = truth.frames[index]
            faces += len(want)
            hits = {threshold: match(want, boxes, threshold) for threshold in IOU_THRESHOLDS}
            for threshold, count in hits.items():
                found[threshold] += count
            false += len(boxes) - hits[min(IOU_THRESHOLDS)]
        score.files.append(FileScore(truth.path, len(truth.frames), faces, found, false, seconds, processed))
    return score


def frame_count(truths: Sequence[Truth]) -> int:
    """How many frames ``score_detector`` will process (for a progress bar)."""
    return sum(max(t.frames) + 1 if t.video else 1 for t in truths)
