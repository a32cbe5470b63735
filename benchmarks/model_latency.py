"""An expression model's time per face on each runtime, side by side, and how far their scores differ.

    python benchmarks/model_latency.py [MODEL.onnx] [--runs 5] [--iterations 200] [--faces DIR]

Runs the model as the ``onnx`` classifier does (``reactlens_onnx.classifier.OnnxClassifier``: the same crops, the
same batches of at most 64) on ONNX Runtime and on OpenVINO, on one and two threads, for batches of 1, 8 and 64 real
face crops (the shared SMILEsmileD faces, both labels). Prints the median over runs of each run's median time a
face, and, over every face, the largest difference between the two runtimes' probabilities and the share of faces
given the same label.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import openvino as ov
from reactlens_models import model_path
from reactlens_onnx.classifier import OnnxClassifier

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
    parser.add_argument("model", nargs="?", default=str(model_path()))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--faces", type=Path, default=SHARED / "datasets" / "smilesmiled")
    args = parser.parse_args()
    crops = faces(args.faces, 256)
    side = crops.shape[1]
    boxes = [(0, 0, side, side)]
    print(f"{args.model}: {os.path.getsize(args.model) / 1024:.0f} KB; {len(crops)} faces from {args.faces}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"onnxruntime {ort.__version__}, openvino {ov.__version__.split('-')[0]}"
    )
    tensors = None
    scores = {}
    for threads in (1, 2):
        for runtime in ("onnxruntime", "openvino"):
            classifier = OnnxClassifier(args.model, threads=threads, runtime=runtime)
            if tensors is None:  # each face cropped as a screening crops its box
                tensors = np.concatenate([classifier.preprocess(crop, boxes) for crop in crops])
            scores[runtime] = classifier._run(tensors)
            line = []
            for batch in (1, 8, 64):
                x = tensors[:batch]
                for _ in range(20):
                    classifier._run(x)
                medians = []
                for _ in range(args.runs):
                    times = []
                    for _ in range(args.iterations):
                        start = time.perf_counter()
                        classifier._run(x)
                        times.append(time.perf_counter() - start)
                    medians.append(np.median(times) / batch)
                line.append(f"batch {batch}: {1000 * np.median(medians):.3f}")
            print(f"{runtime:<12} {threads} thread{'s' if threads > 1 else ' '}  " + " · ".join(line) + " ms a face")
    a, b = scores["onnxruntime"], scores["openvino"]
    same = float(np.mean(a.argmax(axis=1) == b.argmax(axis=1)))
    largest = float(np.abs(a - b).max())
    print(f"agreement over {len(a)} faces: largest probability difference {largest:.4f}, same label {same:.4f}")


if __name__ == "__main__":
    main()
