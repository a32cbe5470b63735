"""Any expression classifier at a set rate per viewer: each viewer's face scored ``rate`` times a second.

A full house has hundreds of faces in every frame; scoring each of them in every frame costs far more than
finding them, and an expression does not change thirty times a second. With ``rate`` > 0 each viewer (a tracker's
id) is scored when first seen and then every ``1 / rate`` seconds of the frames' clock; in the frames between, its
record carries the viewer's last scores and says so (``Record.scored`` is False, the CSV's ``scored`` is 0). Each
viewer's turn is offset by its id, so a full house that appears in one frame is scored a slice per frame, not all
at once every ``1 / rate`` seconds; the faces due in a frame go to the classifier in one batch.

A whole house found at once (a scene's first scan) is not all scored in one frame either: at most
``FIRST_PER_FRAME`` viewers are scored for the first time in a frame, and the others wait, out of that frame's records,
for the next frames (374 viewers: 6 frames). Scored all at once, they made one frame 130-140 ms long, two frames dropped
live.

``rate`` = 0 (the default), or a screening without a tracker, scores every face in every frame. A rate is at least 1
a second: the report and the live dashboard read only the scored records, and count a viewer in each second they
were scored in.
"""

from __future__ import annotations

from typing import Any, Dict, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .components import Box
from .errors import ReactlensError

#: The options every classifier takes, with their defaults: every face scored in every frame.
CLASSIFY_RATE_OPTIONS: Dict[str, Any] = {"rate": 0.0}
#: The golden ratio's fraction: viewer ``i``'s first repeat falls at ``frac(i * PHASE)`` of a period, which spreads
#: any run of consecutive ids evenly over the period.
PHASE = 0.6180339887498949
#: Viewers scored for the first time in one frame, at most: about what a full house's frame scores anyway (374
#: viewers 6 times a second at 30 fps: 75).
FIRST_PER_FRAME = 64


class Scores(NamedTuple):
    """A frame's scores: ``probs`` ``(faces, labels)``; ``scored``, the rows scored in this frame (the others carry
    their viewer's last scores); ``ready``, the rows that have scores (False: first seen, waiting for a turn)."""

    probs: np.ndarray
    scored: np.ndarray
    ready: np.ndarray


class ClassifyRate:
    """Wraps a classifier so each viewer is scored ``rate`` times a second (0: every frame).

    ``classify(image, boxes)`` scores every box, as the wrapped classifier does; ``score_viewers`` (the screening
    loop's call) scores the viewers whose turn it is and carries the others' last scores.
    """

    def __init__(self, classifier: Any, rate: float = 0.0) -> None:
        rate = float(rate)
        if rate < 0 or 0 < rate < 1:  # the report and the dashboard need each viewer scored every second
            raise ReactlensError(
                f"classifier rate {rate:g} is not 0 or at least 1",
                "use a rate of 1 or more a second, or 0 for every frame",
            )
        self.classifier = classifier
        self.rate = rate
        self.labels = classifier.labels
        self.smile_label = getattr(classifier, "smile_label", None)
        #: viewer id → (when its next scoring is due, its last scores)
        self._viewers: Dict[int, Tuple[float, np.ndarray]] = {}

    def score_viewers(
        self, image: np.ndarray, boxes: Sequence[Box], ids: Optional[Sequence[int]], time_s: float
    ) -> Scores:
        """This frame's ``Scores`` for ``boxes`` (``ids``: each box's viewer, None without a tracker; ``time_s``: the
        frame's time)."""
        if not boxes:
            empty = np.zeros(0, dtype=bool)
            return Scores(np.zeros((0, len(self.labels)), dtype=np.float32), empty, empty)
        if self.rate <= 0 or ids is None:
            every = np.ones(len(boxes), dtype=bool)
            return Scores(self.classify(image, boxes), every, every)
        period = 1.0 / self.rate
        known = [self._viewers.get(i) for i in ids]
        due = np.array([k is None or time_s >= k[0] for k in known], dtype=bool)
        ready = np.ones(len(boxes), dtype=bool)
        waiting = [row for row, k in enumerate(known) if k is None][FIRST_PER_FRAME:]
        due[waiting] = ready[waiting] = False
        probs = np.zeros((len(boxes), len(self.labels)), dtype=np.float32)
        for row, k in enumerate(known):
            if k is not None and not due[row]:
                probs[row] = k[1]
        rows = np.flatnonzero(due)
        if len(rows):
            probs[rows] = self.classify(image, [boxes[r] for r in rows])
        for r in rows.tolist():
            viewer, k = ids[r], known[r]
            if k is None:  # first seen: its turns fall at its own phase of the period
                next_due = time_s + period * ((viewer * PHASE) % 1.0 or 1.0)
            else:  # keep the phase, skipping turns missed while the viewer was away
                next_due = k[0] + period * (int((time_s - k[0]) // period) + 1)
            self._viewers[viewer] = (next_due, probs[r].copy())
        return Scores(probs, due, ready)

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        """Every box scored by the wrapped classifier, its answer's shape checked."""
        probs = np.asarray(self.classifier.classify(image, boxes), dtype=np.float32)
        if probs.shape != (len(boxes), len(self.labels)):
            raise ValueError(f"returned shape {probs.shape}, expected {(len(boxes), len(self.labels))}")
        return probs
