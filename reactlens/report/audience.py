"""From per-face records to what a producer asks: which moments made how many viewers show each expression.

A viewer is one face track of one session (``session_id`` + ``face_id``); sessions of the same media
line up on the media timeline (``time_s`` already includes each session's ``--media-offset``).

For every label of the classifier, per second of media ``k`` (``k <= time_s < k + 1``):

* ``viewers``: viewers with at least one record in that second;
* ``share``: share of those viewers showing the label — it is their expression (see ``signal``: the
  label whose smoothed score last led the others by 0.2) for at least half of their records in that
  second — with its band (``share_low``, ``share_high``; see ``bootstrap``). A viewer shows one label at a
  time, so the labels' shares add up to at most 1;
* ``mean``: the viewers' mean probability of the label (each viewer weighs the same), with its band;
* ``onsets``: viewers whose state turns on in that second (an episode of the expression begins);
* ``laughs``: for the smile label only, laugh events that begin in that second (0 for other labels).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..errors import ReactlensError
from .bootstrap import LEVEL, N_RESAMPLES, Band, mean_band
from .grid import Grid, timestamp
from .load import Results
from .room import Room
from .signal import SignalParams, expression, laugh_events, smooth
from .viewers import Viewer, ViewerRecords

CURVE_COLUMNS = [
    "second",
    "label",
    "viewers",
    "share",
    "share_low",
    "share_high",
    "mean",
    "mean_low",
    "mean_high",
    "onsets",
    "laughs",
]
#: Seconds between two top moments of the same label.
MOMENT_SEPARATION_S = 5
#: Seconds of the viewers' table (``Audience.tidy``) built and written at a time.
TIDY_PART_S = 120


@dataclass
class Audience:
    """Everything the report shows about one audience (one or more sessions of one media)."""

    name: str
    media: str
    labels: Tuple[str, ...]
    smile_label: Optional[str]
    grid: Grid
    curve: pd.DataFrame
    moments: Dict[str, List[Dict[str, Any]]]
    viewers: List[Dict[str, Any]]
    sessions: List[Dict[str, Any]]
    params: SignalParams = field(default_factory=SignalParams)
    #: The room's laughter, when the screenings listened.
    room: Optional[Room] = None

    def label_curve(self, label: str) -> pd.DataFrame:
        """The curve's rows of one label, indexed by second."""
        return self.curve[self.curve["label"] == label].set_index("second")

    def totals(self) -> Dict[str, Any]:
        """Headline numbers: sessions, viewers, seconds, laughs, each label's mean share."""
        return {
            "sessions": len(self.sessions),
            "viewers": len(self.viewers),
            "seconds": len(self.grid.seconds),
            "laughs": int(self.grid.laughs.sum()),
            "mean_share": {
                label: round(float(np.nan_to_num(self.label_curve(label)["share"]).mean()), 4) for label in self.labels
            },
        }

    def summary(self) -> Dict[str, Any]:
        """JSON-ready: labels, definitions, totals, top moments per label, viewers and sessions."""
        return {
            "audience": self.name,
            "media": self.media,
            "labels": list(self.labels),
            "smile_label": self.smile_label,
            "definitions": {**asdict(self.params), "band": BAND_METHOD},
            "totals": self.totals(),
            "top_moments": self.moments,
            "room": self.room.summary() if self.room is not None else "no room sound: laughs are a visual estimate",
            "viewers": self.viewers,
            "sessions": self.sessions,
        }

    def tidy(self, part_s: int = TIDY_PART_S) -> Iterator[pd.DataFrame]:
        """The long table ``time_s, session, viewer, label, value``: each viewer's mean probability per second, in
        order of time, viewer and label, ``part_s`` seconds at a time. Built in that order, with the names as
        categories: at 500 viewers over two hours it is 7 M rows, which as sorted text took a gigabyte (and whole, as
        categories, 230 MB)."""
        grid = self.grid
        labels = sorted(self.labels)
        by_name = np.argsort(np.asarray(grid.viewers), kind="stable")
        session_codes, session_names = pd.factorize(np.asarray(grid.sessions, dtype=object))
        each = len(labels)
        for first in range(0, len(grid.seconds), part_s):
            present = grid.present[by_name, first : first + part_s]
            cols, ranks = np.nonzero(present.T)  # second by second, viewers by name
            cols += first
            rows = by_name[ranks]
            yield pd.DataFrame(
                {
                    "time_s": np.repeat(grid.seconds[cols], each),
                    "session": pd.Categorical.from_codes(np.repeat(session_codes[rows], each), session_names),
                    "viewer": pd.Categorical.from_codes(np.repeat(rows, each), grid.viewers),
                    "label": pd.Categorical.from_codes(np.tile(np.arange(each), len(rows)), labels),
                    "value": np.round(
                        np.column_stack([grid.score[label][rows, cols] for label in labels]).astype(np.float64), 4
                    ).reshape(-1),
                }
            )

    def session_shares(self) -> Dict[str, Dict[str, np.ndarray]]:
        """Session → label → share of that session's viewers showing the label, per second (NaN: none present)."""
        grid = self.grid
        out: Dict[str, Dict[str, np.ndarray]] = {}
        for session in dict.fromkeys(grid.sessions):
            rows = np.array([s == session for s in grid.sessions])
            present = grid.present[rows]
            counts = present.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[session] = {
                    label: np.where(counts > 0, (grid.showing[label][rows] * present).sum(axis=0) / counts, np.nan)
                    for label in self.labels
                }
        return out


