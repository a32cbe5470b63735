"""A durable first-in first-out queue of encoded records in SQLite (WAL mode).

Records are appended before anything is published and deleted only once the broker has acknowledged the
message that carried them, so a crash, a dead network or Ctrl-C loses nothing: the next run with the same
spool file sends what is left. With ``synchronous=NORMAL`` a committed record survives the process dying;
``durable=True`` (``synchronous=FULL``) also survives power loss at the cost of an fsync per frame.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import List, Sequence, Tuple

from reactlens.errors import ReactlensError


class Spool:
    """Encoded records waiting for an acknowledgement, in the order they were written."""

    def __init__(self, path: str, durable: bool = False) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)"
            )
        except sqlite3.DatabaseError as exc:
            raise ReactlensError(
                f"spool {path} cannot be used ({exc})", "pass another spool path, or move the damaged file away"
            ) from None
        self._lock = threading.Lock()

    def append(self, bodies: Sequence[str]) -> None:
        """Add encoded records at the end, durably, in one transaction."""
        if not bodies:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO spool (body) VALUES (?)", [(b,) for b in bodies])
            self._db.execute("COMMIT")

    def peek(self, after: int, limit: int) -> List[Tuple[int, str]]:
        """Up to ``limit`` (seq, body) pairs with seq greater than ``after``, oldest first."""
        with self._lock:
            return self._db.execute(
                "SELECT seq, body FROM spool WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()

    def remove_through(self, seq: int) -> None:
        """Forget every record up to and including ``seq`` (they were acknowledged)."""
        with self._lock:
            self._db.execute("DELETE FROM spool WHERE seq <= ?", (seq,))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM spool").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
