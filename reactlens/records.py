"""What the screening loop produces: one ``Record`` per face per frame, within a ``Session``."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .geometry import Point

#: The CSV's first columns, in this order. Score columns (``score_<label>``) and ``media`` follow.
CSV_COLUMNS: Tuple[str, ...] = (
    "session_id",
    "frame",
    "time_s",
    "face_id",
    "x",
    "y",
    "w",
    "h",
    "face_score",
    "smile",
    "label",
    "scored",
)
SCORE_PREFIX = "score_"


def new_session_id() -> str:
    """A sortable, readable, unique id: UTC start time plus a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


@dataclass
class Session:
    """One run of the loop over one source."""

    session_id: str
    profile: str
    source: str
    labels: Tuple[str, ...]
    smile_label: Optional[str]
    live: bool = False
    fps: Optional[float] = None
    #: Title of the media the audience watched, so screenings of the same media line up.
    media_title: str = ""
    #: Position in the media (seconds) at which this session's time 0 falls.
    media_offset_s: float = 0.0
    #: Frames are still images: records name theirs (``Record.image``), and the CSV has an ``image`` column.
    stills: bool = False
    started_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def to_dict(self) -> Dict[str, object]:
        """JSON-ready metadata."""
        return {
            "session_id": self.session_id,
            "profile": self.profile,
            "source": self.source,
            "labels": list(self.labels),
            "smile_label": self.smile_label,
            "live": self.live,
            "fps": self.fps,
            "media_title": self.media_title,
            "media_offset_s": self.media_offset_s,
            "stills": self.stills,
            "started_at": self.started_at,
        }


@dataclass
class Record:
    """One face in one frame."""

    session_id: str
    frame: int
    time_s: float
    face_id: int
    x: int
    y: int
    w: int
    h: int
    #: Probability of the smile label in 0..1; None when the classifier has no smile label.
    smile: Optional[float]
    label: str
    scores: Dict[str, float]
    #: The classifier scored this face in this frame; False when it carries the viewer's last scores (a classifier
    #: ``rate``, ``reactlens.classify_rate``).
    scored: bool = True
    media: str = ""
    #: The detector's confidence in the face, 0..1; None when it gives none (Haar).
    face_score: Optional[float] = None
    #: Five facial landmarks in frame pixels when the detector gives them; not written to results.
    landmarks: Optional[Tuple[Point, ...]] = None
    #: The still image the face is in (sessions of stills), else empty.
    image: str = ""

    @property
    def record_id(self) -> str:
        """Unique across sessions: the same face in the same frame always gets the same id."""
        return f"{self.session_id}:{self.frame}:{self.face_id}"

    def to_dict(self) -> Dict[str, object]:
        """JSON-ready fields, with ``record_id`` first (and ``image`` last, for stills)."""
        fields: Dict[str, object] = {
            "record_id": self.record_id,
            "session_id": self.session_id,
            "frame": self.frame,
            "time_s": self.time_s,
            "face_id": self.face_id,
            "x": self.x,
            "y": self.y,
            "w": self.w,
            "h": self.h,
            "face_score": self.face_score,
            "smile": self.smile,
            "label": self.label,
            "scores": self.scores,
            "scored": self.scored,
            "media": self.media,
        }
        if self.image:
            fields["image"] = self.image
        return fields


def csv_header(labels: Sequence[str], stills: bool = False) -> List[str]:
    """The CSV header for a classifier with these labels (and the image's path, for stills)."""
    return [*CSV_COLUMNS, *(SCORE_PREFIX + label for label in labels), "media", *(["image"] if stills else [])]


def csv_row(record: Record, labels: Sequence[str], stills: bool = False) -> List[object]:
    """One CSV row, in ``csv_header`` order, with probabilities rounded to 4 decimals."""
    smile = "" if record.smile is None else round(record.smile, 4)
    face_score = "" if record.face_score is None else round(record.face_score, 4)
    return [
        record.session_id,
        record.frame,
        round(record.time_s, 4),
        record.face_id,
        record.x,
        record.y,
        record.w,
        record.h,
        face_score,
        smile,
        record.label,
        int(record.scored),
        *(round(record.scores[label], 4) for label in labels),
        record.media,
        *([record.image] if stills else []),
    ]


#: The room CSV's columns (``reactlens-results-room.csv`` beside the faces' CSV).
ROOM_COLUMNS: Tuple[str, ...] = ("session_id", "time_s", "label", "score", "event", "media")


@dataclass
class RoomRecord:
    """One window of the room's sound, scored by an audio detector.

    ``time_s`` is the window's centre on the same timeline as the frames (media time for a file, plus
    ``--media-offset``). ``event`` numbers the event the window belongs to (from 1, per session and
    label), or is None outside events.
    """

    session_id: str
    time_s: float
    label: str
    score: float
    event: Optional[int] = None
    media: str = ""

    @property
    def record_id(self) -> str:
        """Unique across sessions: one window of one label at one time."""
        return f"{self.session_id}:room:{self.label}:{round(self.time_s * 1000)}"

    def to_dict(self) -> Dict[str, object]:
        """JSON-ready fields, as messages carry them (``kind`` tells them from a face's record)."""
        return {
            "kind": "room",
            "record_id": self.record_id,
            "session_id": self.session_id,
            "time_s": self.time_s,
            "label": self.label,
            "score": self.score,
            "event": self.event,
            "media": self.media,
        }


def room_path(path: str) -> str:
    """Where the room's records go beside a faces' CSV: ``results.csv`` → ``results-room.csv``."""
    stem, extension = os.path.splitext(path)
    return f"{stem}-room{extension or '.csv'}"


def room_row(record: RoomRecord) -> List[object]:
    """One room CSV row, in ``ROOM_COLUMNS`` order."""
    return [
        record.session_id,
        round(record.time_s, 3),
        record.label,
        round(record.score, 4),
        "" if record.event is None else record.event,
        record.media,
    ]
