"""Does OpenVINO find YuNet-n's faces as ONNX Runtime does, and how much faster? A video's scans on each runtime.

    python benchmarks/scan_runtime.py [--runs 5] [--threads 1 2]

Scans frames of the walking crowd (``../shared/media/crowd_1080p.mp4``, every 3rd frame) and of the composed full
houses in ``build/full_house`` (``python benchmarks/full_house.py --out build/full_house`` makes them: seeds 3 and 4
and the flickering one, every 25th frame; seed 3 also at a fifth of the light with sensor noise) as the detector's
``detect_same_size`` does, at the `video` profile's 960 pixels wide and at the full 1920, with YuNet-n on ONNX Runtime
(``detect``) and on OpenVINO at its default precision (``scan_runtime=openvino``: bf16 on a CPU that has it). Prints,
for each set and width, the share of ONNX Runtime's faces OpenVINO found (IoU ≥ 0.5) and the faces only OpenVINO
found; then the median time a scan on each runtime, runs alternated, on each number of threads.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import cv2
import numpy as np
from reactlens_onnx.session import has_bf16
from reactlens_onnx.yunet import YuNetDetector
from reactlens_opencv.source import OpenCVSource

from reactlens.components import Frame
from reactlens.detector_eval import darkened
from reactlens.faces import iou_matrix

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
FULL_HOUSE = HERE.parent / "build" / "full_house"
#: (set, file, every how many frames, at a fifth of the light too)
SETS = [
    ("crowd", SHARED / "media" / "crowd_1080p.mp4", 3, False),
    ("full house 3", FULL_HOUSE / "full_house_3.mp4", 25, True),
    ("full house 4", FULL_HOUSE / "full_house_4.mp4", 25, False),
    ("full house, flicker", FULL_HOUSE / "full_house_flicker.mp4", 25, False),
]
WIDTHS = (960, 1920)


def pictures() -> Iterator[Tuple[str, np.ndarray]]:
    """(set name, 1080p frame) of every set, each set's frames in order."""
    for name, path, every, dim in SETS:
        if not path.exists():
            raise SystemExit(f"{path} not found: make it with python benchmarks/full_house.py --out build/full_house")
        source = OpenCVSource(str(path))
        try:
            for frame in source.frames():
                if frame.index % every == 0:
                    yield name, frame.image
                    if dim:
                        yield f"{name}, a fifth of the light", darkened(frame.image, 0.2, seed=frame.index)
        finally:
            source.close()


def at_width(image: np.ndarray, width: int) -> Frame:
    """``image`` as a scan of it at ``width`` pixels sees it."""
    scale = width / image.shape[1]
    if scale < 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return Frame(image, 0, 0.0, 0.0, scale=min(scale, 1.0))


def agreement() -> None:
    reference, compiled = YuNetDetector(), YuNetDetector(scan_runtime="openvino")
    counts: Dict[Tuple[str, int], List[int]] = {}
    for name, image in pictures():
        for width in WIDTHS:
            frame = at_width(image, width)
            want, got = reference.detect(frame), compiled.detect_same_size(frame)
            overlap = iou_matrix([d.box for d in want], [d.box for d in got]).reshape(len(want), len(got))
            found = int((overlap.max(axis=1, initial=0.0) >= 0.5).sum())
            extra = int((overlap.max(axis=0, initial=0.0) < 0.5).sum())
            count = counts.setdefault((name, width), [0, 0, 0])
            count[0], count[1], count[2] = count[0] + len(want), count[1] + found, count[2] + extra
    print("| frames | width | ONNX Runtime's faces | found on OpenVINO | only on OpenVINO |")
    print("|---|---|---|---|---|")
    for (name, width), (want, found, extra) in counts.items():
        print(f"| {name} | {width} | {want} | {found / max(want, 1):.4f} | {extra} |")
    want, found, extra = (sum(c[i] for c in counts.values()) for i in range(3))
    print(f"| all | | {want} | **{found / want:.4f}** | {extra} |")


def timing(runs: int, threads: List[int]) -> None:
    image = next(image for name, image in pictures() if name == "crowd")
    print("\n| scan | threads | ONNX Runtime ms | OpenVINO ms |")
    print("|---|---|---|---|")
    for count in threads:
        reference = YuNetDetector(threads=count)
        compiled = YuNetDetector(threads=count, scan_runtime="openvino")
        for width in WIDTHS:
            frame = at_width(image, width)
            compiled.detect_same_size(frame)  # compiled for its size before the clock starts
            times: Dict[str, List[float]] = {"onnxruntime": [], "openvino": []}
            for _ in range(runs):
                for runtime, detect in (("onnxruntime", reference.detect), ("openvino", compiled.detect_same_size)):
                    started = time.perf_counter()
                    detect(frame)
                    times[runtime].append(1000 * (time.perf_counter() - started))
            shape = "×".join(map(str, frame.image.shape[1::-1]))
            ort_ms, ov_ms = (statistics.median(times[k]) for k in ("onnxruntime", "openvino"))
            print(f"| {shape} | {count} | {ort_ms:.1f} | {ov_ms:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed scans on each runtime (alternated)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="threads a runtime runs on")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, bf16: {has_bf16()}\n")
    agreement()
    timing(args.runs, args.threads)


if __name__ == "__main__":
    main()
