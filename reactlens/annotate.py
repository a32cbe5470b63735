"""Drawing results onto frames in the original project's colours."""

from __future__ import annotations

from typing import Optional, Sequence

import cv2
import numpy as np

from .records import Record

#: BGR colour of a smiling face (the seed's "blueish").
SMILE_BGR = (255, 165, 20)
#: BGR colour of any other face (the seed's "orangish").
NEUTRAL_BGR = (20, 165, 255)


def is_smiling(record: Record, smile_label: Optional[str]) -> bool:
    """A face counts as smiling when the classifier's label is its smile label."""
    return smile_label is not None and record.label == smile_label


def draw_records(
    image: np.ndarray, records: Sequence[Record], smile_label: Optional[str], landmarks: bool = True
) -> np.ndarray:
    """Draw each record's box and score (and its landmarks, if it has them and ``landmarks``) onto ``image``."""
    thickness = max(2, image.shape[1] // 400)
    scale = max(0.45, image.shape[1] / 1600)
    for record in records:
        colour = SMILE_BGR if is_smiling(record, smile_label) else NEUTRAL_BGR
        cv2.rectangle(image, (record.x, record.y), (record.x + record.w, record.y + record.h), colour, thickness)
        if landmarks and record.landmarks:
            radius = max(1, record.w // 40)
            for px, py in record.landmarks:
                cv2.circle(image, (int(round(px)), int(round(py))), radius, colour, -1, cv2.LINE_AA)
        score = record.smile if record.smile is not None else record.scores.get(record.label, 0.0)
        text = f"#{record.face_id} {record.label} {score:.2f}"
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = max(record.y - th - base - 4, 0)
        cv2.rectangle(image, (record.x, top), (record.x + tw + 4, top + th + base + 4), colour, -1)
        cv2.putText(
            image, text, (record.x + 2, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA
        )
    return image
