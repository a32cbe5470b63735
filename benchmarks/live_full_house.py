"""A full house screened live: the harness's composed audience of 374 replayed at 30 fps as a camera, frames dropped
rather than queued, with the `full-house` profile's detector, classifier and tracker.

    python benchmarks/live_full_house.py [--frames 300] [--runs 3] [--baseline DIR]

Each run is a fresh process (``harness.py --child``); ``--baseline`` alternates each run with one of another
checkout's code (a git worktree, say) on the same clip. Prints each run's fps, dropped frames, latency (capture to
the last sink) and stage times, then the medians.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def screen(root: Path, clip: Path) -> Dict:
    """One live screening of ``clip`` by the code in ``root`` with its own full-house profile, in a fresh process."""
    from harness import own_profile, run_child

    profile = own_profile(root, "full-house")
    overrides = {kind: profile[kind] for kind in ("detector", "classifier", "tracker")}
    return run_child({"clip": str(clip), "keep_boxes": False, "overrides": {**overrides, "source.live": True}}, root)


def line(name: str, r: Dict, frames: int) -> str:
    """One run (or the medians of runs) of a clip of ``frames`` frames."""
    latency = " / ".join(f"{r['latency_ms'][k]:.0f}" for k in ("p50", "p95", "max"))
    stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stage_ms"].items())
    dropped = f"dropped {r['dropped']:3.0f} of {frames}"
    return f"{name:8} {r['fps']:5.1f} fps  {dropped}  latency p50/p95/max {latency} ms  ({stages} ms a frame)"


def main() -> int:
    from harness import full_house_clip, median_of

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="frames of the clip (30 a second)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each code")
    parser.add_argument("--baseline", type=Path, help="another checkout of reactlens, run alternately with this one")
    args = parser.parse_args()
    if args.baseline and not (args.baseline / "benchmarks" / "harness.py").exists():
        print(f"live_full_house: {args.baseline} is not a reactlens checkout; pass one", file=sys.stderr)
        return 2
    codes = {"this": HERE.parent, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    runs: Dict[str, List[Dict]] = {name: [] for name in codes}
    with tempfile.TemporaryDirectory() as tmp:
        clip, _ = full_house_clip("fullhouse", Path(tmp), args.frames)
        for _ in range(args.runs):
            for name, root in codes.items():
                runs[name].append(screen(root, clip))
                print(line(name, runs[name][-1], args.frames), flush=True)
    print("medians:")
    for name, done in runs.items():
        print(line(name, median_of(done), args.frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
