"""A hand-labelled evaluation set of whole video frames, cut from ``../shared/media``.

The frames show people, cameras and framing the training data never has: they test the whole path
(Haar detector → crop → smile-net) through ``reactlens evaluate --detect``. Only the labels live here;
the frames are extracted from the videos on demand, never committed.

Labels were set by looking at every frame range: ``smile`` is an open or broad smile, ``neutral``
any other expression (including exaggerated grimaces, pouts and frowns). Ambiguous stretches
(smirks, half-smiles, grimaces showing teeth) are left out.
"""

from __future__ import annotations

import os
from typing import Dict, List, Tuple

import cv2

from reactlens.errors import ReactlensError

#: video file → list of (first frame, last frame inclusive, step, label).
FRAME_LABELS: Dict[str, List[Tuple[int, int, int, str]]] = {
    "expressions_grin.mp4": [(0, 12, 1, "neutral"), (25, 60, 1, "smile"), (72, 77, 1, "neutral")],
    "expressions_ends_smiling.mp4": [(110, 150, 2, "neutral"), (236, 249, 1, "smile")],
    "expressions_long.mp4": [
        (0, 48, 4, "neutral"),
        (64, 304, 8, "neutral"),
        (368, 576, 8, "neutral"),
        (640, 688, 8, "neutral"),
        (752, 960, 8, "neutral"),
    ],
}


def extract(media_dir: str, out_dir: str) -> Dict[str, int]:
    """Write ``out_dir/<label>/<video>-<frame>.png`` for every labelled frame; return counts per label."""
    counts: Dict[str, int] = {}
    for video, ranges in FRAME_LABELS.items():
        path = os.path.join(media_dir, video)
        if not os.path.exists(path):
            raise ReactlensError(f"{path} not found", "pass --media pointing at ../shared/media")
        wanted = {f: label for first, last, step, label in ranges for f in range(first, last + 1, step)}
        capture = cv2.VideoCapture(path)
        index = 0
        while wanted:
            ok, frame = capture.read()
            if not ok:
                break
            label = wanted.pop(index, None)
            if label is not None:
                folder = os.path.join(out_dir, label)
                os.makedirs(folder, exist_ok=True)
                cv2.imwrite(os.path.join(folder, f"{os.path.splitext(video)[0]}-{index:04d}.png"), frame)
                counts[label] = counts.get(label, 0) + 1
            index += 1
        capture.release()
    return counts
