"""What the dashboard shows, shared between the thread that feeds it and the web server that reads it.

A ``Board`` holds one ``Tile`` per camera — its status, its current session's curve, the room's laughs and
its latest picture — and the combined curve of every session per media title. ``reactlens run --dashboard``
feeds one tile from the screening loop (``DashboardSink``); ``reactlens collect --dashboard`` feeds one
per camera it hears, from the records alone. Each browser holds a ``Cursor``: ``Board.update`` sends it
only what changed since its last update.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ..report.colours import label_colours
from ..room import APPLAUSE
from .curve import Point, Series, SessionCurve

#: A camera whose last frame or record is older than this (seconds) is shown as silent.
ALIVE_S = 5.0
#: Seconds over which a tile's rate (frames or records per second) is measured.
RATE_WINDOW_S = 3.0


@dataclass
class _Session:
    camera: str
    media: str
    curve: SessionCurve
    #: The last frame added and the faces of it already added (a collector may hear a record twice).
    frame: int = -1
    faces: set = field(default_factory=set)
    room_events: set = field(default_factory=set)


@dataclass
class Tile:
    """One camera on the page."""

    camera: str
    title: str = ""
    session_id: str = ""
    #: Bumped when the camera starts a new session, so browsers start its chart afresh.
    generation: int = 0
    status: Dict[str, Any] = field(default_factory=dict)
    room_laughs: List[float] = field(default_factory=list)
    #: Applause heard in the session (``reactlens.room.APPLAUSE`` records), counted apart from laughs.
    room_applause: int = 0
    picture: bytes = b""
    picture_version: int = 0
    last_seen: float = field(default_factory=time.monotonic)
    #: (monotonic time, frames or records so far), to measure the recent rate.
    counts: Deque[Tuple[float, int]] = field(default_factory=lambda: deque(maxlen=64))
    total: int = 0

    def count(self, n: int) -> None:
        now = time.monotonic()
        self.total += n
        self.last_seen = now
        if not self.counts or now - self.counts[-1][0] >= 0.1:
            self.counts.append((now, self.total))

    def rate(self) -> float:
        """Frames (or records) per second over the last few seconds."""
        now = time.monotonic()
        recent = [(t, n) for t, n in self.counts if now - t <= RATE_WINDOW_S]
        if len(recent) < 2 or recent[-1][0] <= recent[0][0]:
            return 0.0
        return (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])


@dataclass
class Cursor:
    """What one browser has been sent: per tile (generation, curve version, laughs, picture), per media."""

    tiles: Dict[str, Tuple[int, int, int, int]] = field(default_factory=dict)
    media: Dict[str, int] = field(default_factory=dict)


class Board:
    """Thread-safe: the feeding thread and the web server's thread each take the lock briefly."""

    def __init__(self, mode: str, view: bool = False) -> None:
        #: "run" (one screening, with its picture when ``view``) or "fleet" (a collector's cameras).
        self.mode = mode
        self.view = view
        self.ended = False
        #: Browsers connected now (pictures are encoded only while one watches).
        self.watchers = 0
        self._lock = threading.Lock()
        self.tiles: Dict[str, Tile] = {}
        self._sessions: Dict[str, _Session] = {}
        self._combined: Dict[str, Series] = {}
        self._labels: Dict[str, List[str]] = {}  # media → labels of its sessions, first seen first
        self._smile: Dict[str, Optional[str]] = {}  # media → its sessions' smile label

    # -- feeding -------------------------------------------------------------------------------------

    def _tile(self, camera: str) -> Tile:
        tile = self.tiles.get(camera)
        if tile is None:
            tile = self.tiles[camera] = Tile(camera, title=camera)
        return tile

    def _session(
        self, camera: str, session_id: str, labels: Sequence[str], smile_label: Optional[str], media: str
    ) -> _Session:
        session = self._sessions.get(session_id)
        if session is None:
            session = self._sessions[session_id] = _Session(camera, media, SessionCurve(labels, smile_label))
            tile = self._tile(camera)
            tile.session_id, tile.generation, tile.room_laughs = session_id, tile.generation + 1, []
            tile.room_applause = 0
            known = self._labels.setdefault(media, [])
            known.extend(label for label in labels if label not in known)
            self._smile.setdefault(media, smile_label)
        return session

    def _combine(self, media: str, points: Iterable[Point]) -> None:
        series = self._combined.setdefault(media, Series())
        for point in points:
            series.add(point)

    def add_frame(
        self,
        camera: str,
        session_id: str,
        labels: Sequence[str],
        smile_label: Optional[str],
        media: str,
        time_s: float,
        faces: Sequence[Tuple[int, Sequence[float]]],
    ) -> None:
        """One processed frame of a screening (with or without faces), its time on the media timeline."""
        with self._lock:
            session = self._session(camera, session_id, labels, smile_label, media)
            self._combine(media, session.curve.add(time_s, faces))
            self._tile(camera).count(1)

    def add_records(self, camera: str, records: Sequence[Mapping[str, Any]]) -> None:
        """Face records as messages carry them (``reactlens.messages``), in the order they were sent."""
        with self._lock:
            scored = [r for r in records if r.get("scored", True)]  # carried scores add nothing to the curve
            for (session_id, number), group in itertools.groupby(scored, key=_frame_key):
                faces = list(group)
                first = faces[0]
                labels = list(first["scores"])
                session = self._session(camera, session_id, labels, _smile_label(first), str(first.get("media", "")))
                if number < session.frame:
                    continue  # heard before (at-least-once delivery)
                if number > session.frame:
                    session.frame, session.faces = number, set()
                new = [(int(r["face_id"]), [float(r["scores"][k]) for k in session.curve.labels]) for r in faces]
                new = [face for face in new if face[0] not in session.faces]
                session.faces.update(face_id for face_id, _ in new)
                if new:
                    self._combine(session.media, session.curve.add(float(first["time_s"]), new))
            self._tile(camera).count(len(records))

    def add_room(self, camera: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Room records (``RoomRecord.to_dict()``); an event's first window marks a laugh on the camera's curve (an
        applause is counted)."""
        with self._lock:
            tile = self._tile(camera)
            for record in records:
                event, label = record.get("event"), str(record["label"])
                session = self._sessions.get(str(record["session_id"]))
                if event is None or label.startswith("film:") or session is None:
                    continue
                if (label, event) not in session.room_events:
                    session.room_events.add((label, event))
                    if str(record["session_id"]) != tile.session_id:
                        continue
                    if label == APPLAUSE:
                        tile.room_applause += 1
                    else:
                        tile.room_laughs.append(round(float(record["time_s"]), 2))

    def set_status(self, camera: str, title: str, status: Mapping[str, Any]) -> None:
        with self._lock:
            tile = self._tile(camera)
            tile.title, tile.status = title, dict(status)

    def set_picture(self, camera: str, jpeg: bytes) -> None:
        with self._lock:
            tile = self._tile(camera)
            tile.picture, tile.picture_version = jpeg, tile.picture_version + 1

    def watch(self, joined: bool) -> None:
        """A browser connected (True) or left (False)."""
        with self._lock:
            self.watchers += 1 if joined else -1

    def end(self) -> None:
        """The screening or collector stopped: the last seconds are closed and browsers are told."""
        with self._lock:
            if self.ended:
                return
            for session in self._sessions.values():
                self._combine(session.media, session.curve.finish())
            self.ended = True

    # -- reading -------------------------------------------------------------------------------------

    def update(self, cursor: Cursor) -> Dict[str, Any]:
        """The JSON-ready state message for a browser: status in full, curves and laughs only where new."""
        now = time.monotonic()
        with self._lock:
            tiles = []
            for camera, tile in sorted(self.tiles.items()):
                generation, version, laughs, picture = cursor.tiles.get(camera, (-1, 0, 0, 0))
                session = self._sessions.get(tile.session_id)
                reset = generation != tile.generation
                if reset:
                    version, laughs = 0, 0
                labels = list(session.curve.labels) if session else []
                smile_label = _label_at(labels, session.curve.smile_index if session else None)
                series = session.curve.series if session else Series()
                age = now - tile.last_seen
                tiles.append(
                    {
                        "camera": camera,
                        "title": tile.title,
                        "session": tile.session_id,
                        "media": session.media if session else "",
                        "labels": labels,
                        "smile_label": smile_label,
                        "colours": label_colours(labels, smile_label),
                        "age_s": round(age, 1),
                        "alive": age < ALIVE_S and not self.ended,
                        "rate": round(tile.rate(), 1),
                        "total": tile.total,
                        "faces": session.curve.faces_now if session else 0,
                        "status": tile.status,
                        "reset": reset,
                        "points": [p.row(labels) for p in series.since(version)],
                        "room_laughs": tile.room_laughs[laughs:],
                        "room_applause": tile.room_applause,
                    }
                )
                cursor.tiles[camera] = (tile.generation, series.version, len(tile.room_laughs), picture)
            combined = []
            for media, series in sorted(self._combined.items()):
                labels = self._labels.get(media, [])
                version = cursor.media.get(media, 0)
                sessions = sum(1 for s in self._sessions.values() if s.media == media)
                combined.append(
                    {
                        "media": media,
                        "labels": labels,
                        "colours": label_colours(labels, self._smile.get(media)),
                        "sessions": sessions,
                        "reset": media not in cursor.media,
                        "points": [p.row(labels) for p in series.since(version)],
                    }
                )
                cursor.media[media] = series.version
            return {
                "type": "state",
                "mode": self.mode,
                "view": self.view,
                "ended": self.ended,
                "tiles": tiles,
                "combined": combined,
            }

    def pictures(self, cursor: Cursor) -> List[Tuple[str, bytes]]:
        """Each camera's latest picture the browser has not been sent yet."""
        out = []
        with self._lock:
            for camera, tile in self.tiles.items():
                state = cursor.tiles.get(camera)
                if state is None or not tile.picture or state[3] == tile.picture_version:
                    continue
                out.append((camera, tile.picture))
                cursor.tiles[camera] = (*state[:3], tile.picture_version)
        return out


def _frame_key(record: Mapping[str, Any]) -> Tuple[str, int]:
    return str(record["session_id"]), int(record["frame"])


def _label_at(labels: Sequence[str], index: Optional[int]) -> Optional[str]:
    return labels[index] if index is not None else None


def _smile_label(record: Mapping[str, Any]) -> Optional[str]:
    """A record's smile label: the one whose probability is its ``smile`` value (how the loop sets it)."""
    smile = record.get("smile")
    if smile is None:
        return None
    return next((label for label, value in record["scores"].items() if value == smile), None)
