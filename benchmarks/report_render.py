"""How long ``reactlens report`` takes, its peak memory, how big report.html gets and how fast Chromium draws it.

    python benchmarks/report_render.py [--minutes 120] [--viewers 60] [--fps 5] [--runs 5] [--baseline DIR]

Builds the results of a screening of a ``--minutes`` film by ``--viewers`` viewers in six sessions
(records at ``--fps`` per viewer, smile-net's labels, a funny scene every 30 s that each viewer may smile
at), runs ``reactlens report`` on them — alone, with a seven-label classifier's results, and ``--versus``
a second audience — and opens each report.html in Debian's Chromium through Playwright ``--runs`` times:
the time from navigation to the page's charts being drawn (``document.body.dataset.ready``, set by the
page's script after the last chart), median. Also the report's wall time, its peak memory and the file's size, and with
``--baseline`` those of another checkout's code on the same results, one after the other. A full house at the
``full-house`` profile's rate: ``--viewers 500 --fps 6``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import pandas as pd

from reactlens.records import csv_header

#: Runs the command after it, its output discarded, and prints its exit code and peak memory (KB). A process's
#: ru_maxrss starts from its parent's peak (Linux keeps the high-water mark across exec), so the report is started from
#: this small process rather than from the benchmark, which holds the generated records (it read 2.07 GB for a report
#: that peaked at 0.7).
PEAK = (
    "import os, sys\n"
    "quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]\n"
    "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=quiet)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)"
)
EMOTIONS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def audience(path: Path, labels, minutes: float, viewers: int, fps: float, seed: int, sessions: int = 6) -> None:
    """Write the results CSV of ``viewers`` viewers in ``sessions`` sessions watching the same film, in order of frames
    as a run writes it (every viewer's records of a frame together), a minute of film at a time."""
    rng = np.random.default_rng(seed)
    seconds = int(minutes * 60)
    frames = int(seconds * fps)
    times = (np.arange(frames) / fps).round(4)
    smile_at = labels.index("smile") if "smile" in labels else labels.index("happy")
    scores = np.empty((viewers, frames, len(labels)))
    for viewer in range(viewers):
        smile = np.full(frames, 0.04)
        for start in range(0, seconds, 30):
            if rng.random() < 0.5:
                begin = start + rng.uniform(1, 8)
                smile[int(begin * fps) : int((begin + rng.uniform(3, 12)) * fps)] = 0.92
        smile = np.clip(smile + rng.normal(0, 0.03, frames), 0, 1)
        rest = rng.dirichlet(np.ones(len(labels) - 1), frames) * (1 - smile)[:, None]
        scores[viewer] = np.insert(rest, smile_at, smile, axis=1).round(4)
    step = max(1, int(60 * fps))
    for first in range(0, frames, step):
        block = scores[:, first : first + step].transpose(1, 0, 2).reshape(-1, len(labels))  # frame by frame
        frame = np.repeat(np.arange(first, first + len(block) // viewers), viewers)
        face = np.tile(np.arange(viewers), len(block) // viewers)
        part = pd.DataFrame(block, columns=[f"score_{label}" for label in labels])
        part.insert(0, "session_id", np.char.add("session", (face % sessions).astype(str)))
        part.insert(1, "frame", frame)
        part.insert(2, "time_s", times[frame])
        part.insert(3, "face_id", face // sessions)
        for column, value in (("x", 10), ("y", 10), ("w", 60), ("h", 60), ("face_score", 0.9)):
            part.insert(len(part.columns) - len(labels), column, value)
        part.insert(len(part.columns) - len(labels), "smile", block[:, smile_at])
        part.insert(len(part.columns) - len(labels), "label", np.asarray(labels)[block.argmax(axis=1)])
        part.insert(len(part.columns) - len(labels), "scored", 1)
        part["media"] = "Feature film"
        part[csv_header(labels)].to_csv(path, index=False, mode="a" if first else "w", header=not first)


def render_ms(html: Path, runs: int) -> list:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(html.as_uri())
            page.wait_for_function("document.body.dataset.ready", timeout=60000)
            times.append(float(page.evaluate("document.body.dataset.ready")))
            page.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--viewers", type=int, default=60)
    parser.add_argument("--fps", type=float, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--baseline",
        help="another checkout of reactlens (`git worktree add /tmp/base HEAD~1`): each report is also made by its "
        "code, right after this code's, for its wall time and peak memory",
    )
    parser.add_argument(
        "--cases", nargs="+", choices=("smile", "seven", "versus"), default=["smile", "seven", "versus"]
    )
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.minutes:g} min film, {args.viewers} viewers in 6 sessions, records at {args.fps:g} fps per viewer")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        smile, other, emotions = root / "a.csv", root / "b.csv", root / "emotions.csv"
        wanted = set(args.cases)
        if wanted & {"smile", "versus"}:
            audience(smile, ("neutral", "smile"), args.minutes, args.viewers, args.fps, seed=1)
        if "versus" in wanted:
            audience(other, ("neutral", "smile"), args.minutes, args.viewers, args.fps, seed=2)
        if "seven" in wanted:
            audience(emotions, EMOTIONS, args.minutes, args.viewers, args.fps, seed=3)
        records = int(args.minutes * 60 * args.fps) * args.viewers
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in (smile, other, emotions) if p.exists())
        print(f"results: {records:,} records an audience ({sizes})")
        cases = {
            "smile": ("smile-net, one audience", [str(smile)]),
            "seven": ("seven labels, one audience", [str(emotions)]),
            "versus": ("smile-net, --versus a second audience", [str(smile), "--versus", str(other)]),
        }
        print("| report | code | report wall time | peak memory | report.html | Chromium draws it (median) |")
        print("|---|---|---|---|---|---|")
        codes = {"this": None, "baseline": args.baseline} if args.baseline else {"this": None}
        for case in args.cases:
            name, args_ = cases[case]
            for code_name, checkout in codes.items():
                out = root / f"{case}-{code_name}"
                wall, peak_mb = _report(args_, out, checkout)
                html = out / "report.html"
                times = render_ms(html, args.runs) if code_name == "this" else []
                drawn = (
                    f"{statistics.median(times):.0f} ms (of {', '.join(f'{t:.0f}' for t in times)})" if times else ""
                )
                print(
                    f"| {name} | {code_name} | {wall:.1f} s | {peak_mb:.0f} MB | {html.stat().st_size / 1e6:.2f} MB | "
                    f"{drawn} |",
                    flush=True,
                )


def _report(args: list, out: Path, checkout: Optional[str]) -> Tuple[float, float]:
    """``reactlens report ARGS --out OUT`` by this code or the checkout's: its wall time and peak memory (MB)."""
    env = dict(os.environ)
    if checkout:
        env["PYTHONPATH"] = os.pathsep.join([checkout, os.path.join(checkout, "plugins")])
    started = time.perf_counter()
    command = [sys.executable, "-m", "reactlens", "report", *args, "--out", str(out)]
    measured = subprocess.run(  # from the results' folder: `-m` imports from the current folder before PYTHONPATH
        [sys.executable, "-c", PEAK, *command], capture_output=True, text=True, check=True, env=env, cwd=out.parent
    )
    code, peak_kb = map(int, measured.stdout.split())
    if code:
        raise SystemExit(f"reactlens report failed ({code}): {' '.join(command)}")
    return time.perf_counter() - started, peak_kb / 1024


if __name__ == "__main__":
    main()
