"""Applause heard beside laughter: the same model's run on the same windows, a second column of scores.

A screening ends with applause, and a scene that lands may get it; the AudioSet taggers hear it in their Clapping and
Applause classes. ``applause = true`` on the ``laughter`` (YAMNet) or ``efficientat`` detector adds room records
labelled ``applause``; their thresholds were chosen on the tuning half of real recorded applause
(``benchmarks/laughter.py --event applause``).
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from reactlens.errors import ReactlensError
from reactlens.room import APPLAUSE

__all__ = ["APPLAUSE", "applause_events", "class_sum", "with_applause"]


def applause_events(
    applause: bool, on: Optional[float], off: Optional[float], default: Tuple[float, float]
) -> Dict[str, Tuple[float, float]]:
    """A detector's ``also`` for its ``applause``, ``applause_on`` and ``applause_off`` options (``default``: the
    model's thresholds)."""
    if not applause:
        return {}
    pair = (float(default[0] if on is None else on), float(default[1] if off is None else off))
    if not 0 <= pair[1] <= pair[0] <= 1:
        raise ReactlensError(
            f"applause thresholds on {pair[0]:g}, off {pair[1]:g} are not 0 <= off <= on <= 1", "fix applause_on/off"
        )
    return {APPLAUSE: pair}


def class_sum(probabilities: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    """An event's score in each window: the sum of its classes' probabilities, capped at 1."""
    return np.minimum(probabilities[:, list(classes)].sum(axis=1), 1.0)


def with_applause(
    scores: np.ndarray, probabilities: np.ndarray, classes: Sequence[int], also: Dict[str, Tuple[float, float]]
) -> np.ndarray:
    """A detector's ``scores``, with applause's (its ``classes`` of ``probabilities``) as a second column when it hears
    applause too (``also``)."""
    return np.stack([scores, class_sum(probabilities, classes)], axis=1) if also else scores
