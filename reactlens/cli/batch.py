"""``reactlens batch``: many recordings screened on Ray, resumable, one progress bar."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import ReactlensError
from ..profiles import ProfileBook, load_config, parse_sets
from . import app
from .console import err_console, out_console

if TYPE_CHECKING:
    from ..batch.driver import BatchSummary


@app.command()
def batch(
    sources: List[str] = typer.Argument(
        ...,
        help="Video files, folders, globs ('rooms/*.mp4') or s3://BUCKET/PREFIX; a folder of photos is one recording.",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the results and manifest.json (a re-run resumes)."),
    profile: Optional[str] = typer.Option(None, "--profile", "-p", help="Profile (default: video; photos for stills)."),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML file with \\[profiles.NAME] tables."),
    set_: List[str] = typer.Option([], "--set", help="Override an option, as for `reactlens run` (repeatable)."),
    address: Optional[str] = typer.Option(
        None, "--address", help="A Ray cluster: ray://HOST:10001 or auto. Default: a local Ray for this batch."
    ),
    workers: int = typer.Option(
        os.cpu_count() or 1, "--workers", "-w", min=1, help="Tasks at once on the local Ray (one core each)."
    ),
    chunk_minutes: float = typer.Option(
        10.0, "--chunk-minutes", min=0, help="Split recordings longer than 1.5 chunks into chunks (0: never)."
    ),
    form: str = typer.Option("parquet", "--format", help="parquet, csv or both."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Screen many recordings on Ray: one task per recording (long ones in chunks, viewer ids re-joined), results as
    Parquet and/or CSV per recording plus manifest.json. A re-run skips what is done and retries what failed."""
    # imported here: pandas and Ray's client cost every other command half a second to load
    from ..batch.driver import run_batch
    from ..batch.output import FORMATS
    from ..batch.worker import Request

    formats = FORMATS if form == "both" else (form,)
    if form not in (*FORMATS, "both"):
        raise ReactlensError(f"--format {form} is not known", "use parquet, csv or both")
    book = load_config(config) if config else ProfileBook()
    if profile is not None:
        book.table(profile)  # an unknown profile is one line here, not one per recording
    request = Request(book, profile, parse_sets(set_))
    with Progress(
        TextColumn("[bold]recordings"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("batch", total=None, status="planning")

        def on_part(summary: BatchSummary, parts_done: int) -> None:
            progress.update(
                task,
                total=summary.parts,
                completed=parts_done,
                status=f"{len(summary.done)} done · {len(summary.failed)} failed · parts",
            )

        summary = run_batch(
            sources, out, request, address, workers, formats, chunk_s=60.0 * chunk_minutes, on_part=on_part
        )
    report(summary, out, json_out)
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(1)


def report(summary: BatchSummary, out: Path, as_json: bool) -> None:
    """The closing lines: what was screened, skipped and failed (each failure with its reason)."""
    if as_json:
        out_console.print_json(json.dumps(asdict(summary)))
        return
    err_console.print(
        f"{'interrupted' if summary.interrupted else 'done'}: {len(summary.done)} recording(s) screened, "
        f"{len(summary.skipped)} done before, {len(summary.failed)} failed, in {summary.seconds:.1f} s · "
        f"results and manifest.json in {out}",
        markup=False,
        soft_wrap=True,
    )
    for session_id, error in summary.failed.items():
        err_console.print(f"reactlens: error: {session_id}: {error}", markup=False, soft_wrap=True)
