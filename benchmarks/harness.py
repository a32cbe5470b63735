"""End-to-end benchmark: reactlens's `video` profile against camera-rate Haar and the original project, per clip.

    python benchmarks/harness.py [--runs 5] [--clips crowd,stage,demo] [--quick] [--json FILE]
    python benchmarks/harness.py --memory 20     # peak memory: the stage clip once vs 20 times over
    python benchmarks/harness.py --clips crowd --set detector.detect_width=1280   # try another setting
    python benchmarks/harness.py --clips crowd,fullhouse --baseline /tmp/base    # beside another checkout's code

For every clip it runs, each in a fresh process (so peak memory is the run's own):

* **seed**: Haar ``haarcascade_frontalface_alt`` at full resolution, scaleFactor 1.1, minNeighbors 5, on
  every frame, and the seed's smile-net architecture (AlexNet variant, 224×224 RGB, random weights) on
  every face — the original DeepLens Lambda's pipeline;
* **haar**: the `video` profile with the Haar cascade at camera rate (the default before CenterFace, and
  still the DeepLens default);
* **reactlens**: the `video` profile as shipped (or with ``--set KEY=VALUE`` overrides, as ``reactlens run``);
* **full-house**: the `video` profile with the `full-house` profile's detector, classifier and tracker (YuNet-n at
  full resolution, still faces held between full scans, each viewer scored 6 times a second by smile-net-32, seats
  kept); on the full-house clips also with the portrait smile-net (48×48 crops) in its place, side by side;
* with ``--baseline DIR``, **reactlens (before)** and **full-house (before)**: the code of another checkout (a git
  worktree of an earlier commit) with its own `video` and `full-house` profiles;
* **live**: the `video` profile fed like a camera, with the `webcam` profile's detector (background scans;
  the file replayed at its own frame rate, frames dropped rather than queued), reporting capture-to-sink
  latency; on the full-house clips, the `full-house` profile's components with background scans.

It reports end-to-end fps, time per stage (waiting for decoded frames, detection, classification,
tracking, sinks), faces per frame, peak memory, and recall: the share of the hand-checked faces in
``benchmarks/ground_truth/`` a pipeline found (IoU ≥ 0.3) with its false faces per annotated frame, or,
for a clip without ground truth (the demo), the share of the seed's full-resolution detections found.
``crowd720`` is the crowd clip scaled to 1280×720 (a 720p camera), with its ground truth scaled alike.
``fullhouse`` (and ``-dim``, ``-flicker``) is a seated audience of 374 faces composed from the shared crowd photos
(``reactlens.full_house``), 100 frames at 30 a second.
Figures are medians over ``--runs`` runs, each run of every pipeline in turn. ``--quick`` (CI) runs each once on 15
frames and asserts nothing about time. ``--memory N`` checks that memory stays flat in the length of the video:
it writes the stage clip N times over into one file and compares the peak memory of screening it with
that of screening the clip once.
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
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from reactlens_models import SMILE_NET_ONNX

from reactlens.detector_eval import load_truth, match
from reactlens.profiles import BUILTIN_PROFILES, CAMERA_RATE_HAAR

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
TRUTH = HERE / "ground_truth"
CLIPS = {
    "crowd": SHARED / "media" / "crowd_1080p.mp4",
    "crowd720": SHARED / "media" / "crowd_1080p.mp4",  # scaled to 1280×720 at run time
    "stage": SHARED / "media" / "stage_audience_640x360.mp4",
}

#: The pipelines run on every clip, side by side (and ``live``, the webcam profile's detector fed like a camera).
#: The full-house profile's components with the portrait smile-net (48×48 crops) instead of smile-net-32.
FULL_HOUSE_48 = "full-house, smile-net 48"
ALL_CLIPS = "fullhouse,fullhouse-dim,fullhouse-flicker,crowd,crowd720,stage,demo"
#: ``--quick`` checks that every pipeline runs, and asserts nothing about time (the full house is in the tests:
#: the seed's pipeline alone would take it 35 s)
QUICK_CLIPS = "crowd,stage,demo"

SEED_DETECTOR = {
    "use": "haar",
    "min_neighbors": 5,
    "scale_factor": 1.1,
    "min_size": 20,
    "track": False,
    "every": 1,
    "detect_width": 0,
}


def host_with_sink(name: str, sink: type):
    """A plugin host with the installed plugins and a benchmark's own ``sink`` class, registered as ``name``."""
    from reactlens import hookimpl
    from reactlens.plugins import PluginHost

    class Bench:
        @hookimpl
        def register_sinks(self, register):
            register(name, sink)

    host = PluginHost()
    host.load_entry_points(allow=[])
    host.add(Bench(), "benchmark")
    return host


