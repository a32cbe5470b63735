"""``reactlens run``: one screening from a profile."""

from __future__ import annotations

import json
import os
import time
from typing import List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import ReactlensError
from ..plugins import get_host
from ..profiles import Profile, ProfileBook, load_config, parse_sets
from ..screening import Screening, Stats, Summary
from ..stills import is_stills
from . import app
from .console import err_console, out_console


def build_profile(
    profile: Optional[str],
    config: Optional[str],
    source: Optional[str] = None,
    csv: Optional[str] = None,
    annotate: Optional[str] = None,
    model: Optional[str] = None,
    max_frames: Optional[int] = None,
    media_title: Optional[str] = None,
    media_offset: Optional[float] = None,
    sets: Optional[List[str]] = None,
) -> Profile:
    """Resolve a profile from the built-ins and ``--config``, applying the command-line overrides."""
    book = load_config(config) if config else ProfileBook()
    if profile is None:
        profile = (
            "webcam" if source is None or str(source).strip().isdigit() else "photos" if is_stills(source) else "video"
        )
    flags = {
        "source.uri": source,
        "sinks.csv.path": csv,
        "sinks.annotate.video": annotate,
        "classifier.model": model,
        "max_frames": max_frames,
        "media_title": media_title,
        "media_offset": media_offset,
    }
    overrides: dict = {key: value for key, value in flags.items() if value is not None}
    overrides.update(parse_sets(sets or []))
    return book.resolve(profile, overrides)


class _Display:
    """Progress for files (frames done of total, fps) and live status for cameras."""

    def __init__(self, screening: Screening, quiet: bool) -> None:
        source = screening.source.instance
        self.total = screening.profile.max_frames or getattr(source, "total_frames", None)
        if self.total and getattr(source, "total_frames", None):
            self.total = min(self.total, source.total_frames)
        self.live = screening.session.live
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeRemainingColumn(),
            console=err_console,
            disable=quiet,
            transient=False,
        )
        label = "live" if self.live else "frames"
        self.task = self.progress.add_task(label, total=None if self.live else self.total, status="")
        self._last = 0.0
        self._started = False

    def __enter__(self) -> _Display:
        return self

    def __exit__(self, kind, *exc) -> None:
        if self._started:
            if kind is not None:  # an error ends the run: its one line replaces the bar
                self.progress.live.transient = True
            self.progress.stop()

    def update(self, stats: Stats, frame) -> None:
        if not self._started:  # only once frames flow, so start-up errors stay one line
            self.progress.start()
            self._started = True
        now = time.perf_counter()
        if now - self._last < 0.2 and stats.frames != self.total:
            return
        self._last = now
        status = f"{stats.fps:5.1f} fps · {stats.face_frames} faces"
        if self.live:
            status += f" · p50 latency {stats.latency_ms(0.5):.0f} ms"
        self.progress.update(self.task, completed=stats.frames, status=status)


#: Profiles that follow and score every face every frame, and the faces a frame from which they suggest the
#: ``full-house`` profile (the README's Performance: a composed full house of 374 faces, 7.4 fps with ``video``, 59.9
#: with ``full-house``).
FOLLOW_EVERY_FACE = ("video", "webcam")
A_HOUSE = 100


def print_summary(summary: Summary, as_json: bool) -> None:
    """The end-of-run summary: a short human report on stderr, or JSON on stdout."""
    if as_json:
        out_console.print_json(json.dumps(summary.to_dict()))
        return
    s = summary.stats
    state = "interrupted" if summary.interrupted else "done"
    # the faces by their most probable label: the three most frequent, whatever the classifier's labels
    labels = ", ".join(f"{100 * share:.1f}% {label}" for label, share in list(s.label_shares().items())[:3])
    err_console.print(
        f"{state}: {s.frames} frames, {s.face_frames} face-frames"
        + (f" ({labels})" if labels else "")
        + f", {s.fps:.1f} fps"
        + (f", {s.dropped_frames} frames dropped to stay live" if s.dropped_frames else "")
        + (f", {s.room_events} room event(s) in {s.room_windows} windows of sound" if s.audio_input else "")
        + "".join(f", {n} {label}" for label, n in list(s.room_counts.items())[1:])
        + f" · session {summary.session.session_id}",
        markup=False,
        soft_wrap=True,
    )
    for name, error in summary.sink_errors.items():
        err_console.print(f"reactlens: error: sink '{name}' failed: {error}", markup=False)
    faces = s.face_frames / max(s.frames, 1)
    if summary.session.profile in FOLLOW_EVERY_FACE and faces >= A_HOUSE:
        err_console.print(
            f"hint: {faces:.0f} faces a frame, each followed and scored every frame; for a seated audience, "
            "--profile full-house holds still faces and scores each 6 times a second, several times faster",
            markup=False,
            soft_wrap=True,
        )


