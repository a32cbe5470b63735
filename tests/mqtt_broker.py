"""A real mosquitto broker on loopback for tests, with certificates made on the spot."""

from __future__ import annotations

import datetime
import getpass
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_key(key, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _cert(subject: str, key, issuer_key, issuer: Optional[x509.Certificate], ca: bool, san: bool = False):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        import ipaddress

        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    """A CA, a broker certificate and a device certificate signed by it, and an unrelated CA."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    other_client_cert: Path
    other_client_key: Path


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}

    def issue(name, subject, issuer_key, issuer, ca=False, san=False):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(subject, key, issuer_key or key, issuer, ca, san)
        (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, folder / f"{name}.key")
        paths[name] = folder / f"{name}.pem"
        return key, cert

    ca_key, ca = issue("ca", "reactlens test CA", None, None, ca=True)
    issue("server", "localhost", ca_key, ca, san=True)
    issue("client", "camera-1", ca_key, ca)
    other_key, other = issue("other-ca", "someone else's CA", None, None, ca=True)
    issue("other-client", "camera-x", other_key, other)
    return Pki(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
        other_ca=folder / "other-ca.pem",
        other_client_cert=folder / "other-client.pem",
        other_client_key=folder / "other-client.key",
    )


class Mosquitto:
    """mosquitto on 127.0.0.1: a plain listener and, with ``pki``, a TLS listener requiring client certificates.

    Persistence is on, so a broker stopped with SIGTERM and started again keeps persistent sessions and
    their queued QoS 1 messages, as AWS IoT Core does.
    """

    def __init__(self, folder: Path, pki: Optional[Pki] = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.tls_port = free_port() if pki else None
        lines = [
            f"user {getpass.getuser()}",  # started as root, mosquitto would switch to a user who cannot read tmp
            "per_listener_settings false",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {folder}/",
            "max_queued_messages 100000",
            f"listener {self.port} 127.0.0.1",
        ]
        if pki:
            lines += [
                f"listener {self.tls_port} 127.0.0.1",
                f"cafile {pki.ca}",
                f"certfile {pki.server_cert}",
                f"keyfile {pki.server_key}",
                "require_certificate true",
                "tls_version tlsv1.2",
            ]
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"mqtts://localhost:{self.tls_port}"

    def start(self) -> Mosquitto:
        with open(self.folder / "mosquitto.log", "ab") as log:
            self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # ready when the port accepts connections
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
