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

from typing import List, Optional

import cv2
import numpy as np
from reactlens_models import model_path

from reactlens.components import Detection, FaceDetector, Frame
from reactlens.errors import ReactlensError
from reactlens.geometry import box_of

from .blob import aligned_blob, square_box
from .session import open_session

YUNET_ONNX = "yunet-n.onnx"
#: The grids' strides, in the order of the model's outputs.
STRIDES = (8, 16, 32)
OUTPUTS = tuple(f"{kind}_{s}" for kind in ("cls", "obj", "bbox", "kps") for s in STRIDES)
#: The Haar-style square around a YuNet box (x, y, w, h): HAAR_SIDE × h wide, centred HAAR_SHIFT_Y × h below the
#: box's centre (medians over the faces YuNet and Haar both find in the shared clips and photos; measured with
#: ``scripts/make_yunet_model.py --calibrate``: 212 faces).
HAAR_SIDE = 0.87
HAAR_SHIFT_Y = -0.02


class YuNetDetector(FaceDetector):
    """YuNet-n on ONNX Runtime.

    ``model``: the .onnx file (default: the shipped one). ``threshold``: smallest score kept as a face (0..1).
    ``nms``: boxes overlapping more than this (IoU) are one face. ``min_size``: smallest face, source pixels.
    ``square``: report the Haar-style square box (the shipped classifiers' crop); false reports YuNet's own box.
    ``threads``: ONNX Runtime intra-op threads.
    """

    def __init__(
        self,
        model: Optional[str] = None,
        threshold: float = 0.6,
        nms: float = 0.3,
        min_size: int = 8,
        square: bool = True,
        threads: int = 2,
    ) -> None:
        if not 0.0 < float(threshold) < 1.0:
            raise ReactlensError(f"threshold {threshold} must be between 0 and 1", "use 0.6 (0.5 finds more)")
        self.path = str(model) if model else str(model_path(YUNET_ONNX))
        self.session = open_session(self.path, threads, option="detector.model")
        inputs = self.session.get_inputs()
        names = {o.name for o in self.session.get_outputs()}
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or not names >= set(OUTPUTS):
            raise ReactlensError(
                f"model {self.path} is not a YuNet model (one image input; outputs cls, obj, bbox and kps "
                "at strides 8, 16 and 32)",
                "use the shipped models/yunet-n.onnx or one made by scripts/make_yunet_model.py",
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
        out = dict(zip(OUTPUTS, self.session.run(OUTPUTS, {self.input_name: blob})))
        cols_of = {s: blob.shape[3] // s for s in STRIDES}
        boxes, scores, marks = [], [], []
        for s in STRIDES:
            score = np.sqrt(np.clip(out[f"cls_{s}"][0, :, 0], 0, 1) * np.clip(out[f"obj_{s}"][0, :, 0], 0, 1))
            cells = np.nonzero(score > self.threshold)[0]
            if not len(cells):
                continue
            row, col = np.divmod(cells, cols_of[s])
            d = out[f"bbox_{s}"][0, cells]
            w, h = np.exp(d[:, 2]) * s, np.exp(d[:, 3]) * s
            cx, cy = (col + d[:, 0]) * s, (row + d[:, 1]) * s
            boxes.append(np.stack([(cx - w / 2) / sx, (cy - h / 2) / sy, w / sx, h / sy], 1))
            k = out[f"kps_{s}"][0, cells].reshape(-1, 5, 2)
            marks.append(np.stack([(col[:, None] + k[..., 0]) * s / sx, (row[:, None] + k[..., 1]) * s / sy], 2))
            scores.append(score[cells])
        if not boxes:
            return []
        box, score, mark = np.concatenate(boxes), np.concatenate(scores), np.concatenate(marks)
        keep = cv2.dnn.NMSBoxes(box.tolist(), score.tolist(), self.threshold, self.nms)
        min_side = self.min_size * frame.scale
        found = []
        for i in np.asarray(keep, dtype=int).reshape(-1):
            if box[i, 3] < min_side:
                continue
            face = square_box(box[i], HAAR_SIDE, HAAR_SHIFT_Y) if self.square else tuple(box[i])
            landmarks = tuple((float(px), float(py)) for px, py in mark[i])
            found.append(Detection(box_of(face), float(score[i]), landmarks))
        return found
