"""Small ONNX models built in the tests, so runtime tests do not depend on the shipped smile-net."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def brightness_model(
    path: Path,
    labels: Sequence[str] = ("neutral", "smile"),
    shape: Sequence[object] = ("N", 1, 32, 32),
    metadata: Optional[Dict[str, str]] = None,
    softmax: bool = True,
) -> Path:
    """A model whose 'smile' probability rises with the crop's mean brightness.

    Input (N, C, H, W) raw pixels with std 255 in the metadata, so it sees 0..1; output (N, labels).
    """
    channels = shape[1] if len(shape) == 4 else 1
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("prob", TensorProto.FLOAT, ["N", len(labels)])
    weights = np.linspace(-4.0, 4.0, len(labels), dtype=np.float32)[None, :]
    weights = np.repeat(weights, channels if isinstance(channels, int) else 1, axis=0) / max(
        channels if isinstance(channels, int) else 1, 1
    )
    bias = -weights.sum(axis=0) * 0.5
    nodes = [
        helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "W", "B"], ["logits" if softmax else "prob"]),
    ]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["logits"], ["prob"], axis=1))
    graph = helper.make_graph(
        nodes,
        "brightness",
        [x],
        [y],
        [
            numpy_helper.from_array(weights.astype(np.float32), "W"),
            numpy_helper.from_array(bias.astype(np.float32), "B"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    meta = {"reactlens.labels": json.dumps(list(labels)), "reactlens.std": "255"}
    meta.update(metadata or {})
    for key, value in meta.items():
        if value is None:
            continue
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path
