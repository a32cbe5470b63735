"""Confidence bands from resampling viewers (not frames): a Bayesian bootstrap with a Jeffreys prior.

A curve's value at second ``t`` is the mean, over the viewers present at ``t``, of one number in 0..1 per
viewer (1/0 for "showing the expression", or their mean score). Frames of one viewer are not independent,
and the question is how an audience of other viewers like these would react, so whole viewers are
resampled: each of ``n_resamples`` draws gives every viewer a random weight (Exp(1), i.e. Dirichlet(1, …, 1)
weights, Rubin's Bayesian bootstrap) and recomputes the curve for every second at once. Two pseudo-viewers,
one at 0 and one at 1, join every draw with Gamma(½) weights (half a viewer each, the Jeffreys prior of a
share): a second where all 12 viewers are neutral then still gets an honest upper bound, where the plain
percentile bootstrap would give the band [0, 0]. The band is the draws' ``(1 − level)/2`` and
``(1 + level)/2`` quantiles.

With many viewers the prior no longer matters and the band equals SciPy's
``bootstrap(method="percentile")`` for the mean; ``tests/test_report_stats.py`` checks that, and that the
band covers the true share in simulated audiences of 12 viewers at least 90% of the time (the plain
percentile bootstrap covers it 65–86% of the time there).

A difference between two audiences gets a *simultaneous* band by default: one that holds over the whole
timeline at once (see ``difference_band``), because a comparison is read for where it differs anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

#: Draws per band, and the band's coverage.
N_RESAMPLES = 1000
LEVEL = 0.95
#: Prior weight of each pseudo-viewer (one at 0, one at 1).
PRIOR = 0.5


@dataclass(frozen=True)
class Band:
    """A curve and its band, one value per second (NaN where no viewer is present)."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray


#: Seconds of a curve drawn at a time: a 2-hour film's 1,000 draws of every second at once took ~150 MB.
BLOCK_S = 600

#: Each draw's weights: one per viewer, and the pseudo-viewers' at 0 and at 1.
Weights = Tuple[np.ndarray, np.ndarray, np.ndarray]


def _weights(viewers: int, n_resamples: int, rng: np.random.Generator) -> Weights:
    """``n_resamples`` random reweightings of the viewers (and the two pseudo-viewers)."""
    weights = rng.standard_exponential((n_resamples, viewers), dtype=np.float32)
    at_zero, at_one = (rng.standard_gamma(PRIOR, (n_resamples, 1)).astype(np.float32) for _ in range(2))
    return weights, at_zero, at_one


def _draws(values: np.ndarray, present: np.ndarray, weights: Weights) -> np.ndarray:
    """The curve under each reweighting: ``(n_resamples, seconds)``."""
    each, at_zero, at_one = weights
    totals = each @ np.where(present, values, 0.0).astype(np.float32) + at_one
    counts = each @ present.astype(np.float32) + at_zero + at_one
    return totals / counts


def _means(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The plain mean over the present viewers per second (NaN where nobody is present)."""
    counts = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.where(present, values, 0.0).sum(axis=0, dtype=np.float64) / counts, np.nan)


def _edges(draws: np.ndarray, level: float, nobody: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    return np.where(nobody, np.nan, low), np.where(nobody, np.nan, high)


def mean_band(
    values: np.ndarray, present: np.ndarray, n_resamples: int = N_RESAMPLES, level: float = LEVEL, seed: int = 0
) -> Band:
    """The mean over present viewers per second, with its band.

    ``values`` (in 0..1) and ``present`` are ``(viewers, seconds)``; values of absent viewers are ignored.
    """
    present = present.astype(bool)
    weights = _weights(len(values), n_resamples, np.random.default_rng(seed))
    edges = [
        _edges(_draws(values[:, block], present[:, block], weights), level, ~present[:, block].any(axis=0))
        for block in (slice(first, first + BLOCK_S) for first in range(0, values.shape[1], BLOCK_S))
    ]
    low, high = (np.concatenate(side) for side in zip(*edges))
    return Band(_means(values, present), low, high)


def difference_band(
    a: Tuple[np.ndarray, np.ndarray],
    b: Tuple[np.ndarray, np.ndarray],
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = 0,
    simultaneous: bool = True,
) -> Band:
    """Audience ``a``'s mean minus audience ``b``'s per second, the viewers of each resampled on their own.

    ``a`` and ``b`` are ``(values, present)`` pairs as ``mean_band`` takes them, over the same seconds.
    ``simultaneous``: a band that holds the whole curve at once with probability ``level`` (the
    difference plus or minus ``c`` standard errors, ``c`` the ``level`` quantile of the draws' largest
    standardised deviation over all seconds), so a long film does not show differences by chance at 5%
    of its seconds; otherwise the pointwise quantiles.
    """
    rng = np.random.default_rng(seed)
    (va, pa), (vb, pb) = ((v, p.astype(bool)) for v, p in (a, b))
    draws = _draws(va, pa, _weights(len(va), n_resamples, rng)) - _draws(vb, pb, _weights(len(vb), n_resamples, rng))
    value = _means(va, pa) - _means(vb, pb)
    nobody = ~(pa.any(axis=0) & pb.any(axis=0))
    if not simultaneous:
        low, high = _edges(draws, level, nobody)
        return Band(value, low, high)
    spread = draws.std(axis=0)
    seen = ~nobody & (spread > 0)
    largest = np.abs(draws[:, seen] - draws[:, seen].mean(axis=0)) / spread[seen]
    c = float(np.quantile(largest.max(axis=1), level)) if seen.any() else 0.0
    return Band(value, np.where(nobody, np.nan, value - c * spread), np.where(nobody, np.nan, value + c * spread))
