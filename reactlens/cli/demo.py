"""``reactlens demo``: the whole loop on a clip of real faces, no camera and no data needed."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import CLIP_SECONDS, add_sound, build_clip, demo_sound
from ..errors import ReactlensError
from ..profiles import ProfileBook
from . import app
from .console import err_console, out_console
from .run import execute, print_summary


@app.command()
def demo(
    out: Path = typer.Option(
        Path("reactlens-demo"), "--out", "-o", help="Folder for the clip, CSV and annotated video."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Build a short clip from real face photos shipped with the dependencies, screen it, and report on it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReactlensError(f"cannot create {out}: {exc.strerror}", "choose a writable --out folder") from None
    clip, credits = build_clip(out / "demo-input.mp4")
    sound = demo_sound(CLIP_SECONDS)
    if sound is not None:
        add_sound(clip, sound[0])
        credits.append(sound[1])
    err_console.print(f"demo clip: {clip} ({'; '.join(credits)})", markup=False, soft_wrap=True)
    csv_path, annotated = out / "demo.csv", out / "demo-annotated.mp4"
    profile = ProfileBook().resolve(
        "video",
        {
            "source.uri": str(clip),
            "sinks.csv.path": str(csv_path),
            "sinks.csv.if_exists": "overwrite",
            "sinks.annotate.video": str(annotated),
            "sinks.annotate.overwrite": True,
            "media_title": "reactlens demo",
        },
    )
    summary = execute(profile, quiet)
    print_summary(summary, as_json=False)
    from ..report.audience import analyse  # pandas and matplotlib, loaded for the report only
    from ..report.load import load_results
    from ..report.write import write_report

    paths = write_report([analyse(load_results([str(csv_path)]))], str(out / "report"))
    out_console.print(f"results:         {csv_path}", markup=False)
    out_console.print(f"annotated video: {annotated}", markup=False)
    out_console.print(f"report:          {paths['report.html']}", markup=False)
