"""Face detection with YuNet-n, a 0.3 MB CNN for small faces, on ONNX Runtime.

YuNet (Wu, Peng and Yu 2023, Apache-2.0; ``models/yunet-n.onnx``, see the model card) predicts, on three grids
of an eighth, a sixteenth and a thirty-second of the input's resolution, one face per cell: a class and an
objectness score, a box and five landmarks. It is so small that a whole 1080p frame costs about what CenterFace
costs at 960 wide, and at full resolution it finds the 15-30 pixel faces of a seated audience that a shrunk scan
loses (the README's full-house table).

Its boxes are turned into the square Haar-style box every built-in detector reports (``square``), as
CenterFace's are, so the shipped classifiers crop every detector's faces the same way.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np

from .face_cnn import Candidates, CnnFaceDetector

YUNET_ONNX = "yunet-n.onnx"
#: The grids' strides, and the outputs the model names after them.
STRIDES = (8, 16, 32)
OUTPUTS = tuple(f"{kind}_{s}" for kind in ("cls", "obj", "bbox", "kps") for s in STRIDES)


class YuNetDetector(CnnFaceDetector):
    """YuNet-n on ONNX Runtime (options: ``CnnFaceDetector``; ``threshold`` 0.5: 0.6 finds 2-8 points fewer of a walking
    crowd or a dim audience, and fewer raised hands in a full house; dim pictures brightened; a video's scans on
    OpenVINO where it runs bf16)."""

    MODEL, KIND = YUNET_ONNX, "YuNet"
    #: The Haar-style square around a YuNet box: HAAR_SIDE × h wide, centred HAAR_SHIFT_Y × h below the box's centre
    #: (medians over the faces YuNet and Haar both find in the shared clips and photos; measured with
    #: ``scripts/make_yunet_model.py --calibrate``: 212 faces).
    HAAR_SIDE = 0.87
    HAAR_SHIFT_Y = -0.02

    def __init__(
        self,
        model: Optional[str] = None,
        threshold: float = 0.5,
        nms: float = 0.3,
        min_size: int = 8,
        square: bool = True,
        threads: int = 2,
        brighten: bool = True,
        scan_runtime: str = "auto",
    ) -> None:
        super().__init__(model, threshold, nms, min_size, square, threads, brighten, scan_runtime)

    def fits(self, outputs: Sequence[str]) -> bool:
        return set(outputs) >= set(OUTPUTS)

    def found(self, out: Dict[str, np.ndarray], width: int, sx: float, sy: float) -> Candidates:
        boxes, scores, marks = [np.zeros((0, 4))], [np.zeros(0)], [np.zeros((0, 5, 2))]
        for s in STRIDES:
            score = np.sqrt(np.clip(out[f"cls_{s}"][0, :, 0], 0, 1) * np.clip(out[f"obj_{s}"][0, :, 0], 0, 1))
            cells = np.nonzero(score > self.threshold)[0]
            row, col = np.divmod(cells, width // s)
            d = out[f"bbox_{s}"][0, cells]
            w, h = np.exp(d[:, 2]) * s, np.exp(d[:, 3]) * s
            cx, cy = (col + d[:, 0]) * s, (row + d[:, 1]) * s
            boxes.append(np.stack([(cx - w / 2) / sx, (cy - h / 2) / sy, w / sx, h / sy], 1))
            k = out[f"kps_{s}"][0, cells].reshape(-1, 5, 2)
            marks.append(np.stack([(col[:, None] + k[..., 0]) * s / sx, (row[:, None] + k[..., 1]) * s / sy], 2))
            scores.append(score[cells])
        return np.concatenate(boxes), np.concatenate(scores), np.concatenate(marks)
