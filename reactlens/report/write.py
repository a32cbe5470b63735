"""Writing the report folder: tables as CSV and Parquet, summary.json, figures as PNG and SVG, report.html."""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence

import pandas as pd

from .audience import Audience
from .compare import Comparison
from .figures import plot_audience, plot_comparison
from .page import page


def _table(frame: pd.DataFrame, out_dir: str, stem: str) -> Dict[str, str]:
    """``frame`` as ``stem.csv`` and ``stem.parquet`` (pyarrow); their paths."""
    paths = {
        f"{stem}.csv": os.path.join(out_dir, f"{stem}.csv"),
        f"{stem}.parquet": os.path.join(out_dir, f"{stem}.parquet"),
    }
    frame.to_csv(paths[f"{stem}.csv"], index=False)
    frame.to_parquet(paths[f"{stem}.parquet"], index=False, engine="pyarrow")
    return paths


def _stacked(audiences: Sequence[Audience], tables: List[pd.DataFrame]) -> pd.DataFrame:
    """One table for several audiences, with an ``audience`` column first when there are two."""
    if len(audiences) == 1:
        return tables[0]
    return pd.concat([t.assign(audience=a.name) for a, t in zip(audiences, tables)], ignore_index=True)[
        ["audience", *tables[0].columns]
    ]


def write_report(
    audiences: Sequence[Audience], out_dir: str, comparison: Optional[Comparison] = None
) -> Dict[str, str]:
    """Write every report file for one audience, or two and their comparison; return name → path."""
    os.makedirs(out_dir, exist_ok=True)
    paths: Dict[str, str] = {}
    paths.update(_table(_stacked(audiences, [a.curve for a in audiences]), out_dir, "reaction"))
    paths.update(_table(_stacked(audiences, [a.tidy() for a in audiences]), out_dir, "viewer_scores"))
    if comparison is not None:
        paths.update(_table(comparison.difference, out_dir, "difference"))
    heard = [(a, a.room) for a in audiences if a.room is not None]
    if heard:
        listened = [a for a, _ in heard]
        paths.update(_table(_stacked(listened, [room.curve for _, room in heard]), out_dir, "room"))
        paths.update(_table(_stacked(listened, [room.laughs for _, room in heard]), out_dir, "laughs"))
        paths.update(_table(_stacked(listened, [room.silent for _, room in heard]), out_dir, "silent_laughs"))
        if any(len(room.applause) for _, room in heard):
            paths.update(_table(_stacked(listened, [room.applause for _, room in heard]), out_dir, "applause"))
    summary = comparison.summary() if comparison is not None else audiences[0].summary()
    paths["summary.json"] = os.path.join(out_dir, "summary.json")
    with open(paths["summary.json"], "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)
    stem = "comparison" if comparison is not None else "reaction"
    figures = [os.path.join(out_dir, f"{stem}.{ext}") for ext in ("png", "svg")]
    if comparison is not None:
        plot_comparison(comparison, figures)
    else:
        plot_audience(audiences[0], figures)
    paths.update({os.path.basename(p): p for p in figures})
    paths["report.html"] = os.path.join(out_dir, "report.html")
    with open(paths["report.html"], "w", encoding="utf-8") as handle:
        handle.write(page(audiences, comparison))
    return paths
