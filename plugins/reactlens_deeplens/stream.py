"""The DeepLens project stream: annotated JPEG frames into the FIFO ``/tmp/results.mjpeg``.

Watch it on the device with ``mplayer -demuxer lavf -lavfdopts format=mjpeg:probesize=32 /tmp/results.mjpeg``.
The FIFO is opened without blocking: with nobody reading, frames are skipped; a reader that falls behind
loses frames rather than slowing the loop.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from typing import Optional, Sequence

import cv2

from reactlens.annotate import draw_records
from reactlens.components import Frame, ResultSink
from reactlens.errors import ReactlensError
from reactlens.records import Record, Session

log = logging.getLogger("reactlens")

FIFO = "/tmp/results.mjpeg"


class ProjectStreamSink(ResultSink):
    """Boxes drawn as the original project drew them (blue: smiling, orange: neutral), as MJPEG into a FIFO.

    ``path``: the FIFO (created if missing). ``width``: frames are shrunk to this width (0: as captured).
    ``quality``: JPEG quality. ``retry_every``: with no reader, try to open the FIFO again every this many frames.
    """

    def __init__(self, path: str = FIFO, width: int = 858, quality: int = 80, retry_every: int = 15) -> None:
        self.path = path
        self.width = int(width)
        self.quality = int(quality)
        self.retry_every = max(1, int(retry_every))
        self.fd: Optional[int] = None
        self.sent = 0
        self.skipped = 0
        self._frames = 0
        self._smile_label: Optional[str] = None
        self._rest = b""  # the unsent end of a JPEG the reader has not taken yet

    def open(self, session: Session) -> None:
        self._smile_label = session.smile_label
        if os.path.exists(self.path):
            if not stat.S_ISFIFO(os.stat(self.path).st_mode):
                raise ReactlensError(f"{self.path} exists and is not a FIFO", "remove it; the stream creates its FIFO")
        else:
            os.mkfifo(self.path)

    def _connect(self) -> bool:
        if self.fd is None and self._frames % self.retry_every == 0:
            try:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: nobody is reading yet
                    raise
        return self.fd is not None

    def _send(self, data: bytes) -> bool:
        """Write as much as the pipe takes now; True when all of ``data`` went out."""
        try:
            written = os.write(self.fd, data)  # type: ignore[arg-type]
        except BlockingIOError:
            written = 0
        except BrokenPipeError:  # the reader left: look for a new one later
            self._drop()
            return False
        self._rest = data[written:]
        return not self._rest

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        self._frames += 1
        if not self._connect() or (self._rest and not self._send(self._rest)):
            self.skipped += 1  # no reader, or the reader is still behind: drop this frame
            return
        image = draw_records(frame.image.copy(), records, self._smile_label)
        if self.width and image.shape[1] > self.width:
            height = int(round(image.shape[0] * self.width / image.shape[1]))
            image = cv2.resize(image, (self.width, height), interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if ok and self.fd is not None:
            self._send(jpeg.tobytes())
            self.sent += 1

    def _drop(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self._rest = b""

    def close(self) -> None:
        self._drop()
