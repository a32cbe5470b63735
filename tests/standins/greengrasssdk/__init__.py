"""Stand-in for the Greengrass Core SDK's ``client('iot-data').publish(topic=..., payload=...)``."""

import json
import os


class _IotDataClient:
    def __init__(self):
        self._calls = 0

    def publish(self, **kwargs):
        """Keyword arguments only; ``topic`` required; ``payload`` bytes; returns None."""
        topic = kwargs.get("topic")
        payload = kwargs.get("payload", b"")
        if not topic:
            raise ValueError("Parameter topic is required")
        if not isinstance(payload, (bytes, bytearray)):
            raise TypeError("payload must be bytes")
        self._calls += 1
        every = int(os.environ.get("STANDIN_PUBLISH_FAIL_EVERY", "0") or 0)
        if every and self._calls % every == 0:
            raise RuntimeError("Greengrass IPC: publish failed")
        log = os.environ.get("STANDIN_PUBLISHED")
        if log:
            with open(log, "a") as handle:
                handle.write(json.dumps({"topic": topic, "payload": payload.decode("utf-8")}) + "\n")


def client(name):
    if name != "iot-data":
        raise ValueError(f"unsupported client {name}")
    return _IotDataClient()
