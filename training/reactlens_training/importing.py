"""Turning labelled images into face samples.

Two inputs, as the original project had:

* folders with one subfolder per label (``smile/``, ``neutral/``), holding face crops or whole photos;
* photos with Amazon Rekognition DetectFaces responses beside them (``photo.jpg`` + ``photo.json``).

Whole photos go through the runtime's own Haar detector, and the face is stored with context around
the detector's box, so training sees faces framed as ``reactlens run`` will frame them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np
from reactlens_opencv.haar import HaarDetector

from reactlens.components import Box, Frame
from reactlens.errors import ReactlensError
from reactlens.faces import crop_face

from .samples import RelBox, Sample

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
#: Images no larger than this (both sides, pixels) are taken as face crops in ``auto`` mode.
CROP_MAX_SIDE = 128
#: Context kept around a detected face: the stored patch is the box widened by this fraction per side.
CONTEXT_MARGIN = 0.3
#: Side of the stored patch for faces cut from photos.
PATCH_SIDE = 96
#: Rekognition attributes at or above this confidence (percent) count, as in the original project.
CONFIDENCE = 75.0
MODES = ("auto", "crops", "photos")


@dataclass
class ImportReport:
    """What an import read, kept and skipped."""

    images: int = 0
    faces: int = 0
    no_face: List[str] = field(default_factory=list)
    unreadable: List[str] = field(default_factory=list)
    uncertain: int = 0
    per_label: Dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = [f"{self.images} images", f"{self.faces} faces"]
        parts.append(", ".join(f"{k}: {v}" for k, v in sorted(self.per_label.items())))
        if self.no_face:
            parts.append(f"{len(self.no_face)} photos without a detected face")
        if self.unreadable:
            parts.append(f"{len(self.unreadable)} unreadable files skipped")
        if self.uncertain:
            parts.append(f"{self.uncertain} faces below {CONFIDENCE:.0f}% confidence skipped")
        return "; ".join(parts)


def list_images(folder: str) -> List[str]:
    """Image files directly in ``folder``, sorted."""
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))


def face_patch(gray: np.ndarray, box: Box) -> Tuple[np.ndarray, RelBox]:
    """The face with context, and where the box lies in it."""
    patch = crop_face(gray, box, (PATCH_SIDE, PATCH_SIDE), gray=True, margin=CONTEXT_MARGIN)
    inner = 1.0 / (1.0 + 2.0 * CONTEXT_MARGIN)
    start = (1.0 - inner) / 2.0
    return patch, (start, start, inner, inner)


def largest(boxes: Sequence[Box]) -> Optional[Box]:
    """The largest box, or None."""
    return max(boxes, key=lambda b: b[2] * b[3]) if boxes else None


class FaceFinder:
    """The runtime's Haar detector, applied to single photos."""

    def __init__(self, min_size: int = 24) -> None:
        self.detector = HaarDetector(min_size=min_size)

    def faces(self, image: np.ndarray) -> List[Box]:
        return self.detector.detect(Frame(image, 0, 0.0, 0.0))


