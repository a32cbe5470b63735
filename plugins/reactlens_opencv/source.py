"""Frames from a camera, a video file or a stream URL, decoded by OpenCV in a thread of their own."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from typing import Iterator, Optional, Tuple, Union

import cv2
import numpy as np

from reactlens.components import Frame, FrameSource
from reactlens.errors import ReactlensError
from reactlens.stills import is_image

if not os.environ.get("REACTLENS_DEBUG"):
    # OpenCV and FFmpeg print their own warnings for every file or camera that fails to open;
    # reactlens reports those failures itself, in one line.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    cv2.setLogLevel(0)

#: Consecutive failed reads after which a live source counts as gone.
MAX_FAILED_READS = 50
#: Bytes of decoded frames a file is read ahead by default, between 2 and 8 frames: 8 frames of 640×360, 2 of 1080p
#: (8 frames of 1080p held 50 MB for no speed: `benchmarks/harness.py --clips fullhouse --set source.prefetch=2`).
PREFETCH_BYTES = 16_000_000
#: FFmpeg threads a file is decoded on (a camera's or a stream's: FFmpeg's choice). The decoding has a thread of its own
#: beside the screening's; one FFmpeg thread does it in 5-10% less CPU than two and holds ~10 MB fewer frames
#: (`reactlens run` alternated 8 times: a restless full house 59.0 against 57.9 fps, the crowd clip 81.7 against 77.6).
FILE_DECODE_THREADS = 1
_END = object()


def _parse_uri(uri: Union[int, str, None]) -> Union[int, str]:
    if uri is None or uri == "":
        raise ReactlensError("no video source given", "pass --source FILE, a camera index (0) or a stream URL")
    if isinstance(uri, bool):
        raise ReactlensError(f"source uri {uri!r} is not a camera, file or URL", "pass --source FILE or 0")
    if isinstance(uri, int):
        return uri
    text = str(uri).strip()
    return int(text) if text.isdigit() else text


class OpenCVSource(FrameSource):
    """Frames decoded by OpenCV.

    ``uri``: a camera index (``0``), a video file, or a stream URL (``rtsp://...``).
    ``live``: drop frames to stay current instead of queueing them; the default is on for cameras and
    streams, off for files (a live file is paced at its own frame rate, as a camera would deliver it).
    ``prefetch``: frames decoded ahead of the loop for files (0: ``PREFETCH_BYTES`` of them). ``start_frame``,
    ``end_frame``: screen only frames ``start_frame`` ≤ n < ``end_frame`` of a file (0: to the end), numbered and
    timed as in the whole file (``reactlens batch`` splits long recordings this way).
    """

    def __init__(
        self,
        uri: Union[int, str, None] = None,
        live: Optional[bool] = None,
        prefetch: int = 0,
        start_frame: int = 0,
        end_frame: int = 0,
    ) -> None:
        self.uri = _parse_uri(uri)
        self.is_camera = isinstance(self.uri, int)
        self.is_stream = not self.is_camera and "://" in str(self.uri)
        self.live = not self.is_file if live is None else bool(live)
        self.description = f"camera {self.uri}" if self.is_camera else str(self.uri)
        self.dropped_frames = 0
        #: A file's first frame is decoded as it is opened (to know it decodes), and taken as the first frame read.
        self._grabbed = False
        self._capture = self._open()
        width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.frame_size = (width, height) if width > 0 and height > 0 else None
        frame_bytes = 3 * width * height
        self.prefetch = (
            int(prefetch) if int(prefetch) > 0 else int(min(8, max(2, PREFETCH_BYTES // max(frame_bytes, 1))))
        )
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 0 < fps < 1000 else None
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.total_frames = count if count > 0 and self.is_file else None
        self.start_frame, self.end_frame = int(start_frame), int(end_frame)
        if self.start_frame or self.end_frame:
            if not self.is_file or self.start_frame < 0 or self.end_frame < 0:
                raise ReactlensError("start_frame and end_frame select part of a video file", "give 0 or more")
            if self.start_frame:
                self._capture.set(cv2.CAP_PROP_POS_FRAMES, self.start_frame)
                self._grabbed = False
            end = min(self.end_frame or count, count) if count > 0 else self.end_frame
            self.total_frames = max(0, end - self.start_frame) if end else None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def is_file(self) -> bool:
        """A video file (not a camera or a stream)."""
        return not (self.is_camera or self.is_stream)

    def _open(self) -> cv2.VideoCapture:
        uri = self.uri
        if self.is_file:
            if not os.path.exists(uri):
                raise ReactlensError(f"video file {uri} not found", "check the --source path")
            if os.path.isdir(uri) or is_image(str(uri)):
                raise ReactlensError(
                    f"{uri} is {'a folder' if os.path.isdir(uri) else 'a still image'}, not a video",
                    "screen photos with --profile photos (the default for images and folders), or pass a video file",
                )
            if not os.access(uri, os.R_OK):
                raise ReactlensError(f"video file {uri} is not readable", "check its permissions")
        capture = cv2.VideoCapture(
            uri, cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, FILE_DECODE_THREADS] if self.is_file else []
        )
        if not capture.isOpened():
            capture.release()
            if self.is_camera:
                raise ReactlensError(
                    f"camera {uri} did not open",
                    "check it is connected and not in use by another program, or pass --source FILE",
                )
            if self.is_stream:
                raise ReactlensError(f"cannot open stream {uri}", "check the address and that the stream is running")
            raise ReactlensError(f"cannot open {uri} as a video", "pass a video file OpenCV can decode (mp4, avi, mkv)")
        if self.is_file:
            # decoded, not yet converted: the first read takes it (seeking back to it decoded it again, ~27 ms at
            # 1080p on the loop's clock; kept converted, its 6 MB were held through the models' loading)
            self._grabbed = capture.grab()
            if not self._grabbed:
                capture.release()
                raise ReactlensError(f"{uri} has no decodable video frames", "the file is corrupt or not a video")
        return capture

    # -- reading -----------------------------------------------------------------------------------

    def _read(self, index: int, started: float) -> Tuple[bool, Optional[np.ndarray], float]:
        ok, image = self._capture.retrieve() if self._grabbed else self._capture.read()
        self._grabbed = False
        if not ok:
            return False, None, 0.0
        if not self.is_file:
            return True, image, time.monotonic() - started
        position = self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        if position <= 0 and index > 0 and self.fps:
            position = index / self.fps
        return True, image, position

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the file ends or the source is closed."""
        target = self._decode_live if self.live else self._decode_ahead
        slot: queue.Queue = queue.Queue(maxsize=1 if self.live else self.prefetch)
        self._thread = threading.Thread(target=target, args=(slot,), name="reactlens-decode", daemon=True)
        self._thread.start()
        while True:
            item = slot.get()
            if item is _END:
                return
            if isinstance(item, ReactlensError):
                raise item
            yield item

    def _ended_early(self, index: int) -> object:
        """The end marker for a file whose reads stopped before frame ``index``: an error if it promised more."""
        frames, total = index - self.start_frame, self.total_frames
        # a container's frame count may be an estimate (duration × rate): allow a small shortfall
        if total is None or frames + max(2, 0.02 * total) >= total:
            return _END
        return ReactlensError(
            f"{self.uri} ended after {frames} of its {total} frames (the file is truncated or corrupt)",
            "results up to that frame are saved; copy the file again or re-encode it",
        )

    def _decode_ahead(self, slot: queue.Queue) -> None:
        """File mode: decode every frame, at most ``prefetch`` ahead of the loop."""
        started = time.monotonic()
        index = self.start_frame
        end: object = _END
        try:
            while not self._stop.is_set() and not (self.end_frame and index >= self.end_frame):
                ok, image, time_s = self._read(index, started)
                if not ok or image is None:
                    end = self._ended_early(index)
                    break
                frame = Frame(image, index, time_s, time.monotonic())
                while not self._stop.is_set():
                    try:
                        slot.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                index += 1
        finally:
            self._finish(slot, end)

    def _decode_live(self, slot: queue.Queue) -> None:
        """Live mode: always keep only the newest frame; an unread older frame is dropped."""
        started = time.monotonic()
        failures = 0
        pace = None if not self.is_file or not self.fps else 1.0 / self.fps
        end: object = _END
        index = self.start_frame
        try:
            while not self._stop.is_set() and not (self.end_frame and index >= self.end_frame):
                if pace is not None:
                    delay = started + (index - self.start_frame) * pace - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                ok, image, time_s = self._read(index, started)
                if not ok or image is None:
                    if self.is_file:
                        end = self._ended_early(index)
                        break
                    failures += 1
                    if failures >= MAX_FAILED_READS:
                        end = ReactlensError(
                            f"{self.description} stopped delivering frames",
                            "check the cable or the stream; results so far are saved",
                        )
                        break
                    time.sleep(0.01)
                    continue
                failures = 0
                frame = Frame(image, index, time_s, time.monotonic())
                index += 1
                try:
                    slot.put_nowait(frame)
                except queue.Full:
                    try:
                        slot.get_nowait()
                        self.dropped_frames += 1
                    except queue.Empty:
                        pass
                    slot.put_nowait(frame)
        finally:
            self._finish(slot, end)

    def _finish(self, slot: queue.Queue, end: object) -> None:
        """Hand the end marker (or error) to the consumer without blocking a stopped consumer forever."""
        while True:
            try:
                slot.put(end, timeout=0.1)
                return
            except queue.Full:
                if self._stop.is_set():
                    return
                if self.live:  # make room: the stalled consumer gets the end marker, the frame is dropped
                    with contextlib.suppress(queue.Empty):
                        slot.get_nowait()
                        self.dropped_frames += 1

    def close(self) -> None:
        """Stop the decode thread and release the capture."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._capture.release()
