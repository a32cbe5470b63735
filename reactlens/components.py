"""The component kinds a plugin can provide, and the frame that flows between them.

Each kind is a small base class. Plugins may subclass it or simply provide the same methods
(duck typing); the screening loop only calls what is documented here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .geometry import Box, Point
from .records import Record, RoomRecord, Session

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Detection:
    """One face a detector found: its box, and what else the detector knows about it.

    ``score`` is the detector's confidence in 0..1 (None if it gives none, as Haar). ``landmarks`` are
    five points in frame pixels — right eye, left eye, nose tip, right and left mouth corner, in the
    image's left-to-right order as the subject faces the camera — or None.
    """

    box: Box
    score: Optional[float] = None
    landmarks: Optional[Tuple[Point, ...]] = None


#: What ``FaceDetector.detect`` may return per face: a ``Detection``, or a bare box (older plugins).
Found = Union[Detection, Box]


@dataclass
class Frame:
    """One decoded frame.

    ``image`` is an H×W×3 uint8 BGR array (OpenCV's layout). ``time_s`` is the frame's position in the
    media (a file) or the seconds since the session started (a camera). ``captured_at`` is
    ``time.monotonic()`` when the frame was read, used to measure latency. ``scale`` is the image's
    pixels per source pixel: below 1 when a detector is handed a shrunk copy (``reactlens.camera_rate``),
    so that sizes given in source pixels (a minimum face size, say) can be converted. ``name`` is the file
    a still image came from (sources of stills), else empty.
    """

    image: np.ndarray
    index: int
    time_s: float
    captured_at: float
    scale: float = 1.0
    name: str = ""


class FrameSource:
    """Yields frames in order. ``live`` sources drop frames rather than fall behind."""

    #: True for cameras and streams: ``time_s`` counts from the session start, frames may be dropped.
    live: bool = False
    #: Nominal frame rate, when known.
    fps: Optional[float] = None
    #: Number of frames, when known (files); used for progress bars.
    total_frames: Optional[int] = None
    #: The frames' width and height, when known before the first (a detector readies itself for them).
    frame_size: Optional[Tuple[int, int]] = None
    #: Human-readable description of where frames come from (path, camera index, URL).
    description: str = ""
    #: Frames the source skipped to stay current (live sources).
    dropped_frames: int = 0
    #: True for still images: each frame is its own picture, named in ``Frame.name`` (records carry it).
    stills: bool = False

    def frames(self) -> Iterator[Frame]:
        """Yield frames until the source ends; raise ``ReactlensError`` if it fails."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file; called once, also after errors."""


class FaceDetector:
    """Finds faces in a frame. May keep state between frames (to track or skip work).

    The screening runs every detector at camera rate (``reactlens.camera_rate``): full scans of some
    frames, and in between only small regions around the faces already known, each given to ``detect``
    as a frame of its own. A detector needs nothing more than ``detect`` for that.
    """

    def detect(self, frame: Frame) -> Sequence[Found]:
        """Return the faces in ``frame`` as ``Detection``s (or bare boxes), in frame pixels."""
        raise NotImplementedError


class ExpressionClassifier:
    """Scores face crops for a fixed set of labels.

    A classifier whose work is mostly a model's run may also offer ``preprocess(image, boxes)`` (its batch: the crops)
    and ``infer(batch)`` (the model, giving what ``classify`` gives): the screening then makes the crops on its own
    thread and runs only the model on the scoring thread, where it overlaps finding the next frame's faces.
    """

    #: Label names, in the order of the score columns ``classify`` returns.
    labels: Sequence[str] = ()
    #: The label whose probability is a record's ``smile`` value (None if the model has none).
    smile_label: Optional[str] = "smile"

    def classify(self, image: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        """Return a float32 array of shape (len(boxes), len(labels)): probabilities, rows summing to 1.

        ``image`` is the whole BGR frame; the classifier crops each box as its model was trained.
        """
        raise NotImplementedError


class Tracker:
    """Gives each viewer a stable id across frames."""

    def update(self, frame: Frame, boxes: Sequence[Box]) -> List[int]:
        """Return one viewer id per box. Ids are never reused within a session."""
        raise NotImplementedError


class AudioDetector:
    """Scores fixed windows of the room's sound for one kind of event (laughter, applause, gasps).

    The screening cuts the sound (mono, ``rate`` Hz, floats in -1..1) into windows of ``window_s``
    seconds every ``hop_s`` seconds and hands them over in batches; a window's score is the event's
    strength in 0..1. An event runs from a window scoring at least ``on`` until one scores below ``off``.

    A detector that hears more than one kind of event in the same windows (laughter and applause from one model
    run) names the others in ``also``, each with its own ``(on, off)``, and scores them in further columns.
    """

    #: What the events are called (a room record's ``label``).
    label: str = "laughter"
    rate: int = 16000
    window_s: float = 0.975
    hop_s: float = 0.48
    on: float = 0.5
    off: float = 0.25
    #: Further events heard in the same windows: label → (on, off), in the order of ``score``'s further columns.
    also: Dict[str, Tuple[float, float]] = {}

    def score(self, windows: np.ndarray) -> np.ndarray:
        """Return one score in 0..1 per row of ``windows``, a float32 array ``(n, window samples)``; with ``also``,
        an array ``(n, 1 + len(also))``, ``label``'s scores first."""
        raise NotImplementedError


class ResultSink:
    """Receives the records of every frame. Buffer as you like: ``flush`` and ``close`` always run."""

    #: True: this sink writes only the faces scored in their frame (``Record.scored``); when every sink says so, a
    #: frame's records are made for those alone (a full house scores a sixth of its faces a frame).
    scored_only: bool = False

    def open(self, session: Session) -> None:
        """Called once before the first frame with the session's metadata."""

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        """Called once per processed frame with that frame's records (possibly none)."""
        raise NotImplementedError

    def write_room(self, records: Sequence[RoomRecord]) -> None:
        """Called with the room's sound records as they are scored (a sink may ignore them)."""

    def watch(self, status: Callable[[], Dict[str, Any]]) -> None:
        """Optional: called before ``open`` with a function that returns the screening's live status (frames,
        fps, latency, dropped frames, each sink's ``health``), for sinks that show it; call it from ``write``."""

    def health(self) -> Dict[str, Any]:
        """Optional: a few numbers about this sink for the dashboard (rows written, a spool's backlog)."""
        return {}

    def flush(self) -> None:
        """Make everything written so far durable."""

    def close(self) -> None:
        """Flush and release resources; called once, on every exit path including Ctrl-C."""
