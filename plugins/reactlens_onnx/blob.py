"""Frames as the detectors' networks take them: NCHW float32, each side a multiple of 32."""

from __future__ import annotations

from typing import Sequence, Tuple

import cv2
import numpy as np

#: Both shipped detectors' inputs must be a multiple of this each way.
ALIGN = 32


def aligned_blob(image: np.ndarray, align: int = ALIGN) -> Tuple[np.ndarray, float, float]:
    """``image`` (H×W×3) as a 1×3×H'×W' float32 blob whose sides are multiples of ``align``, and the x and y scale
    of the blob's pixels relative to ``image``'s.

    A side a little over a multiple is shrunk to it (up to 10%), any other is padded with black, so a 65-pixel
    region costs a 64-pixel run, not a 96-pixel one.
    """
    height, width = image.shape[:2]
    sizes = []
    for side in (width, height):
        near = max(align, int(round(side / align)) * align)
        sizes.append(near if abs(near - side) <= 0.1 * side else -(-side // align) * align)
    fit_w, fit_h = min(sizes[0], width), min(sizes[1], height)
    if (fit_w, fit_h) != (width, height):
        image = cv2.resize(image, (fit_w, fit_h), interpolation=cv2.INTER_AREA)
    blob = np.zeros((1, 3, sizes[1], sizes[0]), dtype=np.float32)
    blob[0, :, :fit_h, :fit_w] = image.transpose(2, 0, 1)
    return blob, fit_w / width, fit_h / height


def square_box(box: Sequence[float], side: float, shift_y: float) -> Tuple[float, float, float, float]:
    """The square Haar-style box for a network's face box (x, y, w, h): ``side`` × h wide, centred ``shift_y`` × h
    below its centre (each detector's two numbers are measured by its model script's ``--calibrate``)."""
    x, y, w, h = box
    length = side * h
    cx, cy = x + w / 2.0, y + h / 2.0 + shift_y * h
    return (cx - length / 2.0, cy - length / 2.0, length, length)
