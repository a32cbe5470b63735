"""Room sounds scored by EfficientAT mn04, an AudioSet tagger (527 classes, mAP 0.432; YAMNet's is 0.306), on ONNX
Runtime.

``models/efficientat-mn04.onnx`` is built from the published weights by ``scripts/make_efficientat_model.py`` (see the
model card); its input is ``reactlens_audio.mel``'s log-mel frames of 32 kHz sound, computed here with numpy. A window's
score for an event is the sum of its classes' probabilities, capped at 1 (laughter: Laughter, Baby laughter, Giggle,
Snicker, Belly laugh, Chuckle).
"""

from __future__ import annotations

import threading
from typing import Dict, Optional, Tuple

import numpy as np
from reactlens_models import model_path
from reactlens_onnx.session import open_session

from reactlens.components import AudioDetector
from reactlens.errors import ReactlensError

from .mel import RATE, MelFrontEnd

EFFICIENTAT = "efficientat-mn04.onnx"
CLASSES = 527
#: AudioSet class indices (``class_labels_indices.csv``) of each event this detector can hear.
EVENTS: Dict[str, Tuple[int, ...]] = {
    "laughter": (16, 17, 18, 19, 20, 21),
    "applause": (63, 67),  # Clapping, Applause
}


class EfficientAtDetector(AudioDetector):
    """``label``: the event (``laughter`` or ``applause``). ``model``: an EfficientAT .onnx (default: the shipped
    mn04). ``on``/``off``: the event thresholds (laughter's chosen on the tuning mixtures by ``benchmarks/laughter.py``:
    the best recall at one false alarm per 10 minutes or fewer). ``window_s``/``hop_s``: the windows scored."""

    rate = RATE

    def __init__(
        self,
        label: str = "laughter",
        model: Optional[str] = None,
        on: float = 0.08,
        off: float = 0.04,
        window_s: float = 2.0,
        hop_s: float = 0.5,
        threads: int = 1,
    ) -> None:
        if label not in EVENTS:
            raise ReactlensError(
                f"audio label '{label}' is not one EfficientAT hears", f"use one of: {', '.join(EVENTS)}"
            )
        self.label = label
        self.path = str(model or model_path(EFFICIENTAT))
        self.session = open_session(self.path, threads, option="audio.model")
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or outputs[0].shape[-1] != CLASSES:
            raise ReactlensError(
                f"model {self.path} is not EfficientAT (input {inputs[0].shape}, output {outputs[0].shape})",
                "use the shipped models/efficientat-mn04.onnx or one made by scripts/make_efficientat_model.py",
            )
        self._input = inputs[0].name
        self._classes = list(EVENTS[label])
        self.on, self.off = float(on), float(off)
        self.window_s, self.hop_s = float(window_s), float(hop_s)
        self._mel = MelFrontEnd()
        self._lock = threading.Lock()  # the film's listener and the room's may share a detector

    def class_scores(self, windows: np.ndarray) -> np.ndarray:
        """The 527 AudioSet probabilities of each window (rows of 32 kHz sound)."""
        mels = np.stack([self._mel(w) for w in np.asarray(windows, dtype=np.float32)])[:, None]
        with self._lock:
            return np.asarray(self.session.run(None, {self._input: mels})[0], dtype=np.float32)

    def score(self, windows: np.ndarray) -> np.ndarray:
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        return np.minimum(self.class_scores(windows)[:, self._classes].sum(axis=1), 1.0)
