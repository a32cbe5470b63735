"""Reading results: reactlens CSVs, the collector's SQLite store, a batch's Parquet files or a fleet's S3 prefix.

Each file is read a slice at a time; a slice's scored records go to ``ViewerRecords``, by viewer. Whatever the
classifier, a slice has one ``score_<label>`` column per label (the CSV's own columns; a store's ``scores`` JSON spread
out; only ``smile`` for results that hold nothing else). A record read twice (the same session, face and frame, from
two files or a store that got it twice) counts once.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pandas.api.types import is_numeric_dtype

from ..errors import ReactlensError
from ..records import ROOM_COLUMNS, SCORE_PREFIX, room_path
from .lake import read_lake
from .viewers import ViewerRecords

REQUIRED = ("session_id", "frame", "time_s", "face_id")
#: The other columns the report reads besides the scores (boxes, the label and the image are left on disk).
OPTIONAL = ("smile", "media", "scored")
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Results:
    """Records of one or more result files, by viewer, with the classifier's labels."""

    records: ViewerRecords
    #: The label whose probability is the ``smile`` column, when there is one: it gets laugh events.
    smile_label: Optional[str]
    #: The room's sound records beside the results (``X-room.csv``), when the screening listened.
    room: Optional[pd.DataFrame] = None

    @property
    def labels(self) -> Tuple[str, ...]:
        """The classifier's labels, in the results' column order."""
        return self.records.labels

    @staticmethod
    def column(label: str) -> str:
        """The results' column holding ``label``'s probability."""
        return SCORE_PREFIX + label


#: Records of a file read at a time: a full house's are read a slice at a time, each keeping only its scored rows.
SLICE_ROWS = 200_000


def scored_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a classifier scored: those of a ``scored`` column of 0 carry a viewer's last scores (a classifier
    ``rate``) and add nothing; results without the column were all scored."""
    if "scored" not in frame.columns:
        return frame
    carried = pd.to_numeric(frame["scored"], errors="coerce") == 0
    return frame[~carried] if carried.any() else frame


def _wanted(column: str) -> bool:
    """Whether the report reads this column of the results."""
    return column in REQUIRED or column in OPTIONAL or column.startswith(SCORE_PREFIX)


def _csv_slices(path: str) -> Iterator[pd.DataFrame]:
    try:
        yield from pd.read_csv(
            path,
            dtype={"session_id": str, "media": str},
            keep_default_na=False,
            chunksize=SLICE_ROWS,
            usecols=_wanted,
        )
    except pd.errors.EmptyDataError:
        raise ReactlensError(f"{path} is empty", "pass a CSV written by `reactlens run`") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReactlensError(
            f"{path} is not a readable CSV ({str(exc).splitlines()[0]})", "pass a reactlens CSV"
        ) from None


def _store_slices(path: str) -> Iterator[pd.DataFrame]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        try:
            slices = pd.read_sql_query("SELECT * FROM records", connection, chunksize=SLICE_ROWS)
            for frame in slices:
                scores = pd.DataFrame([json.loads(text or "{}") for text in frame.pop("scores")], index=frame.index)
                yield frame.join(scores.add_prefix(SCORE_PREFIX)) if len(scores.columns) else frame
        except (pd.errors.DatabaseError, sqlite3.DatabaseError) as exc:
            raise ReactlensError(
                f"{path} has no records table ({exc})", "pass a store written by `reactlens collect`"
            ) from None


@contextlib.contextmanager
def _parquet(path: str) -> Iterator[None]:
    """Pyarrow's complaint about a file that is not Parquet, as one clear error."""
    try:
        yield
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ReactlensError(
            f"{path} is not a readable Parquet file ({str(exc).splitlines()[0]})",
            "pass Parquet files written by `reactlens batch`",
        ) from None


def _read_parquet(path: str) -> pd.DataFrame:
    with _parquet(path):
        return pd.read_parquet(path)


def _parquet_slices(path: str) -> Iterator[pd.DataFrame]:
    with _parquet(path):
        table = pq.ParquetFile(path)
        columns = [name for name in table.schema_arrow.names if _wanted(name)]
        for batch in table.iter_batches(batch_size=SLICE_ROWS, columns=columns):
            yield batch.to_pandas()


def results_files(paths: Sequence[str]) -> List[str]:
    """The paths, with a folder (``reactlens batch --out``) replaced by the results files in it: its Parquet
    files, or its CSVs when it has none (not the ``-room`` ones, which are read beside their results)."""
    files: List[str] = []
    for path in paths:
        if path.startswith("s3://") or not os.path.isdir(path):
            files.append(path)
            continue
        names = sorted(os.listdir(path))
        for extension in (".parquet", ".csv"):
            chosen = [n for n in names if n.endswith(extension) and not n.endswith(f"-room{extension}")]
            if chosen:
                files.extend(os.path.join(path, n) for n in chosen)
                break
        else:
            raise ReactlensError(f"{path} holds no results", "pass a folder written by `reactlens batch`, or CSVs")
    return files


def _slices(path: str) -> Iterator[pd.DataFrame]:
    """The file's records a slice at a time, as they are stored."""
    if path.startswith("s3://"):
        return iter([read_lake(path)[0]])
    if not os.path.exists(path):
        raise ReactlensError(f"results file {path} not found", "check the path")
    if path.endswith(".parquet"):
        return _parquet_slices(path)
    return _store_slices(path) if _is_store(path) else _csv_slices(path)


