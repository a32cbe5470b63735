"""The JSON messages reactlens publishes over MQTT (IoT and Greengrass sinks) and `reactlens collect` reads.

One message carries the records of one or more frames of one camera::

    {"schema": "reactlens.records/1", "camera": "lobby-cam", "records": [
        {"record_id": "20261124T102943Z-3f9a1c:120:0", "session_id": "20261124T102943Z-3f9a1c",
         "frame": 120, "time_s": 4.8, "face_id": 0, "x": 410, "y": 96, "w": 88, "h": 88,
         "face_score": 0.98, "smile": 0.93, "label": "smile", "scores": {"neutral": 0.07, "smile": 0.93}, "media": ""}]}

``record_id`` is unique per face per frame across all cameras and sessions, so a subscriber can drop the
duplicates that at-least-once delivery (QoS 1) allows. AWS IoT Core refuses messages over 128 KB.
"""

from __future__ import annotations

import json
from typing import Dict, Iterable, Iterator, List

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


def decode(payload: bytes) -> Dict[str, object]:
    """A message back into a dict; ValueError if it is not a reactlens records message."""
    data = json.loads(payload)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("records"), list):
        raise ValueError(f"not a {SCHEMA} message")
    return data
