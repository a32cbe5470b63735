"""Frames from the DeepLens camera through ``awscam.getLastFrame()``."""

from __future__ import annotations

import json
import logging
import time
from typing import Iterator, Optional

import numpy as np

from reactlens.components import Frame, FrameSource
from reactlens.errors import StopScreening

from .device import device_module, thing_topic

log = logging.getLogger("reactlens")


class AwscamSource(FrameSource):
    """The device camera (frames of whatever size it gives: never assumed).

    A frame identical to the last one (asked again before the camera had a new one) is skipped. A missing
    frame is retried with backoff from ``retry_s`` doubling up to 1 s; after ``max_failures``
    misses in a row an error message is published to the device's IoT topic (or ``error_topic``) and the
    run stops cleanly.
    """

    live = True

    def __init__(self, max_failures: int = 10, retry_s: float = 0.05, error_topic: Optional[str] = None) -> None:
        self.awscam = device_module("awscam")
        self.max_failures = int(max_failures)
        self.retry_s = float(retry_s)
        self.error_topic = error_topic
        self.description = "AWS DeepLens camera (awscam)"
        self.failures = 0

    def _report(self, message: str) -> None:
        """Publish the error where the operator watches the device's results."""
        log.error("%s", message)
        try:
            client = device_module("greengrasssdk").client("iot-data")
            payload = json.dumps({"schema": "reactlens.error/1", "error": message}).encode()
            client.publish(topic=self.error_topic or thing_topic(), payload=payload)
        except Exception as exc:  # the error is logged above whatever happens here
            log.error("could not publish the error: %s", exc)

    def frames(self) -> Iterator[Frame]:
        started = time.monotonic()
        index = 0
        misses = 0
        previous = None
        while True:
            ret, image = self.awscam.getLastFrame()
            if ret and image is not None:
                # getLastFrame returns the latest frame again when asked faster than the camera's rate
                probe = image[::97, ::89]
                if previous is not None and np.array_equal(probe, previous):
                    time.sleep(0.002)
                    continue
                previous = probe
            if not ret or image is None:
                misses += 1
                self.failures += 1
                if misses >= self.max_failures:
                    self._report(f"awscam.getLastFrame() gave no frame {misses} times in a row; stopping")
                    raise StopScreening("the DeepLens camera stopped giving frames")
                time.sleep(min(1.0, self.retry_s * 2 ** (misses - 1)))
                continue
            misses = 0
            now = time.monotonic()
            yield Frame(np.ascontiguousarray(image), index, now - started, now)
            index += 1

    def close(self) -> None:
        """The camera belongs to the device; nothing to release."""
