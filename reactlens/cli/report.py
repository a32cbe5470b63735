"""``reactlens report``: the audience's reaction over the media's timeline."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..errors import ReactlensError
from ..report.audience import analyse
from ..report.load import load_results
from ..report.render import write_report
from . import app
from .console import out_console


@app.command()
def report(
    results: List[Path] = typer.Argument(
        ..., help="Result CSVs of `reactlens run` (or stores of `reactlens collect`)."
    ),
    out: Path = typer.Option(Path("reactlens-report"), "--out", "-o", help="Folder for the report files."),
    media: Optional[str] = typer.Option(None, "--media", help="Media title to report on when results hold several."),
    top: int = typer.Option(10, "--top", min=1, help="How many top moments to list."),
) -> None:
    """Per-second reaction curve, top laugh moments, per-viewer and per-session summaries, plot and HTML page."""
    data = load_results([str(p) for p in results])
    audience = analyse(data, media, top=top)
    try:
        paths = write_report(audience, str(out))
    except OSError as exc:
        raise ReactlensError(
            f"cannot write the report to {out}: {exc.strerror}", "choose a writable --out folder"
        ) from None
    totals = audience.summary()["totals"]
    out_console.print(
        f"{totals['viewers']} viewers, {totals['sessions']} session(s), {totals['seconds']} s of media, "
        f"{totals['laughs']} laugh events",
        markup=False,
    )
    for moment in audience.moments[:3]:
        out_console.print(
            f"  {moment['timestamp']}: {100 * moment['smiling_share']:.0f}% smiling, {moment['laughs']} laughs",
            markup=False,
        )
    for name, path in paths.items():
        out_console.print(f"{name:13s} {path}", markup=False)
