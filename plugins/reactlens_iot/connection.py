"""Connecting to an MQTT broker — AWS IoT Core or any other — safely, with errors that say what to do.

A broker is given as a URL: ``mqtts://HOST[:8883]`` (TLS; the default, and what a bare AWS IoT endpoint
such as ``abc123-ats.iot.eu-west-1.amazonaws.com`` means) or ``mqtt://HOST[:1883]`` (plain TCP, refused
for anything but this machine unless the user allows it). Credential paths are never logged.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import ssl
import stat
import threading
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from reactlens.errors import ReactlensError

log = logging.getLogger("reactlens")

CONNACK_HELP = {
    4: "the broker refused the username or password",
    5: "the broker refused this client (for AWS IoT: attach a policy that allows iot:Connect to the certificate)",
}


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


#: A bare broker: a host name or address, optionally with a port (TLS is implied).
BARE_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]+)?$")
MQTT_URL_FIX = "use mqtts://HOST:8883 (AWS IoT) or mqtt://127.0.0.1:1883"


def parse_broker(url: str) -> Broker:
    """A broker URL (or bare host name, meaning TLS on 8883) as a Broker."""
    given = url
    if "://" not in url:
        if not BARE_HOST.match(url):
            raise ReactlensError(f"broker '{given}' is not an MQTT URL", MQTT_URL_FIX)
        url = "mqtts://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname or parts.path not in ("", "/"):
        raise ReactlensError(f"broker '{given}' is not an MQTT URL", MQTT_URL_FIX)
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ReactlensError(f"broker '{given}' has a bad port", "use a number such as 8883") from None
    return Broker(parts.hostname, port, tls)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _readable(path: Optional[str], what: str, option: str) -> str:
    if not path:
        raise ReactlensError(f"TLS needs the {what}", f"pass {option} PATH (or use mqtt:// for a local broker)")
    if not os.path.isfile(path):
        raise ReactlensError(f"{what} {path} not found", f"check {option}")
    return path


def warn_if_world_readable(key: str) -> None:
    """A private key anyone on the machine can read is a leaked key: say so (once per run)."""
    mode = os.stat(key).st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("the private key %s is readable by other users; fix with: chmod 600 %s", key, key)


def tls_context(ca: Optional[str], cert: Optional[str], key: Optional[str]) -> ssl.SSLContext:
    """A client TLS context that trusts ``ca`` and presents ``cert``/``key`` (X.509, as AWS IoT wants)."""
    ca = _readable(ca, "CA certificate (for AWS IoT: AmazonRootCA1.pem)", "--ca")
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    try:
        context.load_verify_locations(cafile=ca)
    except (ssl.SSLError, ValueError) as exc:
        raise ReactlensError(f"CA file {ca} is not a PEM certificate ({exc})", "pass the CA certificate file") from None
    if cert or key:
        cert = _readable(cert, "device certificate", "--cert")
        key = _readable(key, "private key", "--key")
        warn_if_world_readable(key)
        try:
            context.load_cert_chain(certfile=cert, keyfile=key)
        except ssl.SSLError:
            raise ReactlensError(
                f"the private key {key} does not belong to the certificate {cert}",
                "pass the key file that was created with this certificate",
            ) from None
    return context


def check_plain(broker: Broker, allow_plain: bool) -> None:
    if not broker.tls and not allow_plain and not is_loopback(broker.host):
        raise ReactlensError(
            f"refusing unencrypted MQTT to {broker.host}",
            "use mqtts:// with --ca/--cert/--key, or allow_plain=true if this network is trusted",
        )


def new_client(client_id: str, persistent: bool):
    """A paho MQTT 3.1.1 client (persistent sessions keep QoS 1 messages for a client that was away)."""
    import paho.mqtt.client as mqtt

    return mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=not persistent,
        protocol=mqtt.MQTTv311,
    )


def explain_failure(broker: Broker, exc: BaseException) -> Optional[ReactlensError]:
    """A user-facing error for a connection failure that retrying will not fix; None if it may pass."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ReactlensError(
            f"the broker {broker.host} presented a certificate the CA file does not vouch for ({exc.verify_message})",
            "pass the CA that signed the broker's certificate (for AWS IoT: AmazonRootCA1.pem)",
        )
    if isinstance(exc, ssl.SSLError):
        return ReactlensError(
            f"the broker {broker.host} refused the TLS connection ({exc.reason or exc})",
            "check that --cert and --key are the device certificate the broker trusts, and that it is active",
        )
    return None


class Connection:
    """A paho client connected in the background, reconnecting by itself after any outage.

    ``start`` makes one attempt in the foreground so that wrong credentials fail at once with a clear
    error; a broker that is merely unreachable is retried in the background while the caller goes on.
    """

    def __init__(self, client, broker: Broker, context: Optional[ssl.SSLContext], on_connect=None) -> None:
        self.client = client
        self.broker = broker
        self.connected = threading.Event()
        self.fatal: Optional[ReactlensError] = None
        self._answered = threading.Event()
        self._ever_connected = False
        self._tls_error = ""
        self._on_connect = on_connect
        if context is not None:
            client.tls_set_context(context)
        client.reconnect_delay_set(min_delay=1, max_delay=8)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_log = self._log

    def _log(self, client, userdata, level, text) -> None:
        import paho.mqtt.client as mqtt

        if level == mqtt.MQTT_LOG_ERR and "ssl" in text.lower():  # paho reports TLS errors only here
            self._tls_error = self._tls_error or text

    def _connected(self, client, userdata, flags, reason, properties) -> None:
        if reason.is_failure:
            self.fatal = ReactlensError(
                f"the broker {self.broker.host} refused the connection: {CONNACK_HELP.get(reason.value, reason)}",
                "check the client id and the broker's access rules",
            )
            self._answered.set()
            return
        self._ever_connected = True
        self.connected.set()
        self._answered.set()
        if self._on_connect is not None:
            self._on_connect(client)

    def _disconnected(self, client, userdata, flags, reason, properties) -> None:
        self.connected.clear()
        if not self._ever_connected and self.broker.tls:
            # the broker closed a TLS connection before answering: it rejected our certificate
            error = self._tls_error
            detail = error.split("]", 1)[0].rsplit("[", 1)[-1] if "[SSL" in error else "closed during the TLS handshake"
            self.fatal = ReactlensError(
                f"the broker {self.broker.host} refused the TLS connection ({detail})",
                "check that --cert and --key are the device certificate the broker trusts, and that it is active",
            )
        self._answered.set()

    def start(self, timeout: float = 5.0, retry: bool = True) -> bool:
        """Connect; True if the broker answered now, False if it is unreachable and retried later.

        With ``retry`` False an unreachable broker is an error instead.
        """
        self.client.connect_timeout = timeout
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        except (ConnectionRefusedError, socket.gaierror, TimeoutError, OSError) as exc:
            error = explain_failure(self.broker, exc)
            if error is not None:
                raise error from None
            if not retry:
                raise ReactlensError(
                    f"the broker {self.broker} is unreachable ({exc.__class__.__name__})",
                    "start it or check --broker; --wait keeps retrying until it is up",
                ) from None
            log.warning("broker %s unreachable (%s); retrying in the background", self.broker, exc.__class__.__name__)
            self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
            self.client.loop_start()
            return False
        self.client.loop_start()
        self._answered.wait(timeout)
        if self.fatal is not None:
            self.stop()
            raise self.fatal
        return self.connected.is_set()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
