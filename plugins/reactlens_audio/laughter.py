"""Laughter scored by YAMNet, the AudioSet event classifier, run by LiteRT (``ai-edge-litert``).

YAMNet takes 0.975 s of 16 kHz mono sound and gives 521 class scores; a window's laughter score is the
sum of its six laughter classes (laughter, baby laughter, giggle, snicker, belly laugh, chuckle), capped
at 1. The thresholds were chosen on the tuning half of the constructed mixtures
(``reactlens_training.laughter_data``) and measured on the held-out half (``benchmarks/laughter.py``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import warnings
from typing import Iterator, Optional

import numpy as np
from reactlens_models import chosen_model

from reactlens.components import AudioDetector
from reactlens.errors import ReactlensError

from .applause import applause_events, class_sum, with_applause

YAMNET = "yamnet.tflite"
#: YAMNet's laughter classes (0-based rows of yamnet_class_labels.txt): Laughter, Baby laughter, Giggle,
#: Snicker, Belly laugh, Chuckle/chortle.
LAUGHTER_CLASSES = (13, 14, 15, 16, 17, 18)
#: Its applause classes: Clapping, Applause.
APPLAUSE_CLASSES = (58, 62)
#: Applause's (on, off), chosen on the tuning half of real recorded applause (``benchmarks/laughter.py``).
APPLAUSE_THRESHOLDS = (0.02, 0.01)
WINDOW = 15600


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """LiteRT's C++ logs "Created TensorFlow Lite XNNPACK delegate" straight to file descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class LaughterDetector(AudioDetector):
    """``model``: a YAMNet .tflite (default: the shipped one). ``on``/``off``: the event thresholds. ``applause``:
    hear applause too (``applause_on``/``applause_off``: its thresholds; default ``APPLAUSE_THRESHOLDS``)."""

    label = "laughter"
    rate = 16000
    window_s = WINDOW / 16000
    hop_s = 0.48

    def __init__(
        self,
        model: Optional[str] = None,
        on: float = 0.02,
        off: float = 0.01,
        threads: int = 1,
        applause: bool = False,
        applause_on: Optional[float] = None,
        applause_off: Optional[float] = None,
    ) -> None:
        self.also = applause_events(applause, applause_on, applause_off, APPLAUSE_THRESHOLDS)
        path = str(chosen_model(model, YAMNET))
        if not os.path.exists(path):
            raise ReactlensError(f"audio model {path} not found", "check audio.model, or pass --no-audio")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from ai_edge_litert.interpreter import Interpreter

        try:
            with warnings.catch_warnings(), native_stderr_silenced():
                warnings.simplefilter("ignore")
                self._interpreter = Interpreter(model_path=path, num_threads=int(threads))
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ReactlensError(f"{path} is not a TensorFlow Lite model ({exc})", "pass a YAMNet .tflite") from None
        inputs, outputs = self._interpreter.get_input_details(), self._interpreter.get_output_details()
        if list(inputs[0]["shape"]) != [WINDOW] or list(outputs[0]["shape"])[-1] != 521:
            raise ReactlensError(
                f"{path} is not YAMNet (input {list(inputs[0]['shape'])}, output {list(outputs[0]['shape'])})",
                "pass the YAMNet .tflite that takes 15,600 samples and gives 521 scores",
            )
        self._input, self._output = inputs[0]["index"], outputs[0]["index"]
        self.on, self.off = float(on), float(off)
        self._lock = threading.Lock()

    def class_scores(self, windows: np.ndarray) -> np.ndarray:
        """YAMNet's 521 scores per window."""
        out = np.empty((len(windows), 521), dtype=np.float32)
        with self._lock:  # one interpreter, one window at a time (its input shape is fixed)
            for i, window in enumerate(np.asarray(windows, dtype=np.float32)):
                self._interpreter.set_tensor(self._input, window)
                self._interpreter.invoke()
                out[i] = self._interpreter.get_tensor(self._output)[0]
        return out

    def score(self, windows: np.ndarray) -> np.ndarray:
        scores = self.class_scores(windows)
        return with_applause(class_sum(scores, LAUGHTER_CLASSES), scores, APPLAUSE_CLASSES, self.also)
