"""Reading results: reactlens CSVs and the collector's SQLite store, into one pandas frame."""

from __future__ import annotations

import os
import sqlite3
from typing import List, Sequence

import pandas as pd

from ..errors import ReactlensError

REQUIRED = ("session_id", "frame", "time_s", "face_id", "smile")
SQLITE_MAGIC = b"SQLite format 3\x00"


def _read_csv(path: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            path,
            dtype={"session_id": str, "label": str, "media": str},
            keep_default_na=False,
            na_values={"smile": [""]},
        )
    except pd.errors.EmptyDataError:
        raise ReactlensError(f"{path} is empty", "pass a CSV written by `reactlens run`") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReactlensError(
            f"{path} is not a readable CSV ({str(exc).splitlines()[0]})", "pass a reactlens CSV"
        ) from None
    return frame


def _read_store(path: str) -> pd.DataFrame:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        try:
            return pd.read_sql_query("SELECT * FROM records", connection)
        except (pd.errors.DatabaseError, sqlite3.DatabaseError) as exc:
            raise ReactlensError(
                f"{path} has no records table ({exc})", "pass a store written by `reactlens collect`"
            ) from None


def load_results(paths: Sequence[str]) -> pd.DataFrame:
    """All records of the given CSVs and stores, with ``media`` filled and ``smile`` as floats."""
    if not paths:
        raise ReactlensError("no results given", "pass one or more CSVs (or collector stores)")
    frames: List[pd.DataFrame] = []
    for path in paths:
        if not os.path.exists(path):
            raise ReactlensError(f"results file {path} not found", "check the path")
        if os.path.isdir(path):
            raise ReactlensError(f"{path} is a folder", "pass the CSV files themselves")
        with open(path, "rb") as handle:
            is_store = handle.read(16) == SQLITE_MAGIC
        frame = _read_store(path) if is_store else _read_csv(path)
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            raise ReactlensError(
                f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                "pass results written by `reactlens run` or `reactlens collect`",
            )
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    if "media" not in data.columns:
        data["media"] = ""
    data["media"] = data["media"].fillna("").astype(str)
    data["session_id"] = data["session_id"].astype(str)
    data["smile"] = pd.to_numeric(data["smile"], errors="coerce")
    data = data.dropna(subset=["smile"])
    if "record_id" in data.columns:
        data = data.drop_duplicates("record_id")
    else:
        data = data.drop_duplicates(["session_id", "frame", "face_id"])
    if data.empty:
        raise ReactlensError("the results hold no smile scores", "run a screening with a smile classifier first")
    return data.sort_values(["session_id", "face_id", "time_s"], kind="mergesort").reset_index(drop=True)
