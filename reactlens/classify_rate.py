"""Any expression classifier at a set rate per viewer: each viewer's face scored ``rate`` times a second.

A full house has hundreds of faces in every frame; scoring each of them in every frame costs far more than
finding them, and an expression does not change thirty times a second. With ``rate`` > 0 each viewer (a tracker's
id) is scored when first seen and then every ``1 / rate`` seconds of the frames' clock; in the frames between, its
record carries the viewer's last scores and says so (``Record.scored`` is False, the CSV's ``scored`` is 0). Each
viewer's turn is offset by its id, so a full house that appears in one frame is scored a slice per frame, not all
at once every ``1 / rate`` seconds; the faces due in a frame go to the classifier in one batch.

``rate`` = 0 (the default), or a screening without a tracker, scores every face in every frame. A rate is at least 1
a second: the report and the live dashboard read only the scored records, and count a viewer in each second they
were scored in.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from .components import Box
from .errors import ReactlensError

#: The options every classifier takes, with their defaults: every face scored in every frame.
CLASSIFY_RATE_OPTIONS: Dict[str, Any] = {"rate": 0.0}
#: The golden ratio's fraction: viewer ``i``'s first repeat falls at ``frac(i * PHASE)`` of a period, which spreads
#: any run of consecutive ids evenly over the period.
PHASE = 0.6180339887498949


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
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Probabilities ``(len(boxes), len(labels))`` and a boolean mask of the rows scored now (``ids``: each
        box's viewer, None without a tracker; ``time_s``: the frame's time)."""
        if not boxes:
            return np.zeros((0, len(self.labels)), dtype=np.float32), np.zeros(0, dtype=bool)
        if self.rate <= 0 or ids is None:
            return self.classify(image, boxes), np.ones(len(boxes), dtype=bool)
        period = 1.0 / self.rate
        known = [self._viewers.get(i) for i in ids]
        due = np.array([k is None or time_s >= k[0] for k in known], dtype=bool)
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
        return probs, due

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        """Every box scored by the wrapped classifier, its answer's shape checked."""
        probs = np.asarray(self.classifier.classify(image, boxes), dtype=np.float32)
        if probs.shape != (len(boxes), len(self.labels)):
            raise ValueError(f"returned shape {probs.shape}, expected {(len(boxes), len(self.labels))}")
        return probs
