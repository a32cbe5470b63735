"""Two ways to put a message on an AWS IoT topic: MQTT with an X.509 certificate, or boto3 ``iot-data``."""

from __future__ import annotations

import logging
from typing import Optional

from reactlens.errors import ReactlensError

from .connection import Connection, check_plain, new_client, parse_broker, tls_context

log = logging.getLogger("reactlens")


class Transport:
    """Publishes payloads with at-least-once delivery; ``acked`` says when the broker has one."""

    name = "transport"

    def start(self) -> None:
        """Connect (in the background if the far end is unreachable)."""

    def ready(self) -> bool:
        """Whether a publish can be attempted now."""
        return True

    def publish(self, topic: str, payload: bytes) -> object:
        """Send one message; returns a handle for ``acked``. Raises ConnectionError if it cannot be sent."""
        raise NotImplementedError

    def acked(self, handle: object, wait: float = 0.0) -> bool:
        """Whether the broker acknowledged the message (waiting up to ``wait`` seconds)."""
        return True

    def stop(self) -> None:
        """Disconnect."""


class MqttTransport(Transport):
    """MQTT 3.1.1, QoS 1, persistent session; TLS with an X.509 device certificate unless on loopback."""

    name = "mqtt"

    def __init__(
        self,
        broker: str,
        client_id: str,
        ca: Optional[str],
        cert: Optional[str],
        key: Optional[str],
        allow_plain: bool = False,
    ) -> None:
        self.broker = parse_broker(broker)
        check_plain(self.broker, allow_plain)
        context = tls_context(ca, cert, key) if self.broker.tls else None
        self.connection = Connection(new_client(client_id, persistent=True), self.broker, context)

    def start(self) -> None:
        self.connection.start()

    def ready(self) -> bool:
        return self.connection.connected.is_set()

    def publish(self, topic: str, payload: bytes) -> object:
        info = self.connection.client.publish(topic, payload, qos=1)
        if info.rc != 0:
            raise ConnectionError(f"publish failed with code {info.rc}")
        return info

    def acked(self, handle: object, wait: float = 0.0) -> bool:
        if handle.is_published():  # type: ignore[attr-defined]
            return True
        if wait > 0:
            try:
                handle.wait_for_publish(wait)  # type: ignore[attr-defined]
            except (RuntimeError, ValueError):
                return False
        return handle.is_published()  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.connection.stop()


class IotDataTransport(Transport):
    """AWS IoT Core's HTTPS publish API through boto3 (SigV4 with the usual AWS credentials chain)."""

    name = "iot-data"

    def __init__(self, region: Optional[str] = None, endpoint: Optional[str] = None) -> None:
        try:
            import boto3
            import botocore.exceptions
        except ImportError:
            raise ReactlensError("the iot-data transport needs boto3", 'pip install "reactlens[iot]"') from None
        self._errors = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)
        try:
            self.client = boto3.client("iot-data", region_name=region, endpoint_url=endpoint or None)
        except botocore.exceptions.NoRegionError:
            raise ReactlensError("no AWS region for iot-data", "pass region=eu-west-1 (or set AWS_REGION)") from None

    def publish(self, topic: str, payload: bytes) -> object:
        try:
            self.client.publish(topic=topic, qos=1, payload=payload)
        except self._errors as exc:
            raise ConnectionError(str(exc).splitlines()[0]) from None
        return True
