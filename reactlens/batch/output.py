"""A batch's output folder: per recording ``SESSION.parquet`` / ``.csv`` (and ``SESSION-room.*``), and
``manifest.json``. Only the driver writes here, each file whole (written aside, then renamed into place), so a
re-run never finds half a file and never adds a row twice."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from ..errors import ReactlensError
from ..records import CSV_COLUMNS

MANIFEST = "manifest.json"
SCHEMA = "reactlens.batch/1"
FORMATS = ("parquet", "csv")
_INTEGER = ("frame", "face_id", "x", "y", "w", "h", "scored")


@dataclass
class Entry:
    """One recording in the manifest."""

    source: str
    status: str  # "done" or "failed"
    error: str = ""
    frames: int = 0
    faces: int = 0
    room: int = 0
    parts: int = 1
    seconds: float = 0.0
    files: List[str] = field(default_factory=list)
    finished_at: str = ""


class Manifest:
    """``manifest.json``: what each recording came to. A recording is skipped by a re-run once ``done``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST
        self.entries: Dict[str, Entry] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = {sid: Entry(**entry) for sid, entry in data["recordings"].items()}
            except (ValueError, KeyError, TypeError) as exc:
                raise ReactlensError(
                    f"{self.path} is not a reactlens batch manifest ({type(exc).__name__})",
                    "use another --out folder, or move the file away to start afresh",
                ) from None

    def done(self, session_id: str, folder: Path) -> bool:
        entry = self.entries.get(session_id)
        return entry is not None and entry.status == "done" and all((folder / f).exists() for f in entry.files)

    def record(self, session_id: str, entry: Entry) -> None:
        entry.finished_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.entries[session_id] = entry
        data = {"schema": SCHEMA, "recordings": {sid: asdict(e) for sid, e in sorted(self.entries.items())}}
        _replace(self.path, lambda path: path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8"))


def _replace(path: Path, write) -> None:
    aside = path.with_name(f".{path.name}.partial")
    write(aside)
    os.replace(aside, path)


def typed(faces: pd.DataFrame) -> pd.DataFrame:
    """The CSV's columns with their types for Parquet: whole numbers, floats (empty → null), text."""
    faces = faces.copy()
    for column in faces.columns:
        if column in _INTEGER:
            faces[column] = pd.to_numeric(faces[column]).astype("int64")
        elif column in ("session_id", "label", "media", "image"):
            faces[column] = faces[column].astype(str)
        elif column in CSV_COLUMNS or column.startswith("score_"):
            faces[column] = pd.to_numeric(faces[column].replace("", None), errors="coerce").astype("float64")
    return faces


def typed_room(room: pd.DataFrame) -> pd.DataFrame:
    room = room.copy()
    room["time_s"] = pd.to_numeric(room["time_s"]).astype("float64")
    room["score"] = pd.to_numeric(room["score"]).astype("float64")
    room["event"] = pd.to_numeric(room["event"].replace("", None), errors="coerce").astype("Int64")
    for column in ("session_id", "label", "media"):
        room[column] = room[column].astype(str)
    return room


def write_recording(
    folder: Path, session_id: str, faces: pd.DataFrame, room: Optional[pd.DataFrame], formats: Sequence[str]
) -> List[str]:
    """The recording's files, each written whole; their names."""
    names = []
    tables: List[Tuple[str, pd.DataFrame, Callable[[pd.DataFrame], pd.DataFrame]]] = [(session_id, faces, typed)]
    if room is not None and len(room):
        tables.append((f"{session_id}-room", room, typed_room))
    for stem, table, types in tables:
        for form in formats:
            name = f"{stem}.{form}"
            if form == "parquet":
                _replace(folder / name, lambda path, t=table, f=types: f(t).to_parquet(path, index=False))
            else:
                _replace(folder / name, lambda path, t=table: t.to_csv(path, index=False))
            names.append(name)
    return names
