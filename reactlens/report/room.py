"""The room's laughter in the report: laugh events heard, laughs per minute, and which viewers laughed.

Room records (``<results>-room.csv``, one per window of sound) carry an event number while an audio
detector's event lasts. A **room laugh** is one such event: from its first window's start to its last
window's end, its strength the highest score in it. Given the film's file (``run --media FILE``), the
film's own soundtrack is scored too; a room laugh overlapping one of the film's (its laugh track,
laughter on screen) is the film's, marked ``in_film`` and not counted as the audience's. A **viewer
laughed** at a room laugh when they were present and their smile (the smile label, shown as ``signal``
defines it) was on at some second from ``VIEWER_WINDOW_S`` before the laugh began until
``VIEWER_WINDOW_S`` after it ended.

**Applause** (records labelled ``applause``, heard by a detector with ``applause = true``) is listed apart: each
applause's time, length and strength, the film's own marked the same way; it is never a laugh.

Seen and heard together: a room laugh of the audience that no present viewer's face confirms, in a session where at
least ``DOUBT_VIEWERS`` faces were visible, is **doubtful** (a cough the detector took for a laugh, or a laugh off
camera). The converse, a **silent laugh**, is a moment when at least ``SILENT_SHARE`` of at least ``SILENT_VIEWERS``
present viewers smiled while the room's sound was heard and no room laugh (the audience's or the film's) came within
``VIEWER_WINDOW_S``: the audience smiled without laughing aloud, or the microphone missed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from ..room import APPLAUSE, FILM
from .grid import Grid, timestamp

#: The room's laughs are the records of the first label other than applause (this one when there are none).
LAUGHTER = "laughter"
#: How far (seconds) a viewer's smile may be from a room laugh and still count as laughing with it.
VIEWER_WINDOW_S = 1.0
#: Width (seconds) of the windows laughs per minute are counted in.
MINUTE_S = 60
#: Seconds by which a room laugh may miss a film laugh and still be the film's (the room hears it late).
FILM_SLACK_S = 0.5
#: Faces that must be visible for a room laugh no face confirms to be doubtful.
DOUBT_VIEWERS = 3
#: A silent laugh: at least this share of the present viewers smiling, of at least ``SILENT_VIEWERS`` present.
SILENT_SHARE = 0.3
SILENT_VIEWERS = 3


@dataclass
class Room:
    """What the room's sound says about one media's screenings."""

    label: str
    #: Per second: the loudest score of any session's windows, and how many sessions were listening.
    curve: pd.DataFrame
    #: One row per room laugh (see the module docstring).
    laughs: pd.DataFrame
    #: Laughs per minute of sound listened to, over the whole film.
    per_minute: float
    #: Laughs per minute in each ``MINUTE_S`` window of the media timeline.
    by_minute: pd.DataFrame
    #: Moments many faces smiled together while nothing was heard (see the module docstring).
    silent: pd.DataFrame
    #: One row per applause heard (records labelled ``applause``), ``in_film`` as for laughs.
    applause: pd.DataFrame

    @property
    def heard(self) -> int:
        """Room laughs that are the audience's (not the film's own)."""
        return int((~self.laughs["in_film"].astype(bool)).sum())

    @property
    def applauded(self) -> int:
        """Applause that is the audience's (not the film's own)."""
        return int((~self.applause["in_film"].astype(bool)).sum())

    def summary(self, top: int = 10) -> Dict[str, Any]:
        """JSON-ready: the measure, laughs per minute overall and per window, the top laughs two ways."""
        ranked = self.laughs.sort_values(["strength", "share_laughed"], ascending=False)
        by_share = self.laughs.sort_values(["share_laughed", "strength"], ascending=False)
        return {
            "label": self.label,
            "laughs": self.heard,
            "laughs_in_film": int(self.laughs["in_film"].astype(bool).sum()),
            "laughs_doubtful": int(self.laughs["doubtful"].astype(bool).sum()),
            "applause": self.applauded,
            "applause_events": self.applause.to_dict(orient="records"),
            "silent_laughs": self.silent.to_dict(orient="records"),
            "laughs_per_minute": round(self.per_minute, 3),
            "by_minute": self.by_minute.to_dict(orient="records"),
            "top_by_strength": ranked.head(top).to_dict(orient="records"),
            "top_by_share_laughed": by_share.head(top).to_dict(orient="records"),
            "viewer_laugh": f"the viewer's smile is on within {VIEWER_WINDOW_S:g} s of the room laugh",
            "doubtful": f"an audience laugh no present face confirms, with {DOUBT_VIEWERS} or more faces visible",
            "silent_laugh": f"{SILENT_SHARE:.0%} or more of {SILENT_VIEWERS} or more present viewers smiling, "
            f"the room heard, no room laugh within {VIEWER_WINDOW_S:g} s",
        }


def analyse_room(data: pd.DataFrame, grid: Grid, showing: Optional[np.ndarray]) -> Room:
    """Room laughs, their viewers, laughs per minute; ``showing`` is the grid's smile-label array (or None).

    A window's span is its centre ± half the spacing of the windows (the detector's hop). Room laughs that
    overlap a laugh in the film's own soundtrack (records labelled ``film:…``, from ``run --media FILE``)
    are marked ``in_film`` and left out of laughs per minute.
    """
    labels = [str(name) for name in pd.unique(data["label"]) if not str(name).startswith(FILM)]
    label = next((name for name in labels if name != APPLAUSE), labels[0] if labels else LAUGHTER)
    film = data[data["label"] == FILM + label]
    claps = data[data["label"] == APPLAUSE]
    film_claps = data[data["label"] == FILM + APPLAUSE]
    data = data[data["label"] == label]
    spacing = data.groupby("session_id")["time_s"].diff().median()
    half = float(spacing) / 2 if spacing == spacing else 0.25
    film_spans = [(start, end) for _, start, end, _ in _events(film, half)]
    applause = _applause(claps, [(start, end) for _, start, end, _ in _events(film_claps, half)], half)
    seconds = grid.seconds
    first = int(seconds[0])
    index = np.clip(np.floor(data["time_s"].to_numpy()).astype(int) - first, 0, len(seconds) - 1)
    loudest = np.zeros(len(seconds))
    np.maximum.at(loudest, index, data["score"].to_numpy(dtype=float))
    sessions = {s: i for i, s in enumerate(sorted(data["session_id"].unique()))}
    listening = np.zeros((len(sessions), len(seconds)), dtype=bool)
    listening[[sessions[s] for s in data["session_id"]], index] = True
    curve = pd.DataFrame({"second": seconds, "score": np.round(loudest, 4), "sessions": listening.sum(axis=0)})
    rows: List[Dict[str, Any]] = []
    for session, start, end, peak in _events(data, half):
        rows.append(
            {
                "session_id": session,
                "start_s": round(start, 3),
                "end_s": round(end, 3),
                "peak_s": round(float(peak["time_s"]), 3),
                "timestamp": timestamp(max(start, 0.0)),
                "strength": round(float(peak["score"]), 4),
                "in_film": _overlaps(start, end, film_spans),
                **_viewers(grid, showing, session, start, end),
            }
        )
    laughs = pd.DataFrame(
        rows,
        columns=[
            "session_id",
            "start_s",
            "end_s",
            "peak_s",
            "timestamp",
            "strength",
            "in_film",
            "viewers_present",
            "viewers_laughed",
            "share_laughed",
        ],
    )
    laughs["doubtful"] = (
        ~laughs["in_film"].astype(bool)
        & (laughs["viewers_present"] >= DOUBT_VIEWERS)
        & (laughs["viewers_laughed"] == 0)
    )
    # what each session heard: its room laughs and the film's own (a smile at the film's laugh track is not silent)
    heard_spans: Dict[str, List[tuple]] = {session: list(film_spans) for session in sessions}
    for session, start, end in zip(laughs["session_id"], laughs["start_s"], laughs["end_s"]):
        heard_spans[session].append((start, end))
    silent = _silent(grid, showing, sessions, listening, heard_spans)
    minutes_listened = listening.sum() / 60.0
    audience = laughs[~laughs["in_film"].astype(bool)]
    starts = audience["start_s"].to_numpy(dtype=float)
    bins = np.arange(first - first % MINUTE_S, int(seconds[-1]) + MINUTE_S + 1, MINUTE_S)
    counts = np.histogram(starts, bins=bins)[0]
    listened = np.histogram(seconds, bins=bins, weights=listening.sum(axis=0))[0] / 60.0
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(listened > 0, counts / listened, np.nan)
    by_minute = pd.DataFrame(
        {"from_s": bins[:-1], "laughs": counts, "minutes_listened": listened.round(3), "per_minute": rate.round(3)}
    )
    per_minute = len(audience) / minutes_listened if minutes_listened else 0.0
    return Room(label, curve, laughs, per_minute, by_minute, silent, applause)


def _events(rows: pd.DataFrame, half: float) -> List[Tuple[str, float, float, pd.Series]]:
    """``(session, start, end, loudest window)`` of each event in these room records, in session and event order: from
    the first window's start to the last one's end (a window spans its centre ± ``half``)."""
    return [
        (
            str(session),
            float(event["time_s"].min()) - half,
            float(event["time_s"].max()) + half,
            event.loc[event["score"].idxmax()],
        )
        for (session, _), event in rows.dropna(subset=["event"]).groupby(["session_id", "event"], sort=True)
    ]


def _overlaps(start: float, end: float, spans: List[Tuple[float, float]]) -> bool:
    """Whether ``start``-``end`` overlaps one of the film's own events (allowing ``FILM_SLACK_S``)."""
    return any(a - FILM_SLACK_S < end and start < b + FILM_SLACK_S for a, b in spans)


