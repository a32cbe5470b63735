"""Id churn in a seated audience: viewers who look away or are hidden for long spans, and come back.

    python benchmarks/seats.py [--minutes 4] [--seed 1] [--every 12 24] [--full-scan-every 1 10]

One audience composed from the shared crowd photos (``reactlens.full_house``, 374 faces) is filmed still for
``--minutes`` at 25 fps with sensor noise. A third of the viewers are hidden once or twice (their face blurred
away, as a face turned to a neighbour or looking down is lost to the detector) for 5 s to a third of the run, a
tenth for a second or two. Each frame goes through the ``full-house`` profile's detector and tracker, exactly as a
screening runs them, and once with today's tracker (no seats), side by side; ``--every`` runs the full-house
detector once for each number of frames between its full scans, and ``--full-scan-every`` once for each N with only
every Nth scan of the whole frame (``detector.full_scan_every``). Printed: ids per viewer (the issue's target ≤ 1.05),
viewers who ever came back under another id, the share of shown faces found, the share of hidden faces still held
(a face that has gone, kept until a scan misses it), and ms a frame.

Classification does not change ids and is left out, so the run takes minutes, not hours.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
CROWDS_TRUTH = HERE / "ground_truth" / "crowds.xml"


def absences(faces: int, seconds: float, rng: np.random.Generator) -> List[Tuple[int, float, float]]:
    """(face, from, to): a third of the viewers hidden once or twice, 5 s to a third of the run; a tenth for 1-2 s."""
    spans = []
    for face in range(faces):
        if rng.random() < 1 / 3:
            for _ in range(rng.integers(1, 3)):
                length = rng.uniform(5.0, max(6.0, seconds / 3))
                start = rng.uniform(5.0, max(5.5, seconds - length - 5.0))
                spans.append((face, start, start + length))
        if rng.random() < 0.1:
            start = rng.uniform(5.0, seconds - 5.0)
            spans.append((face, start, start + rng.uniform(1.0, 2.0)))
    return spans


def around(box: Tuple[int, int, int, int]) -> Tuple[slice, slice]:
    """The face's box and a quarter of its width around it, as array slices."""
    x, y, w, h = box
    pad = w // 4
    return slice(max(0, y - pad), y + h + pad), slice(max(0, x - pad), x + w + pad)


def main() -> int:
    from reactlens.components import Frame
    from reactlens.faces import iou_matrix
    from reactlens.full_house import FPS, compose, photos_of
    from reactlens.plugins import PluginHost
    from reactlens.profiles import BUILTIN_PROFILES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="length of the held audience")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--media", type=Path, default=SHARED / "media", help="the folder holding crowds/")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--every", type=int, nargs="+", help="frames between full scans, one run each (default: the profile's)"
    )
    parser.add_argument(
        "--full-scan-every",
        type=int,
        nargs="+",
        help="a run of the full-house detector for each N: only every Nth scan whole, the others of what changed",
    )
    args = parser.parse_args()
    if not (args.media / "crowds").is_dir():
        print(f"seats: {args.media / 'crowds'} not found; pass --media DIR", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    image, faces = compose(photos_of(str(CROWDS_TRUTH), str(args.media)), seed=args.seed)
    seconds = args.minutes * 60.0
    spans = absences(len(faces), seconds, rng)
    hidden_look = image.copy()
    regions = [around(box) for box in faces]
    for region in regions:  # each face blurred away, as the detector loses a face that turns or looks down
        hidden_look[region] = cv2.GaussianBlur(image[region], (0, 0), 6)
    noise = [rng.normal(0.0, 1.0, image.shape).astype(np.float32) for _ in range(6)]
    print(f"  {len(faces)} viewers, {len(spans)} absences, {seconds:.0f} s at {FPS} fps", file=sys.stderr)

    host = PluginHost()
    host.load_entry_points(allow=[])
    profile = BUILTIN_PROFILES["full-house"]
    detector_options = {k: v for k, v in profile["detector"].items() if k != "use"}
    seats = {k: v for k, v in profile["tracker"].items() if k != "use"}
    runs: Dict[str, Dict] = {}
    everies = args.every or [detector_options["every"]]
    setups = [("today (no seats)", {}, {"every": everies[0]})]
    setups += [
        (f"full-house (seats){'' if args.every is None else f', every {n}'}", seats, {"every": n}) for n in everies
    ]
    setups += [
        (f"full-house, whole every {n}th scan", seats, {"full_scan_every": n}) for n in args.full_scan_every or []
    ]
    for name, tracker_options, overrides in setups:
        detector = host.create("detector", profile["detector"]["use"], {**detector_options, **overrides})
        tracker = host.create("tracker", "viewers", tracker_options)
        ids_of: Dict[int, Set[int]] = defaultdict(set)
        shown = found = hidden_faces = held = 0
        started = time.perf_counter()
        frames = int(seconds * FPS)
        for index in range(frames):
            time_s = index / FPS
            hidden = [face for face, a, b in spans if a <= time_s < b]
            picture = image.copy()
            for face in hidden:
                picture[regions[face]] = hidden_look[regions[face]]
            picture = np.clip(picture + noise[index % len(noise)], 0, 255).astype(np.uint8)
            frame = Frame(picture, index, time_s, time.monotonic())
            boxes = [d.box for d in detector.detect(frame)]
            ids = tracker.update(frame, boxes)
            gone = set(hidden)
            visible = [i for i in range(len(faces)) if i not in gone]
            if boxes:
                overlap = iou_matrix([faces[i] for i in visible], boxes)
                for row, face in enumerate(visible):
                    best = int(np.argmax(overlap[row]))
                    if overlap[row, best] >= 0.3:
                        ids_of[face].add(ids[best])
                        found += 1
                if hidden:
                    held += int((iou_matrix([faces[i] for i in hidden], boxes).max(axis=1) >= 0.3).sum())
            shown += len(visible)
            hidden_faces += len(hidden)
            if index % (FPS * 30) == 0:
                print(f"  {name}: {time_s:.0f}/{seconds:.0f} s", file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - started
        counts = [len(v) for v in ids_of.values()]
        runs[name] = {
            "ids_per_viewer": round(float(np.mean(counts)), 3) if counts else 0.0,
            "viewers_with_more_than_one_id": sum(1 for n in counts if n > 1),
            "viewers_found": len(counts),
            "shown_faces_found": round(found / max(shown, 1), 4),
            "hidden_faces_held": round(held / max(hidden_faces, 1), 4),
            "ms_per_frame": round(1000.0 * elapsed / frames, 1),
        }
    if args.json:
        print(json.dumps({"viewers": len(faces), "absences": len(spans), "seconds": seconds, "runs": runs}))
        return 0
    print(f"{len(faces)} viewers, {len(spans)} absences of 1 s to {seconds / 180:.1f} min, {seconds / 60:.0f} min")
    print(f"{'tracker':<36}{'ids/viewer':>11}{'> 1 id':>8}{'found':>8}{'held':>8}{'ms/frame':>10}")
    for name, r in runs.items():
        print(
            f"{name:<36}{r['ids_per_viewer']:>11.3f}{r['viewers_with_more_than_one_id']:>8}"
            f"{r['shown_faces_found']:>8.3f}{r['hidden_faces_held']:>8.3f}{r['ms_per_frame']:>10.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
