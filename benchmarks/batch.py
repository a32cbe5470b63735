"""`reactlens batch` on a local Ray: 1 versus 2 workers, the cost of a task, and a long recording in chunks.

    python benchmarks/batch.py [--runs 3] [--long-minutes 60] [--parts throughput overhead long]

1. Throughput: 8 recordings (copies of the shared clips, 3,276 frames in all) batched with 1 worker and with 2,
   runs alternating, ``--runs`` of each; medians of the whole batch's wall time, Ray's start included, and the
   speed-up, and the cores the machine kept busy (/proc/stat). Each task runs ONNX Runtime on one thread (one task
   per core); decoding and the sound run on threads of their own beside it.
2. Per-task overhead: batches of 16 and of 48 one-frame recordings on 2 workers; the difference in wall time / 32
   is a task's marginal cost, beside the median time a task spends building its host and screening. The rest of
   the smaller batch is the fixed cost of a batch (Ray's start, the workers' imports).
3. A long recording: the shared expression clips looped to ``--long-minutes`` at 1280×720 (written once), screened
   by `reactlens run` (sequential, ONNX Runtime on both cores as usual) and by `reactlens batch` in 10-minute
   chunks on 2 workers; wall times, and the viewer ids each found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import pandas as pd

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
PARTS = ["throughput", "overhead", "long"]
CLIPS = ("expressions_long.mp4", "expressions_ends_smiling.mp4", "stage_audience_640x360.mp4", "crowd_1080p.mp4")


def busy_s() -> float:
    """CPU seconds the whole machine has spent busy so far (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def timed(*args: str) -> tuple:
    """Wall time of ``reactlens ARGS`` and the cores it kept busy on average."""
    started, busy = time.perf_counter(), busy_s()
    subprocess.run([sys.executable, "-m", "reactlens", *args], check=True, capture_output=True)
    wall = time.perf_counter() - started
    return wall, (busy_s() - busy) / wall


def batch(sources, out: Path, *args: str) -> tuple:
    """Wall time of one `reactlens batch` into a fresh ``out``, and the cores it kept busy."""
    shutil.rmtree(out, ignore_errors=True)
    return timed("batch", *map(str, sources), "--out", str(out), "-q", *args)


def eight(folder: Path) -> list:
    copies = []
    for i in range(8):
        clip = SHARED / "media" / CLIPS[i % len(CLIPS)]
        copy = folder / f"room{i}-{clip.name}"
        shutil.copy(clip, copy)
        copies.append(copy)
    return copies


def throughput(folder: Path, runs: int) -> None:
    sources = eight(folder)
    frames = sum(int(cv2.VideoCapture(str(s)).get(cv2.CAP_PROP_FRAME_COUNT)) for s in sources)
    times: dict = {1: [], 2: []}
    cores: dict = {1: [], 2: []}
    for _ in range(runs):
        for workers in (1, 2):
            wall, busy = batch(sources, folder / "out", "--workers", str(workers))
            times[workers].append(wall)
            cores[workers].append(busy)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"8 recordings, {frames:,} frames:")
    for workers, median in ((1, one), (2, two)):
        print(
            f"  {workers} worker(s): {median:.1f} s ({', '.join(f'{t:.1f}' for t in times[workers])}), "
            f"{frames / median:.0f} frames/s, {statistics.median(cores[workers]):.2f} cores busy"
        )
    print(f"  speed-up with 2 workers: {one / two:.2f}× (target ≥ 1.7×)")


def one_frame_recordings(folder: Path, count: int) -> Path:
    """A folder of ``count`` one-frame recordings (a face from the shared clips)."""
    folder.mkdir()
    capture = cv2.VideoCapture(str(SHARED / "media" / "expressions_grin.mp4"))
    _, image = capture.read()
    for i in range(count):
        writer = cv2.VideoWriter(str(folder / f"{i:02d}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 25, image.shape[1::-1])
        writer.write(image)
        writer.release()
    return folder


def overhead(folder: Path, runs: int) -> None:
    """A task's marginal cost: batches of 16 and of 48 one-frame recordings on 2 workers, the difference / 32.
    What is left of the 16-recording batch is the fixed cost (Ray's start, the workers' imports)."""
    sizes = (16, 48)
    sources = {n: one_frame_recordings(folder / f"one-frame-{n}", n) for n in sizes}
    walls: dict = {n: [] for n in sizes}
    screening = []
    for _ in range(runs):
        for n in sizes:
            wall, _ = batch([sources[n]], folder / "out1", "--workers", "2")
            walls[n].append(wall)
            entries = json.loads((folder / "out1" / "manifest.json").read_text())["recordings"].values()
            screening.extend(e["seconds"] for e in entries)
    small, large = (statistics.median(walls[n]) for n in sizes)
    per_task = (large - small) / (sizes[1] - sizes[0])
    inside = statistics.median(screening)
    print(
        f"per task: {per_task * 1000:.0f} ms of wall time per one-frame recording on 2 workers (2 at a time, so "
        f"{2 * per_task * 1000:.0f} ms of a worker), of which {inside * 1000:.0f} ms building the plugin host, profile "
        f"and models and screening; fixed cost per batch (Ray's start, workers' imports): "
        f"{small - sizes[0] * per_task:.1f} s (batches of 16: {small:.1f} s, of 48: {large:.1f} s)"
    )


def long_recording(folder: Path, minutes: float) -> None:
    path = folder / f"expressions-{minutes:g}min-720p.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (1280, 720))
    frames = 0
    target = int(minutes * 60 * 30)
    while frames < target:
        for clip in ("expressions_long.mp4", "expressions_ends_smiling.mp4"):
            capture = cv2.VideoCapture(str(SHARED / "media" / clip))
            while frames < target:
                ok, image = capture.read()
                if not ok:
                    break
                canvas = cv2.copyMakeBorder(image, 120, 120, 400, 400, cv2.BORDER_CONSTANT, value=(40, 40, 40))
                writer.write(cv2.resize(canvas, (1280, 720)))
                frames += 1
    writer.release()
    csv = folder / "sequential.csv"
    sequential, busy_run = timed("run", "--source", str(path), "--csv", str(csv), "-q", "--no-audio")
    chunked, busy_batch = batch(
        [path], folder / "long", "--workers", "2", "--chunk-minutes", "10", "--set", "audio=none"
    )
    ids = pd.read_csv(csv)["face_id"].nunique()
    [table] = [pd.read_parquet(p) for p in (folder / "long").glob("*.parquet")]
    print(
        f"{minutes:g}-minute 1280×720 recording ({frames:,} frames): `reactlens run` {sequential:.0f} s "
        f"({busy_run:.2f} cores busy); `reactlens batch` in 10-minute chunks on 2 workers {chunked:.0f} s "
        f"({busy_batch:.2f} cores busy; {chunked / sequential:.2f} of the sequential time, target ≤ 0.5); "
        f"viewer ids: {ids} sequential, {table['face_id'].nunique()} batched"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--long-minutes", type=float, default=60)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=PARTS, help="Which of the three to measure.")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        if "throughput" in args.parts:
            throughput(Path(tmp), args.runs)
        if "overhead" in args.parts:
            overhead(Path(tmp), args.runs)
        if "long" in args.parts:
            long_recording(Path(tmp), args.long_minutes)


if __name__ == "__main__":
    main()
