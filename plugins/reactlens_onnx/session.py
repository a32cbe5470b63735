"""ONNX Runtime sessions, opened the same way for every model reactlens runs."""

from __future__ import annotations

import os

import onnxruntime as ort

from reactlens.errors import ReactlensError


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
    try:
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReactlensError(
            f"model {path} is not a loadable ONNX model ({first[:160]})",
            "pass an .onnx file exported by `reactlens train export` or another ONNX exporter",
        ) from None
