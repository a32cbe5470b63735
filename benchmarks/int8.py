"""Would int8 speed up the full house? smile-net-32 and YuNet-n quantized by NNCF, against fp32, on this CPU.

    python benchmarks/int8.py prepare build/int8                 # in the project's environment
    python -m venv /tmp/int8 && /tmp/int8/bin/pip install nncf openvino onnxruntime
    /tmp/int8/bin/python benchmarks/int8.py measure build/int8   # in an environment with NNCF

NNCF needs numpy 2 and the training extra's MXNet numpy < 1.24, so the two steps run in two environments: ``prepare``
writes the models' inputs with the project's own preprocessing (smile-net-32's crops of FER-2013 faces shrunk to a far
seat's 20 px — 60 training faces a class to calibrate, all 7,178 test faces to measure — and YuNet's 1080p blobs of
the composed audiences in ``build/full_house``: six frames of two to calibrate, four of two others to time); ``measure``
quantizes both with NNCF's post-training quantization for OpenVINO and prints accuracy, agreement and time against
OpenVINO at its default precision (bf16 on a CPU that has it), median of alternated runs on one thread (smile-net-32,
batches of 25) and two (YuNet, and ONNX Runtime beside). The README's full house has the figures.
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = HERE.parent / "models"
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
FACE_PX = 20


def prepare(out: Path) -> None:
    import av
    import cv2
    from reactlens_onnx.classifier import OnnxClassifier
    from reactlens_onnx.face_cnn import aligned_blob

    classifier = OnnxClassifier(model="smile-net-32.onnx")
    width, height = classifier.spec.size

    def faces(split: str, per_class: int) -> tuple:
        crops, smiling = [], []
        for emotion in sorted(glob.glob(str(SHARED / "datasets" / "fer2013" / split / "*"))):
            for path in sorted(glob.glob(os.path.join(emotion, "*")))[:per_class]:
                gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
                small = cv2.resize(gray, (FACE_PX, FACE_PX), interpolation=cv2.INTER_AREA)
                crops.append(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))
                smiling.append(emotion.endswith("happy"))
        return classifier._tensor(np.stack(crops)), np.asarray(smiling)

    def blobs(clips: List[str], every: int, per_clip: int) -> np.ndarray:
        found = []
        for clip in clips:
            with av.open(str(HERE.parent / "build" / "full_house" / clip)) as container:
                for index, frame in enumerate(container.decode(video=0)):
                    if index % every == 0:
                        found.append(aligned_blob(frame.to_ndarray(format="bgr24"))[0])
                    if index >= every * (per_clip - 1):
                        break
        return np.concatenate(found)

    out.mkdir(parents=True, exist_ok=True)
    calibration, _ = faces("train", 60)
    test, smiling = faces("test", 10**6)
    np.savez(out / "smile-net-32.npz", calibration=calibration, test=test, smiling=smiling)
    calibration = blobs(["full_house_3.mp4", "full_house_4.mp4"], 10, 3)
    np.savez(out / "yunet-n.npz", calibration=calibration, test=blobs(["full_house_1.mp4", "full_house_2.mp4"], 10, 2))
    print(f"wrote {out}/smile-net-32.npz and yunet-n.npz")


def measure(out: Path) -> None:
    import nncf
    import openvino as ov

    core = ov.Core()

    def runner(model, threads: int) -> Callable[[np.ndarray], np.ndarray]:
        compiled = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"})
        request = compiled.create_infer_request()
        return lambda x: np.array(request.infer({0: x})[compiled.outputs[0]])

    def timed(runs: Dict[str, Callable[[], object]], repeats: int) -> Dict[str, float]:
        times: Dict[str, List[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, run in runs.items():
                started = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - started)
        return {name: statistics.median(t) for name, t in times.items()}

    print(f"OpenVINO {ov.__version__}, NNCF {nncf.__version__}; {core.get_property('CPU', 'FULL_DEVICE_NAME')}")
    data = np.load(out / "smile-net-32.npz")
    model = core.read_model(str(MODELS / "smile-net-32.onnx"))
    calibration = data["calibration"]
    quantized = nncf.quantize(model, nncf.Dataset([calibration[i : i + 1] for i in range(len(calibration))]))
    fp32, int8 = runner(model, 1), runner(quantized, 1)
    test, smiling = data["test"], data["smiling"]
    said = {}
    for name, run in (("OpenVINO", fp32), ("OpenVINO int8", int8)):
        probs = np.concatenate([run(test[i : i + 25]) for i in range(0, len(test), 25)])
        said[name] = probs[:, 1] > 0.5
        print(
            f"smile-net-32 {name}: accuracy {np.mean(said[name] == smiling):.4f} on {len(test)} faces at {FACE_PX} px"
        )
    print(f"smile-net-32: the same label for {np.mean(said['OpenVINO'] == said['OpenVINO int8']):.4f} of the faces")
    batch = test[:25]
    ms = timed({"OpenVINO": lambda: fp32(batch), "OpenVINO int8": lambda: int8(batch)}, 300)
    print(
        "smile-net-32 ms a face, batches of 25, one thread: "
        + ", ".join(f"{k} {v * 1000 / 25:.3f}" for k, v in ms.items())
    )

    import onnxruntime as ort

    data = np.load(out / "yunet-n.npz")
    path = str(MODELS / "yunet-n.onnx")
    model = core.read_model(path)
    calibration = data["calibration"]
    quantized = nncf.quantize(model, nncf.Dataset([calibration[i : i + 1] for i in range(len(calibration))]))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    fp32, int8 = runner(model, 2), runner(quantized, 2)
    frames = [data["test"][i : i + 1] for i in range(len(data["test"]))]
    ms = timed(
        {
            "ONNX Runtime fp32": lambda: [session.run(None, {name: f}) for f in frames],
            "OpenVINO": lambda: [fp32(f) for f in frames],
            "OpenVINO int8": lambda: [int8(f) for f in frames],
        },
        3,
    )
    print(
        "YuNet-n ms a 1080p scan, two threads: " + ", ".join(f"{k} {v * 1000 / len(frames):.1f}" for k, v in ms.items())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("prepare", "measure"))
    parser.add_argument("folder", type=Path, help="where prepare writes the models' inputs and measure reads them")
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.folder)
    else:
        measure(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
