"""smile-net on the DeepLens GPU: the shipped MXNet artifacts through the model optimizer and ``awscam.Model``.

The exported MXNet graph already holds the input normalisation and the softmax, so the optimized model
is fed the raw crop (uint8, grey H×W×1, resized to the model's input size, as the original Lambda fed its
crops) and returns probabilities: the device scores as ONNX Runtime does on a laptop.
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

from reactlens.components import Box, ExpressionClassifier
from reactlens.errors import ReactlensError
from reactlens.faces import crop_face

from .device import device_module

MO_ERRORS = {1: "the platform is not supported", 2: "the optimizer failed"}


class DeepLensSmileNet(ExpressionClassifier):
    """smile-net (or any SmileNet-style MXNet export) through ``mo.optimize`` and ``awscam.Model``.

    ``model``: the artifact name (``<model>-symbol.json`` and ``<model>-<epoch>.params`` in
    ``/opt/awscam/artifacts``, where a DeepLens project deploys the model). ``labels``, ``smile_label``,
    ``size``, ``gray``, ``crop_margin``: how the model was trained (the package writes the shipped model's).
    ``gpu``: run on the GPU (1) or CPU (0). ``precision``: passed to the optimizer.
    """

    def __init__(
        self,
        model: str = "smile-net",
        labels: Sequence[str] = ("neutral", "smile"),
        smile_label: str = "smile",
        size: int = 48,
        gray: bool = True,
        crop_margin: float = 0.1,  # as the shipped smile-net.onnx metadata (the training crops)
        crop_shift_y: float = 0.02,
        epoch: int = 0,
        gpu: int = 1,
        precision: str = "FP16",
    ) -> None:
        self.labels = tuple(labels)
        self.smile_label = smile_label if smile_label in self.labels else None
        self.size, self.gray = int(size), bool(gray)
        self.crop_margin, self.crop_shift_y = float(crop_margin), float(crop_shift_y)
        mo = device_module("mo")
        awscam = device_module("awscam")
        error, xml = mo.optimize(
            model, self.size, self.size, aux_inputs={"--epoch": int(epoch), "--precision": precision}
        )
        if error != 0:
            raise ReactlensError(
                f"the DeepLens model optimizer could not convert '{model}' (error {error}: "
                f"{MO_ERRORS.get(error, 'unknown error')})",
                f"check that {model}-symbol.json and {model}-{int(epoch):04d}.params were deployed with the project",
            )
        self.model = awscam.Model(xml, {"GPU": int(gpu)})

    def _scores(self, raw: Dict[object, np.ndarray]) -> np.ndarray:
        if len(raw) != 1:
            raise ReactlensError(
                f"the optimized model has {len(raw)} outputs ({', '.join(map(str, raw))})",
                "export a model with a single probability output (reactlens train export does)",
            )
        scores = np.asarray(next(iter(raw.values())), dtype=np.float32).reshape(-1)
        if scores.size != len(self.labels):
            raise ReactlensError(
                f"the model gives {scores.size} scores but {len(self.labels)} labels are configured",
                "set classifier.labels to the model's labels",
            )
        return scores

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        out = np.zeros((len(boxes), len(self.labels)), dtype=np.float32)
        for row, box in enumerate(boxes):  # the device API infers one image at a time
            crop = crop_face(image, box, (self.size, self.size), self.gray, self.crop_margin, self.crop_shift_y)
            if crop.ndim == 2:  # images go in as H×W×C, like the frames awscam gives
                crop = crop[:, :, np.newaxis]
            out[row] = self._scores(self.model.doInference(crop))
        return out
