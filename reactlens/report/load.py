"""Reading results: reactlens CSVs and the collector's SQLite store, into one pandas frame.

Whatever the classifier, the frame has one ``score_<label>`` column per label (the CSV's own columns;
a store's ``scores`` JSON spread out; only ``smile`` for results that hold nothing else).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype, is_numeric_dtype

from ..errors import ReactlensError
from ..records import ROOM_COLUMNS, SCORE_PREFIX, room_path
from .lake import read_lake

REQUIRED = ("session_id", "frame", "time_s", "face_id")
#: The other columns the report reads besides the scores (boxes, the label and the image are left on disk).
OPTIONAL = ("smile", "media", "record_id", "scored")
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Results:
    """Records of one or more result files, with the classifier's labels."""

    #: Sorted by session, face and time.
    data: pd.DataFrame
    labels: Tuple[str, ...]
    #: The label whose probability is the ``smile`` column, when there is one: it gets laugh events.
    smile_label: Optional[str]
    #: The room's sound records beside the results (``X-room.csv``), when the screening listened.
    room: Optional[pd.DataFrame] = None

    @staticmethod
    def column(label: str) -> str:
        """The frame's column holding ``label``'s probability."""
        return SCORE_PREFIX + label


#: Rows of a CSV read at a time: a full house's records are read a slice at a time, each keeping only its scored rows.
CSV_CHUNK = 500_000


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


def _compact(chunk: pd.DataFrame) -> pd.DataFrame:
    """The chunk with its whole-number columns (frame, face, scored) in the smallest integer type that holds them."""
    whole = [c for c in ("frame", "face_id", "scored") if c in chunk.columns and is_integer_dtype(chunk[c])]
    return chunk.assign(**{c: pd.to_numeric(chunk[c], downcast="integer") for c in whole})


def _read_csv(path: str) -> pd.DataFrame:
    try:
        chunks = pd.read_csv(
            path,
            dtype={"session_id": str, "media": str},
            keep_default_na=False,
            chunksize=CSV_CHUNK,
            usecols=_wanted,
        )
        return pd.concat([_compact(scored_only(chunk)) for chunk in chunks], ignore_index=True)
    except pd.errors.EmptyDataError:
        raise ReactlensError(f"{path} is empty", "pass a CSV written by `reactlens run`") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReactlensError(
            f"{path} is not a readable CSV ({str(exc).splitlines()[0]})", "pass a reactlens CSV"
        ) from None


def _read_store(path: str) -> pd.DataFrame:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        try:
            frame = pd.read_sql_query("SELECT * FROM records", connection)
        except (pd.errors.DatabaseError, sqlite3.DatabaseError) as exc:
            raise ReactlensError(
                f"{path} has no records table ({exc})", "pass a store written by `reactlens collect`"
            ) from None
    scores = pd.DataFrame([json.loads(text or "{}") for text in frame.pop("scores")], index=frame.index)
    return frame.join(scores.add_prefix(SCORE_PREFIX)) if len(scores.columns) else frame


def _read_parquet(path: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ReactlensError(
            f"{path} is not a readable Parquet file ({str(exc).splitlines()[0]})",
            "pass Parquet files written by `reactlens batch`",
        ) from None


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


def _read(path: str) -> pd.DataFrame:
    if path.startswith("s3://"):
        return read_lake(path)[0]
    if not os.path.exists(path):
        raise ReactlensError(f"results file {path} not found", "check the path")
    if path.endswith(".parquet"):
        frame = _read_parquet(path)
    else:
        frame = _read_store(path) if _is_store(path) else _read_csv(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if not any(c.startswith(SCORE_PREFIX) for c in frame.columns) and "smile" not in frame.columns:
        missing.append("score_<label>")
    if missing:
        raise ReactlensError(
            f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            "pass results written by `reactlens run` or `reactlens collect`",
        )
    if not any(c.startswith(SCORE_PREFIX) for c in frame.columns):
        frame[SCORE_PREFIX + "smile"] = frame["smile"]
    unwanted = [c for c in frame.columns if not _wanted(c)]  # a CSV's were never read
    return scored_only(frame.drop(columns=unwanted) if unwanted else frame)


def _smile_label(data: pd.DataFrame, labels: Sequence[str]) -> Optional[str]:
    """The label whose scores fill the ``smile`` column (None when it is empty: no smile label)."""
    if "smile" not in data.columns:
        return None
    smile = pd.to_numeric(data["smile"], errors="coerce")
    given = smile.notna()
    if not given.any():
        return None
    for label in labels:
        scores = data.loc[given, Results.column(label)].to_numpy(dtype=np.float64)
        if np.allclose(scores, smile[given].to_numpy(), atol=1e-3):
            return label
    return None


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


def load_results(paths: Sequence[str]) -> Results:
    """All records of the given CSVs and stores, with ``media`` filled and every label's scores as floats."""
    if not paths:
        raise ReactlensError("no results given", "pass one or more CSVs (or collector stores)")
    paths = results_files(paths)
    frames: List[pd.DataFrame] = [_read(path) for path in paths]
    label_sets = {tuple(c[len(SCORE_PREFIX) :] for c in f.columns if c.startswith(SCORE_PREFIX)) for f in frames}
    if len(label_sets) > 1:
        raise ReactlensError(
            "the results come from classifiers with different labels ("
            + "; ".join(", ".join(s) for s in sorted(label_sets))
            + ")",
            "report on results of one classifier at a time",
        )
    labels = label_sets.pop()
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames  # a full house's records are hundreds of megabytes: each step below copies them only if it must
    if "media" not in data.columns:
        data["media"] = ""
    data["media"] = data["media"].fillna("").astype(str)
    data["session_id"] = data["session_id"].astype(str)
    columns = [Results.column(label) for label in labels]
    text = [c for c in columns if not is_numeric_dtype(data[c])]
    if text:
        data[text] = data[text].apply(pd.to_numeric, errors="coerce")
    data = _without(data, data[columns].isna().any(axis=1))
    keys = "record_id" if "record_id" in data.columns else ["session_id", "frame", "face_id"]
    data = _without(data, data.duplicated(keys))
    if data.empty:
        raise ReactlensError("the results hold no scored faces", "run a screening that finds faces first")
    return Results(_by_viewer(data), labels, _smile_label(data, labels), load_room(paths))


def _without(data: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """``data`` less the marked rows (itself when none are)."""
    return data[~rows] if rows.any() else data


def _by_viewer(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` sorted by session, face and time (a stable sort; itself when already in that order)."""
    sessions, _ = pd.factorize(data["session_id"], sort=True)
    order = np.lexsort((data["time_s"].to_numpy(), data["face_id"].to_numpy(), sessions))
    if not (order[1:] > order[:-1]).all():
        data = data.take(order)
    data.index = pd.RangeIndex(len(data))  # in place: reset_index would copy every record
    return data
