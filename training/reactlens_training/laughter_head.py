"""A small head that tells a room's laughs from what fools a tagger, on EfficientAT's features; trained on tuning data.

The recipe (``reactlens train laughter-head``), from the tuning half of ``laughter_data`` only:

* **Audience laughs**: 1 to 3 of the tuning laughs overlapping, each at its own level (0 to −10 dB), in a reverberant
  room (60% of them: noise with a 50-250 ms exponential decay, 0.2-0.6 s long), over 2.2 s of tuning sound (speech,
  music, the tuning voices' shouts, coughs and moans) at −3 to +12 dB.
* **A room**: the tuning room sounds (coughs, sneezes, breathing, steps, doors, claps, applause, chatter; see
  ``laughter_data``) sprinkled into that tuning sound, one every ``ROOM_EVERY_S`` or so, under laughs and not.
* **Not laughs**: 2-s windows, one a second, of 30 minutes of tuning sound with its room sounds.
* **Features**: each window's EfficientAT embedding (384) and the log of its 527 class probabilities, standardised.
* **Model**: logistic regression (L2 0.1, classes weighted equally), fitted by gradient descent in numpy.

The head is a JSON file (``models/efficientat-laughter-head.json``): the features' means and deviations, the weights
and the bias, and the recipe's settings. Its threshold is chosen by ``benchmarks/laughter.py`` on tuning mixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np
from scipy.signal import fftconvolve, resample_poly

from .laughter_data import RATE, Corpus, Sound, background, sprinkle

POSITIVES = 600
NEGATIVE_MINUTES = 30
L2 = 0.1
STEPS = 800
LEARNING_RATE = 0.1
SEED = 0
#: Seconds between room sounds in the training sound, on average: denser than a room, for more of them to learn from.
ROOM_EVERY_S = 3.0


def _reverberant(sound: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(rng.uniform(0.2, 0.6) * RATE)) / RATE
    response = rng.normal(0, 1, len(t)) * np.exp(-t / rng.uniform(0.05, 0.25))
    response[0] = 1.0
    wet = fftconvolve(sound, response)[: len(sound)]
    return wet / (np.abs(wet).max() + 1e-6) * np.abs(sound).max()


def _rms(sound: np.ndarray) -> float:
    return float(np.sqrt(np.mean(sound**2))) + 1e-4


def room_sound(negatives: List[Sound], room: List[Sound], seconds: float, rng: np.random.Generator) -> np.ndarray:
    """``seconds`` of tuning sound with room sounds in it (16 kHz)."""
    return sprinkle(room, background(negatives, seconds, rng), ROOM_EVERY_S, rng)


def audience_laugh(
    laughs: List[Sound], negatives: List[Sound], room: List[Sound], rng: np.random.Generator, seconds: float
) -> np.ndarray:
    """``seconds`` of 1-3 overlapping laughs, maybe reverberant, over tuning sound with room sounds (16 kHz)."""
    length = int(seconds * RATE)
    mix = np.zeros(length, np.float32)
    for _ in range(int(rng.integers(1, 4))):
        laugh = laughs[int(rng.integers(len(laughs)))].samples
        if len(laugh) < length:
            laugh = np.pad(laugh, (int(rng.integers(0, length - len(laugh) + 1)), 0))
        else:
            start = int(rng.integers(0, len(laugh) - length + 1))
            laugh = laugh[start : start + length]
        laugh = np.pad(laugh, (0, max(0, length - len(laugh))))[:length]
        mix += laugh * 10 ** (rng.uniform(-10, 0) / 20) / _rms(laugh) * 0.1
    if rng.random() < 0.6:
        mix = _reverberant(mix, rng)
    back = room_sound(negatives, room, seconds, rng)
    return (back + mix * _rms(back) / _rms(mix) * 10 ** (rng.uniform(-3, 12) / 20)).astype(np.float32)


def windows(sound16: np.ndarray, window_s: float, hop_s: float, rate: int) -> np.ndarray:
    """16 kHz sound resampled to ``rate`` and cut into windows."""
    sound = resample_poly(sound16, rate, RATE).astype(np.float32)
    size, hop = int(window_s * rate), int(hop_s * rate)
    count = max(0, (len(sound) - size) // hop + 1)
    return np.stack([sound[i * hop : i * hop + size] for i in range(count)]) if count else np.zeros((0, size))


def fit(features: np.ndarray, labels: np.ndarray) -> Dict[str, Any]:
    """Logistic regression on standardised features, both classes weighted equally."""
    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-6
    x = (features - mean) / std
    weight = np.where(labels == 1, len(labels) / (2 * labels.sum()), len(labels) / (2 * (len(labels) - labels.sum())))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - labels) * weight
        w -= LEARNING_RATE * (x.T @ g / len(labels) + L2 * w)
        b -= LEARNING_RATE * float(g.mean())
    accuracy = float((((x @ w + b) > 0) == (labels == 1)).mean())
    return {"mean": mean.tolist(), "std": std.tolist(), "weights": w.tolist(), "bias": b, "train_accuracy": accuracy}


def train(corpus: Corpus, features: Callable[[np.ndarray], np.ndarray], window_s: float, rate: int) -> Dict[str, Any]:
    """The head, from the corpus's tuning half; ``features`` maps windows (at ``rate``) to feature rows."""
    rng = np.random.default_rng(SEED)
    negatives, room = corpus.tuning_negatives, corpus.tuning_room
    positive = np.concatenate(
        [
            windows(audience_laugh(corpus.tuning, negatives, room, rng, window_s + 0.2), window_s, 1.0, rate)[:1]
            for _ in range(POSITIVES)
        ]
    )
    negative = windows(room_sound(negatives, room, NEGATIVE_MINUTES * 60, rng), window_s, 1.0, rate)
    x = np.concatenate([features(positive), features(negative)])
    y = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
    head = fit(x, y)
    head["recipe"] = {
        "positives": POSITIVES,
        "negative_minutes": NEGATIVE_MINUTES,
        "l2": L2,
        "steps": STEPS,
        "seed": SEED,
        "tuning_laughs": len(corpus.tuning),
        "tuning_negatives": len(corpus.tuning_negatives),
        "tuning_room_sounds": len(corpus.tuning_room),
        "room_every_s": ROOM_EVERY_S,
    }
    return head


def save(head: Dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(head, separators=(",", ":")) + "\n", encoding="utf-8")
