"""From per-face records to what a producer asks: which moments made how many viewers smile and laugh.

A viewer is one face track of one session (``session_id`` + ``face_id``); sessions of the same media
line up on the media timeline (``time_s`` already includes each session's ``--media-offset``).

Per second of media ``k`` (``k <= time_s < k + 1``):

* ``viewers``: viewers with at least one record in that second;
* ``smiling_share``: share of those viewers whose smiling state (see ``signal``) is on for at least
  half of their records in that second;
* ``mean_smile``: the viewers' mean smile probability (each viewer weighs the same);
* ``laughs``: laugh events that begin in that second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from ..errors import ReactlensError
from .signal import SignalParams, viewer_signal

CURVE_COLUMNS = ["second", "viewers", "smiling_share", "mean_smile", "laughs"]


def timestamp(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Audience:
    """Everything the report shows."""

    media: str
    curve: pd.DataFrame
    moments: List[Dict[str, object]]
    viewers: List[Dict[str, object]]
    sessions: List[Dict[str, object]]
    params: SignalParams = field(default_factory=SignalParams)

    def summary(self) -> Dict[str, object]:
        """JSON-ready: totals, the curve, top moments, viewers and sessions."""
        curve = self.curve
        return {
            "media": self.media,
            "definitions": asdict(self.params),
            "totals": {
                "sessions": len(self.sessions),
                "viewers": len(self.viewers),
                "seconds": len(curve),
                "laughs": int(curve["laughs"].sum()),
                "mean_smiling_share": round(float(curve["smiling_share"].mean()), 4) if len(curve) else 0.0,
            },
            "top_moments": self.moments,
            "curve": curve.to_dict(orient="records"),
            "viewers": self.viewers,
            "sessions": self.sessions,
        }


def select_media(data: pd.DataFrame, media: Optional[str]) -> tuple:
    """The records of one media title; refuse to mix several without ``--media``."""
    titles = sorted(data["media"].unique())
    if media is not None:
        if media not in titles:
            raise ReactlensError(f"no results for media '{media}'", f"the results hold: {', '.join(map(repr, titles))}")
        return data[data["media"] == media], media
    if len(titles) > 1:
        raise ReactlensError(
            f"the results hold {len(titles)} media ({', '.join(map(repr, titles))})",
            "choose one with --media TITLE; sessions of the same media are combined",
        )
    return data, titles[0]


def analyse(
    data: pd.DataFrame, media: Optional[str] = None, params: SignalParams = SignalParams(), top: int = 10
) -> Audience:
    """Per-viewer signals, the per-second curve, top moments, viewer and session summaries."""
    data, title = select_media(data, media)
    parts = []
    viewers = []
    for (session, face), rows in data.groupby(["session_id", "face_id"], sort=True):
        times = rows["time_s"].to_numpy(dtype=np.float64)
        scores = rows["smile"].to_numpy(dtype=np.float64)
        smoothed, smiling, laughs = viewer_signal(times, scores, params)
        part = pd.DataFrame(
            {
                "viewer": f"{session}:{int(face)}",
                "second": np.floor(times).astype(np.int64),
                "smile": scores,
                "smoothed": smoothed,
                "smiling": smiling,
            }
        )
        parts.append((part, laughs))
        peak_order = np.argsort(-smoothed)
        peaks: List[float] = []
        for i in peak_order:
            if len(peaks) == 3 or smoothed[i] < params.on:
                break
            if all(abs(times[i] - p) >= 5.0 for p in peaks):
                peaks.append(float(times[i]))
        viewers.append(
            {
                "viewer": f"{session}:{int(face)}",
                "session_id": session,
                "face_id": int(face),
                "first_s": round(float(times[0]), 3),
                "last_s": round(float(times[-1]), 3),
                "seconds_present": int(part["second"].nunique()),
                "share_smiling": round(float(smiling.mean()), 4),
                "mean_smile": round(float(scores.mean()), 4),
                "laughs": len(laughs),
                "laugh_times": [round(t, 2) for t in laughs],
                "peak_moments": [{"time_s": round(t, 2), "timestamp": timestamp(t)} for t in sorted(peaks)],
            }
        )
    samples = pd.concat([p for p, _ in parts], ignore_index=True)
    per_viewer = samples.groupby(["second", "viewer"]).agg(smile=("smile", "mean"), smiling=("smiling", "mean"))
    per_viewer["smiling"] = per_viewer["smiling"] >= 0.5
    curve = per_viewer.groupby(level="second").agg(
        viewers=("smile", "size"), smiling_share=("smiling", "mean"), mean_smile=("smile", "mean")
    )
    laugh_seconds = pd.Series([int(np.floor(t)) for _, laughs in parts for t in laughs], dtype=np.int64)
    curve["laughs"] = laugh_seconds.value_counts().reindex(curve.index, fill_value=0)
    full = pd.RangeIndex(int(curve.index.min()), int(curve.index.max()) + 1, name="second")
    curve = curve.reindex(full)
    curve["viewers"] = curve["viewers"].fillna(0).astype(int)
    curve["laughs"] = curve["laughs"].fillna(0).astype(int)
    curve[["smiling_share", "mean_smile"]] = curve[["smiling_share", "mean_smile"]].fillna(0.0).round(4)
    curve = curve.reset_index()[CURVE_COLUMNS]
    sessions = [
        {
            "session_id": session,
            "media": title,
            "records": int(len(rows)),
            "frames": int(rows["frame"].nunique()),
            "viewers": int(rows["face_id"].nunique()),
            "start_s": round(float(rows["time_s"].min()), 3),
            "end_s": round(float(rows["time_s"].max()), 3),
        }
        for session, rows in data.groupby("session_id", sort=True)
    ]
    return Audience(title, curve, top_moments(curve, top), viewers, sessions, params)


def top_moments(curve: pd.DataFrame, top: int = 10, separation_s: int = 5) -> List[Dict[str, object]]:
    """The strongest reactions: seconds ranked by laughs then smiling share, at least ``separation_s`` apart."""
    ranked = curve[(curve["laughs"] > 0) | (curve["smiling_share"] > 0)].sort_values(
        ["laughs", "smiling_share", "mean_smile"], ascending=False, kind="mergesort"
    )
    chosen: List[Dict[str, object]] = []
    for row in ranked.itertuples(index=False):
        if len(chosen) == top:
            break
        if any(abs(row.second - c["second"]) < separation_s for c in chosen):
            continue
        chosen.append(
            {
                "second": int(row.second),
                "timestamp": timestamp(row.second),
                "laughs": int(row.laughs),
                "smiling_share": float(row.smiling_share),
                "viewers": int(row.viewers),
                "mean_smile": float(row.mean_smile),
            }
        )
    return chosen
