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

from functools import partial
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

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


class Turn(NamedTuple):
    """A frame's scoring as planned: ``run()`` scores the faces of the ``scored`` rows (the model's work, which may run
    on another thread); ``ids``, each row's viewer (None: every row is scored)."""

    run: Callable[[], np.ndarray]
    scored: np.ndarray
    ready: np.ndarray
    ids: Optional[Sequence[int]]


def splits(classifier: Any) -> bool:
    """Whether ``classifier`` offers its ``classify`` in two, ``preprocess(image, boxes)`` and ``infer(batch)``."""
    return callable(getattr(classifier, "preprocess", None)) and callable(getattr(classifier, "infer", None))


class ClassifyRate:
    """Wraps a classifier so each viewer is scored ``rate`` times a second (0: every frame).

    ``classify(image, boxes)`` scores every box, as the wrapped classifier does. The screening loop scores a frame in
    three steps, frames in order: ``plan`` (whose turn it is, their crops), the ``Turn``'s ``run`` (on a thread of its
    own, overlapping the next frame), and ``scores`` (the frame's ``Scores``, the others' last scores carried);
    ``score_viewers`` does all three at once.

    A classifier may split its ``classify`` in two, ``preprocess(image, boxes)`` (its crops, made when planned) and
    ``infer(batch)`` (its model), so that only the model runs on the scoring thread: Python's lock is then taken once a
    frame there, not once a face.
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
        #: the wrapped model's crop (an ONNX classifier's ``ModelSpec``), which ``reactlens evaluate`` needs to classify
        #: a crop as cut
        self.spec = getattr(classifier, "spec", None)
        self._split = splits(classifier)
        #: viewer id → when its next scoring is due (set when planned)
        self._due: Dict[int, float] = {}
        #: each viewer's last scores, a row each (set when its frame's scores are taken, in frame order): carried into
        #: a full house's frame in one array operation, not one a face
        self._last = np.zeros((64, len(self.labels)), dtype=np.float32)
        #: viewer id → its row of ``_last``
        self._row: Dict[int, int] = {}

    def score_viewers(
        self, image: np.ndarray, boxes: Sequence[Box], ids: Optional[Sequence[int]], time_s: float
    ) -> Scores:
        """This frame's ``Scores`` for ``boxes`` (``ids``: each box's viewer, None without a tracker; ``time_s``: the
        frame's time)."""
        turn = self.plan(image, boxes, ids, time_s)
        return self.scores(turn, turn.run())

    def plan(self, image: np.ndarray, boxes: Sequence[Box], ids: Optional[Sequence[int]], time_s: float) -> Turn:
        """Which of a frame's ``boxes`` are scored now, and the work of scoring them (see ``score_viewers``)."""
        if self.rate <= 0 or ids is None:
            every = np.ones(len(boxes), dtype=bool)
            return Turn(self._work(image, boxes), every, every, None)
        period = 1.0 / self.rate
        known = [self._due.get(i) for i in ids]
        due = np.array([k is None or time_s >= k for k in known], dtype=bool)
        ready = np.ones(len(boxes), dtype=bool)
        waiting = [row for row, k in enumerate(known) if k is None][FIRST_PER_FRAME:]
        due[waiting] = ready[waiting] = False
        rows = np.flatnonzero(due)
        for r in rows.tolist():
            viewer, k = ids[r], known[r]
            if k is None:  # first seen: its turns fall at its own phase of the period
                self._due[viewer] = time_s + period * ((viewer * PHASE) % 1.0 or 1.0)
            else:  # keep the phase, skipping turns missed while the viewer was away
                self._due[viewer] = k + period * (int((time_s - k) // period) + 1)
        return Turn(self._work(image, [boxes[r] for r in rows]), due, ready, ids)

    def scores(self, turn: Turn, probs: np.ndarray) -> Scores:
        """A planned frame's ``Scores``, given what its ``run`` returned; frames must be taken in order."""
        if turn.ids is None:
            return Scores(probs, turn.scored, turn.ready)
        out = np.zeros((len(turn.scored), len(self.labels)), dtype=np.float32)
        out[turn.scored] = probs
        ids = turn.ids
        rows = self._rows([ids[row] for row in np.flatnonzero(turn.scored).tolist()])  # first: it may grow ``_last``
        self._last[rows] = probs
        carried = np.flatnonzero(turn.ready & ~turn.scored).tolist()  # a full house's most
        if carried:
            out[carried] = self._last[[self._row[ids[row]] for row in carried]]
        return Scores(out, turn.scored, turn.ready)

    def _rows(self, viewers: Sequence[int]) -> List[int]:
        """Each viewer's row of ``_last``, a new viewer given the next one (``_last`` grown to hold it)."""
        rows = [self._row.setdefault(viewer, len(self._row)) for viewer in viewers]
        if len(self._row) > len(self._last):
            grown = np.zeros((2 * len(self._row), len(self.labels)), dtype=np.float32)
            grown[: len(self._last)] = self._last
            self._last = grown
        return rows

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        """Every box scored by the wrapped classifier, its answer's shape checked."""
        return self._work(image, boxes)()

    def _work(self, image: np.ndarray, boxes: Sequence[Box]) -> Callable[[], np.ndarray]:
        """Scoring ``boxes``: the crops now, if the classifier makes them apart; the model's run when called."""
        expected = (len(boxes), len(self.labels))
        if not boxes:
            return lambda: np.zeros(expected, dtype=np.float32)
        if self._split:
            answer = partial(self.classifier.infer, self.classifier.preprocess(image, boxes))
        else:
            answer = partial(self.classifier.classify, image, boxes)

        def run() -> np.ndarray:
            probs = np.asarray(answer(), dtype=np.float32)
            if probs.shape != expected:
                raise ValueError(f"returned shape {probs.shape}, expected {expected}")
            return probs

        return run