def _applause(rows: pd.DataFrame, film_spans: List[Tuple[float, float]], half: float) -> pd.DataFrame:
    """One row per applause heard: when, how long, how strong, and whether the film's own soundtrack held it."""
    return pd.DataFrame(
        [
            {
                "session_id": session,
                "start_s": round(start, 3),
                "end_s": round(end, 3),
                "timestamp": timestamp(max(start, 0.0)),
                "seconds": round(end - start, 2),
                "strength": round(float(peak["score"]), 4),
                "in_film": _overlaps(start, end, film_spans),
            }
            for session, start, end, peak in _events(rows, half)
        ],
        columns=["session_id", "start_s", "end_s", "timestamp", "seconds", "strength", "in_film"],
    )


def _viewers(grid: Grid, showing: Optional[np.ndarray], session: str, start: float, end: float) -> Dict[str, Any]:
    """How many of the session's viewers were present around a room laugh, and how many smiled with it."""
    if showing is None:
        return {"viewers_present": 0, "viewers_laughed": 0, "share_laughed": 0.0}
    span = (grid.seconds >= np.floor(start - VIEWER_WINDOW_S)) & (grid.seconds <= end + VIEWER_WINDOW_S)
    rows = np.array([s == session for s in grid.sessions], dtype=bool)
    present = grid.present[rows][:, span].any(axis=1)
    laughed = (showing[rows][:, span] * grid.present[rows][:, span]).any(axis=1) & present
    count = int(present.sum())
    return {
        "viewers_present": count,
        "viewers_laughed": int(laughed.sum()),
        "share_laughed": round(float(laughed.sum() / count), 4) if count else 0.0,
    }


