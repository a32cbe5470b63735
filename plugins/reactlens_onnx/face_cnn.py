"""What the CNN face detectors share: their model file and options, frames as their networks take them (NCHW float32,
each side a multiple of 32), and their answers as square boxes after non-maximum suppression."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from reactlens_models import chosen_model

from reactlens.components import Detection, FaceDetector, Frame
from reactlens.errors import ReactlensError
from reactlens.geometry import box_of

from .session import has_bf16, open_session, openvino_compiled

#: Candidate faces: boxes (n, 4), scores (n,), five landmarks (n, 5, 2).
Candidates = Tuple[np.ndarray, np.ndarray, np.ndarray]
#: Both shipped detectors' inputs must be a multiple of this each way.
ALIGN = 32
#: ``brighten``: a picture whose brightest 1% is darker than this (grey levels) is brightened until it is not, at most
#: ``MOST_GAIN`` times; one less than ``LEAST_GAIN`` times darker is left as it is.
BRIGHT = 200.0
MOST_GAIN = 4.0
LEAST_GAIN = 1.2
#: What runs a video's scans (``detect_same_size``): ``auto`` is OpenVINO where it runs bf16, else ONNX Runtime.
SCAN_RUNTIMES = ("onnxruntime", "openvino", "auto")
#: ``detect_same_size`` runs pictures of at least this many pixels on OpenVINO (a 960×540 scan has 518,400); smaller
#: ones gain too little for the network it compiles and holds (the 640×360 demo and stage clips: README, "Scans on
#: OpenVINO").
OPENVINO_LEAST_PIXELS = 400_000
#: ONNX Runtime runs a picture smaller than this on one thread, whatever ``threads`` says: the followed faces' mosaics
#: (a walking crowd's ~62,000 pixels) took as long on one thread as on two, for half the CPU (YuNet-n, 224×288: 2.4
#: against 2.9 ms, 2.4 against 4.5 ms of CPU), and a 1080p crowd screened 10% faster for it (README, "One thread for
#: small pictures"). A 640×360 frame (230,400) is not small.
SMALL_PIXELS = 200_000


def brightened(image: np.ndarray) -> np.ndarray:
    """``image`` brightened, if it is dim, so that its brightest 1% of pixels reach ``BRIGHT`` (see ``BRIGHT``)."""
    step = max(1, min(image.shape[:2]) // 64)  # ~64 rows of a sample: the percentile of a 1080p frame in 0.5 ms
    top = float(np.percentile(image[::step, ::step], 99))
    gain = min(MOST_GAIN, BRIGHT / max(top, 1.0))
    return cv2.convertScaleAbs(image, alpha=gain) if gain >= LEAST_GAIN else image


def aligned_blob(image: np.ndarray, align: int = ALIGN) -> Tuple[np.ndarray, float, float]:
    """``image`` (H×W×3) as a 1×3×H'×W' float32 blob whose sides are multiples of ``align``, and the x and y scale
    of the blob's pixels relative to ``image``'s.

    A side a little over a multiple is shrunk to it (up to 10%), any other is padded with black, so a 65-pixel
    region costs a 64-pixel run, not a 96-pixel one.
    """
    height, width = image.shape[:2]
    sizes = []
    for side in (width, height):
        near = max(align, int(round(side / align)) * align)
        sizes.append(near if abs(near - side) <= 0.1 * side else -(-side // align) * align)
    fit_w, fit_h = min(sizes[0], width), min(sizes[1], height)
    if (fit_w, fit_h) != (width, height):
        image = cv2.resize(image, (fit_w, fit_h), interpolation=cv2.INTER_AREA)
    blob = np.zeros((1, 3, sizes[1], sizes[0]), dtype=np.float32)
    blob[0, :, :fit_h, :fit_w] = image.transpose(2, 0, 1)
    return blob, fit_w / width, fit_h / height


def square_box(box: Sequence[float], side: float, shift_y: float) -> Tuple[float, float, float, float]:
    """The square Haar-style box for a network's face box (x, y, w, h): ``side`` × h wide, centred ``shift_y`` × h
    below its centre (each detector's two numbers are measured by its model script's ``--calibrate``)."""
    x, y, w, h = box
    length = side * h
    cx, cy = x + w / 2.0, y + h / 2.0 + shift_y * h
    return (cx - length / 2.0, cy - length / 2.0, length, length)


class CnnFaceDetector(FaceDetector):
    """A CNN face detector on ONNX Runtime; a subclass names its model and reads its network's outputs (``found``).

    ``model``: the .onnx file (default: the shipped one). ``threshold``: smallest score kept as a face (0..1).
    ``nms``: boxes overlapping more than this (IoU) are one face. ``min_size``: smallest face, source pixels.
    ``square``: report the Haar-style square box (the shipped classifiers' crop); false reports the network's own.
    ``threads``: threads a picture runs on (two: ~12% faster at 1080p on two cores, frames decoded beside), but one for
    pictures smaller than ``SMALL_PIXELS`` on ONNX Runtime.
    ``brighten``: a dim picture (a dark room, a fifth of the light) is brightened for the network (``brightened``).
    ``scan_runtime``: what runs ``detect_same_size`` (``SCAN_RUNTIMES``): ``openvino`` compiles the network for the
    frames' size (at bf16 where the CPU has it: YuNet-n scans a 960×540 frame in 18 against 30 ms on one thread of the
    AMD EPYC VM, 12 against 16 on two, and finds 0.9986 of the faces ONNX Runtime finds, ``benchmarks/scan_runtime.py``;
    at fp32, where it has not, it is slower than ONNX Runtime).
    """

    #: The shipped model file, what the network is called, and the advice when a model is not one.
    MODEL = ""
    KIND = ""
    #: The Haar-style square around the network's box (``square_box``), measured by its model script.
    HAAR_SIDE = 1.0
    HAAR_SHIFT_Y = 0.0

    def __init__(
        self,
        model: Optional[str] = None,
        threshold: float = 0.5,
        nms: float = 0.3,
        min_size: int = 8,
        square: bool = True,
        threads: int = 2,
        brighten: bool = False,
        scan_runtime: str = "onnxruntime",
    ) -> None:
        if not 0.0 < float(threshold) < 1.0:
            raise ReactlensError(f"threshold {threshold} must be between 0 and 1", "lower finds more, and more wrongly")
        self.path = str(chosen_model(model, self.MODEL))
        self.session = open_session(self.path, threads, option="detector.model")
        #: the session small pictures run on: one thread (``SMALL_PIXELS``)
        self._small = self.session if int(threads) <= 1 else open_session(self.path, 1, option="detector.model")
        inputs = self.session.get_inputs()
        self.output_names = [o.name for o in self.session.get_outputs()]
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or not self.fits(self.output_names):
            raise ReactlensError(
                f"model {self.path} is not a {self.KIND} model",
                f"use the shipped models/{self.MODEL} or one made by scripts/make_{self.KIND.lower()}_model.py",
            )
        self.input_name = inputs[0].name
        self.threshold = float(threshold)
        self.nms = float(nms)
        self.min_size = int(min_size)
        self.square = bool(square)
        self.brighten = bool(brighten)
        if scan_runtime not in SCAN_RUNTIMES:
            raise ReactlensError(
                f"detector scan_runtime '{scan_runtime}' is not known", f"use one of: {', '.join(SCAN_RUNTIMES)}"
            )
        self._threads = int(threads)
        #: ``detect_same_size`` runs large pictures on OpenVINO, compiling the network for a size on first use
        #: (``CameraRate.warm_up``).
        self.compiles_for_size = scan_runtime == "openvino" or (scan_runtime == "auto" and has_bf16())
        #: OpenVINO's network compiled for each input shape seen (a video's scans: one, or one a strip): its request and
        #: its outputs by name.
        self._compiled: Dict[Tuple[int, ...], Tuple[Any, Dict[str, Any]]] = {}

    def fits(self, outputs: Sequence[str]) -> bool:
        """True if a model with these outputs is this detector's network."""
        raise NotImplementedError

    def found(self, outputs: Dict[str, np.ndarray], width: int, sx: float, sy: float) -> Candidates:
        """Candidate faces above ``threshold`` from the network's outputs (by name) for an input ``width`` pixels wide,
        scaled ``sx``, ``sy`` from the frame: boxes ``(n, 4)`` as x, y, w, h, scores ``(n,)`` and five landmarks
        ``(n, 5, 2)``, in frame pixels."""
        raise NotImplementedError

    def detect(self, frame: Frame) -> List[Detection]:
        return self._faces(frame, self._on_onnxruntime)

    def detect_same_size(self, frame: Frame) -> List[Detection]:
        """The faces in one of a video's frames (all of one size): on ``scan_runtime`` if it is large enough
        (``OPENVINO_LEAST_PIXELS``)."""
        large = frame.image.shape[0] * frame.image.shape[1] >= OPENVINO_LEAST_PIXELS
        return self._faces(frame, self._on_openvino if self.compiles_for_size and large else self._on_onnxruntime)

    def _on_onnxruntime(self, blob: np.ndarray) -> Dict[str, np.ndarray]:
        session = self._small if blob.shape[2] * blob.shape[3] < SMALL_PIXELS else self.session
        return dict(zip(self.output_names, session.run(self.output_names, {self.input_name: blob})))

    def _on_openvino(self, blob: np.ndarray) -> Dict[str, np.ndarray]:
        """The network's outputs for ``blob`` on OpenVINO, compiled for its shape when first seen."""
        if blob.shape not in self._compiled:
            compiled = openvino_compiled(self.path, self._threads, blob.shape, option="detector.scan_runtime")
            outputs = {name: port for port in compiled.outputs for name in port.get_names()}
            self._compiled[blob.shape] = (compiled.create_infer_request(), outputs)
        request, outputs = self._compiled[blob.shape]
        result = request.infer({0: blob})
        return {name: np.array(result[outputs[name]]) for name in self.output_names}

    def _faces(self, frame: Frame, run: Callable[[np.ndarray], Dict[str, np.ndarray]]) -> List[Detection]:
        image = frame.image
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        if self.brighten:
            image = brightened(image)
        blob, sx, sy = aligned_blob(image)
        outputs = run(blob)
        boxes, scores, marks = self.found(outputs, blob.shape[3], sx, sy)
        if not len(scores):
            return []
        keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), self.threshold, self.nms)
        min_side = self.min_size * frame.scale
        faces = []
        for i in np.asarray(keep, dtype=int).reshape(-1):
            if boxes[i, 3] < min_side:
                continue
            box = square_box(boxes[i], self.HAAR_SIDE, self.HAAR_SHIFT_Y) if self.square else tuple(boxes[i])
            landmarks = tuple((float(px), float(py)) for px, py in marks[i])
            faces.append(Detection(box_of(box), float(scores[i]), landmarks))
        return faces
