"""Face boxes and crops: box overlap, and cutting crops out of frames the same way at training and at run time."""

from __future__ import annotations

from typing import Sequence, Tuple, Union

import cv2
import numpy as np

from .components import Box, Detection, Found
from .geometry import box_of


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


def iou_matrix(a: Union[Sequence[Box], np.ndarray], b: Union[Sequence[Box], np.ndarray]) -> np.ndarray:
    """Intersection over union of every box of ``a`` with every box of ``b`` (boxes, or ``(n, 4)`` arrays of them):
    an ``(len(a), len(b))`` array, as ``iou`` gives for one pair (hundreds of faces at once)."""
    first = np.asarray(a, dtype=np.float64).reshape(-1, 1, 4)
    second = np.asarray(b, dtype=np.float64).reshape(1, -1, 4)
    ax, ay, aw, ah = (first[..., k] for k in range(4))
    bx, by, bw, bh = (second[..., k] for k in range(4))
    iw = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    ih = np.minimum(ay + ah, by + bh) - np.maximum(ay, by)
    inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
    return inter / np.maximum(aw * ah + bw * bh - inter, 1e-9)


def as_detection(found: Found) -> Detection:
    """A detector's answer for one face as a ``Detection`` with an integer box (bare boxes are accepted)."""
    if isinstance(found, Detection):
        score = None if found.score is None else float(found.score)
        return Detection(box_of(found.box), score, found.landmarks)
    return Detection(box_of(found))


def crop_region(box: Box, margin: float = 0.0, shift_y: float = 0.0) -> Tuple[int, int, int, int]:
    """The square region (x0, y0, x1, y1) to crop for a face box.

    ``margin`` widens the box by that fraction of its size on every side; ``shift_y`` moves the centre
    down by that fraction of the box height (negative: up). The region may extend past the frame.
    """
    x, y, w, h = box
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx = x + w / 2.0
    cy = y + h / 2.0 + shift_y * h
    x0 = int(round(cx - side / 2.0))
    y0 = int(round(cy - side / 2.0))
    s = max(1, int(round(side)))
    return x0, y0, x0 + s, y0 + s


def box_for_crop(width: int, height: int, margin: float = 0.0, shift_y: float = 0.0) -> Box:
    """The face box whose ``crop_region`` is a whole ``width``×``height`` image (an image that is a crop)."""
    side = max(width, height) / (1.0 + 2.0 * margin)
    x = (width - side) / 2.0
    y = (height - side) / 2.0 - shift_y * side
    return int(round(x)), int(round(y)), max(1, int(round(side))), max(1, int(round(side)))


def crop_face(
    image: np.ndarray, box: Box, size: Tuple[int, int], gray: bool, margin: float = 0.0, shift_y: float = 0.0
) -> np.ndarray:
    """One face crop resized to ``size`` (width, height): uint8, H×W if ``gray`` else H×W×3 BGR.

    Parts of the region outside the frame are filled by repeating the frame's edge.
    """
    height, width = image.shape[:2]
    x0, y0, x1, y1 = crop_region(box, margin, shift_y)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if cx1 <= cx0 or cy1 <= cy0:
        patch = np.zeros((1, 1, *image.shape[2:]), dtype=image.dtype)
    else:
        patch = image[cy0:cy1, cx0:cx1]
        pads = (cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1)
        if any(pads):
            patch = cv2.copyMakeBorder(patch, *pads, cv2.BORDER_REPLICATE)
    shrink = patch.shape[1] > size[0]
    patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    if gray and patch.ndim == 3:
        patch = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY)
    return patch


def crop_faces(
    image: np.ndarray,
    boxes: Sequence[Box],
    size: Tuple[int, int],
    gray: bool,
    margin: float = 0.0,
    shift_y: float = 0.0,
) -> np.ndarray:
    """All faces of a frame as one uint8 batch: N×H×W (gray) or N×H×W×3 (BGR). A colour frame's crops are greyed
    together, in one conversion: the same pixels as ``crop_face``'s, and one call into OpenCV a face fewer."""
    together = gray and image.ndim == 3 and len(boxes) > 0
    each_gray = gray and not together
    shape = (len(boxes), size[1], size[0]) + (() if each_gray else (3,))
    batch = np.empty(shape, dtype=np.uint8)
    for i, box in enumerate(boxes):
        batch[i] = crop_face(image, box, size, each_gray, margin, shift_y)
    if together:
        return cv2.cvtColor(batch.reshape(-1, size[0], 3), cv2.COLOR_BGR2GRAY).reshape(shape[:3])
    return batch
