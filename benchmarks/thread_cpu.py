"""Where a screening's CPU goes, thread by thread: milliseconds of CPU a frame on each of its threads.

    python benchmarks/thread_cpu.py CLIP [CLIP ...] [--profile video] [--runs 3] [--audio]

Screens each clip in this process (as ``benchmarks/harness.py``'s child does, its results to no sink but a counter)
``--runs`` times, clips alternated, and reads each thread's CPU time from ``/proc/self/task`` as the loop runs (every
20th frame and the last: a thread that ends early, as the decoding does, is still counted). Prints, per clip, the
median over runs of each thread's milliseconds of CPU a frame, the screening's rate (frames a second) and the total;
threads are named as Python names them (``reactlens-decode``, ``reactlens-score_0``, ``reactlens-scan_0``; ``main``:
the screening's own), and the runtimes' own threads together (``others``). Without ``--audio`` the clip's sound is
not heard (as ``--no-audio``). Linux only. ``--json FILE`` also writes the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TICK = os.sysconf("SC_CLK_TCK")
#: The threads Python did not start (the runtimes' and FFmpeg's own), counted together.
OTHERS = "others"


def thread_cpu(names: Dict[int, str]) -> Dict[int, float]:
    """Each of this process's threads' CPU seconds so far, by native id; ``names`` learns the Python threads' names."""
    for thread in threading.enumerate():
        if thread.native_id is not None:
            names[thread.native_id] = "main" if thread is threading.main_thread() else thread.name
    seconds = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # ended between the listing and the read
            continue
        seconds[int(task)] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def screen(clip: str, profile_name: str, audio: bool) -> Dict[str, float]:
    """One screening of ``clip``: ms of CPU a frame of each thread, ``fps`` and ``frames``."""
    from harness import host_with_sink

    from reactlens import ResultSink
    from reactlens.profiles import ProfileBook
    from reactlens.screening import Screening

    names: Dict[int, str] = {}
    seen: Dict[int, float] = {}  # the latest reading of each thread (one that ended keeps its last)

    class Counter(ResultSink):
        def write(self, frame, records):
            if frame.index % 20 == 0 or frame.index >= last:
                seen.update(thread_cpu(names))

    host = host_with_sink("thread_cpu", Counter)
    overrides = {"source.uri": clip, "sinks": [{"use": "thread_cpu"}], **({} if audio else {"audio": None})}
    screening = Screening(ProfileBook().resolve(profile_name, overrides), host)
    last = int(getattr(screening.source.instance, "total_frames", 0) or 0) - 1
    before = thread_cpu(names)
    stats = screening.run().stats
    seen.update(thread_cpu(names))
    frames = max(stats.frames, 1)
    spent: Dict[str, float] = {}
    for task, seconds in seen.items():
        name = names.get(task, OTHERS)
        spent[name] = spent.get(name, 0.0) + 1000.0 * (seconds - before.get(task, 0.0)) / frames
    return {**{name: ms for name, ms in spent.items() if ms >= 0.05}, "fps": stats.fps, "frames": stats.frames}


def main() -> int:
    from reactlens.errors import ReactlensError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", help="video files")
    parser.add_argument("--profile", default="video", help="the profile to screen with (default: video)")
    parser.add_argument("--runs", type=int, default=3, help="screenings of each clip (default: 3)")
    parser.add_argument("--audio", action="store_true", help="hear the clip's sound too")
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args()
    runs: Dict[str, List[Dict[str, float]]] = {clip: [] for clip in args.clips}
    try:
        for _ in range(args.runs):
            for clip in args.clips:
                runs[clip].append(screen(clip, args.profile, args.audio))
    except ReactlensError as exc:
        print(f"thread_cpu: {exc}", file=sys.stderr)
        return 2
    medians = {}
    for clip, results in runs.items():
        keys = {key for result in results for key in result}
        median = {key: statistics.median(r.get(key, 0.0) for r in results) for key in keys}
        threads = {k: v for k, v in median.items() if k not in ("fps", "frames")}
        medians[clip] = {**median, "total": sum(threads.values())}
        print(f"{clip}: {median['fps']:.1f} fps over {median['frames']:.0f} frames (median of {len(results)} runs)")
        for name, ms in sorted(threads.items(), key=lambda kv: -kv[1]):
            print(f"  {name:20} {ms:6.2f} ms of CPU a frame")
        print(f"  {'total':20} {medians[clip]['total']:6.2f}")
    if args.json:
        args.json.write_text(json.dumps({"profile": args.profile, "runs": args.runs, "clips": medians}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
