"""``reactlens collect``: many cameras' records, from an MQTT topic filter into one store."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from reactlens.dashboard.board import Board
from reactlens.messages import decode, record_problem

from .connection import Connection, check_plain, new_client, parse_broker, tls_context
from .store import RecordStore

log = logging.getLogger("reactlens")


class Collector:
    """Subscribes with QoS 1 and a persistent session; each message is committed before it is acknowledged."""

    def __init__(
        self,
        broker: str,
        topic: str,
        out: str,
        ca: Optional[str] = None,
        cert: Optional[str] = None,
        key: Optional[str] = None,
        client_id: str = "",
        allow_plain: bool = False,
        board: Optional[Board] = None,
    ) -> None:
        self.broker = parse_broker(broker)
        check_plain(self.broker, allow_plain)
        context = tls_context(ca, cert, key) if self.broker.tls else None
        self.topic = topic
        self.store = RecordStore(out)
        #: The live dashboard's board, fed with every valid record as it is stored.
        self.board = board
        #: Messages that are not reactlens records at all.
        self.rejected = 0
        #: Records in reactlens messages that break the schema (wrong type or range): kept out of the store.
        self.invalid = 0
        self.last_message = time.monotonic()
        self._wake = threading.Event()
        client = new_client(client_id or f"reactlens-collect-{socket.gethostname()}", persistent=True)
        client.on_message = self._message
        client.on_subscribe = self._subscribed
        #: Set once the broker has confirmed the subscription.
        self.subscribed = threading.Event()
        self.connection = Connection(client, self.broker, context, on_connect=self._subscribe)

    def _subscribe(self, client) -> None:
        client.subscribe(self.topic, qos=1)

    def _subscribed(self, client, userdata, mid, reason_codes, properties) -> None:
        if not self.subscribed.is_set():
            log.info("subscribed to %s on %s; Ctrl-C stops", self.topic, self.broker)
        self.subscribed.set()

    def _message(self, client, userdata, msg) -> None:
        try:
            data = decode(msg.payload)
        except (ValueError, UnicodeDecodeError):
            self.rejected += 1
            if self.rejected == 1:
                log.warning("ignoring a message on %s that is not reactlens records", msg.topic)
        else:
            valid: List[Dict[str, Any]] = []
            room: List[Dict[str, Any]] = []
            for record in data["records"]:
                problem = record_problem(record)
                if problem is None:
                    (room if record.get("kind") == "room" else valid).append(record)
                    continue
                self.invalid += 1
                if self.invalid == 1:
                    log.warning("refusing a record on %s: %s (further ones are only counted)", msg.topic, problem)
            camera = str(data.get("camera", ""))
            if valid:
                self.store.add(valid, camera, msg.topic)
            if room:
                self.store.add_room(room, camera, msg.topic)
            if self.board is not None:
                self.board.add_records(camera, valid)
                self.board.add_room(camera, room)
        self.last_message = time.monotonic()
        self._wake.set()

    def run(
        self,
        until: Callable[[Collector], bool],
        tick: Optional[Callable[[Collector], None]] = None,
        poll_s: float = 0.2,
        wait: bool = False,
    ) -> None:
        """Receive until ``until(self)`` is true or Ctrl-C; the store is committed and closed either way.

        ``wait``: keep retrying a broker that is unreachable at the start, instead of failing.
        """
        try:
            self.connection.start(retry=wait)
            while not until(self):
                if self.connection.fatal is not None:
                    raise self.connection.fatal
                if tick is not None:
                    tick(self)
                self._wake.wait(poll_s)
                self._wake.clear()
        except KeyboardInterrupt:
            pass
        finally:
            try:
                self.connection.stop()
            finally:
                self.store.close()


def idle_for(seconds: float) -> Callable[[Collector], bool]:
    """Stop once no message has arrived for ``seconds`` (0: never)."""
    return lambda c: seconds > 0 and time.monotonic() - c.last_message > seconds


def enough(count: int) -> Callable[[Collector], bool]:
    """Stop once ``count`` distinct records are stored (0: never)."""
    return lambda c: count > 0 and c.store.stored >= count
