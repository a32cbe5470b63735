"""Live: how long after a viewer comes into view the detector reports them.

    python benchmarks/new_viewer_latency.py [--runs 20] [--set detector.every=1]

A live 30 fps stream of a real 1080p scene (the shared crowd clip's first frame with every face painted
over) in which, at a random moment, a real face appears (the same frame unpainted). Each frame is given
to the `webcam` profile's detector at its capture time, as the screening loop would (frames that arrive
while it works are dropped, as a live source drops them); the latency is the time from the capture of
the first frame showing the face to the moment ``detect`` returns it. Medians and the 95th percentile
over ``--runs`` appearances, on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import cv2

from reactlens.components import Frame
from reactlens.faces import iou
from reactlens.plugins import PluginHost
from reactlens.profiles import ProfileBook, parse_sets

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
FPS = 30.0


def scenes():
    """(the scene with no visible face, the same scene with its faces, the boxes of those faces)."""
    capture = cv2.VideoCapture(str(SHARED / "media" / "crowd_1080p.mp4"))
    ok, with_faces = capture.read()
    if not ok:
        raise SystemExit("the shared crowd clip is needed: put ../shared beside the checkout")
    from reactlens_onnx.centerface import CenterFaceDetector

    faces = [d.box for d in CenterFaceDetector(square=False).detect(Frame(with_faces, 0, 0.0, 0.0))]
    empty = with_faces.copy()
    for x, y, w, h in faces:  # paint each face over with a blur of its surroundings
        x0, y0, x1, y1 = max(0, x - w // 2), max(0, y - h // 2), x + w + w // 2, y + h + h // 2
        empty[y0:y1, x0:x1] = cv2.blur(empty[y0:y1, x0:x1], (61, 61))
    return empty, with_faces, faces


def one_appearance(detector, empty, with_faces, faces, start_index: int, rng: random.Random) -> float:
    """Seconds from the face's first captured frame until ``detect`` reports it."""
    target = faces[0]
    appear_at = rng.uniform(1.0, 2.0)  # seconds of empty scene first, so the detector is in its stride
    t0 = time.monotonic()
    while True:
        now = time.monotonic() - t0
        frame_no = int(now * FPS)  # the newest frame the camera has captured: older ones were dropped
        captured = t0 + frame_no / FPS
        image = with_faces if frame_no / FPS >= appear_at else empty
        found = detector.detect(Frame(image, start_index + frame_no, frame_no / FPS, captured))
        if image is with_faces and any(iou(d.box, target) >= 0.3 for d in found):
            return time.monotonic() - (t0 + appear_at)
        wait = t0 + (frame_no + 1) / FPS - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # the next frame is not captured yet
        if now > appear_at + 5.0:
            return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override the webcam profile")
    args = parser.parse_args()
    profile = ProfileBook().resolve("webcam", parse_sets(args.set))
    host = PluginHost()
    host.load_entry_points(allow=[])
    empty, with_faces, faces = scenes()
    # the face that appears: the largest, so every detector setting can find it in one scan
    faces.sort(key=lambda b: -b[2] * b[3])
    rng = random.Random(0)
    latencies = []
    for run in range(args.runs):
        detector = host.create("detector", profile.detector.use, dict(profile.detector.options))
        latencies.append(one_appearance(detector, empty, with_faces, faces, run * 10_000, rng))
    ms = sorted(1000.0 * v for v in latencies)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; webcam detector "
        f"{profile.detector.use} {profile.detector.options}; {args.runs} appearances: "
        f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