def child(spec: Dict) -> Dict:
    """Run one screening in this process and describe it (called with ``--child``)."""
    from reactlens import ResultSink
    from reactlens.profiles import ProfileBook
    from reactlens.screening import Screening

    boxes: Dict[int, List[List[int]]] = {}
    keep = spec.get("keep_boxes", True)

    class BoxLog(ResultSink):
        def write(self, frame, records):
            if keep:
                boxes[frame.index] = [[r.x, r.y, r.w, r.h] for r in records]

    host = host_with_sink("boxlog", BoxLog)
    overrides = {"source.uri": spec["clip"], "sinks": [{"use": "boxlog"}], "max_frames": spec.get("max_frames", 0)}
    overrides.update(spec.get("overrides", {}))
    profile = ProfileBook().resolve("video", overrides)
    summary = Screening(profile, host).run()
    s = summary.stats
    return {
        "fps": s.fps,
        "frames": s.frames,
        "faces_per_frame": s.face_frames / max(s.frames, 1),
        "stage_ms": {k: 1000.0 * v / max(s.frames, 1) for k, v in s.stage_s.items()},
        "latency_ms": {"p50": s.latency_ms(0.5), "p95": s.latency_ms(0.95), "max": s.latency_ms(1.0)},
        "dropped": s.dropped_frames,
        "peak_rss_mb": peak_rss_mb(),
        "boxes": boxes,
    }


def peak_rss_mb() -> float:
    """This process's own peak resident memory (``ru_maxrss`` would include the parent's, kept across exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_code(root: Optional[Path], args: Sequence[str], what: str) -> str:
    """The output of ``python ARGS`` run by this code (``root`` None, as installed) or by the code of checkout
    ``root``, from outside any checkout (``-m`` and ``-c`` import from the current folder first); a failure ends the
    benchmark with ``what`` and the command's last line of errors."""
    env = dict(os.environ) if root is None else dict(os.environ, PYTHONPATH=f"{root}{os.pathsep}{root / 'plugins'}")
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if out.returncode != 0:
        raise SystemExit(f"{what}: {(out.stderr.strip().splitlines() or [f'exit status {out.returncode}'])[-1]}")
    return out.stdout


def own_profile(root: Optional[Path], name: str) -> Dict:
    """The built-in profile ``name`` as the code of ``root`` defines it (each code is compared with its own)."""
    script = f"import json; from reactlens.profiles import BUILTIN_PROFILES as P; print(json.dumps(P[{name!r}]))"
    return json.loads(run_code(root, ["-c", script], f"benchmark: {root}"))


def run_child(spec: Dict, root: Optional[Path] = None) -> Dict:
    """One screening (``child``) in a fresh process, by this code or by the code of checkout ``root``."""
    harness = root / "benchmarks" / "harness.py" if root else Path(__file__)
    out = run_code(root, [str(harness), "--child", json.dumps(spec)], "benchmark run failed")
    return json.loads(out.strip().splitlines()[-1])


#: The full house (``reactlens.full_house``): one composed audience of 374 faces, held still for 100 frames, in full
#: light, at a fifth of it with sensor noise, and lit by a film's flicker.
FULL_HOUSE = {"fullhouse": "full", "fullhouse-dim": "dim", "fullhouse-flicker": "flicker"}
#: The full house is filmed at 30 frames a second: replayed live, it is the camera the full-house issue's live target
#: names (screened from the file, frames are frames whatever their rate).
LIVE_FULL_HOUSE_FPS = 30


def full_house_clip(name: str, tmp: Path, frames: int = 100) -> Tuple[Path, Dict[str, List]]:
    """A full-house clip made from the shared crowd photos, and its faces (every 5th frame: the audience is still)."""
    from reactlens.full_house import compose, photos_of, room_light, write_clip

    image, boxes = compose(photos_of(str(TRUTH / "crowds.xml"), str(SHARED / "media")), seed=1)
    kind = FULL_HOUSE[name]
    light = room_light(frames, seed=1, flicker=kind == "flicker", light=0.2 if kind == "dim" else 1.0)
    path = tmp / f"{name}.mp4"
    write_clip(str(path), image, light, seed=1, fps=LIVE_FULL_HOUSE_FPS)
    return path, {str(i): [list(b) for b in boxes] for i in range(0, frames, 5)}


def truth_for(clip: Path, scale: float = 1.0) -> Optional[Dict[str, List]]:
    """The hand-checked faces of a shared clip (frame → boxes, scaled), or None if it has none."""
    xml = TRUTH / (clip.stem + ".xml")
    if not xml.exists():
        return None
    frames = load_truth(str(xml), str(clip.parent))[0].frames
    return {str(i): [[round(v * scale) for v in box] for box in boxes] for i, boxes in frames.items()}