def _silent(
    grid: Grid,
    showing: Optional[np.ndarray],
    sessions: Dict[str, int],
    listening: np.ndarray,
    heard: Dict[str, List[tuple]],
) -> pd.DataFrame:
    """Silent laughs: runs of seconds when enough present viewers of a session smiled, its sound was heard, and no
    room laugh came within ``VIEWER_WINDOW_S`` (see the module docstring)."""
    columns = ["session_id", "start_s", "end_s", "timestamp", "peak_share", "viewers_present", "viewers_smiling"]
    if showing is None:
        return pd.DataFrame(columns=columns)
    rows: List[Dict[str, Any]] = []
    seconds = grid.seconds
    for session, number in sessions.items():
        mine = np.array([s == session for s in grid.sessions], dtype=bool)
        present = grid.present[mine].sum(axis=0)
        smiling = (showing[mine] * grid.present[mine]).astype(bool).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(present > 0, smiling / np.maximum(present, 1), 0.0)
        hit = (present >= SILENT_VIEWERS) & (share >= SILENT_SHARE) & listening[number]
        spans = heard.get(session, [])
        start = None
        for i in range(len(seconds) + 1):
            if i < len(seconds) and hit[i]:
                start = i if start is None else start
                continue
            if start is None:
                continue
            first, last = float(seconds[start]), float(seconds[i - 1]) + 1.0
            start, run = None, slice(start, i)
            near = any(a - VIEWER_WINDOW_S < last and first < b + VIEWER_WINDOW_S for a, b in spans)
            if not near:
                peak = int(np.argmax(share[run])) + run.start
                rows.append(
                    {
                        "session_id": session,
                        "start_s": first,
                        "end_s": last,
                        "timestamp": timestamp(max(first, 0.0)),
                        "peak_share": round(float(share[peak]), 4),
                        "viewers_present": int(present[peak]),
                        "viewers_smiling": int(smiling[peak]),
                    }
                )
    return pd.DataFrame(rows, columns=columns)
