"""The ``dashboard`` sink: serves the screening live to a browser while the loop runs."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Dict, Optional, Sequence, Union

from reactlens.components import Frame, ResultSink
from reactlens.dashboard.board import Board
from reactlens.dashboard.pictures import PictureEncoder
from reactlens.dashboard.server import DashboardServer, Listen, read_token
from reactlens.errors import ReactlensError
from reactlens.records import Record, RoomRecord, Session

#: Seconds between two status updates taken from the loop.
STATUS_EVERY_S = 0.5


class DashboardSink(ResultSink):
    """A web page with the live picture (boxes in the seed's colours), the reaction curve on the media timeline
    with laughs as they happen, fps, latency, dropped frames and every sink's health.

    ``listen``: ``[HOST:]PORT`` (default 127.0.0.1:8765, this machine only; port 0 picks a free one). Any other
    host needs a token: from ``token_file``, else $REACTLENS_DASHBOARD_TOKEN, else one made up and printed
    once. ``view``: send the picture (faces) to the browser — ``auto`` is on for loopback, off otherwise.
    ``fps``, ``width``, ``quality``: the picture's rate cap, width and JPEG quality. ``camera``: the tile's
    name (default: the source).
    """

    def __init__(
        self,
        listen: Union[str, int] = "127.0.0.1:8765",
        view: Union[str, bool] = "auto",
        token_file: str = "",
        fps: float = 5.0,
        width: int = 640,
        quality: int = 70,
        camera: str = "",
    ) -> None:
        self.listen = Listen.parse(listen)
        if view not in ("auto", True, False):
            raise ReactlensError(
                f"dashboard view={view!r} is not auto, true or false", "--set sinks.dashboard.view=true"
            )
        self.view = self.listen.loopback if view == "auto" else bool(view)
        self.token = read_token(token_file)
        self.fps, self.width, self.quality = float(fps), int(width), int(quality)
        self.camera = camera
        self.board = Board("run", view=self.view)
        self.server: Optional[DashboardServer] = None
        self.pictures: Optional[PictureEncoder] = None
        self.session: Optional[Session] = None
        self.face_frames = 0
        self._status: Callable[[], Dict[str, Any]] = dict
        self._status_at = 0.0

    def watch(self, status: Callable[[], Dict[str, Any]]) -> None:
        self._status = status

    def open(self, session: Session) -> None:
        self.session = session
        self.camera = self.camera or session.source or "camera"
        self.server = DashboardServer(self.board, self.listen, self.token).start()
        if self.view:
            self.pictures = PictureEncoder(
                self.board, self.camera, session.smile_label, self.fps, self.width, self.quality
            ).start()
        print(self.server.announce(), file=sys.stderr, flush=True)

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        session = self.session
        if session is None:
            raise RuntimeError("DashboardSink.write called before open")
        labels = session.labels
        # a record that carries its viewer's last scores (a classifier rate) adds nothing to the curve
        faces = [(r.face_id, [r.scores[label] for label in labels]) for r in records if r.scored]
        time_s = frame.time_s + session.media_offset_s
        self.board.add_frame(
            self.camera, session.session_id, labels, session.smile_label, session.media_title, time_s, faces
        )
        self.face_frames += len(records)
        if self.pictures is not None:
            self.pictures.offer(frame.image, records)
        now = time.monotonic()
        if now - self._status_at >= STATUS_EVERY_S:
            self._status_at = now
            self._publish_status()

    def _publish_status(self) -> None:
        self.board.set_status(self.camera, self.camera, {**self._status(), "face_frames": self.face_frames})

    def write_room(self, records: Sequence[RoomRecord]) -> None:
        self.board.add_room(self.camera, [r.to_dict() for r in records])

    def health(self) -> Dict[str, int]:
        return {"browsers": self.board.watchers}

    def close(self) -> None:
        if self.server is None:
            return
        if self.session is not None:
            self._publish_status()  # the final numbers
        if self.pictures is not None:
            self.pictures.stop()
        self.server.stop()
        self.server = None
