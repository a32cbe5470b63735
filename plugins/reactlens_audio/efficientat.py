"""Room sounds scored by EfficientAT mn04, an AudioSet tagger (527 classes, mAP 0.432; YAMNet's is 0.306), on ONNX
Runtime.

``models/efficientat-mn04.onnx`` is built from the published weights by ``scripts/make_efficientat_model.py`` (see the
model card); its input is ``reactlens_audio.mel``'s log-mel frames of 32 kHz sound, computed here with numpy.

A window's score is, by default (``decision = "classes"``), the sum of the event's classes' probabilities, capped at 1
(laughter: Laughter, Baby laughter, Giggle, Snicker, Belly laugh, Chuckle). With ``decision = "head"`` it is a trained
head's probability: a logistic regression on the window's 384-d embedding and its 527 log-probabilities, trained on
augmented audience laughs against the sounds that fool a tagger, a room's coughs, sneezes, steps and doors among them
(``reactlens_training.laughter_head``, tuning data only; ``models/efficientat-laughter-head.json``). It makes no false
laugh on the game voices' coughs and shouts, but hears fewer laughs than the classes, and it is poorly calibrated away
from its mixtures: a clean laugh alone scores 0.26-0.92, under its tuned threshold of 0.95, and coughs and sneezes
0.3-0.75 (README, "Hearing the laughs").
"""

from __future__ import annotations

import json
import threading
from typing import Dict, Optional, Tuple

import numpy as np
from reactlens_models import chosen_model, model_path
from reactlens_onnx.session import open_session

from reactlens.components import AudioDetector
from reactlens.errors import ReactlensError

from .applause import APPLAUSE, applause_events, class_sum, with_applause
from .mel import RATE, MelFrontEnd

EFFICIENTAT = "efficientat-mn04.onnx"
LAUGHTER_HEAD = "efficientat-laughter-head.json"
DECISIONS = ("classes", "head")
#: Each decision's event thresholds (on, off), chosen on the tuning mixtures by ``benchmarks/laughter.py``: the best
#: recall with at most one false alarm per 10 minutes.
THRESHOLDS = {"head": (0.95, 0.475), "classes": (0.08, 0.04)}
#: Applause's (on, off), chosen on the tuning half of real recorded applause (``benchmarks/laughter.py``).
APPLAUSE_THRESHOLDS = (0.03, 0.015)
CLASSES = 527
#: AudioSet class indices (``class_labels_indices.csv``) of each event this detector can hear.
EVENTS: Dict[str, Tuple[int, ...]] = {
    "laughter": (16, 17, 18, 19, 20, 21),
    "applause": (63, 67),  # Clapping, Applause
}


class EfficientAtDetector(AudioDetector):
    """``label``: the event (``laughter`` or ``applause``). ``model``: an EfficientAT .onnx (default: the shipped
    mn04). ``decision``: ``classes`` (the sum of the event's classes, default) or ``head`` (laughter's trained head);
    ``head``: a head file (default: the shipped one). ``on``/``off``: the event thresholds (default: the decision's,
    ``THRESHOLDS``). ``window_s``/``hop_s``: the windows scored. ``applause``: with ``label = "laughter"``, hear
    applause too from the same run (``applause_on``/``applause_off``: its thresholds)."""

    rate = RATE

    def __init__(
        self,
        label: str = "laughter",
        model: Optional[str] = None,
        decision: str = "classes",
        head: Optional[str] = None,
        on: Optional[float] = None,
        off: Optional[float] = None,
        window_s: float = 2.0,
        hop_s: float = 0.5,
        threads: int = 1,
        applause: bool = False,
        applause_on: Optional[float] = None,
        applause_off: Optional[float] = None,
    ) -> None:
        if label not in EVENTS:
            raise ReactlensError(
                f"audio label '{label}' is not one EfficientAT hears", f"use one of: {', '.join(EVENTS)}"
            )
        if decision not in DECISIONS:
            raise ReactlensError(f"audio decision '{decision}' is not known", f"use one of: {', '.join(DECISIONS)}")
        decision = decision if label == "laughter" else "classes"  # the head hears laughter only
        self.label, self.decision = label, decision
        default = APPLAUSE_THRESHOLDS if label == APPLAUSE else THRESHOLDS[decision]
        self.also = applause_events(applause and label != APPLAUSE, applause_on, applause_off, APPLAUSE_THRESHOLDS)
        self.path = str(chosen_model(model, EFFICIENTAT))
        self.session = open_session(self.path, threads, option="audio.model")
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or len(outputs) != 2 or outputs[0].shape[-1] != CLASSES:
            raise ReactlensError(
                f"model {self.path} is not EfficientAT (input {inputs[0].shape}, output {outputs[0].shape})",
                "use the shipped models/efficientat-mn04.onnx or one made by scripts/make_efficientat_model.py",
            )
        self._input = inputs[0].name
        self._classes = list(EVENTS[label])
        self._head = _load_head(str(head or model_path(LAUGHTER_HEAD))) if decision == "head" else None
        default_on, default_off = default
        self.on = float(default_on if on is None else on)
        self.off = float(default_off if off is None else off)
        self.window_s, self.hop_s = float(window_s), float(hop_s)
        self._mel = MelFrontEnd()
        self._lock = threading.Lock()  # the film's listener and the room's may share a detector

    def outputs(self, windows: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The 527 AudioSet probabilities and the 384-d embedding of each window (rows of 32 kHz sound)."""
        mels = np.stack([self._mel(w) for w in np.asarray(windows, dtype=np.float32)])[:, None]
        with self._lock:
            probabilities, embedding = self.session.run(None, {self._input: mels})
        return np.asarray(probabilities, dtype=np.float32), np.asarray(embedding, dtype=np.float32)

    def score(self, windows: np.ndarray) -> np.ndarray:
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        probabilities, embedding = self.outputs(windows)
        if self._head is None:
            scores = class_sum(probabilities, self._classes)
        else:
            mean, std, weights, bias = self._head
            x = (features(probabilities, embedding) - mean) / std
            scores = (1.0 / (1.0 + np.exp(-(x @ weights + bias)))).astype(np.float32)
        return with_applause(scores, probabilities, EVENTS[APPLAUSE], self.also)


def features(probabilities: np.ndarray, embedding: np.ndarray) -> np.ndarray:
    """What the laughter head reads: the embedding, then the log of each class's probability."""
    return np.concatenate([embedding, np.log(probabilities + 1e-4)], axis=1)


def _load_head(path: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A head file's means, deviations, weights and bias, or one line saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = json.load(handle)
        parts = tuple(np.asarray(head[k], dtype=np.float64) for k in ("mean", "std", "weights"))
        bias = float(head["bias"])
    except FileNotFoundError:
        raise ReactlensError(
            f"laughter head {path} not found", "check audio.head, or set audio.decision=classes"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReactlensError(
            f"{path} is not a laughter head ({type(exc).__name__}: {exc})",
            "pass one written by `reactlens train laughter-head`",
        ) from None
    if not parts[0].shape == parts[1].shape == parts[2].shape == (384 + CLASSES,):
        raise ReactlensError(f"{path} is not a head for EfficientAT mn04's features", "train one for this model")
    return parts[0], parts[1], parts[2], bias
