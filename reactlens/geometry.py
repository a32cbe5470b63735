"""The shapes every component speaks in: face boxes and points, in frame pixels."""

from typing import Sequence, Tuple

#: A face box in frame pixels: left, top, width, height.
Box = Tuple[int, int, int, int]
#: A point in frame pixels.
Point = Tuple[float, float]


def box_of(values: Sequence[float]) -> Box:
    """Four numbers (a detector's or a file's) as a ``Box`` of whole pixels."""
    x, y, w, h = values  # unrolled: a full house's tracker calls this for every face of every frame
    return (int(round(x)), int(round(y)), int(round(w)), int(round(h)))
