"""One part of one recording, screened in a Ray task: the worker builds its own plugin host and profile."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pandas as pd

from ..components import Frame, ResultSink
from ..errors import ReactlensError
from ..hookspecs import hookimpl
from ..plugins import PluginHost, new_host
from ..profiles import ProfileBook
from ..records import ROOM_COLUMNS, Record, RoomRecord, Session, csv_header, csv_row, room_row
from ..screening import Screening
from .plan import Part


@dataclass
class Request:
    """How every part is screened: the profile (built-in or from the config's book) and ``--set`` overrides."""

    book: ProfileBook
    profile: Optional[str] = None
    overrides: Dict[str, Any] = field(default_factory=dict)
    #: ONNX Runtime threads per task: one task per core keeps every core busy without oversubscribing.
    threads: int = 1


@dataclass
class PartResult:
    """A part's records (the CSV's columns and rounding) and room records, or the one line saying why it failed."""

    part: Part
    faces: Optional[pd.DataFrame] = None
    room: Optional[pd.DataFrame] = None
    frames: int = 0
    error: str = ""
    seconds: float = 0.0
    pid: int = field(default_factory=os.getpid)


class TableSink(ResultSink):
    """Keeps the records in memory as CSV rows, so a batch's tables are what ``reactlens run --csv`` writes."""

    def __init__(self) -> None:
        self.session: Optional[Session] = None
        self.rows: List[List[object]] = []
        self.room_rows: List[List[object]] = []

    def open(self, session: Session) -> None:
        self.session = session

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        session = self.session
        if session is None:
            raise RuntimeError("TableSink.write called before open")
        self.rows.extend(csv_row(r, session.labels, session.stills) for r in records)

    def write_room(self, records: Sequence[RoomRecord]) -> None:
        self.room_rows.extend(room_row(r) for r in records)

    def faces(self) -> pd.DataFrame:
        session = self.session
        assert session is not None
        return pd.DataFrame(self.rows, columns=csv_header(session.labels, session.stills))

    def room(self) -> pd.DataFrame:
        return pd.DataFrame(self.room_rows, columns=list(ROOM_COLUMNS))


class _TablePlugin:
    def __init__(self, sink: TableSink) -> None:
        self.sink = sink

    @hookimpl
    def register_sinks(self, register: Any) -> None:
        register("batch-table", lambda: self.sink, "The batch's in-memory table")


@contextlib.contextmanager
def local_copy(source: str) -> Iterator[str]:
    """A path to read the recording from: the file itself, or an ``s3://`` object downloaded for the task."""
    if not source.startswith("s3://"):
        yield source
        return
    from ..s3 import download

    with tempfile.TemporaryDirectory(prefix="reactlens-batch-") as folder:
        yield download(source, folder)


def _threads(host: PluginHost, request: Request, profile: Any) -> None:
    for kind in ("detector", "classifier"):
        spec = profile.component(kind)
        if spec is not None and "threads" not in spec.options and "threads" in host.get(kind, spec.use).options():
            spec.options["threads"] = request.threads


def screen_part(part: Part, request: Request) -> PartResult:
    """Screen one part; a bad recording is a failed result (its one line), never an exception."""
    started = time.perf_counter()
    recording = part.recording
    try:
        with local_copy(recording.source) as path:
            sink = TableSink()
            host = new_host()
            host.add(_TablePlugin(sink), "batch")
            overrides: Dict[str, Any] = {**request.overrides, "source.uri": path, "sinks": [{"use": "batch-table"}]}
            if part.start_frame or part.end_frame:
                overrides.update({"source.start_frame": part.start_frame, "source.end_frame": part.end_frame})
            name = request.profile or ("photos" if recording.stills else "video")
            profile = request.book.resolve(name, overrides)
            _threads(host, request, profile)
            summary = Screening(profile, host, session_id=recording.session_id).run()
            if summary.sink_errors:
                raise ReactlensError(f"recording the results failed: {summary.sink_errors}", "see the error above")
            if summary.interrupted:
                raise KeyboardInterrupt
            return PartResult(
                part, sink.faces(), sink.room(), summary.stats.frames, seconds=time.perf_counter() - started
            )
    except ReactlensError as exc:
        return PartResult(part, error=str(exc), seconds=time.perf_counter() - started)
    except Exception as exc:  # a plugin's bug fails this recording, not the batch
        return PartResult(part, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
