"""ONNX Runtime sessions, opened the same way for every model reactlens runs."""

from __future__ import annotations

import os
from typing import Callable

import numpy as np
import onnxruntime as ort

from reactlens.errors import ReactlensError


def first_line(exc: Exception) -> str:
    """A runtime's error as one short line (their messages run to pages)."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:160]


def open_session(path: str, threads: int = 1, option: str = "the model path") -> ort.InferenceSession:
    """An ONNX Runtime CPU session for ``path``, or a ``ReactlensError`` saying why it cannot load.

    ``option`` names where the path came from, for the error message (``classifier.model``, say).
    """
    if not os.path.exists(path):
        raise ReactlensError(f"model {path} not found", f"check the path given as {option}")
    if os.path.isdir(path):
        raise ReactlensError(f"model {path} is a folder", "pass the .onnx file itself")
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # no planned memory pattern: with it, YuNet at 1080p held a second 66 MB block beside the arena, for no speed
    options.enable_mem_pattern = False
    # its threads sleep between runs: spinning, they took ~1 ms of the other core a small run (~20% of a full house)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ReactlensError(
            f"model {path} is not a loadable ONNX model ({first_line(exc)})",
            "pass an .onnx file exported by `reactlens train export` or another ONNX exporter",
        ) from None


#: What can run a classifier's model: OpenVINO (the default: smile-net's 48×48 crops at ~0.2 ms a face, against
#: ~0.6-0.8 on ONNX Runtime, the same scores to 0.002; ``benchmarks/model_latency.py``), or ONNX Runtime.
RUNTIMES = ("openvino", "onnxruntime")


def openvino_runner(path: str, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    """The ONNX model at ``path`` (already loaded once by ONNX Runtime, so known to be sound) compiled by OpenVINO for
    the CPU: a function from its one input to its first output (a copy, as the next run overwrites OpenVINO's)."""
    import openvino as ov

    try:
        compiled = ov.Core().compile_model(
            path, "CPU", {"INFERENCE_NUM_THREADS": max(1, int(threads)), "PERFORMANCE_HINT": "LATENCY"}
        )
    except Exception as exc:
        raise ReactlensError(
            f"OpenVINO cannot run model {path} ({first_line(exc)})",
            "run it on ONNX Runtime: --set classifier.runtime=onnxruntime",
        ) from None
    request, output = compiled.create_infer_request(), compiled.outputs[0]
    return lambda tensor: np.array(request.infer({0: tensor})[output])
