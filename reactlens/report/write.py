"""Writing the report folder: tables as CSV and Parquet, summary.json, figures as PNG and SVG, report.html."""

from __future__ import annotations

import json
import os
from typing import Dict, Iterable, Optional, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .audience import Audience
from .compare import Comparison
from .figures import plot_audience, plot_comparison
from .page import page


def _table(parts: Iterable[pd.DataFrame], out_dir: str, stem: str) -> Dict[str, str]:
    """The table made of ``parts`` (one or more frames of the same columns, in order) as ``stem.csv`` and
    ``stem.parquet`` (pyarrow), written a part at a time; their paths."""
    csv_path, parquet_path = os.path.join(out_dir, f"{stem}.csv"), os.path.join(out_dir, f"{stem}.parquet")
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        writer: Optional[pq.ParquetWriter] = None
        try:
            for part in parts:
                table = pa.Table.from_pandas(part, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(parquet_path, table.schema)
                part.to_csv(handle, index=False, header=handle.tell() == 0)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    return {f"{stem}.csv": csv_path, f"{stem}.parquet": parquet_path}


def _named(audiences: Sequence[Audience], audience: Audience, table: pd.DataFrame) -> pd.DataFrame:
    """One audience's table, with an ``audience`` column first when there are two (and names as text, not each
    audience's own categories)."""
    if len(audiences) == 1:
        return table
    names = {c: str for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)}
    return table.astype(names).assign(audience=audience.name)[["audience", *table.columns]]


def _stacked(audiences: Sequence[Audience], tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One table for several audiences (see ``_named``)."""
    return pd.concat([_named(audiences, a, t) for a, t in zip(audiences, tables)], ignore_index=True)


def write_report(
    audiences: Sequence[Audience], out_dir: str, comparison: Optional[Comparison] = None
) -> Dict[str, str]:
    """Write every report file for one audience, or two and their comparison; return name → path."""
    os.makedirs(out_dir, exist_ok=True)
    paths: Dict[str, str] = {}
    paths.update(_table([_stacked(audiences, [a.curve for a in audiences])], out_dir, "reaction"))
    paths.update(_table((_named(audiences, a, part) for a in audiences for part in a.tidy()), out_dir, "viewer_scores"))
    if comparison is not None:
        paths.update(_table([comparison.difference], out_dir, "difference"))
    heard = [(a, a.room) for a in audiences if a.room is not None]
    if heard:
        listened = [a for a, _ in heard]
        paths.update(_table([_stacked(listened, [room.curve for _, room in heard])], out_dir, "room"))
        paths.update(_table([_stacked(listened, [room.laughs for _, room in heard])], out_dir, "laughs"))
        paths.update(_table([_stacked(listened, [room.silent for _, room in heard])], out_dir, "silent_laughs"))
        if any(len(room.applause) for _, room in heard):
            paths.update(_table([_stacked(listened, [room.applause for _, room in heard])], out_dir, "applause"))
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
