"""A full house that moves: what scanning only the changed parts saves when viewers nod, shift and laugh.

    python benchmarks/restless_house.py [--moving 0 0.02 0.1 0.3] [--frames 300] [--runs 3] [--full-scan-every 10]
                                        [--baseline DIR] [--keep DIR]

The harness's composed audience of 374 (``harness.full_house_clip``'s photos and seed) filmed at 30 fps with a
camera's sensor noise, in which at any moment a share ``--moving`` of the viewers moves: each moving spell lasts
0.5–2 s, and in each of its frames the face and a quarter of its width around it are shifted by up to 3 pixels each
way (a head nodding, or shaking with a laugh). For each share: a clip and its ground truth (the seats' boxes), then
``reactlens run --profile full-house`` with ``detector.full_scan_every`` 1 (every scan whole) and N, alternated,
``--runs`` each (fps and the detector's ms a frame, medians), and ``reactlens evaluate-detector`` for each (recall
and false faces a frame); ``--baseline DIR`` runs another checkout's code (a git worktree) with its own
``full-house`` profile beside them; ``--keep DIR`` keeps the clips (``restless_SHARE.mp4``) and their ground truth
there. The composed audience is otherwise as still as a photo: a real one moves more or less than these shares, and
its figure lies between the rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import av
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
FPS = 30
#: A moving spell's length (seconds) and a moving face's largest shift each way (pixels).
SPELL_S = (0.5, 2.0)
SHIFT_PX = 3


def write_restless(path: Path, image: np.ndarray, boxes: List[Tuple[int, int, int, int]], moving: float, frames: int):
    """``frames`` frames of the audience with a share ``moving`` of it moving at any moment (see the docstring)."""
    rng = np.random.default_rng(1)
    spells = np.zeros((len(boxes), frames), dtype=bool)
    rate = moving / statistics.mean(SPELL_S) / FPS  # spells a viewer starts a frame, for that share moving
    for face in range(len(boxes)):
        for start in np.nonzero(rng.random(frames) < rate)[0]:
            spells[face, start : start + int(rng.uniform(*SPELL_S) * FPS)] = True
    regions = []
    for x, y, w, h in boxes:
        pad = w // 4
        regions.append((slice(max(0, y - pad), y + h + pad), slice(max(0, x - pad), x + w + pad)))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"crf": "18", "preset": "fast"})
        stream.width, stream.height, stream.pix_fmt = image.shape[1], image.shape[0], "yuv420p"
        for index in range(frames):
            picture = image.copy()
            for face in np.nonzero(spells[:, index])[0]:
                shift = tuple(int(v) for v in rng.integers(-SHIFT_PX, SHIFT_PX + 1, 2))
                picture[regions[face]] = np.roll(image[regions[face]], shift, axis=(0, 1))
            noisy = np.clip(picture + rng.normal(0.0, 1.0, picture.shape), 0, 255).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(noisy, format="bgr24")))
        container.mux(stream.encode())
    return float(spells.mean())


def reactlens(root: Optional[Path], *args: str) -> Dict:
    """A reactlens command's JSON answer, by this code (``root`` None) or the code of checkout ``root``."""
    from harness import run_code

    return json.loads(run_code(root, ["-m", "reactlens", *args, "--json"], f"restless_house: reactlens {args[0]}"))


def main() -> int:
    from harness import SHARED, TRUTH

    from reactlens.full_house import compose, photos_of, write_truth

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moving", type=float, nargs="+", default=[0.0, 0.02, 0.1, 0.3], help="shares moving")
    parser.add_argument("--frames", type=int, default=300, help="frames of each clip (30 a second)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each setting")
    parser.add_argument("--full-scan-every", type=int, default=10, help="N: every Nth scan whole, the others of parts")
    parser.add_argument("--baseline", type=Path, help="another checkout of reactlens: its full-house profile beside")
    parser.add_argument("--keep", type=Path, help="a folder to keep the clips and their ground truth in")
    args = parser.parse_args()
    image, boxes = compose(photos_of(str(TRUTH / "crowds.xml"), str(SHARED / "media")), seed=1)
    # name → (code, options): every scan whole, and every Nth (the profile's), in this code; the baseline's own profile
    settings: Dict[str, Tuple[Optional[Path], List[str]]] = {
        f"whole every {n:>2}th scan": (None, ["--set", f"detector.full_scan_every={n}"])
        for n in (1, args.full_scan_every)
    }
    if args.baseline:
        settings["the baseline's profile"] = (args.baseline.resolve(), [])
    rows = []
    with tempfile.TemporaryDirectory(prefix="restless_house_") as scratch:
        folder = (args.keep or Path(scratch)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        for moving in args.moving:
            clip = folder / f"restless_{moving:g}.mp4"
            truth = folder / f"restless_{moving:g}.xml"
            share = write_restless(clip, image, boxes, moving, args.frames)
            write_truth(str(truth), [(clip.name, boxes, args.frames)])
            runs: Dict[str, List[Dict]] = {name: [] for name in settings}
            for _ in range(args.runs):
                for name, (root, options) in settings.items():
                    results = folder / "results.csv"  # each run's own, as a screening writes it
                    run = ["run", "--profile", "full-house", "--source", str(clip), "--no-audio", "--csv", str(results)]
                    runs[name].append(reactlens(root, *run, *options))
                    results.unlink()
            for name, (root, options) in settings.items():
                found = reactlens(root, "evaluate-detector", str(truth), "--profile", "full-house", *options)
                rows.append(
                    {
                        "moving": round(share, 3),
                        "setting": name,
                        "fps": statistics.median(r["fps"] for r in runs[name]),
                        "detect_ms": statistics.median(r["stage_ms_per_frame"]["detect"] for r in runs[name]),
                        "recall": found["total"]["recall@0.3"],
                        "false_per_frame": found["total"]["false_faces_per_frame"],
                    }
                )
                r = rows[-1]
                print(
                    f"moving {r['moving']:5.3f}  {name:22}  {r['fps']:5.1f} fps  "
                    f"detect {r['detect_ms']:5.2f} ms  recall {r['recall']:.3f}  false {r['false_per_frame']:.2f}",
                    flush=True,
                )
    print(json.dumps({"viewers": len(boxes), "frames": args.frames, "runs": args.runs, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
