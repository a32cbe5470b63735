"""The original project's smile-net architecture, for timing only: an AlexNet variant on 224×224 RGB.

Random weights (the seed's trained weights are not public); the shape and cost are what matter here.
Five convolutions (48, 128, 192, 192, 128 channels), three max-pools, a 560-unit dense layer and a 2-way
output: 3.5 M parameters, 14 MB of float32 weights — the seed's 3.5 M / 14 MB, ~5 ms per face.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(path: Path, seed: int = 0) -> Path:
    """Write the ONNX model (batch of 1, as the seed's ``doInference`` was called per face)."""
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def weight(name: str, shape) -> str:
        fan_in = int(np.prod(shape[1:]))
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name))
        return name

    def conv(x: str, name: str, cin: int, cout: int, k: int, stride: int, pad: int) -> str:
        w, b = weight(name + "_w", (cout, cin, k, k)), weight(name + "_b", (cout, 1, 1, 1))
        inits[-1] = numpy_helper.from_array(np.zeros(cout, np.float32), name + "_b")
        nodes.append(helper.make_node("Conv", [x, w, b], [name], strides=[stride] * 2, pads=[pad] * 4))
        nodes.append(helper.make_node("Relu", [name], [name + "_r"]))
        return name + "_r"

    def pool(x: str, name: str) -> str:
        nodes.append(helper.make_node("MaxPool", [x], [name], kernel_shape=[3, 3], strides=[2, 2]))
        return name

    x = conv("input", "c1", 3, 48, 11, 4, 2)
    x = pool(x, "p1")
    x = conv(x, "c2", 48, 128, 5, 1, 2)
    x = pool(x, "p2")
    x = conv(x, "c3", 128, 192, 3, 1, 1)
    x = conv(x, "c4", 192, 192, 3, 1, 1)
    x = conv(x, "c5", 192, 128, 3, 1, 1)
    x = pool(x, "p3")
    nodes.append(helper.make_node("Flatten", [x], ["flat"]))
    nodes.append(helper.make_node("Gemm", ["flat", weight("f1_w", (560, 128 * 6 * 6)), "f1_b"], ["f1"], transB=1))
    inits.append(numpy_helper.from_array(np.zeros(560, np.float32), "f1_b"))
    nodes.append(helper.make_node("Relu", ["f1"], ["f1_r"]))
    nodes.append(helper.make_node("Gemm", ["f1_r", weight("f2_w", (2, 560)), "f2_b"], ["logits"], transB=1))
    inits.append(numpy_helper.from_array(np.zeros(2, np.float32), "f2_b"))
    nodes.append(helper.make_node("Softmax", ["logits"], ["prob"], axis=1))
    graph = helper.make_graph(
        nodes,
        "seed-smile-net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for key, value in {
        "reactlens.labels": json.dumps(["neutral", "smile"]),
        "reactlens.color": "rgb",
        "reactlens.std": "255",
    }.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path


def parameters(path: Path) -> int:
    """Number of weights in the model."""
    return sum(int(np.prod(i.dims)) for i in onnx.load(str(path)).graph.initializer)