def _checked(path: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A slice of ``path`` as the report reads it: its scored rows with every label's score as a number (rows
    without one left out), ``media`` and ``session_id`` as text, a ``score_smile`` column when only ``smile`` is
    given; one clear error when a column is missing."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if not any(c.startswith(SCORE_PREFIX) for c in frame.columns) and "smile" not in frame.columns:
        missing.append("score_<label>")
    if missing:
        raise ReactlensError(
            f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            "pass results written by `reactlens run` or `reactlens collect`",
        )
    frame = scored_only(frame)
    if not any(c.startswith(SCORE_PREFIX) for c in frame.columns):
        frame = frame.assign(**{SCORE_PREFIX + "smile": frame["smile"]})
    columns = [c for c in frame.columns if c.startswith(SCORE_PREFIX)]
    text = [c for c in columns if not is_numeric_dtype(frame[c])]
    media = frame["media"].fillna("").astype(str) if "media" in frame.columns else ""
    frame = frame.assign(session_id=frame["session_id"].astype(str), media=media)
    if text:
        frame[text] = frame[text].apply(pd.to_numeric, errors="coerce")
    return _without(frame, frame[columns].isna().any(axis=1))


class _SmileColumn:
    """Which label's scores fill the ``smile`` column, worked out a slice at a time (None when it is empty: no
    smile label)."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = labels
        self.matching = set(labels)
        self.given = False

    def add(self, frame: pd.DataFrame) -> None:
        """Check a slice's smile column against its scores."""
        if "smile" not in frame.columns:
            self.matching.clear()
            return
        smile = pd.to_numeric(frame["smile"], errors="coerce")
        given = smile.notna()
        if not given.any():
            return
        self.given = True
        for label in list(self.matching):
            scores = frame.loc[given, Results.column(label)].to_numpy(dtype=np.float64)
            if not np.allclose(scores, smile[given].to_numpy(), atol=1e-3):
                self.matching.discard(label)

    def label(self) -> Optional[str]:
        """The first label whose scores matched every slice's smile column."""
        return next((label for label in self.labels if label in self.matching), None) if self.given else None


def _is_store(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(16) == SQLITE_MAGIC


def _room_of_store(path: str) -> Optional[pd.DataFrame]:
    """A collector store's ``room`` table (None for a store from before the room was collected)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "room" not in tables:
            return None
        return pd.read_sql_query(f"SELECT {', '.join(ROOM_COLUMNS)} FROM room", connection)


def _room_beside(path: str) -> Optional[pd.DataFrame]:
    """The room CSV the ``csv`` sink wrote beside ``path``, if there is one."""
    beside = room_path(path)
    if not os.path.exists(beside):
        return None
    if beside.endswith(".parquet"):
        return _read_parquet(beside)
    try:
        frame = pd.read_csv(beside, dtype={"session_id": str, "media": str}, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReactlensError(
            f"{beside} is not a readable CSV ({exc})", "it is read because it sits beside the results; move it"
        ) from None
    missing = [c for c in ROOM_COLUMNS if c not in frame.columns]
    if missing:
        raise ReactlensError(
            f"{beside} lacks the columns {', '.join(missing)}", "it is read because it sits beside the results"
        )
    return frame


def _room_of(path: str) -> Optional[pd.DataFrame]:
    if path.startswith("s3://"):
        return read_lake(path)[1]
    return _room_of_store(path) if _is_store(path) else _room_beside(path)


def load_room(paths: Sequence[str]) -> Optional[pd.DataFrame]:
    """The room's records: beside each results CSV (``X.csv`` → ``X-room.csv``) or in each store; None if none."""
    frames = [f for f in map(_room_of, paths) if f is not None]
    if not frames or not sum(len(f) for f in frames):
        return None
    data = pd.concat(frames, ignore_index=True).drop_duplicates(["session_id", "time_s", "label"])
    data = data.sort_values(["session_id", "label", "time_s"], kind="mergesort").reset_index(drop=True)
    data["event"] = pd.to_numeric(data["event"], errors="coerce")
    data["media"] = data["media"].fillna("").astype(str)
    return data


def _labels(frame: pd.DataFrame) -> Tuple[str, ...]:
    return tuple(c[len(SCORE_PREFIX) :] for c in frame.columns if c.startswith(SCORE_PREFIX))


def load_results(paths: Sequence[str]) -> Results:
    """All scored records of the given CSVs, stores, Parquet files or S3 prefix, by viewer (see ``viewers``)."""
    if not paths:
        raise ReactlensError("no results given", "pass one or more CSVs (or collector stores)")
    paths = results_files(paths)
    slices = (_checked(path, frame) for path in paths for frame in _slices(path))
    first = next(slices, None)  # its labels are the results' labels
    labels = _labels(first) if first is not None else ()
    records, smile = ViewerRecords(labels), _SmileColumn(labels)
    for frame in slices if first is None else itertools.chain([first], slices):
        if _labels(frame) != labels:
            raise ReactlensError(
                "the results come from classifiers with different labels ("
                + "; ".join(", ".join(s) for s in sorted({labels, _labels(frame)}))
                + ")",
                "report on results of one classifier at a time",
            )
        smile.add(frame)
        records.add(frame)
    if not len(records):
        raise ReactlensError("the results hold no scored faces", "run a screening that finds faces first")
    return Results(records, smile.label(), load_room(paths))


def _without(data: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """``data`` less the marked rows (itself when none are)."""
    return data[~rows] if rows.any() else data
