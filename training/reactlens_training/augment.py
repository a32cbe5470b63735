"""Batches of face crops for training: geometric and photometric augmentation with OpenCV.

The crop is the detector's face box, as at run time (``reactlens.faces.crop_face`` with no margin);
training jitters its scale, position and rotation around the stored box so the model tolerates the
detector's imprecision and differently framed crops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from reactlens.faces import crop_face
from reactlens.geometry import box_of


@dataclass
class Jitter:
    """Augmentation strengths."""

    scale: tuple = (0.9, 1.3)  # crop side relative to the face box
    shift: float = 0.08  # centre shift, fraction of the crop side
    rotate_deg: float = 12.0
    flip: bool = True
    contrast: tuple = (0.6, 1.4)
    brightness: float = 40.0
    gamma: tuple = (0.7, 1.45)
    blur_p: float = 0.25
    lowres_p: float = 0.25
    noise_p: float = 0.25


def _matrix(box_px: Sequence[float], size: int, scale: float, dx: float, dy: float, angle: float, flip: bool):
    """Affine matrix mapping output pixels to source pixels (for ``WARP_INVERSE_MAP``)."""
    x, y, w, h = box_px
    side = max(w, h) * scale
    cx = x + w / 2.0 + dx * side
    cy = y + h / 2.0 + dy * side
    k = side / size
    cos, sin = math.cos(angle) * k, math.sin(angle) * k
    linear = np.array([[cos, -sin], [sin, cos]], dtype=np.float64)
    if flip:
        linear[:, 0] *= -1.0
    centre = np.array([size / 2.0, size / 2.0])
    offset = np.array([cx, cy]) - linear @ centre
    return np.hstack([linear, offset[:, None]])


def render(image: np.ndarray, box: Sequence[float], size: int, rng: np.random.Generator, jitter: Jitter | None):
    """One ``size``×``size`` uint8 crop of the face box, augmented when ``jitter`` is given."""
    h, w = image.shape[:2]
    box_px = (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
    if jitter is None:  # exactly the runtime's crop
        return crop_face(image, box_of(box_px), (size, size), gray=True)
    scale = math.exp(rng.uniform(math.log(jitter.scale[0]), math.log(jitter.scale[1])))
    dx, dy = rng.uniform(-jitter.shift, jitter.shift, size=2)
    angle = math.radians(rng.uniform(-jitter.rotate_deg, jitter.rotate_deg))
    flip = jitter.flip and rng.random() < 0.5
    side = max(box_px[2], box_px[3]) * scale
    if side > 2 * size:  # pre-shrink so the warp does not alias
        factor = 1.5 * size / side
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
        box_px = (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
    matrix = _matrix(box_px, size, scale, dx, dy, angle, flip)
    out = cv2.warpAffine(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    if rng.random() < jitter.lowres_p:
        small = max(8, int(size * rng.uniform(0.35, 0.8)))
        out = cv2.resize(
            cv2.resize(out, (small, small), interpolation=cv2.INTER_AREA), (size, size), interpolation=cv2.INTER_LINEAR
        )
    if rng.random() < jitter.blur_p:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.3))
    x = out.astype(np.float32)
    gamma = rng.uniform(*jitter.gamma)
    x = 255.0 * np.power(x / 255.0, gamma)
    x = (x - x.mean()) * rng.uniform(*jitter.contrast) + x.mean() + rng.uniform(-jitter.brightness, jitter.brightness)
    if rng.random() < jitter.noise_p:
        x += rng.normal(0.0, rng.uniform(2.0, 8.0), size=x.shape)
    return np.clip(x, 0, 255).astype(np.uint8)


def batch(images, boxes, indices, size: int, rng: np.random.Generator, jitter: Jitter | None) -> np.ndarray:
    """A float32 N×1×size×size batch of raw pixel values for ``indices``."""
    out = np.empty((len(indices), 1, size, size), dtype=np.float32)
    for row, i in enumerate(indices):
        out[row, 0] = render(images[i], boxes[i], size, rng, jitter)
    return out
