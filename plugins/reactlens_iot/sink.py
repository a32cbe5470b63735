"""Publishing records to AWS IoT Core (or any MQTT broker) without losing any."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import deque
from typing import Any, Deque, Dict, Optional, Sequence, Tuple

from reactlens.components import Frame, ResultSink
from reactlens.errors import ReactlensError
from reactlens.messages import MAX_MESSAGE_BYTES, encode_record, message, pack
from reactlens.records import Record, RoomRecord, Session

from .spool import Spool
from .topics import check_topic
from .transports import IotDataTransport, MqttTransport, Transport

log = logging.getLogger("reactlens")

TRANSPORTS = ("mqtt", "iot-data")


class Publisher:
    """Moves records from the spool to the transport on its own thread, oldest first.

    Up to ``window`` messages are in flight; records leave the spool only when the message that carried
    them is acknowledged. A message not acknowledged within ``ack_timeout`` seconds (or a publish error) is
    sent again from the oldest unacknowledged record: duplicates are possible, losses are not.
    """

    def __init__(
        self,
        spool: Spool,
        transport: Transport,
        topic: str,
        camera: str,
        window: int = 16,
        ack_timeout: float = 10.0,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.spool, self.transport, self.topic, self.camera = spool, transport, topic, camera
        self.window, self.ack_timeout, self.max_bytes = window, ack_timeout, max_bytes
        self.sent_messages = 0
        self.publish_errors = 0
        self._pending: Deque[Tuple[object, int, float]] = deque()
        self._after = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reactlens-publisher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _fill(self) -> bool:
        """Publish messages until the window is full or the spool is sent; True if anything was sent."""
        sent = False
        while len(self._pending) < self.window:
            rows = self.spool.peek(self._after, 2000)
            if not rows:
                break
            group = next(pack((body for _, body in rows), self.camera, self.max_bytes))
            last = rows[len(group) - 1][0]
            try:
                handle = self.transport.publish(self.topic, message(group, self.camera))
            except ConnectionError as exc:
                self.publish_errors += 1
                log.debug("publish failed: %s", exc)
                self._rewind()
                self._stop.wait(0.5)
                break
            self._pending.append((handle, last, time.monotonic()))
            self._after = last
            self.sent_messages += 1
            sent = True
        return sent

    def _rewind(self) -> None:
        self._pending.clear()
        self._after = 0

    def _settle(self, wait: float) -> bool:
        """Drop acknowledged records from the spool; True if any were."""
        settled = False
        while self._pending:
            handle, last, sent_at = self._pending[0]
            if not self.transport.acked(handle, wait):
                if time.monotonic() - sent_at > self.ack_timeout:
                    self._rewind()
                break
            self.spool.remove_through(last)
            self._pending.popleft()
            settled, wait = True, 0.0
        return settled

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.transport.ready():
                self._rewind()
                self._stop.wait(0.1)
                continue
            progressed = self._settle(0.0) | self._fill()
            if not progressed:
                if self._pending:
                    self._settle(0.05)
                else:
                    self._wake.wait(0.1)
                    self._wake.clear()

    def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the spool to empty; the number of records left."""
        deadline = time.monotonic() + timeout
        left = len(self.spool)
        while left and time.monotonic() < deadline and self._thread.is_alive():
            self._wake.set()
            self._stop.wait(0.05)
            left = len(self.spool)
        return left

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


class IotSink(ResultSink):
    """Publishes every record to an MQTT topic as JSON, through a durable local spool.

    ``topic``: where to publish (not under ``$aws/``, at most 7 slashes). ``broker``: ``mqtts://HOST:8883``
    (AWS IoT endpoint) or ``mqtt://127.0.0.1:1883``. ``ca``, ``cert``, ``key``: Amazon root CA, device
    certificate and private key (PEM). ``client_id``: the MQTT client id (AWS IoT: usually the thing name;
    default ``reactlens-<host>``). ``transport``: ``mqtt`` or ``iot-data`` (boto3, IAM credentials; with
    ``region`` and optionally ``endpoint``). ``spool``: the SQLite spool file; records left there by an
    earlier run are sent first. ``drain_s``: at the end, how long to wait for the backlog to go out before
    leaving it in the spool for the next run. ``allow_plain``: permit ``mqtt://`` to a non-local host.
    """

    def __init__(
        self,
        topic: str = "reactlens/records",
        broker: str = "",
        ca: Optional[str] = None,
        cert: Optional[str] = None,
        key: Optional[str] = None,
        client_id: str = "",
        transport: str = "mqtt",
        region: Optional[str] = None,
        endpoint: Optional[str] = None,
        spool: str = "reactlens-spool.sqlite",
        drain_s: float = 10.0,
        allow_plain: bool = False,
        durable: bool = False,
        window: int = 16,
    ) -> None:
        self.topic = check_topic(topic)
        if transport not in TRANSPORTS:
            raise ReactlensError(f"IoT transport '{transport}' is not known", f"use one of: {', '.join(TRANSPORTS)}")
        if transport == "mqtt" and not broker:
            raise ReactlensError("the iot sink needs a broker", "set broker=mqtts://YOUR-ENDPOINT:8883 in the profile")
        self.camera = client_id or f"reactlens-{socket.gethostname()}"
        self._transport_args: Dict[str, Any] = dict(
            broker=broker, ca=ca, cert=cert, key=key, allow_plain=allow_plain, region=region, endpoint=endpoint
        )
        self.transport_name = transport
        self.spool_path = spool
        self.durable = bool(durable)
        self.drain_s = float(drain_s)
        self.window = int(window)
        self.spool: Optional[Spool] = None
        self.transport: Optional[Transport] = None
        self.publisher: Optional[Publisher] = None
        self.written = 0

    def _make_transport(self) -> Transport:
        a = self._transport_args
        if self.transport_name == "iot-data":
            return IotDataTransport(a["region"], a["endpoint"])
        return MqttTransport(a["broker"], self.camera, a["ca"], a["cert"], a["key"], bool(a["allow_plain"]))

    def open(self, session: Session) -> None:
        self.transport = self._make_transport()
        folder = os.path.dirname(os.path.abspath(self.spool_path))
        os.makedirs(folder, exist_ok=True)
        self.spool = Spool(self.spool_path, durable=self.durable)
        backlog = len(self.spool)
        if backlog:
            log.info("sending %d records left in %s by an earlier run", backlog, self.spool_path)
        self.transport.start()
        self.publisher = Publisher(self.spool, self.transport, self.topic, self.camera, window=self.window)
        self.publisher.start()

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        if records and self.spool is not None and self.publisher is not None:
            self.spool.append([encode_record(r.to_dict()) for r in records])
            self.written += len(records)
            self.publisher.wake()

    def write_room(self, records: Sequence[RoomRecord]) -> None:
        """The room's records go through the same spool and messages (``"kind": "room"``)."""
        if records and self.spool is not None and self.publisher is not None:
            self.spool.append([encode_record(r.to_dict()) for r in records])
            self.written += len(records)
            self.publisher.wake()

    def health(self) -> Dict[str, int]:
        """Records written, and the backlog: written but not yet acknowledged by the broker."""
        return {"records": self.written, "backlog": len(self.spool) if self.spool is not None else 0}

    def close(self) -> None:
        if self.publisher is None or self.spool is None:
            return
        left = self.publisher.drain(self.drain_s)
        self.publisher.stop()
        if self.transport is not None:
            self.transport.stop()
        if left:
            log.warning(
                "%d records could not be delivered yet; they stay in %s and the next run with this spool sends them",
                left,
                self.spool_path,
            )
        self.spool.close()
        self.publisher = None
