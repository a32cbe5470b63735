"""ONNX Runtime sessions, opened the same way for every model reactlens runs."""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Optional, Sequence

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


def openvino_compiled(
    path: str, threads: int, shape: Optional[Sequence[int]] = None, option: str = "classifier.runtime"
) -> Any:
    """The ONNX model at ``path`` (already loaded once by ONNX Runtime, so known to be sound) compiled by OpenVINO for
    the CPU at its default precision (bf16 on a CPU that has it), for inputs of ``shape`` if given; ``option`` names
    the setting that chose OpenVINO, for the error message."""
    import openvino as ov

    try:
        core = ov.Core()
        model = core.read_model(path)
        if shape is not None:
            model.reshape(list(shape))
        return core.compile_model(
            model, "CPU", {"INFERENCE_NUM_THREADS": max(1, int(threads)), "PERFORMANCE_HINT": "LATENCY"}
        )
    except Exception as exc:
        raise ReactlensError(
            f"OpenVINO cannot run model {path} ({first_line(exc)})",
            f"run it on ONNX Runtime: --set {option}=onnxruntime",
        ) from None


def openvino_runner(path: str, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    """The ONNX model at ``path`` on OpenVINO (``openvino_compiled``): a function from its one input to its first
    output (a copy, as the next run overwrites OpenVINO's)."""
    compiled = openvino_compiled(path, threads)
    request, output = compiled.create_infer_request(), compiled.outputs[0]
    return lambda tensor: np.array(request.infer({0: tensor})[output])


@functools.cache
def has_bf16() -> bool:
    """Whether OpenVINO runs bfloat16 on this CPU (AVX-512 BF16 or AMX), its default precision there (asked once)."""
    import openvino as ov

    return "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
