"""The laughter detector on held-out constructed mixtures, and what listening costs.

    python benchmarks/laughter.py [--minutes 10] [--runs 3] [--cache DIR]

1. Accuracy (``reactlens_training.laughter_data`` builds the audio; see its docstring for the recipe and
   the split): held-out acted laughs mixed every ~20 s into ``--minutes`` of held-out speech and music at
   +12, +6 and 0 dB; event recall (a laugh counts as heard when an event overlaps it, ±0.3 s) and false
   alarms (events overlapping no laugh) per 10 minutes. Then false alarms on laugh-free audio: speech and
   music, and the hard negatives (game characters' shouts and coughs). These are constructed mixtures of
   acted laughs, not a real audience.
2. Cost: a 2-hour recording's sound analysed from a file (decode, windows, YAMNet), wall time; the CPU
   the listener's thread takes (``time.thread_time``) as a share of the rest of `reactlens run` on the
   shared 34-second clip, median of ``--runs`` (comparing whole runs with and without sound drowns 3% in
   the runs' own ±10%);
   and the frames dropped when that clip is replayed live (at its own frame rate), with and without.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from reactlens_audio.laughter import LaughterDetector
from reactlens_training.laughter_data import RATE, background, corpus, mixture, sources

from reactlens.room import EventCounter, FileAudio, RoomListener

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))


def events(detector: LaughterDetector, audio: np.ndarray) -> list:
    """``(start, end)`` of the detector's events over ``audio``, numbered as the screening numbers them."""
    window, hop = int(detector.window_s * RATE), int(detector.hop_s * RATE)
    count = max(0, (len(audio) - window) // hop + 1)
    scores = detector.score(np.stack([audio[i * hop : i * hop + window] for i in range(count)]))
    counter = EventCounter(detector.on, detector.off)
    spans: dict = {}
    for i, score in enumerate(scores):
        event = counter.step(float(score))
        if event is not None:
            first, _ = spans.get(event, (i, i))
            spans[event] = (first, i)
    return [(first * detector.hop_s, last * detector.hop_s + detector.window_s) for first, last in spans.values()]


def overlaps(event, span, slack: float = 0.3) -> bool:
    return event[0] < span[1] + slack and event[1] > span[0] - slack


def accuracy(minutes: float, cache: Path) -> None:
    data = corpus(cache, SHARED / "media")
    print("sources:", ", ".join(f"{n} {k}" for k, n in sources(data).items()))
    detector = LaughterDetector()
    rng = np.random.default_rng(7)
    speech = [s for s in data.negatives if not s.name.startswith("music")]
    music = [s for s in data.negatives if s.name.startswith("music")]
    seconds = minutes * 60
    print(f"| held-out mixture ({minutes:g} min each) | laughs | recall | false alarms per 10 min |")
    print("|---|---|---|---|")
    for snr in (12, 6, 0):
        back = background(speech, seconds, rng) + 0.5 * background(music, seconds, rng)
        audio, spans = mixture(data.held_out, back, snr, rng)
        found = events(detector, audio)
        heard = sum(any(overlaps(e, s) for e in found) for s in spans)
        false = sum(not any(overlaps(e, s) for s in spans) for e in found)
        print(
            f"| laughs at {snr:+d} dB over speech and music | {len(spans)} | {heard / len(spans):.2f} | "
            f"{false * 600 / seconds:.1f} |"
        )
    quiet = background(speech, seconds, rng) + 0.5 * background(music, seconds, rng)
    hard = background(data.hard_negatives, seconds, rng)
    print(f"| laugh-free speech and music | 0 | – | {len(events(detector, quiet)) * 600 / seconds:.1f} |")
    print(
        f"| laugh-free game shouts, coughs, moans (hard) | 0 | – | {len(events(detector, hard)) * 600 / seconds:.1f} |"
    )


def two_hours(folder: Path) -> None:
    """Time the analysis of a 2-hour recording's sound, as `reactlens run` does it (file → windows → YAMNet)."""
    rng = np.random.default_rng(3)
    path = folder / "two-hours.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        for _ in range(120):  # a minute at a time: speech-like noise bursts over hiss
            minute = rng.normal(0, 0.01, 60 * RATE) * (1 + (rng.random(60 * RATE) < 0.3))
            handle.writeframes((np.clip(minute, -1, 1) * 32767).astype("<i2").tobytes())
    started = time.perf_counter()
    listener = RoomListener(LaughterDetector(), FileAudio(str(path), RATE), "bench").start()
    records = listener.finish(None)
    wall = time.perf_counter() - started
    print(f"2-hour recording's sound: {len(records):,} windows in {wall:.1f} s wall ({listener.cpu_s:.1f} s of CPU)")


def cpu_of_run(args: list) -> tuple:
    """CPU seconds of a `reactlens run`, and of its listener's thread (from the JSON summary)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, "-m", "reactlens", "run", *args, "--json", "-q"], check=True, capture_output=True, text=True
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return total, float(json.loads(out)["room"]["cpu_s"])


def dropped(args: list) -> int:
    """Frames a live run dropped to stay current (from its JSON summary)."""
    out = subprocess.run(
        [sys.executable, "-m", "reactlens", "run", *args, "--json", "-q"], check=True, capture_output=True, text=True
    ).stdout
    return int(json.loads(out)["dropped_frames"])


def cost(runs: int, folder: Path) -> None:
    clip = SHARED / "media" / "expressions_long.mp4"
    base = ["--source", str(clip), "--csv", str(folder / "cost.csv"), "--set", "sinks.csv.if_exists=overwrite"]
    shares = []
    for _ in range(runs):
        total, listening = cpu_of_run(base)
        shares.append(listening / (total - listening))
    print(
        f"`reactlens run` on expressions_long.mp4 (34 s, 1,008 frames): the listener's thread used "
        f"{100 * statistics.median(shares):.1f}% of the rest of the run's CPU (median of {runs}: "
        f"{', '.join(f'{100 * s:.1f}' for s in shares)})"
    )
    live = [*base, "--set", "source.live=true"]  # replayed at its own frame rate, as a camera delivers
    quiet = [dropped([*live, "--no-audio"]) for _ in range(runs)]
    heard = [dropped(live) for _ in range(runs)]
    print(f"the same clip live, frames dropped per run: {quiet} without sound, {heard} with")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reactlens-laughs")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    accuracy(args.minutes, args.cache)
    with tempfile.TemporaryDirectory() as folder:
        two_hours(Path(folder))
        cost(args.runs, Path(folder))


if __name__ == "__main__":
    main()
