"""The dashboard's web server: Starlette on uvicorn, on a thread of its own beside the screening or collector.

One page (``static/index.html``) and one WebSocket (``/live``) that carries the board's state four times a
second and each camera's newest picture as it is encoded; a browser that reads slowly gets fewer pictures,
never a queue of them.

Security: the server binds to 127.0.0.1 unless told otherwise. Bound to any other address it needs a
token on every request (``Authorization: Bearer``, the cookie the page sets, or ``?token=`` once, which
is swapped for the cookie). On loopback it refuses other Host names (DNS rebinding), and WebSockets from
other origins (another site's page). The token is never logged: uvicorn's access log is off.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import ReactlensError
from .board import Board, Cursor

log = logging.getLogger("reactlens")

STATIC = Path(__file__).with_name("static")
#: uPlot, vendored once for the report and the dashboard.
CHARTS = Path(__file__).parent.parent / "report" / "static"
#: The environment variable a token may come from.
TOKEN_ENV = "REACTLENS_DASHBOARD_TOKEN"
#: The WebSocket loop's tick: pictures go out within one tick of being encoded; state every STATE_TICKS.
TICK_S = 0.05
STATE_TICKS = 5
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'",
}


@dataclass(frozen=True)
class Listen:
    """Where the dashboard is served: ``[HOST:]PORT`` (port 0: any free port)."""

    host: str
    port: int

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @classmethod
    def parse(cls, text: object) -> Listen:
        value = str(text).strip()
        host, sep, port = value.rpartition(":")
        host = host.strip("[]") if sep else "127.0.0.1"
        if not port.isdigit() or int(port) > 65535 or (sep and not host):
            raise ReactlensError(
                f"dashboard address {value!r} is not [HOST:]PORT",
                "for example --dashboard 8765 (this machine only) or --dashboard 0.0.0.0:8765 (with a token)",
            )
        return cls(host, int(port))


def read_token(token_file: str = "") -> Optional[str]:
    """The token from ``token_file`` or $REACTLENS_DASHBOARD_TOKEN, or None when neither gives one."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ReactlensError(
                f"cannot read the dashboard token file {token_file} ({type(exc).__name__})",
                "check the path, or set REACTLENS_DASHBOARD_TOKEN instead",
            ) from None
        if not token:
            raise ReactlensError(f"the dashboard token file {token_file} is empty", "write a token into it")
        return token
    return os.environ.get(TOKEN_ENV) or None


class Access:
    """ASGI middleware: Host and Origin checks on loopback, the token everywhere else (or when one is set)."""

    def __init__(self, app: ASGIApp, token: Optional[str], loopback: bool, cookie: str) -> None:
        self.app, self.token, self.loopback, self.cookie = app, token, loopback, cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.loopback and _hostname(host) not in ("127.0.0.1", "localhost", "::1"):
            await _deny(scope, receive, send, 403, "this dashboard answers only to localhost")
            return
        origin = headers.get("origin")
        if scope["type"] == "websocket" and origin is not None and origin not in (f"http://{host}", f"https://{host}"):
            await _deny(scope, receive, send, 403, "the dashboard's live feed is only for its own page")
            return
        if self.token is not None:
            given = _bearer(headers) or connection.cookies.get(self.cookie) or connection.query_params.get("token")
            if not given or not secrets.compare_digest(given, self.token):
                await _deny(scope, receive, send, 401, "a token is needed: open the address the dashboard printed")
                return
            if scope["type"] == "http" and "token" in connection.query_params:  # swap the link's token for a cookie
                query = {k: v for k, v in parse_qs(scope.get("query_string", b"").decode()).items() if k != "token"}
                target = scope["path"] + (f"?{urlencode(query, doseq=True)}" if query else "")
                response = RedirectResponse(target, status_code=303, headers=HEADERS)
                response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hostname(host: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8765`` → ``::1``, ``localhost`` → ``localhost``."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.partition(":")[0].lower()


def _bearer(headers: Headers) -> Optional[str]:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def _deny(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    await PlainTextResponse(reason, status_code=status, headers=HEADERS)(scope, receive, send)


def create_app(board: Board) -> Starlette:
    """The page, its static files and the live WebSocket, over ``board``."""

    async def page(request: object) -> Response:
        return FileResponse(STATIC / "index.html")

    async def live(websocket: WebSocket) -> None:
        await websocket.accept()
        board.watch(True)
        cursor = Cursor()
        try:
            tick = 0
            while True:
                if tick % STATE_TICKS == 0 or board.ended:
                    state = board.update(cursor)
                    await websocket.send_text(json.dumps(state, separators=(",", ":")))
                    if state["ended"]:
                        await websocket.close()
                        return
                if board.view:
                    for camera, jpeg in board.pictures(cursor):
                        await websocket.send_bytes(camera.encode() + b"\n" + jpeg)
                tick += 1
                await asyncio.sleep(TICK_S)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # the browser went away
        finally:
            board.watch(False)

    return Starlette(
        routes=[
            Route("/", page),
            WebSocketRoute("/live", live),
            Mount("/static", StaticFiles(directory=STATIC)),
            Mount("/charts", StaticFiles(directory=CHARTS)),
        ]
    )


class DashboardServer:
    """Serves ``board`` at ``listen`` on a thread until ``stop``; a token is required off loopback."""

    def __init__(self, board: Board, listen: Listen, token: Optional[str] = None) -> None:
        self.board, self.listen = board, listen
        self.generated = token is None and not listen.loopback
        self.token = secrets.token_urlsafe(24) if self.generated else token
        self.port = listen.port
        self._server: Optional[uvicorn.Server] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> DashboardServer:
        family = socket.AF_INET6 if ":" in self.listen.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.listen.host, self.listen.port))
        except OSError as exc:
            sock.close()
            raise ReactlensError(
                f"cannot serve the dashboard on {self.listen.host}:{self.listen.port} ({exc.strerror or exc})",
                "choose another port (--dashboard PORT) or a host address of this machine",
            ) from None
        sock.listen(64)
        self.port = sock.getsockname()[1]
        cookie = f"reactlens_dashboard_{self.port}"
        app = Access(create_app(self.board), self.token, self.listen.loopback, cookie)
        config = uvicorn.Config(
            app, log_config=None, log_level="error", access_log=False, lifespan="off", server_header=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="reactlens-dashboard", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self._server.started:
            raise ReactlensError("the dashboard's web server did not start", "run with REACTLENS_DEBUG=1 to see why")
        return self

    def address(self, with_token: bool = True) -> str:
        """The page's address; with the token for a link the user opens once."""
        host = socket.gethostname() if self.listen.host in ("0.0.0.0", "::") else self.listen.host
        host = f"[{host}]" if ":" in host else host
        url = f"http://{host}:{self.port}/"
        return f"{url}?token={self.token}" if with_token and self.token else url

    def announce(self) -> str:
        """The one line telling the user where the page is (the token only when generated: shown once)."""
        if self.token is None:
            return f"dashboard: {self.address()}"
        if self.generated:
            return f"dashboard: {self.address()} (the token is for this run only; keep the link private)"
        return f"dashboard: {self.address(with_token=False)} (with the token from the token file or ${TOKEN_ENV})"

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, grace_s: float = 2.0) -> None:
        """Tell browsers the run ended (they keep the last numbers), then stop serving."""
        self.board.end()
        deadline = time.monotonic() + grace_s
        while self.board.watchers and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