def against_truth(truth: Dict[str, List], found: Dict[str, List]) -> Dict[str, float]:
    """Recall of the annotated faces (IoU ≥ 0.3) and false faces per annotated frame, in frames processed."""
    faces = matched = false = frames = 0
    for frame, boxes in truth.items():
        if frame not in found:
            continue
        hits = match([tuple(b) for b in boxes], [tuple(b) for b in found[frame]], 0.3)
        faces, matched, frames = faces + len(boxes), matched + hits, frames + 1
        false += len(found[frame]) - hits
    return {"recall": matched / faces if faces else 1.0, "false_per_frame": false / frames if frames else 0.0}


def median_of(runs: List[Dict]) -> Dict:
    """Median of each figure over runs (boxes from the first run: detection is deterministic)."""

    def med(values):
        return statistics.median(values)

    return {
        "runs": len(runs),
        "fps": med([r["fps"] for r in runs]),
        "frames": runs[0]["frames"],
        "faces_per_frame": med([r["faces_per_frame"] for r in runs]),
        "stage_ms": {k: med([r["stage_ms"][k] for r in runs]) for k in runs[0]["stage_ms"]},
        "latency_ms": {k: med([r["latency_ms"][k] for r in runs]) for k in runs[0]["latency_ms"]},
        "dropped": med([r["dropped"] for r in runs]),
        "peak_rss_mb": med([r["peak_rss_mb"] for r in runs]),
        "boxes": runs[0]["boxes"],
    }


#: The pipelines a ``--baseline`` checkout's code runs beside this code's, each with its own profiles.
BEFORE = " (before)"


def benchmark(
    clips: Dict[str, Path],
    truths: Dict[str, Optional[Dict]],
    runs: int,
    max_frames: int,
    seed_model: Path,
    overrides: Dict,
    baseline: Optional[Path] = None,
) -> Dict:
    results = {}
    house = BUILTIN_PROFILES["full-house"]
    before = own_profile(baseline, "full-house") if baseline else None
    for name, path in clips.items():
        base = {"clip": str(path), "max_frames": max_frames}
        ours = {**base, "overrides": overrides}
        haar = {**base, "overrides": {"detector": dict(CAMERA_RATE_HAAR)}}
        full_house = {**base, "overrides": {kind: house[kind] for kind in ("detector", "classifier", "tracker")}}
        seed = {
            **base,
            "overrides": {
                "detector": SEED_DETECTOR,
                "tracker": "none",
                "classifier": {"use": "onnx", "model": str(seed_model), "threads": 1, "runtime": "onnxruntime"},
            },
        }
        webcam = BUILTIN_PROFILES["webcam"]["detector"]
        live = {**base, "overrides": {"detector": dict(webcam), **overrides, "source.live": True}}
        if name in FULL_HOUSE:  # a live full house: the full-house profile's components (scanning on a second thread)
            live = {**base, "overrides": {**full_house["overrides"], "source.live": True}}
        pipelines = [("seed", seed, None), ("haar", haar, None), ("reactlens", ours, None)]
        if before is not None:
            pipelines.append(("reactlens" + BEFORE, base, baseline))
        pipelines.append(("full-house", full_house, None))
        if before is not None:
            kinds = ("detector", "classifier", "tracker")
            pipelines.append(("full-house" + BEFORE, {**base, "overrides": {k: before[k] for k in kinds}}, baseline))
        if name in FULL_HOUSE:  # the full-house profile with the portrait smile-net, side by side with smile-net-32
            portrait = {**full_house["overrides"], "classifier": {**house["classifier"], "model": SMILE_NET_ONNX}}
            pipelines.append((FULL_HOUSE_48, {**base, "overrides": portrait}, None))
        pipelines.append(("live", live, None))
        done: Dict[str, List[Dict]] = {label: [] for label, _, _ in pipelines}
        for run in range(runs):  # each run of every pipeline in turn: the machine's drift falls on them alike
            print(f"  {name}: run {run + 1} of {runs}", file=sys.stderr, flush=True)
            for label, spec, root in pipelines:
                done[label].append(run_child(spec, root))
        entry = {label: median_of(them) for label, them in done.items()}
        truth = truths.get(name)
        for label in entry:
            if truth is not None:
                entry[label].update(against_truth(truth, entry[label]["boxes"]))
            else:
                # no hand-checked faces: the share of the seed's detections found, and no false-face count
                entry[label].update(against_truth(entry["seed"]["boxes"], entry[label]["boxes"]), false_per_frame=None)
        for label in entry:
            entry[label].pop("boxes")
        entry["speedup"] = entry["reactlens"]["fps"] / entry["seed"]["fps"]
        results[name] = entry
    return results


