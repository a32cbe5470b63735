"""Expression models' time per face on each runtime, side by side, and how far the runtimes' scores differ.

    python benchmarks/model_latency.py [MODEL.onnx ...] [--runs 5] [--iterations 200] [--faces DIR]
    python benchmarks/model_latency.py smile-net.onnx smile-net-32.onnx   # the shipped two, side by side

Runs each model as the ``onnx`` classifier does (``reactlens_onnx.classifier.OnnxClassifier``: the same crops, the
same batches of at most ``MAX_BATCH``) on ONNX Runtime and on OpenVINO, on one and two threads, for batches of 1, 8
and 32 real face crops (the shared SMILEsmileD faces, both labels); with several models, their runs alternate. Prints
the median over runs of each run's median time a face, and, over every face, the largest difference between the two
runtimes' probabilities and the share of faces given the same label.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np
import onnxruntime as ort
import openvino as ov
from reactlens_models import SMILE_NET_ONNX, chosen_model
from reactlens_onnx.classifier import MAX_BATCH, OnnxClassifier

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))


def faces(folder: Path, count: int) -> np.ndarray:
    """``count`` face crops (64×64, grey) from each label folder, as one BGR image per face."""
    out = []
    for label in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(label.glob("*.jpg"))[:count]:
            out.append(cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2BGR))
    return np.stack(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=[SMILE_NET_ONNX], help="paths, or shipped models' file names")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--faces", type=Path, default=SHARED / "datasets" / "smilesmiled")
    args = parser.parse_args()
    crops = faces(args.faces, 256)
    side = crops.shape[1]
    boxes = [(0, 0, side, side)]
    paths = [str(chosen_model(m, SMILE_NET_ONNX)) for m in args.models]
    for path in paths:
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} KB")
    print(
        f"{len(crops)} faces from {args.faces}; machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; onnxruntime {ort.__version__}, openvino {ov.__version__.split('-')[0]}"
    )
    scores: Dict[str, Dict[str, np.ndarray]] = {path: {} for path in paths}
    for threads in (1, 2):
        for runtime in ("onnxruntime", "openvino"):
            classifiers = {path: OnnxClassifier(path, threads=threads, runtime=runtime) for path in paths}
            # each face cropped as a screening crops its box
            tensors = {p: np.concatenate([c.preprocess(crop, boxes) for crop in crops]) for p, c in classifiers.items()}
            for path, classifier in classifiers.items():
                scores[path][runtime] = classifier.infer(tensors[path])
            lines: Dict[str, List[str]] = {path: [] for path in paths}
            for batch in (1, 8, MAX_BATCH):
                for path, classifier in classifiers.items():
                    for _ in range(20):
                        classifier.infer(tensors[path][:batch])
                medians: Dict[str, List[float]] = {path: [] for path in paths}
                for _ in range(args.runs):
                    for path, classifier in classifiers.items():
                        x = tensors[path][:batch]
                        times = []
                        for _ in range(args.iterations):
                            start = time.perf_counter()
                            classifier.infer(x)
                            times.append(time.perf_counter() - start)
                        medians[path].append(float(np.median(times)) / batch)
                for path in paths:
                    lines[path].append(f"batch {batch}: {1000 * np.median(medians[path]):.3f}")
            for path in paths:
                name = os.path.basename(path)
                print(
                    f"{name:<18} {runtime:<12} {threads} thread{'s' if threads > 1 else ' '}  "
                    + " · ".join(lines[path])
                    + " ms a face"
                )
    for path in paths:
        a, b = scores[path]["onnxruntime"], scores[path]["openvino"]
        same = float(np.mean(a.argmax(axis=1) == b.argmax(axis=1)))
        largest = float(np.abs(a - b).max())
        print(
            f"{os.path.basename(path)}: runtimes' agreement over {len(a)} faces: largest probability difference "
            f"{largest:.4f}, same label {same:.4f}"
        )


if __name__ == "__main__":
    main()