def read_image(path: str, report: ImportReport) -> Optional[np.ndarray]:
    """A BGR image, or None (counted as unreadable)."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        report.unreadable.append(path)
    return image


def folder_samples(
    root: str,
    labels: Sequence[str],
    mapping: Optional[Mapping[str, str]] = None,
    others: Optional[str] = None,
    mode: str = "auto",
    origin: str = "",
    report: Optional[ImportReport] = None,
) -> Iterator[Sample]:
    """Samples from ``root/<label>/*``; folder names are renamed by ``mapping``, the rest become ``others``."""
    if mode not in MODES:
        raise ReactlensError(f"import mode '{mode}' is not understood", f"use one of: {', '.join(MODES)}")
    if not os.path.isdir(root):
        raise ReactlensError(f"{root} is not a folder", "pass a folder with one subfolder per label")
    mapping = dict(mapping or {})
    report = report if report is not None else ImportReport()
    subfolders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    plan = []
    for name in subfolders:
        label = mapping.get(name, name if name in labels else others)
        if label is None:
            continue
        if label not in labels:
            raise ReactlensError(
                f"--map sends folder '{name}' to '{label}', which is not a label", f"labels are: {', '.join(labels)}"
            )
        plan.append((name, labels.index(label)))
    if not plan:
        raise ReactlensError(
            f"{root} has no subfolder named after a label ({', '.join(labels)})",
            "name the subfolders after the labels, or use --map FOLDER=LABEL / --others LABEL",
        )
    finder = FaceFinder() if mode != "crops" else None
    found_any = False
    for name, index in plan:
        for path in list_images(os.path.join(root, name)):
            found_any = True
            report.images += 1
            image = read_image(path, report)
            if image is None:
                continue
            gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            is_crop = mode == "crops" or (mode == "auto" and max(gray.shape) <= CROP_MAX_SIDE)
            if is_crop:
                sample = Sample(gray, index, origin=origin or name)
            else:
                assert finder is not None  # made for every mode but "crops"
                box = largest(finder.faces(image))
                if box is None:
                    report.no_face.append(path)
                    continue
                patch, rel = face_patch(gray, box)
                sample = Sample(patch, index, rel, origin or name)
            report.faces += 1
            report.per_label[labels[index]] = report.per_label.get(labels[index], 0) + 1
            yield sample
    if not found_any:
        raise ReactlensError(
            f"no images found under {root}", f"put {', '.join(IMAGE_EXTENSIONS[:3])} files in the label folders"
        )


# -- Rekognition ---------------------------------------------------------------------------------------


def rekognition_label(face: Mapping, labels: Sequence[str]) -> Optional[str]:
    """The label of one Rekognition ``FaceDetail``, or None when Rekognition is not confident.

    Two labels ``smile``/``neutral`` (or any pair containing ``smile``) follow ``Smile.Value`` with
    ``Smile.Confidence`` ≥ 75, as the original project did. Other label sets are Rekognition emotion
    types (lower-case): the most confident emotion, if ≥ 75.
    """
    if "smile" in labels and len(labels) == 2:
        smile = face.get("Smile") or {}
        if float(smile.get("Confidence", 0.0)) < CONFIDENCE:
            return None
        other = next(label for label in labels if label != "smile")
        return "smile" if smile.get("Value") else other
    emotions = sorted(face.get("Emotions") or [], key=lambda e: -float(e.get("Confidence", 0.0)))
    if not emotions or float(emotions[0].get("Confidence", 0.0)) < CONFIDENCE:
        return None
    label = str(emotions[0].get("Type", "")).lower()
    return label if label in labels else None


def _iou(a: Box, b: Box) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def rekognition_box(face: Mapping, width: int, height: int) -> Box:
    """Rekognition's ``BoundingBox`` (ratios) in pixels."""
    bb = face.get("BoundingBox") or {}
    return (
        int(round(float(bb.get("Left", 0)) * width)),
        int(round(float(bb.get("Top", 0)) * height)),
        int(round(float(bb.get("Width", 0)) * width)),
        int(round(float(bb.get("Height", 0)) * height)),
    )


def rekognition_samples(
    root: str, labels: Sequence[str], origin: str = "rekognition", report: Optional[ImportReport] = None
) -> Iterator[Sample]:
    """Samples from photos with DetectFaces responses (``photo.json`` beside ``photo.jpg``).

    Each confidently labelled Rekognition face is matched to a Haar detection (IoU ≥ 0.3) and cut
    with the Haar box, so the crop matches what the runtime classifies; faces Haar misses are counted.
    """
    report = report if report is not None else ImportReport()
    if not os.path.isdir(root):
        raise ReactlensError(f"{root} is not a folder", "pass the folder of photos and their .json responses")
    photos = [p for p in list_images(root) if os.path.exists(os.path.splitext(p)[0] + ".json")]
    if not photos:
        raise ReactlensError(
            f"no photo in {root} has a DetectFaces response beside it",
            "run `reactlens train label` first, or save responses as PHOTO.json",
        )
    finder = FaceFinder()
    for path in photos:
        report.images += 1
        try:
            with open(os.path.splitext(path)[0] + ".json", encoding="utf-8") as handle:
                response = json.load(handle)
        except (OSError, json.JSONDecodeError):
            report.unreadable.append(os.path.splitext(path)[0] + ".json")
            continue
        image = read_image(path, report)
        if image is None:
            continue
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        haar = finder.faces(image)
        for face in response.get("FaceDetails", []):
            label = rekognition_label(face, labels)
            if label is None:
                report.uncertain += 1
                continue
            target = rekognition_box(face, image.shape[1], image.shape[0])
            match = max(haar, key=lambda b: _iou(b, target), default=None)
            if match is None or _iou(match, target) < 0.3:
                report.no_face.append(path)
                continue
            patch, rel = face_patch(gray, match)
            report.faces += 1
            report.per_label[label] = report.per_label.get(label, 0) + 1
            yield Sample(patch, labels.index(label), rel, origin)