def repeat_clip(source: Path, times: int, out: Path, width: int = 0) -> Path:
    """``source`` played ``times`` times over (scaled to ``width`` pixels wide if given), as one video file."""
    import cv2

    capture = cv2.VideoCapture(str(source))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        if width:
            image = cv2.resize(image, (width, image.shape[0] * width // image.shape[1]), interpolation=cv2.INTER_AREA)
        frames.append(image)
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for _ in range(times):
        for image in frames:
            writer.write(image)
    writer.release()
    return out


def memory(times: int, tmp: Path) -> str:
    """Peak memory screening the stage clip once and ``times`` times over, as a markdown table."""
    lines = ["| video | frames | fps | peak MB |", "|---|---|---|---|"]
    for repeat in (1, times):
        clip = repeat_clip(CLIPS["stage"], repeat, tmp / f"stage-x{repeat}.mp4")
        r = run_child({"clip": str(clip), "keep_boxes": False})
        lines.append(f"| stage × {repeat} | {r['frames']} | {r['fps']:.1f} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def markdown(results: Dict) -> str:
    lines = [
        "| clip | pipeline | fps | wait for frame | detect | classify | track | sinks (ms/frame) | faces/frame "
        "| recall | false/frame | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def false(r: Dict) -> str:
        return "" if r["false_per_frame"] is None else f"{r['false_per_frame']:.2f}"

    for clip, entry in results.items():
        for label in (label for label in entry if label not in ("live", "speedup")):
            r = entry[label]
            st = r["stage_ms"]
            lines.append(
                f"| {clip} | {label} | {r['fps']:.1f} | {st['decode']:.1f} | {st['detect']:.1f} | {st['classify']:.1f} "
                f"| {st['track']:.2f} | {st['sinks']:.2f} | {r['faces_per_frame']:.2f} "
                f"| {r['recall']:.3f} | {false(r)} | {r['peak_rss_mb']:.0f} |"
            )
        lines.append(f"| {clip} | speed-up vs seed | **{entry['speedup']:.1f}×** | | | | | | | | | |")
    lines += [
        "",
        "| clip | live: fps | dropped frames | latency p50 / p95 / max (ms) | recall | false/frame |",
        "|---|---|---|---|---|---|",
    ]
    for clip, entry in results.items():
        r = entry["live"]
        lat = r["latency_ms"]
        lines.append(
            f"| {clip} | {r['fps']:.1f} | {r['dropped']:.0f} of {r['frames'] + r['dropped']:.0f} "
            f"| {lat['p50']:.0f} / {lat['p95']:.0f} / {lat['max']:.0f} | {r['recall']:.3f} | {false(r)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clips", help=f"comma-separated, of {ALL_CLIPS} (--quick: {QUICK_CLIPS})")
    parser.add_argument("--quick", action="store_true", help="one run of 15 frames per clip (CI)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--memory", type=int, metavar="N", help="only measure memory: stage clip once vs N times")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override the video profile, as reactlens run"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of reactlens (a git worktree): its `video` and `full-house` "
        "profiles run beside this code's, alternately",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    sys.path.insert(0, str(HERE))
    from seed_model import build

    from reactlens.demo import build_clip
    from reactlens.profiles import parse_sets

    tmp = Path(tempfile.mkdtemp(prefix="reactlens-bench-"))
    if args.memory:
        print(memory(args.memory, tmp))
        return
    clips: Dict[str, Path] = {}
    truths: Dict[str, Optional[Dict]] = {}
    for name in (args.clips or (QUICK_CLIPS if args.quick else ALL_CLIPS)).split(","):
        if name == "demo":
            clips["demo"] = build_clip(tmp / "demo.mp4")[0]
        elif name in FULL_HOUSE and (SHARED / "media" / "crowds").is_dir():
            clips[name], truths[name] = full_house_clip(name, tmp, 15 if args.quick else 100)
        elif name == "crowd720" and CLIPS[name].exists():
            clips[name] = repeat_clip(CLIPS[name], 1, tmp / "crowd_720p.mp4", width=1280)
            truths[name] = truth_for(CLIPS[name], 1280 / 1920)
        elif name in CLIPS and CLIPS[name].exists():
            clips[name], truths[name] = CLIPS[name], truth_for(CLIPS[name])
        else:
            print(f"skipping {name}: {CLIPS.get(name, name)} not found", file=sys.stderr)
    if args.baseline and not (args.baseline / "benchmarks" / "harness.py").exists():
        raise SystemExit(f"harness: {args.baseline} is not a reactlens checkout; pass one")
    runs, max_frames = (1, 15) if args.quick else (args.runs, 0)
    overrides = parse_sets(args.set)
    baseline = args.baseline.resolve() if args.baseline else None
    results = benchmark(clips, truths, runs, max_frames, build(tmp / "seed-smile-net.onnx"), overrides, baseline)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}; medians of {runs} runs" + "".join(f"; {k}={v}" for k, v in overrides.items()))
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "runs": runs, "results": results}, indent=2))


if __name__ == "__main__":
    main()
