"""The annotated output: a preview window and/or a video file with the seed's blue and orange boxes."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Optional, Sequence

import cv2

from reactlens.annotate import draw_records
from reactlens.components import Frame, ResultSink
from reactlens.errors import ReactlensError, StopScreening
from reactlens.records import Record, Session

log = logging.getLogger("reactlens")


def display_available() -> bool:
    """Whether a window can be shown: always on macOS and Windows, with X11 or Wayland on Linux."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class AnnotateSink(ResultSink):
    """Draws each face's box (blueish when smiling, orange otherwise) with its label and score.

    ``preview``: show a window (press q or Esc to stop). ``video``: also write an annotated video
    (mp4); ``overwrite``: replace an existing file of that name. ``landmarks``: also draw the five facial
    landmarks of detectors that give them (CenterFace).
    """

    def __init__(
        self,
        preview: bool = False,
        video: Optional[str] = None,
        overwrite: bool = False,
        window: str = "reactlens",
        landmarks: bool = True,
    ) -> None:
        self.preview = bool(preview)
        self.landmarks = bool(landmarks)
        self.video = video
        self.window = window
        self.smile_label: Optional[str] = None
        self.fps = 25.0
        self._writer: Optional[cv2.VideoWriter] = None
        self._window_open = False
        if video:
            if os.path.exists(video) and not overwrite:
                raise ReactlensError(
                    f"annotated video {video} already exists",
                    "choose another path or set sinks.annotate.overwrite=true",
                )
            folder = os.path.dirname(os.path.abspath(video))
            if not os.path.isdir(folder):
                raise ReactlensError(f"folder {folder} for the annotated video does not exist", "create it first")
        if self.preview and not display_available():
            log.warning(
                "no display found, so no preview window%s",
                "" if video else "; add an annotated video with --annotate FILE",
            )
            self.preview = False

    def open(self, session: Session) -> None:
        self.smile_label = session.smile_label
        self.fps = session.fps or 25.0

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        if not (self.preview or self.video):
            return
        image = draw_records(frame.image.copy(), records, self.smile_label, self.landmarks)
        if self.video:
            if self._writer is None:
                height, width = image.shape[:2]
                self._writer = cv2.VideoWriter(self.video, cv2.VideoWriter.fourcc(*"mp4v"), self.fps, (width, height))
                if not self._writer.isOpened():
                    raise ReactlensError(
                        f"cannot write video {self.video}", "use a .mp4 or .avi path in a writable folder"
                    )
            self._writer.write(image)
        if self.preview:
            self._show(image)

    def _show(self, image) -> None:
        try:
            cv2.imshow(self.window, image)
            key = cv2.waitKey(1) & 0xFF
            self._window_open = True
            closed = cv2.getWindowProperty(self.window, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error as exc:
            log.warning("preview window unavailable (%s); preview off", str(exc).strip().splitlines()[-1])
            self.preview = False
            return
        if key in (ord("q"), 27) or closed:
            raise StopScreening()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if self._window_open:
            with contextlib.suppress(cv2.error):
                cv2.destroyWindow(self.window)
            self._window_open = False