def execute(profile: Profile, quiet: bool = False, session_id: Optional[str] = None) -> Summary:
    """Build and run a screening with a progress display."""
    screening = Screening(profile, get_host(), session_id)
    with _Display(screening, quiet) as display:
        summary = screening.run(display.update)
    return summary


@app.command()
def run(
    profile: Optional[str] = typer.Option(
        None,
        "--profile",
        "-p",
        help="Profile to run (see `reactlens profiles`). Default: webcam; video for a video file --source; "
        "photos for an image, a folder or a glob of images.",
    ),
    source: Optional[str] = typer.Option(
        None, "--source", "-s", help="Video file, camera index, stream URL, or photos: an image, a folder, a glob."
    ),
    csv: Optional[str] = typer.Option(None, "--csv", help="CSV file for the results (appends if it exists)."),
    annotate: Optional[str] = typer.Option(None, "--annotate", help="Also write an annotated video to this .mp4 file."),
    model: Optional[str] = typer.Option(
        None, "--model", help="ONNX expression model (default: the shipped smile-net)."
    ),
    max_frames: Optional[int] = typer.Option(
        None, "--max-frames", min=0, help="Stop after this many frames (0 = no limit)."
    ),
    media_title: Optional[str] = typer.Option(None, "--media-title", help="Title of the media the audience watches."),
    media_file: Optional[str] = typer.Option(
        None,
        "--media",
        help="The film's own file: its laughs (a laugh track) are marked so they are not counted as the "
        "audience's. Its name is the media title unless --media-title says otherwise.",
    ),
    media_offset: Optional[float] = typer.Option(
        None,
        "--media-offset",
        help="Position in the media (seconds) when this session starts. Default with --media and a recording: found "
        "by hearing the film in the recording; else 0.",
    ),
    audio: Optional[str] = typer.Option(
        None,
        "--audio",
        help="Where the room's sound comes from: a recording, mic, mic:NAME "
        "(default: the video file's own track, or the default microphone for a camera).",
    ),
    no_audio: bool = typer.Option(False, "--no-audio", help="Screen without sound (no room laughter)."),
    dashboard: Optional[str] = typer.Option(
        None,
        "--dashboard",
        metavar="[HOST:]PORT",
        help="Serve the screening live in a browser: 8765 for this machine only; 0.0.0.0:8765 for the network "
        "(with a token, and without the picture unless --set sinks.dashboard.view=true).",
    ),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML file with \\[profiles.NAME] tables."),
    set_: List[str] = typer.Option(
        [], "--set", help="Override an option: KIND.OPTION=VALUE or sinks.NAME.OPTION=VALUE (repeatable)."
    ),
    session_id: Optional[str] = typer.Option(
        None, "--session-id", help="The session's id (default: its start time and a random suffix)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Run a screening: faces found, smiles scored, one record per face per frame to every sink; the room's
    laughter from its sound, one record per window."""
    sound = ["audio=none"] if no_audio else [f"audio_input={audio}"] if audio else []
    if dashboard is not None:  # before --set, so that sinks.dashboard.OPTION=... adds to it
        sound.append(f"sinks.dashboard.listen={json.dumps(dashboard)}")
    if media_file is not None:
        if not os.path.isfile(media_file):
            raise ReactlensError(f"film file {media_file} not found", "check the --media path")
        sound.append(f"media_file={json.dumps(media_file)}")
        media_title = media_title or os.path.splitext(os.path.basename(media_file))[0]
    chosen = build_profile(
        profile, config, source, csv, annotate, model, max_frames, media_title, media_offset, [*sound, *set_]
    )
    summary = execute(chosen, quiet, session_id)
    print_summary(summary, json_out)
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.sink_errors:
        raise typer.Exit(1)
