"""The collector's store: one SQLite table ``records``, one row per face per frame, unique by record id.

``reactlens report STORE`` reads it, and so does pandas::

    pandas.read_sql_query("SELECT * FROM records", sqlite3.connect("screening.sqlite"))
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Dict, Iterable, Set

from reactlens.errors import ReactlensError
from reactlens.records import CSV_COLUMNS

#: The CSV's columns (so a store reads like the CSVs), framed by the collector's own.
COLUMNS = ("record_id", *CSV_COLUMNS, "scores", "media", "camera", "topic", "received_at")

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, frame INTEGER NOT NULL, time_s REAL NOT NULL,
    face_id INTEGER NOT NULL, x INTEGER, y INTEGER, w INTEGER, h INTEGER, face_score REAL, smile REAL, label TEXT,
    scored INTEGER, scores TEXT, media TEXT, camera TEXT, topic TEXT, received_at REAL
)
"""


#: The room's sound records (``reactlens.records.RoomRecord``), unique by record id.
ROOM_SCHEMA = """
CREATE TABLE IF NOT EXISTS room (
    record_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_s REAL NOT NULL, label TEXT NOT NULL,
    score REAL NOT NULL, event INTEGER, media TEXT, camera TEXT, topic TEXT, received_at REAL
)
"""
ROOM_FIELDS = ("record_id", "session_id", "time_s", "label", "score", "event", "media")


class RecordStore:
    """Stores records idempotently: a record id already present is counted as a duplicate and skipped."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(SCHEMA)
            self._db.execute(ROOM_SCHEMA)
            present = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
            for column, kind in (("face_score", "REAL"), ("scored", "INTEGER")):  # a store from before the column
                if column not in present:
                    self._db.execute(f"ALTER TABLE records ADD COLUMN {column} {kind}")
        except sqlite3.DatabaseError as exc:
            raise ReactlensError(f"{path} cannot be used as a store ({exc})", "pass a new --out path") from None
        self.stored = 0
        self.room_stored = 0
        self.duplicates = 0
        self.cameras: Set[str] = {row[0] for row in self._db.execute("SELECT DISTINCT camera FROM records")}

    def add(self, records: Iterable[Dict[str, object]], camera: str, topic: str) -> int:
        """Insert records in one transaction; the number that were new."""
        now = time.time()
        rows = [
            (
                r["record_id"],
                r["session_id"],
                r["frame"],
                r["time_s"],
                r["face_id"],
                r.get("x"),
                r.get("y"),
                r.get("w"),
                r.get("h"),
                r.get("face_score"),
                r.get("smile"),
                r.get("label"),
                int(bool(r.get("scored", True))),
                json.dumps(r.get("scores", {})),
                r.get("media", ""),
                camera,
                topic,
                now,
            )
            for r in records
        ]
        before = self._db.total_changes
        self._db.execute("BEGIN")
        self._db.executemany(
            f"INSERT OR IGNORE INTO records ({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})", rows
        )
        self._db.execute("COMMIT")
        new = self._db.total_changes - before
        self.stored += new
        self.duplicates += len(rows) - new
        self.cameras.add(camera)
        return new

    def add_room(self, records: Iterable[Dict[str, object]], camera: str, topic: str) -> int:
        """Insert room records in one transaction; the number that were new."""
        now = time.time()
        rows = [(*(r.get(k, "") if k == "media" else r[k] for k in ROOM_FIELDS), camera, topic, now) for r in records]
        before = self._db.total_changes
        self._db.execute("BEGIN")
        self._db.executemany(
            f"INSERT OR IGNORE INTO room ({','.join(ROOM_FIELDS)},camera,topic,received_at) "
            f"VALUES ({','.join('?' * (len(ROOM_FIELDS) + 3))})",
            rows,
        )
        self._db.execute("COMMIT")
        new = self._db.total_changes - before
        self.room_stored += new
        self.cameras.add(camera)
        return new

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def close(self) -> None:
        self._db.close()