BAND_METHOD = (
    f"{100 * LEVEL:.0f}% band from {N_RESAMPLES} Bayesian-bootstrap draws over viewers "
    "(Dirichlet weights, plus half a pseudo-viewer at 0 and at 1)"
)


def select_media(records: ViewerRecords, media: Optional[str]) -> str:
    """The media title to report on; refuse to mix several without ``--media``."""
    titles = records.media()
    if media is not None:
        if media not in titles:
            raise ReactlensError(f"no results for media '{media}'", f"the results hold: {', '.join(map(repr, titles))}")
        return media
    if len(titles) > 1:
        raise ReactlensError(
            f"the results hold {len(titles)} media ({', '.join(map(repr, titles))})",
            "choose one with --media TITLE; sessions of the same media are combined",
        )
    return titles[0]


def span(results: Results, media: Optional[str]) -> Tuple[int, int]:
    """First and last second of media the results cover."""
    first, last = results.records.span(select_media(results.records, media))
    return int(np.floor(first)), int(np.floor(last))


def _per_second(index: np.ndarray, values: np.ndarray, width: int) -> np.ndarray:
    """Mean of ``values`` per second index."""
    return np.bincount(index, weights=values, minlength=width) / np.maximum(np.bincount(index, minlength=width), 1)


@dataclass
class _Session:
    """One session's records, frames, viewers and time span, gathered a viewer at a time."""

    records: int = 0
    #: The frames with a record: frame ``origin + i`` at ``seen[i]`` (a session's frames as one sorted union grown
    #: viewer by viewer took 7.5 ms a viewer of a 2-hour session at 6 records a second, ~4 s of a full house's
    #: report; this, 0.1 ms)
    seen: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    origin: int = 0
    viewers: int = 0
    start_s: float = np.inf
    end_s: float = -np.inf

    def add(self, viewer: Viewer) -> None:
        """Count one viewer's records (in order of time) in its session."""
        self.records += len(viewer.times)
        frames = viewer.frames
        start = min(int(frames.min()), self.origin) if len(self.seen) else int(frames.min())
        end = max(int(frames.max()) + 1, self.origin + len(self.seen))
        if start != self.origin or end - start != len(self.seen):
            grown = np.zeros(end - start, dtype=bool)
            grown[self.origin - start : self.origin - start + len(self.seen)] = self.seen
            self.seen, self.origin = grown, start
        self.seen[frames - start] = True
        self.viewers += 1
        self.start_s, self.end_s = min(self.start_s, viewer.times[0]), max(self.end_s, viewer.times[-1])

    def summary(self, session_id: str, media: str) -> Dict[str, Any]:
        """JSON-ready."""
        return {
            "session_id": session_id,
            "media": media,
            "records": self.records,
            "frames": int(self.seen.sum()),
            "viewers": self.viewers,
            "start_s": round(float(self.start_s), 3),
            "end_s": round(float(self.end_s), 3),
        }


