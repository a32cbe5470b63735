"""Expression classification of ONNX models, configured entirely by the model's own metadata, run by OpenVINO (or
ONNX Runtime)."""

from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np
from reactlens_models import SMILE_NET_ONNX, chosen_model

from reactlens.components import Box, ExpressionClassifier
from reactlens.errors import ReactlensError
from reactlens.faces import crop_faces

from .metadata import MetadataError, ModelSpec, parse_metadata
from .session import RUNTIMES, open_session, openvino_runner


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


#: Faces a model is run on at once: OpenVINO keeps each batch size's activations, so a full house's first frame (374
#: new viewers) in batches of 64 held ~30 MB more than in batches of 32 for no gain in speed (0.16-0.18 ms a face at
#: 16, 32 and 64 alike; 0.21 at 8).
MAX_BATCH = 32


class OnnxClassifier(ExpressionClassifier):
    """Scores face crops with an ONNX model; see ``reactlens_onnx.metadata`` for the keys it reads.

    ``model``: path of the .onnx file (default: the shipped smile-net). ``threads``: threads a batch runs on.
    ``runtime``: ``openvino`` (default, ~3× faster on smile-net) or ``onnxruntime`` (``session.RUNTIMES``).
    """

    def __init__(self, model: Optional[str] = None, threads: int = 1, runtime: str = "openvino") -> None:
        if runtime not in RUNTIMES:
            raise ReactlensError(f"classifier runtime '{runtime}' is not known", f"use one of: {', '.join(RUNTIMES)}")
        self.path = str(chosen_model(model, SMILE_NET_ONNX))
        self.session = open_session(self.path, threads, option="classifier.model")
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ReactlensError(f"model {self.path} has {len(inputs)} inputs", "a classifier takes one image batch")
        self.input_name = inputs[0].name
        shape = tuple(inputs[0].shape)
        try:
            self.spec: ModelSpec = parse_metadata(self.session.get_modelmeta().custom_metadata_map, shape)
        except MetadataError as exc:
            raise ReactlensError(
                f"model {self.path} cannot be used: {exc}", "see the metadata keys in docs/plugins.md (ONNX models)"
            ) from None
        self.labels = self.spec.labels
        self.smile_label = self.spec.smile_label
        self.batch_fixed = shape[0] if isinstance(shape[0], int) else None
        channels = self.spec.channels
        axis_shape = (1, channels, 1, 1) if self.spec.layout == "NCHW" else (1, 1, 1, channels)
        self._mean = np.asarray(self.spec.mean, dtype=np.float32).reshape(axis_shape)
        self._inv_std = (1.0 / np.asarray(self.spec.std, dtype=np.float32)).reshape(axis_shape)
        self._infer: Callable[[np.ndarray], np.ndarray] = self._on_onnxruntime
        if runtime == "openvino":
            self._infer = openvino_runner(self.path, threads)
        width, height = self.spec.size
        probe = np.zeros((self.batch_fixed or 1, height, width, 3), dtype=np.uint8)
        out = self.infer(self._tensor(probe if channels == 3 else probe[..., 0]))
        if out.ndim != 2 or out.shape[1] != len(self.labels):
            raise ReactlensError(
                f"model {self.path} outputs shape {list(out.shape)} but lists {len(self.labels)} labels",
                "the output must be (batch, number of labels)",
            )

    def _tensor(self, crops: np.ndarray) -> np.ndarray:
        spec = self.spec
        if spec.color == "rgb":
            crops = crops[..., ::-1]
        x = crops.astype(np.float32)
        if spec.channels == 1:
            x = x[:, None, :, :] if spec.layout == "NCHW" else x[..., None]
        elif spec.layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray((x - self._mean) * self._inv_std)

    def infer(self, tensor: np.ndarray) -> np.ndarray:
        """The probabilities for a ``preprocess``ed batch: the model's run, the part of ``classify`` that leaves
        Python's lock."""
        # batches of even size (75 faces as 25 + 25 + 25, not 32 + 32 + 11: a small batch costs more a face; 3% less a
        # face over 71-79 faces, alternated); a model of a fixed batch size: run whole when it fits, else face by face
        batches = max(1, math.ceil(len(tensor) / MAX_BATCH))
        step = max(1, math.ceil(len(tensor) / batches))
        if self.batch_fixed:
            step = self.batch_fixed if len(tensor) == self.batch_fixed else 1
        parts = [self._infer(tensor[i : i + step]) for i in range(0, len(tensor), step)]
        out = np.asarray(np.concatenate(parts, axis=0) if len(parts) != 1 else parts[0], dtype=np.float32)
        return softmax(out) if self.spec.output == "logits" else out

    def _on_onnxruntime(self, tensor: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: tensor})[0]

    def preprocess(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        """The model's input tensor for these faces."""
        spec = self.spec
        crops = crop_faces(image, boxes, spec.size, spec.color == "gray", spec.crop_margin, spec.crop_shift_y)
        return self._tensor(crops)

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        if not boxes:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.infer(self.preprocess(image, boxes))
