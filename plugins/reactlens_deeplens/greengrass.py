"""Every face of every frame to AWS IoT through the device's Greengrass core."""

from __future__ import annotations

import logging
from typing import List, Optional, Sequence

from reactlens.components import Frame, ResultSink
from reactlens.messages import MAX_MESSAGE_BYTES, encode_record, message, pack
from reactlens.records import Record, Session

from .device import device_module, thing_topic

log = logging.getLogger("reactlens")


class GreengrassSink(ResultSink):
    """Publishes records as JSON (see ``reactlens.messages``) with ``greengrasssdk.client('iot-data')``.

    ``topic``: default ``$aws/things/$AWS_IOT_THING_NAME/infer``, as the original Lambda used.
    ``frames_per_message``: gather this many frames' records per message (always under 128 KB).
    A publish error is counted and logged (first and every 100th) and the loop goes on: on the device,
    Greengrass owns delivery.
    """

    def __init__(self, topic: Optional[str] = None, frames_per_message: int = 1, camera: str = "") -> None:
        self.client = device_module("greengrasssdk").client("iot-data")
        self.topic = topic or thing_topic()
        self.frames_per_message = max(1, int(frames_per_message))
        self.camera = camera
        self.published = 0
        self.errors = 0
        self._pending: List[str] = []
        self._frames = 0

    def open(self, session: Session) -> None:
        import os

        self.camera = self.camera or os.environ.get("AWS_IOT_THING_NAME", "deeplens")

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        self._pending.extend(encode_record(r.to_dict()) for r in records)
        self._frames += 1
        if self._frames >= self.frames_per_message:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._frames = self._pending, [], 0
        for group in pack(pending, self.camera, MAX_MESSAGE_BYTES):
            try:
                self.client.publish(topic=self.topic, payload=message(group, self.camera))
                self.published += 1
            except Exception as exc:  # whatever the SDK raises, the screening goes on
                self.errors += 1
                if self.errors == 1 or self.errors % 100 == 0:
                    log.error("publishing to %s failed (%d so far): %s", self.topic, self.errors, exc)

    def close(self) -> None:
        self.flush()
        if self.errors:
            log.warning("%d of %d messages to %s failed", self.errors, self.errors + self.published, self.topic)
