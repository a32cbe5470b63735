"""The live view: the latest frame with its boxes, as JPEG, encoded off the screening loop."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from ..annotate import draw_records
from ..records import Record
from .board import Board


class PictureEncoder:
    """Draws and encodes the newest frame on its own thread, at most ``fps`` times a second.

    Nothing is encoded while no browser watches (``Board.watchers``). The loop only hands over a reference
    to a frame when the encoder asks for one (``offer``); it never waits and nothing queues, so a slow
    encoder or browser skips frames instead of slowing the screening.
    """

    def __init__(
        self,
        board: Board,
        camera: str,
        smile_label: Optional[str],
        fps: float = 5.0,
        width: int = 640,
        quality: int = 70,
        landmarks: bool = False,
    ) -> None:
        self.board, self.camera, self.smile_label = board, camera, smile_label
        self.interval = 1.0 / max(float(fps), 0.1)
        self.width, self.quality, self.landmarks = int(width), int(quality), bool(landmarks)
        #: Pictures encoded so far.
        self.encoded = 0
        self._want = threading.Event()
        self._ready = threading.Event()
        self._slot: Optional[Tuple[np.ndarray, Sequence[Record]]] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reactlens-dashboard-pictures", daemon=True)

    def start(self) -> PictureEncoder:
        self._thread.start()
        return self

    def offer(self, image: np.ndarray, records: Sequence[Record]) -> None:
        """Called by the loop with every frame; taken only when the encoder is ready for the next one."""
        if self._want.is_set():
            self._want.clear()
            self._slot = (image, records)
            self._ready.set()

    def encode(self, image: np.ndarray, records: Sequence[Record]) -> bytes:
        """The frame at most ``width`` pixels wide with its boxes drawn to scale, as JPEG."""
        scale = min(1.0, self.width / image.shape[1])
        if scale < 1.0:
            size = (self.width, round(image.shape[0] * scale))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            records = [_scaled(record, scale) for record in records]
        else:
            small = image.copy()  # the loop's frame is never drawn on
        drawn = draw_records(small, records, self.smile_label, self.landmarks)
        ok, jpeg = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return jpeg.tobytes() if ok else b""

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.board.watchers:
                self._stop.wait(0.2)
                continue
            self._want.set()
            if not self._ready.wait(0.5):
                continue
            self._ready.clear()
            slot, self._slot = self._slot, None
            if slot is None:
                continue
            started = time.monotonic()
            self.board.set_picture(self.camera, self.encode(*slot))
            self.encoded += 1
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def stop(self) -> None:
        self._stop.set()
        self._ready.set()
        self._thread.join(timeout=5)


def _scaled(record: Record, scale: float) -> Record:
    """The record with its box and landmarks in the pixels of a frame resized by ``scale``."""
    landmarks = tuple((x * scale, y * scale) for x, y in record.landmarks) if record.landmarks else None
    x, y, w, h = (round(v * scale) for v in (record.x, record.y, record.w, record.h))
    return dataclasses.replace(record, x=x, y=y, w=w, h=h, landmarks=landmarks)
