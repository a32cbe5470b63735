"""A results' scored records regrouped by viewer on disk, so a full house's records are never all in memory at once.

Records arrive a slice of a file at a time, in any order. Each slice's rows are appended to one temporary file,
grouped by viewer (a session's face, under one media title), and each viewer remembers where its pieces went. Reading
a viewer back joins its pieces, drops the records it got twice (the same frame) and orders them by time. 500 viewers
over a 2-hour film at 6 scored records a second are 21.6 M records: ~0.7 GB on disk, one viewer's ~0.3 MB in memory.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..errors import ReactlensError
from ..records import SCORE_PREFIX

#: A viewer: session, face, media title.
Key = Tuple[str, int, str]


@dataclass(frozen=True)
class Viewer:
    """One viewer's records, each frame once, in order of time."""

    session_id: str
    face_id: int
    media: str
    times: np.ndarray
    frames: np.ndarray
    #: ``(records, labels)`` probabilities, in the order of ``ViewerRecords.labels``.
    probs: np.ndarray


@dataclass
class _Extent:
    """Where a viewer's records are on disk, and the times they span (for the timeline, before any is read)."""

    pieces: List[Tuple[int, int]]  # (byte offset, records)
    first_s: float
    last_s: float


class ViewerRecords:
    """The records of one classifier's results (one label set), by viewer, spilled to a temporary file."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels: Tuple[str, ...] = tuple(labels)
        self._row = np.dtype([("time_s", "<f8"), ("frame", "<i8"), ("probs", "<f8", (len(self.labels),))])
        # no name on disk: the file goes when this object does, or the process ends
        self._file = tempfile.TemporaryFile(prefix="reactlens-report-")  # noqa: SIM115 (lives as long as self)
        self._end = 0
        self._extents: Dict[Key, _Extent] = {}

    def add(self, chunk: pd.DataFrame) -> None:
        """Keep a slice's records: ``session_id`` and ``media`` (text), ``face_id``, ``frame``, ``time_s`` and
        ``score_<label>`` of every label (numbers, none missing)."""
        if chunk.empty:
            return
        groups = chunk.groupby(["session_id", "face_id", "media"], sort=False).indices
        order = np.concatenate(list(groups.values()))
        rows = np.empty(len(order), self._row)
        rows["time_s"] = chunk["time_s"].to_numpy(dtype=np.float64)[order]
        rows["frame"] = chunk["frame"].to_numpy(dtype=np.int64)[order]
        rows["probs"] = chunk[[SCORE_PREFIX + label for label in self.labels]].to_numpy(dtype=np.float64)[order]
        sizes = np.array([len(positions) for positions in groups.values()])
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        firsts = np.minimum.reduceat(rows["time_s"], starts)
        lasts = np.maximum.reduceat(rows["time_s"], starts)
        self._write(rows.tobytes())
        offset = self._end - rows.nbytes
        for (session, face, media), start, size, first, last in zip(groups, starts, sizes, firsts, lasts):
            key = (str(session), int(face), str(media))
            piece = (offset + int(start) * self._row.itemsize, int(size))
            extent = self._extents.get(key)
            if extent is None:
                self._extents[key] = _Extent([piece], float(first), float(last))
            else:
                extent.pieces.append(piece)
                extent.first_s, extent.last_s = min(extent.first_s, first), max(extent.last_s, last)

    def _write(self, data: bytes) -> None:
        try:
            self._file.write(data)
            self._file.flush()  # a full disk says so here, and what is written can be read back with pread
        except OSError as exc:
            raise ReactlensError(
                f"cannot keep the results' records in {tempfile.gettempdir()} ({exc.strerror})",
                "free some space there, or point TMPDIR at a folder with ~32 bytes a record to spare",
            ) from None
        self._end += len(data)

    def __len__(self) -> int:
        """How many viewers."""
        return len(self._extents)

    def media(self) -> List[str]:
        """The media titles, sorted."""
        return sorted({media for _, _, media in self._extents})

    def keys(self, media: Optional[str] = None) -> List[Key]:
        """The viewers (of one media title, or all), by session and face."""
        return sorted(key for key in self._extents if media is None or key[2] == media)

    def span(self, media: str) -> Tuple[float, float]:
        """The first and last time of the media's records."""
        extents = [self._extents[key] for key in self.keys(media)]
        return min(e.first_s for e in extents), max(e.last_s for e in extents)

    def viewer(self, key: Key) -> Viewer:
        """One viewer's records, read back: each frame once (its first record), in order of time."""
        descriptor = self._file.fileno()
        rows = np.concatenate(
            [
                np.frombuffer(os.pread(descriptor, count * self._row.itemsize, offset), self._row)
                for offset, count in self._extents[key].pieces
            ]
        )
        _, first = np.unique(rows["frame"], return_index=True)
        if len(first) < len(rows):
            rows = rows[np.sort(first)]
        if (np.diff(rows["time_s"]) < 0).any():
            rows = rows[np.argsort(rows["time_s"], kind="stable")]
        session, face, media = key
        columns = (np.ascontiguousarray(rows[name]) for name in ("time_s", "frame", "probs"))
        return Viewer(session, face, media, *columns)

    def viewers(self, media: Optional[str] = None) -> Iterator[Viewer]:
        """Every viewer (of one media title, or all), by session and face, read one at a time."""
        return map(self.viewer, self.keys(media))
