"""Records a fleet's topic rule delivered to S3 (``reactlens iot rule``): Firehose objects of JSON lines, each
line one message as cameras publish them (``reactlens.messages``), gzipped or not."""

from __future__ import annotations

import functools
import gzip
import json
import logging
from typing import Dict, Iterator, List, Optional, Tuple

import pandas as pd

from ..errors import ReactlensError
from ..messages import decode, record_problem
from ..records import ROOM_COLUMNS, SCORE_PREFIX
from ..s3 import list_keys, read_object, split_uri

log = logging.getLogger("reactlens")


def _messages(data: bytes) -> Iterator[Dict[str, object]]:
    """The messages in one object: JSON values one after another (newline-separated, or not at all)."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text, decoder, at = data.decode("utf-8"), json.JSONDecoder(), 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        value, at = decoder.raw_decode(text, at)
        yield decode(json.dumps(value).encode())


@functools.lru_cache(maxsize=8)
def read_lake(uri: str) -> Tuple[pd.DataFrame, Optional[pd.DataFrame]]:
    """The faces' records (the store's columns, scores as ``score_<label>``) and the room's, under an S3 prefix."""
    bucket, _ = split_uri(uri)
    keys = [key for key in list_keys(uri, "records") if "/errors/" not in key]
    faces: List[Dict[str, object]] = []
    room: List[Dict[str, object]] = []
    refused = 0
    for key in keys:
        try:
            messages = list(_messages(read_object(bucket, key)))
        except (ValueError, UnicodeDecodeError, OSError, EOFError) as exc:
            log.warning("skipping s3://%s/%s: not reactlens records (%s)", bucket, key, type(exc).__name__)
            continue
        for message in messages:
            for record in message["records"]:  # type: ignore[attr-defined]
                if record_problem(record) is not None:
                    refused += 1
                    continue
                record = {**record, "camera": message.get("camera", "")}
                (room if record.get("kind") == "room" else faces).append(record)
    if refused:
        log.warning("%d records under %s break the schema and were left out", refused, uri)
    if not faces:
        raise ReactlensError(
            f"no records under {uri}", "check the prefix; Firehose writes within its buffer time (60 s by default)"
        )
    table = pd.DataFrame(faces)
    scores = pd.DataFrame(table.pop("scores").tolist(), index=table.index).add_prefix(SCORE_PREFIX)
    rooms = pd.DataFrame(room, columns=["kind", *ROOM_COLUMNS])[list(ROOM_COLUMNS)] if room else None
    return table.join(scores), rooms
