"""The shapes every component speaks in: face boxes and points, in frame pixels."""

from typing import Sequence, Tuple

#: A face box in frame pixels: left, top, width, height.
Box = Tuple[int, int, int, int]
#: A point in frame pixels.
Point = Tuple[float, float]


def box_of(values: Sequence[float]) -> Box:
    """Four numbers (a detector's or a file's) as a ``Box`` of whole pixels."""
    x, y, w, h = (int(round(v)) for v in values)
    return (x, y, w, h)
