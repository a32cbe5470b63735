"""A camera's screening published through the ``iot`` sink, for tests and benchmarks of collectors."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from reactlens_iot.sink import IotSink

from reactlens.components import Frame
from reactlens.records import Record, Session


def publish(
    broker_url: str,
    camera: str,
    session_id: str,
    spool: Path,
    seconds: float,
    fps: int,
    faces: int,
    funny: float,
    paced: bool = False,
) -> int:
    """``faces`` viewers for ``seconds``; viewer k smiles from second ``funny + k`` on. ``paced``: at ``fps`` in
    real time, as a camera delivers frames. Returns the records sent."""
    sink = IotSink(broker=broker_url, topic=f"reactlens/{camera}", client_id=camera, spool=str(spool), drain_s=60)
    sink.open(Session(session_id, "video", camera, ("neutral", "smile"), "smile", media_title="Film"))
    image = np.zeros((36, 64, 3), np.uint8)
    started = time.monotonic()
    sent = 0
    for i in range(int(seconds * fps)):
        time_s = i / fps
        if paced:
            time.sleep(max(0.0, started + time_s - time.monotonic()))
        records = []
        for face in range(faces):
            smile = 0.95 if time_s >= funny + face else 0.05
            scores = {"neutral": round(1 - smile, 4), "smile": smile}
            label = max(scores, key=scores.__getitem__)
            records.append(Record(session_id, i, time_s, face, 1, 1, 9, 9, smile, label, scores, media="Film"))
        sink.write(Frame(image, i, time_s, 0.0), records)
        sent += len(records)
    sink.close()
    return sent
