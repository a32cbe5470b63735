"""Per-face latency of an ONNX expression model on one CPU thread (ONNX Runtime).

    python benchmarks/model_latency.py [MODEL.onnx] [--runs 5] [--iterations 500]

Prints the median over runs of each run's median time per face, for batches of 1 and 8 faces.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import onnxruntime as ort
from reactlens_models import model_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(model_path()))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    spec = session.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in spec.shape]
    print(f"{args.model}: {os.path.getsize(args.model) / 1024:.0f} KB, input {spec.shape}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, onnxruntime {ort.__version__}"
    )
    for batch in (1, 8) if not isinstance(spec.shape[0], int) else (spec.shape[0],):
        x = np.random.default_rng(0).uniform(0, 255, size=[batch, *shape[1:]]).astype(np.float32)
        for _ in range(50):
            session.run(None, {spec.name: x})
        medians = []
        for _ in range(args.runs):
            times = []
            for _ in range(args.iterations):
                start = time.perf_counter()
                session.run(None, {spec.name: x})
                times.append(time.perf_counter() - start)
            medians.append(np.median(times) / batch)
        print(f"batch {batch}: {1000 * np.median(medians):.3f} ms per face (median of {args.runs} runs)")


if __name__ == "__main__":
    main()
