"""A long recording's parts joined into one table, with each viewer's id carried across the seams.

Each part after the first is screened from a little before its own frames (the overlap), so its tracker has
already met the viewers when its frames begin. On the overlap's frames both parts saw the same faces: a
viewer of the later part takes the id of the earlier part's viewer whose boxes it overlaps most (IoU ≥ 0.5 on
at least a third of the frames it appears in), and a viewer seen by no one before gets a new id. Then the
later part's overlap records are dropped: the earlier part's stand.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
import pandas as pd

from .worker import PartResult

#: Boxes overlapping this much (intersection over union) on a frame are the same face.
SAME_FACE_IOU = 0.5
#: Share of a viewer's overlap frames on which it must match to be the same viewer.
SAME_VIEWER_SHARE = 1 / 3


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes ``(x, y, w, h)`` row by row."""
    left, top = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def match_viewers(before: pd.DataFrame, after: pd.DataFrame) -> Dict[int, int]:
    """Ids in ``after`` → ids in ``before`` for the viewers both saw on the same frames."""
    pairs = before.merge(after, on="frame", suffixes=("_b", "_a"))
    if pairs.empty:
        return {}
    boxes_b = pairs[["x_b", "y_b", "w_b", "h_b"]].to_numpy(dtype=np.float64)
    boxes_a = pairs[["x_a", "y_a", "w_a", "h_a"]].to_numpy(dtype=np.float64)
    pairs = pairs.assign(same=_iou(boxes_b, boxes_a) >= SAME_FACE_IOU)
    votes = pairs[pairs["same"]].groupby(["face_id_a", "face_id_b"]).size()
    frames = after.groupby("face_id")["frame"].nunique()
    ranked: List[Tuple[int, int, int]] = sorted(((-n, int(a), int(b)) for (a, b), n in votes.items()))
    mapping: Dict[int, int] = {}
    taken = set()
    for negative, a, b in ranked:
        if a in mapping or b in taken or -negative < SAME_VIEWER_SHARE * frames[a]:
            continue
        mapping[a] = b
        taken.add(b)
    return mapping


def join(results: List[PartResult]) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """The recording's faces and room tables from its parts (in order), viewer ids and events re-joined."""
    results = sorted(results, key=lambda r: r.part.index)
    first = results[0]
    assert first.faces is not None and first.room is not None
    if len(results) == 1:
        return first.faces, first.room
    faces = [first.faces]
    kept = first.faces
    next_id = int(kept["face_id"].max()) + 1 if len(kept) else 0
    for result in results[1:]:
        part, table = result.part, result.faces
        assert table is not None
        mapping = match_viewers(kept[kept["frame"] >= part.start_frame], table[table["frame"] < part.keep_from])
        own = table[table["frame"] >= part.keep_from].copy()
        for face in sorted(set(own["face_id"].astype(int)) - set(mapping)):
            mapping[face] = next_id
            next_id += 1
        own["face_id"] = own["face_id"].astype(int).map(mapping)
        faces.append(own)
        kept = own
    return pd.concat(faces, ignore_index=True), _rooms(results)


def _rooms(results: List[PartResult]) -> pd.DataFrame:
    """Each part's room records within its own frames' time, events numbered on from the part before's."""
    rooms = []
    last: Dict[str, int] = {}
    for i, result in enumerate(results):
        room = result.room
        assert room is not None
        fps = result.part.fps
        start_s = result.part.keep_from / fps
        end_s = results[i + 1].part.keep_from / fps if i + 1 < len(results) else np.inf
        room = room[(room["time_s"] >= start_s) & (room["time_s"] < end_s)].copy()
        event = pd.to_numeric(room["event"], errors="coerce")
        offset = room["label"].map(lambda label: last.get(label, 0))
        numbered = (event - event.groupby(room["label"]).transform("min") + 1 + offset).astype("Int64")
        room["event"] = numbered.astype(str).where(event.notna(), "")
        for label, group in numbered.groupby(room["label"]):
            if group.notna().any():
                last[label] = int(group.max())
        rooms.append(room)
    return pd.concat(rooms, ignore_index=True)
