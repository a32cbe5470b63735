"""Measuring a classifier on labelled images: face crops, or whole photos through the face detector."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from .components import Box, Frame
from .detector_eval import darkened
from .errors import ReactlensError
from .faces import as_detection, box_for_crop
from .metrics import Metrics, classification_metrics

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass
class Prediction:
    """One image's outcome; ``predicted`` is -1 when no face was found."""

    path: str
    truth: int
    predicted: int
    scores: Optional[np.ndarray]


@dataclass
class Evaluation:
    """Metrics plus every prediction."""

    labels: Tuple[str, ...]
    positive: Optional[str]
    detect: bool
    metrics: Metrics
    predictions: List[Prediction] = field(default_factory=list)
    unreadable: List[str] = field(default_factory=list)

    @property
    def no_face(self) -> int:
        return sum(1 for p in self.predictions if p.predicted < 0)

    def to_dict(self) -> Dict[str, object]:
        def clean(value):
            return None if isinstance(value, float) and np.isnan(value) else value

        out = {k: clean(v) for k, v in self.metrics.items()}
        out.update(
            labels=list(self.labels),
            positive_label=self.positive,
            detect=self.detect,
            no_face=self.no_face,
            unreadable=len(self.unreadable),
            per_label={label: sum(1 for p in self.predictions if p.truth == i) for i, label in enumerate(self.labels)},
        )
        return out


def labelled_images(
    root: str, labels: Sequence[str], mapping: Optional[Mapping[str, str]] = None, others: Optional[str] = None
) -> List[Tuple[str, int]]:
    """(path, label index) for every image in ``root/<label>/``."""
    if not os.path.isdir(root):
        raise ReactlensError(f"{root} is not a folder", "pass a folder with one subfolder per label (smile/, neutral/)")
    mapping = dict(mapping or {})
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    items: List[Tuple[str, int]] = []
    unknown = []
    for folder in folders:
        label = mapping.get(folder, folder if folder in labels else others)
        if label is None:
            unknown.append(folder)
            continue
        if label not in labels:
            raise ReactlensError(
                f"--map sends '{folder}' to '{label}', not a label of the model",
                f"the model's labels: {', '.join(labels)}",
            )
        index = list(labels).index(label)
        path = os.path.join(root, folder)
        items.extend(
            (os.path.join(path, n), index) for n in sorted(os.listdir(path)) if n.lower().endswith(IMAGE_EXTENSIONS)
        )
    if unknown:
        raise ReactlensError(
            f"folder{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in {root} "
            f"{'are' if len(unknown) > 1 else 'is'} not a label of the model ({', '.join(labels)})",
            f"rename it, or pass --map {unknown[0]}=LABEL or --others LABEL",
        )
    if not items:
        raise ReactlensError(
            f"no images found in the label folders of {root}", "put .jpg or .png files in smile/ and neutral/"
        )
    return items


def as_crop(image: np.ndarray, classifier, face_px: int = 0) -> Tuple[np.ndarray, Box]:
    """An image that is a face crop, and the box that makes ``classifier`` classify it as cut (whatever margin the model
    adds to a box); ``face_px`` > 0 first shrinks it until its face is that many pixels wide, as a camera sees a far
    seat."""
    spec = getattr(classifier, "spec", None)
    margin, shift = (spec.crop_margin, spec.crop_shift_y) if spec is not None else (0.0, 0.0)
    box = box_for_crop(image.shape[1], image.shape[0], margin, shift)
    if 0 < face_px < box[2]:
        scale = face_px / box[2]
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        box = box_for_crop(image.shape[1], image.shape[0], margin, shift)
    return image, box


def evaluate(
    items: Sequence[Tuple[str, int]],
    classifier,
    detector=None,
    on_image: Optional[Callable[[], None]] = None,
    light: float = 1.0,
    face_px: int = 0,
) -> Evaluation:
    """Classify every image; with a detector, the largest face of each photo (none found = wrong).

    ``light`` < 1 darkens every image first, with sensor noise (``reactlens.detector_eval.darkened``). ``face_px`` > 0
    (crops only) first shrinks each crop until its face is that many pixels wide, as a camera sees a far seat.
    """
    labels = tuple(classifier.labels)
    positive = getattr(classifier, "smile_label", None)
    positive = positive if positive in labels else None
    predictions: List[Prediction] = []
    unreadable: List[str] = []
    for path, truth in items:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            unreadable.append(path)
        else:
            if light < 1.0:
                image = darkened(image, light, seed=len(predictions))
            if detector is not None:
                boxes = [as_detection(f).box for f in detector.detect(Frame(image, 0, 0.0, 0.0))]
                box = max(boxes, key=lambda b: b[2] * b[3]) if boxes else None
            else:
                image, box = as_crop(image, classifier, face_px)
            if box is None:
                predictions.append(Prediction(path, truth, -1, None))
            else:
                scores = np.asarray(classifier.classify(image, [tuple(int(v) for v in box)]))[0]
                predictions.append(Prediction(path, truth, int(scores.argmax()), scores))
        if on_image is not None:
            on_image()
    if not predictions:
        raise ReactlensError("none of the images could be read", "check that they are .jpg or .png files")
    targets = np.array([p.truth for p in predictions])
    predicted = np.array([p.predicted for p in predictions])
    pos_index = labels.index(positive) if positive else None
    pos_scores = (
        np.array([p.scores[pos_index] if p.scores is not None else -1.0 for p in predictions]) if positive else None
    )
    metrics = classification_metrics(targets, predicted, pos_scores, len(labels), pos_index)
    return Evaluation(labels, positive, detector is not None, metrics, predictions, unreadable)
