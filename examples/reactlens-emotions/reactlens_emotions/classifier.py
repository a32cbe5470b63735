"""The emotions classifier: the shipped seven-expression ONNX model, run by reactlens's ONNX plugin.

The model carries reactlens's metadata (labels, input size, colour, normalisation, smile label), so the
built-in ONNX Runtime classifier can run it; this class only adds the model file and, on request, Amazon
Rekognition's names for the labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Sequence, Tuple

import numpy as np
from reactlens_onnx.classifier import OnnxClassifier

from reactlens.components import Box, ExpressionClassifier
from reactlens.errors import ReactlensError

MODEL = Path(__file__).with_name("emotions.onnx")

#: FER-2013's classes under the names Amazon Rekognition DetectFaces uses (it has no "neutral": CALM is closest).
REKOGNITION_NAMES: Dict[str, str] = {
    "angry": "ANGRY",
    "disgust": "DISGUSTED",
    "fear": "FEAR",
    "happy": "HAPPY",
    "neutral": "CALM",
    "sad": "SAD",
    "surprise": "SURPRISED",
}
NAMINGS = ("fer", "rekognition")


class EmotionClassifier(ExpressionClassifier):
    """Scores ``angry, disgust, fear, happy, neutral, sad, surprise`` for each face; ``happy`` is the smile.

    ``model``: another ONNX file with the same kind of metadata (default: the shipped model).
    ``names``: ``fer`` (default) or ``rekognition`` (HAPPY, SAD, ANGRY, CALM, ...). ``threads``: ONNX
    Runtime threads.
    """

    def __init__(self, model: str = str(MODEL), names: str = "fer", threads: int = 1) -> None:
        if names not in NAMINGS:
            raise ReactlensError(f"emotions names '{names}' is not known", f"use one of: {', '.join(NAMINGS)}")
        self._onnx = OnnxClassifier(model=model, threads=threads)
        fer_labels = list(self._onnx.labels)
        if names == "rekognition":
            unknown = [label for label in fer_labels if label not in REKOGNITION_NAMES]
            if unknown:
                raise ReactlensError(
                    f"the model's labels {unknown} have no Rekognition name", "use names=fer with this model"
                )
            self.labels: Tuple[str, ...] = tuple(REKOGNITION_NAMES[label] for label in fer_labels)
        else:
            self.labels = tuple(fer_labels)
        smile = self._onnx.smile_label
        self.smile_label = None if smile is None else self.labels[fer_labels.index(smile)]

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        return self._onnx.classify(image, boxes)
