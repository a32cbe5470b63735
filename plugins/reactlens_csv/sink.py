"""Writing records to a CSV file, never silently truncating an existing one."""

from __future__ import annotations

import csv
import logging
import os
import time
from typing import IO, List, Optional, Sequence

from reactlens.components import Frame, ResultSink
from reactlens.errors import ReactlensError
from reactlens.records import Record, Session, csv_header, csv_row

log = logging.getLogger("reactlens")

IF_EXISTS = ("append", "refuse", "overwrite")


def read_header(path: str) -> List[str]:
    """The header row of an existing CSV (empty for an empty file)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


class CsvSink(ResultSink):
    """Writes ``session_id,frame,time_s,face_id,x,y,w,h,smile,label``, one ``score_<label>`` per label, ``media``.

    ``path``: the CSV file. ``if_exists``: ``append`` (default; the columns must match), ``refuse`` or
    ``overwrite``. ``flush_s``: seconds between flushes to disk, bounding what a crash could lose.
    """

    def __init__(self, path: str = "reactlens-results.csv", if_exists: str = "append", flush_s: float = 1.0) -> None:
        if if_exists not in IF_EXISTS:
            raise ReactlensError(
                f"csv if_exists '{if_exists}' is not understood", f"use one of: {', '.join(IF_EXISTS)}"
            )
        self.path = str(path)
        self.if_exists = if_exists
        self.flush_s = float(flush_s)
        self.rows = 0
        self._handle: Optional[IO[str]] = None
        self._labels: Sequence[str] = ()
        self._last_flush = 0.0

    def open(self, session: Session) -> None:
        header = csv_header(session.labels)
        self._labels = session.labels
        exists = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        mode = "w"
        if exists:
            if self.if_exists == "refuse":
                raise ReactlensError(f"{self.path} already exists", "choose another --csv path or allow appending")
            if self.if_exists == "append":
                try:
                    existing = read_header(self.path)
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise ReactlensError(
                        f"{self.path} exists and is not a CSV ({exc})", "choose another --csv path"
                    ) from None
                if existing != header:
                    raise ReactlensError(
                        f"{self.path} exists with other columns (another classifier's results?)",
                        "choose another --csv path; the existing file was left untouched",
                    )
                mode = "a"
                log.info("appending to existing %s", self.path)
            else:
                log.warning("overwriting %s", self.path)
        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(folder, exist_ok=True)
            self._handle = open(self.path, mode, newline="", encoding="utf-8")  # noqa: SIM115 (held until close)
        except OSError as exc:
            raise ReactlensError(f"cannot write {self.path}: {exc.strerror}", "choose a writable --csv path") from None
        self._writer = csv.writer(self._handle)
        if mode == "w":
            self._writer.writerow(header)
        self._last_flush = time.monotonic()

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        if self._handle is None:
            raise RuntimeError("CsvSink.write called before open")
        labels = self._labels
        self._writer.writerows(csv_row(r, labels) for r in records)
        self.rows += len(records)
        now = time.monotonic()
        if now - self._last_flush >= self.flush_s:
            self._handle.flush()
            self._last_flush = now

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            try:
                self.flush()
            finally:
                self._handle.close()
                self._handle = None
