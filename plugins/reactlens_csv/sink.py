"""Writing records to CSV files, never silently truncating an existing one.

The faces' records go to ``path``; the room's sound records (when the screening listens) to a second
file beside it, ``<path stem>-room.csv``, opened when the first one arrives.
"""

from __future__ import annotations

import csv
import logging
import os
import time
from typing import IO, Dict, List, Optional, Sequence

from reactlens.components import Frame, ResultSink
from reactlens.errors import ReactlensError
from reactlens.records import ROOM_COLUMNS, Record, RoomRecord, Session, csv_header, csv_row, room_path, room_row

log = logging.getLogger("reactlens")

IF_EXISTS = ("append", "refuse", "overwrite")
#: Which face records are written: every one, or only those the classifier scored in their frame (a classifier
#: ``rate`` carries a viewer's scores between its turns; the report reads only the scored rows).
ROWS = ("all", "scored")


def read_header(path: str) -> List[str]:
    """The header row of an existing CSV (empty for an empty file)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


class _CsvFile:
    """One CSV file with a fixed header, appended to only when the existing header matches."""

    def __init__(self, path: str, header: Sequence[str], if_exists: str, flush_s: float) -> None:
        self.path, self.flush_s = path, flush_s
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        mode = "w"
        if exists:
            if if_exists == "refuse":
                raise ReactlensError(f"{path} already exists", "choose another --csv path or allow appending")
            if if_exists == "append":
                try:
                    existing = read_header(path)
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise ReactlensError(
                        f"{path} exists and is not a CSV ({exc})", "choose another --csv path"
                    ) from None
                if existing != list(header):
                    earlier = [c for c in header if c != "scored"] == existing  # before the scored column
                    why = (
                        "was written by an earlier reactlens (no scored column)"
                        if earlier
                        else "exists with other columns (another classifier's results?)"
                    )
                    raise ReactlensError(
                        f"{path} {why}",
                        "choose another --csv path (a report reads both); the existing file was left untouched",
                    )
                mode = "a"
                log.info("appending to existing %s", path)
            else:
                log.warning("overwriting %s", path)
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._handle: IO[str] = open(path, mode, newline="", encoding="utf-8")  # noqa: SIM115 (held until close)
        except OSError as exc:
            raise ReactlensError(f"cannot write {path}: {exc.strerror}", "choose a writable --csv path") from None
        self._writer = csv.writer(self._handle)
        if mode == "w":
            self._writer.writerow(header)
        self._last_flush = time.monotonic()

    def write(self, rows) -> None:
        self._writer.writerows(rows)
        now = time.monotonic()
        if now - self._last_flush >= self.flush_s:
            self._handle.flush()
            self._last_flush = now

    def flush(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._handle.close()


class CsvSink(ResultSink):
    """Writes ``session_id,frame,time_s,face_id,x,y,w,h,face_score,smile,label``, one ``score_<label>`` per label,
    ``media``; and the room's ``session_id,time_s,label,score,event,media`` to ``<stem>-room.csv``.

    ``path``: the CSV file. ``if_exists``: ``append`` (default; the columns must match), ``refuse`` or
    ``overwrite``. ``flush_s``: seconds between flushes to disk, bounding what a crash could lose. ``rows``: ``all``
    (default) or ``scored``: only the faces the classifier scored in their frame (``ROWS``).
    """

    def __init__(
        self, path: str = "reactlens-results.csv", if_exists: str = "append", flush_s: float = 1.0, rows: str = "all"
    ) -> None:
        if if_exists not in IF_EXISTS:
            raise ReactlensError(
                f"csv if_exists '{if_exists}' is not understood", f"use one of: {', '.join(IF_EXISTS)}"
            )
        if rows not in ROWS:
            raise ReactlensError(f"csv rows '{rows}' is not understood", f"use one of: {', '.join(ROWS)}")
        self.scored_only = rows == "scored"
        self.path = str(path)
        self.room_path = room_path(self.path)
        self.if_exists = if_exists
        self.flush_s = float(flush_s)
        self.rows = 0
        self.room_rows = 0
        self._faces: Optional[_CsvFile] = None
        self._room: Optional[_CsvFile] = None
        self._labels: Sequence[str] = ()
        self._stills = False

    def open(self, session: Session) -> None:
        self._labels = session.labels
        self._stills = session.stills
        self._faces = _CsvFile(self.path, csv_header(session.labels, session.stills), self.if_exists, self.flush_s)

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        if self._faces is None:
            raise RuntimeError("CsvSink.write called before open")
        if self.scored_only:
            records = [r for r in records if r.scored]
        labels = self._labels
        self._faces.write(csv_row(r, labels, self._stills) for r in records)
        self.rows += len(records)

    def write_room(self, records: Sequence[RoomRecord]) -> None:
        if self._room is None:
            self._room = _CsvFile(self.room_path, ROOM_COLUMNS, self.if_exists, self.flush_s)
        self._room.write(room_row(r) for r in records)
        self.room_rows += len(records)

    def health(self) -> Dict[str, int]:
        return {"rows": self.rows, "room_rows": self.room_rows}

    def flush(self) -> None:
        for file in (self._faces, self._room):
            if file is not None:
                file.flush()

    def close(self) -> None:
        files, self._faces, self._room = (self._faces, self._room), None, None
        errors = []
        for file in files:  # each closes, even if the other fails
            if file is not None:
                try:
                    file.close()
                except OSError as exc:
                    errors.append(exc)
        if errors:
            raise errors[0]
