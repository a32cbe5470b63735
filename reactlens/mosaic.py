"""Many small images in one, so a detector looks at all of them in one run.

A CNN's run has fixed costs (the call, its outputs read) that are most of a small image's, so the regions a detector
is to look at (the faces followed between scans) are packed into one mosaic: in
shelves, tallest first, each image at a whole number of ``GAP`` steps from the mosaic's corner with at least ``GAP``
blank pixels after it. A face belongs to the image that holds its centre; one found in the blank between images
belongs to none. One image is the mosaic itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

#: The blank after each image, and what every image's corner is a multiple of: the coarsest stride of the shipped CNNs
#: (each image is as far from the network's grid as alone). 16 made smaller mosaics but found 7 faces of 3,740 fewer in
#: a composed full house.
GAP = 32


def _whole_steps(side: int) -> int:
    """``side`` rounded up to a whole number of ``GAP`` steps."""
    return -(-side // GAP) * GAP


@dataclass(frozen=True)
class Mosaic:
    """The packed image and each image's top-left corner in it (x, y), in the order given."""

    image: np.ndarray
    corners: List[Tuple[int, int]]
    sizes: List[Tuple[int, int]]  # each image's width and height

    def which(self, x: float, y: float) -> Optional[int]:
        """The image holding the point (x, y) of the mosaic, or None (the blank between images)."""
        for n, ((left, top), (width, height)) in enumerate(zip(self.corners, self.sizes)):
            if left <= x < left + width and top <= y < top + height:
                return n
        return None


def pack(images: Sequence[np.ndarray]) -> Mosaic:
    """``images`` (of one kind, none empty) in one mosaic; see the module docstring."""
    sizes = [(int(image.shape[1]), int(image.shape[0])) for image in images]
    if len(images) == 1:
        return Mosaic(images[0], [(0, 0)], sizes)
    cells = [(_whole_steps(w + GAP), _whole_steps(h + GAP)) for w, h in sizes]
    # shelves about as wide as the mosaic is tall (its cells' area squared), or the widest cell
    across = max(max(w for w, _ in cells), _whole_steps(int(np.sqrt(sum(w * h for w, h in cells)))))
    corners: List[Tuple[int, int]] = [(0, 0)] * len(images)
    x = y = shelf = 0
    for n in sorted(range(len(images)), key=lambda n: -cells[n][1]):  # tallest first
        w, h = cells[n]
        if x + w > across:
            x, y, shelf = 0, y + shelf, 0
        corners[n] = (x, y)
        x, shelf = x + w, max(shelf, h)
    height = _whole_steps(max(top + h for (_, top), (_, h) in zip(corners, sizes)))
    width = _whole_steps(max(left + w for (left, _), (w, _) in zip(corners, sizes)))
    mosaic = np.zeros((height, width, *images[0].shape[2:]), dtype=images[0].dtype)
    for (left, top), (w, h), image in zip(corners, sizes, images):
        mosaic[top : top + h, left : left + w] = image
    return Mosaic(mosaic, corners, sizes)
