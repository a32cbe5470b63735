"""The JSON messages reactlens publishes over MQTT (IoT and Greengrass sinks) and `reactlens collect` reads.

One message carries the records of one or more frames of one camera::

    {"schema": "reactlens.records/1", "camera": "lobby-cam", "records": [
        {"record_id": "20261124T102943Z-3f9a1c:120:0", "session_id": "20261124T102943Z-3f9a1c",
         "frame": 120, "time_s": 4.8, "face_id": 0, "x": 410, "y": 96, "w": 88, "h": 88,
         "face_score": 0.98, "smile": 0.93, "label": "smile", "scores": {"neutral": 0.07, "smile": 0.93},
         "scored": true, "media": ""}]}

``record_id`` is unique per face per frame across all cameras and sessions, so a subscriber can drop the
duplicates that at-least-once delivery (QoS 1) allows. ``scored`` is false when the face carries its viewer's last
scores (a classifier ``rate``); a message without it counts as scored. AWS IoT Core refuses messages over 128 KB.

The room's sound travels in the same messages: a record with ``"kind": "room"`` is one scored window
(``reactlens.records.RoomRecord``)::

    {"kind": "room", "record_id": "20261124T102943Z-3f9a1c:room:laughter:4800", "session_id": "…",
     "time_s": 4.8, "label": "laughter", "score": 0.93, "event": 3, "media": ""}
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, Iterable, Iterator, List, Optional

SCHEMA = "reactlens.records/1"
#: AWS IoT Core's payload limit.
MAX_MESSAGE_BYTES = 128 * 1024


def encode_record(record: Dict[str, object]) -> str:
    """One record as compact JSON, the unit the spool stores and messages are built from."""
    return json.dumps(record, separators=(",", ":"), allow_nan=False)


def _envelope(camera: str) -> str:
    return json.dumps({"schema": SCHEMA, "camera": camera}, separators=(",", ":"))[:-1] + ',"records":['


def pack(records: Iterable[str], camera: str, limit: int = MAX_MESSAGE_BYTES) -> Iterator[List[str]]:
    """Split encoded records into consecutive groups that each fit one message of at most ``limit`` bytes."""
    overhead = len(_envelope(camera).encode()) + 2
    group: List[str] = []
    size = overhead
    for record in records:
        length = len(record.encode()) + 1
        if overhead + length > limit:
            raise ValueError(f"a single record of {length} bytes does not fit a {limit}-byte message")
        if size + length > limit:
            yield group
            group, size = [], overhead
        group.append(record)
        size += length
    if group:
        yield group


def message(records: List[str], camera: str) -> bytes:
    """The message payload for a group from ``pack``."""
    return (_envelope(camera) + ",".join(records) + "]}").encode()


def decode(payload: bytes) -> Dict[str, Any]:
    """A message back into a dict; ValueError if it is not a reactlens records message."""
    data = json.loads(payload)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("records"), list):
        raise ValueError(f"not a {SCHEMA} message")
    return data


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def _is_probability(value: object) -> bool:
    return _is_number(value) and 0.0 <= float(value) <= 1.0  # type: ignore[arg-type]


def record_problem(record: object) -> Optional[str]:
    """Why ``record`` does not follow the schema above (None when it does): keys, types, ranges, label."""
    if not isinstance(record, dict):
        return "a record is not a JSON object"
    if record.get("kind") == "room":
        return room_problem(record)
    for key in ("record_id", "session_id", "label"):
        if not isinstance(record.get(key), str) or not record[key]:
            return f"'{key}' is not a non-empty string"
    for key in ("frame", "face_id", "x", "y", "w", "h"):
        if not _is_int(record.get(key)):
            return f"'{key}' is not a whole number"
    if record["frame"] < 0 or record["face_id"] < 0:
        return "'frame' or 'face_id' is negative"
    if record["w"] <= 0 or record["h"] <= 0:
        return "'w' or 'h' is not positive"
    if not _is_number(record.get("time_s")):
        return "'time_s' is not a finite number"
    for key in ("smile", "face_score"):
        if record.get(key) is not None and not _is_probability(record[key]):
            return f"'{key}' is not a probability (0 to 1)"
    scores = record.get("scores")
    if not isinstance(scores, dict) or not scores:
        return "'scores' is not an object of label probabilities"
    if not all(isinstance(k, str) and _is_probability(v) for k, v in scores.items()):
        return "a value in 'scores' is not a probability (0 to 1)"
    if record["label"] not in scores:
        return f"label '{record['label']}' is not one of its scores"
    if not isinstance(record.get("scored", True), bool):
        return "'scored' is not true or false"
    if not isinstance(record.get("media", ""), str):
        return "'media' is not a string"
    return None


def room_problem(record: Dict[str, object]) -> Optional[str]:
    """Why a ``"kind": "room"`` record does not follow the schema above (None when it does)."""
    for key in ("record_id", "session_id", "label"):
        if not isinstance(record.get(key), str) or not record[key]:
            return f"'{key}' is not a non-empty string"
    if not _is_number(record.get("time_s")):
        return "'time_s' is not a finite number"
    if not _is_probability(record.get("score")):
        return "'score' is not a probability (0 to 1)"
    event = record.get("event")
    if event is not None and not (_is_int(event) and event > 0):  # type: ignore[operator]
        return "'event' is not a positive whole number or null"
    if not isinstance(record.get("media", ""), str):
        return "'media' is not a string"
    return None