def build_grid(
    records: ViewerRecords, media: str, smile_label: Optional[str], first: int, last: int, params: SignalParams
) -> Tuple[Grid, List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The per-viewer, per-second arrays of one media title over seconds ``first..last``, a summary per viewer and
    one per session. Viewers are read from ``records`` one at a time."""
    labels = records.labels
    seconds = np.arange(first, last + 1)
    width, count = len(seconds), len(records.keys(media))
    present = np.zeros((count, width), dtype=bool)
    score = {label: np.zeros((count, width), dtype=np.float32) for label in labels}
    showing = {label: np.zeros((count, width), dtype=bool) for label in labels}
    onsets = {label: np.zeros(width, dtype=np.int64) for label in labels}
    laughs = np.zeros(width, dtype=np.int64)
    summaries: List[Dict[str, Any]] = []
    sessions: Dict[str, _Session] = {}
    for row, seen in enumerate(records.viewers(media)):
        sessions.setdefault(seen.session_id, _Session()).add(seen)
        session, face, times, probs = seen.session_id, seen.face_id, seen.times, seen.probs
        index = np.floor(times).astype(np.int64) - first
        present[row] = np.bincount(index, minlength=width) > 0
        viewer = f"{session}:{int(face)}"
        per_label: Dict[str, Dict[str, Any]] = {}
        laugh_times: List[float] = []
        peaks: List[float] = []
        smoothed = np.column_stack([smooth(times, probs[:, k], params) for k in range(len(labels))])
        shown = expression(smoothed, params.lead)
        for k, label in enumerate(labels):
            state = shown == k
            score[label][row] = _per_second(index, probs[:, k], width)
            showing[label][row] = _per_second(index, state.astype(np.float64), width) >= 0.5
            starts = np.flatnonzero(state & ~np.concatenate(([False], state[:-1])))
            np.add.at(onsets[label], index[starts], 1)
            per_label[label] = {
                "share": round(float(state.mean()), 4),
                "mean": round(float(probs[:, k].mean()), 4),
                "episodes": len(starts),
            }
            if label == smile_label:
                laugh_times = laugh_events(times, smoothed[:, k], params)
                np.add.at(laughs, np.floor(laugh_times).astype(np.int64) - first, 1)
                peaks = _peaks(times, smoothed[:, k], params.on)
        summaries.append(
            {
                "viewer": viewer,
                "session_id": session,
                "face_id": int(face),
                "first_s": round(float(times[0]), 3),
                "last_s": round(float(times[-1]), 3),
                "seconds_present": int(present[row].sum()),
                "labels": per_label,
                "laughs": len(laugh_times),
                "laugh_times": [round(t, 2) for t in laugh_times],
                "peak_moments": [{"time_s": round(t, 2), "timestamp": timestamp(t)} for t in peaks],
            }
        )
    grid = Grid(
        seconds,
        [s["viewer"] for s in summaries],
        [str(s["session_id"]) for s in summaries],
        present,
        score,
        showing,
        onsets,
        laughs,
    )
    return grid, summaries, [sessions[name].summary(name, media) for name in sorted(sessions)]


def _peaks(times: np.ndarray, smoothed: np.ndarray, floor: float, most: int = 3) -> List[float]:
    """Up to ``most`` times of the highest smoothed scores above ``floor``, at least 5 s apart."""
    peaks: List[float] = []
    for i in np.argsort(-smoothed):
        if len(peaks) == most or smoothed[i] < floor:
            break
        if all(abs(times[i] - p) >= MOMENT_SEPARATION_S for p in peaks):
            peaks.append(float(times[i]))
    return sorted(peaks)


def curve_of(grid: Grid, labels: Sequence[str], smile_label: Optional[str], seed: int = 0) -> pd.DataFrame:
    """The long curve: one row per second and label, with bands (see the module docstring)."""
    viewers = grid.present.sum(axis=0)
    parts = []
    for label in labels:
        share: Band = mean_band(grid.showing[label], grid.present, seed=seed)
        mean: Band = mean_band(grid.score[label], grid.present, seed=seed + 1)
        parts.append(
            pd.DataFrame(
                {
                    "second": grid.seconds,
                    "label": label,
                    "viewers": viewers,
                    "share": share.value,
                    "share_low": share.low,
                    "share_high": share.high,
                    "mean": mean.value,
                    "mean_low": mean.low,
                    "mean_high": mean.high,
                    "onsets": grid.onsets[label],
                    "laughs": grid.laughs if label == smile_label else 0,
                }
            )
        )
    curve = pd.concat(parts, ignore_index=True)[CURVE_COLUMNS]
    numbers = ["share", "share_low", "share_high", "mean", "mean_low", "mean_high"]
    curve[numbers] = curve[numbers].round(4)
    return curve


def top_moments(curve: pd.DataFrame, smile_label: Optional[str], top: int = 10) -> List[Dict[str, Any]]:
    """One label's strongest seconds: by laughs (smile label) then share and mean, 5 s apart at least."""
    keys = ["laughs", "share", "mean"] if curve["label"].iloc[0] == smile_label else ["share", "mean"]
    ranked = curve[(curve["share"] > 0) | (curve["laughs"] > 0)].sort_values(keys, ascending=False, kind="mergesort")
    chosen: List[Dict[str, Any]] = []
    for row in ranked.itertuples(index=False):
        if len(chosen) == top:
            break
        if any(abs(row.second - c["second"]) < MOMENT_SEPARATION_S for c in chosen):
            continue
        chosen.append(
            {
                "second": int(row.second),
                "timestamp": timestamp(row.second),
                "share": float(row.share),
                "share_low": float(row.share_low),
                "share_high": float(row.share_high),
                "viewers": int(row.viewers),
                "mean": float(row.mean),
                "laughs": int(row.laughs),
            }
        )
    return chosen


def analyse(
    results: Results,
    media: Optional[str] = None,
    params: SignalParams = SignalParams(),
    top: int = 10,
    name: str = "",
    seconds: Optional[Tuple[int, int]] = None,
) -> Audience:
    """Per-viewer signals, per-label curves with bands, top moments, viewer and session summaries.

    ``seconds``: the first and last second of the timeline (default: what the results cover); a
    comparison gives both audiences the same.
    """
    title = select_media(results.records, media)
    first, last = seconds or span(results, media)
    grid, viewers, sessions = build_grid(results.records, title, results.smile_label, first, last, params)
    curve = curve_of(grid, results.labels, results.smile_label)
    moments = {label: top_moments(curve[curve["label"] == label], results.smile_label, top) for label in results.labels}
    room = None
    if results.room is not None:
        heard = results.room[results.room["media"] == title]
        if len(heard):
            from .room import analyse_room

            smile = grid.showing[results.smile_label] if results.smile_label else None
            room = analyse_room(heard, grid, smile)
    return Audience(
        name or title or "audience",
        title,
        results.labels,
        results.smile_label,
        grid,
        curve,
        moments,
        viewers,
        sessions,
        params,
        room,
    )
