"""Stand-in for ``awscam``: ``getLastFrame()`` and ``Model(xml, {'GPU': 1}).doInference(image)``."""

import json
import os
import time

import cv2
import numpy as np

_state = {"capture": None, "calls": 0, "start": 0.0, "position": -1, "frame": None}


def _camera():
    if _state["capture"] is None:
        _state["capture"] = cv2.VideoCapture(os.environ["STANDIN_VIDEO"])
        _state["start"] = time.monotonic()
    return _state["capture"]


def getLastFrame():
    """``(True, frame)``: the camera's latest uint8 H×W×3 BGR frame, or ``(False, None)`` when none is available.

    The video plays in real time from the first call, as a camera would: a caller slower than the frame
    rate misses frames, a faster one gets the same frame again. ``STANDIN_REALTIME=0`` gives every frame
    once instead, one per call.
    """
    call = _state["calls"]
    _state["calls"] += 1
    missing = {int(n) for n in os.environ.get("STANDIN_MISSING", "").split(",") if n.strip()}
    if call in missing:
        return False, None
    capture = _camera()
    if os.environ.get("STANDIN_REALTIME", "1") == "1":
        wanted = int((time.monotonic() - _state["start"]) * (capture.get(cv2.CAP_PROP_FPS) or 30.0))
    else:
        wanted = _state["position"] + 1
    while _state["position"] < wanted:
        ok, frame = capture.read()
        if not ok:
            return False, None
        _state["position"] += 1
        _state["frame"] = frame
    return True, np.ascontiguousarray(_state["frame"], dtype=np.uint8)


class Model:
    """An optimized model. ``doInference(image)`` takes the raw image at the model's input size and returns
    ``{output_layer_name: float32 array}``, as the DLDT runtime (``runtime=0``) does."""

    def __init__(self, model_topology_file, loading_config, runtime=0):
        if runtime != 0:
            raise ValueError("this stand-in implements the DLDT runtime (runtime=0) only")
        if not isinstance(loading_config, dict) or "GPU" not in loading_config:
            raise ValueError("loading_config must be {'GPU': 1} or {'GPU': 0}")
        with open(model_topology_file) as handle:
            ir = json.load(handle)
        import mxnet as mx

        self._size = (ir["width"], ir["height"])
        self._net = mx.gluon.SymbolBlock.imports(ir["symbol"], ["data"], ir["params"], ctx=mx.cpu())
        self._mx = mx
        self._name = mx.sym.load(ir["symbol"]).list_outputs()[0].replace("_output", "")

    def doInference(self, image):
        image = np.asarray(image)
        if (image.shape[1], image.shape[0]) != tuple(self._size):
            raise ValueError(f"input of shape {image.shape} does not match the model's {self._size}")
        if image.ndim == 2:
            batch = image[None, None].astype(np.float32)
        else:
            batch = image.transpose(2, 0, 1)[None].astype(np.float32)
        out = self._net(self._mx.nd.array(batch)).asnumpy().astype(np.float32)
        return {self._name: out.reshape(-1)}

    def parseResult(self, model_type, raw):
        if model_type != "classification":
            raise ValueError("this stand-in parses classification results only")
        scores = next(iter(raw.values()))
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        return {model_type: [{"label": i, "prob": float(scores[i])} for i in ranked]}
