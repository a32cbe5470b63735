"""Build ``models/smile-net-32-int8.onnx``, smile-net-32 quantized to int8, and check it against smile-net-32.

    python scripts/make_smile_net_int8.py calibrate                    # the project's environment
    python -m venv /tmp/quant && /tmp/quant/bin/pip install onnxruntime==1.32.0 onnx==1.23.2
    /tmp/quant/bin/python scripts/make_smile_net_int8.py quantize      # writes the model, prints its sha256
    python scripts/make_smile_net_int8.py check                        # the project's environment

``calibrate`` writes the int8 model's calibration inputs: 60 FER-2013 training faces of each of its seven expressions,
shrunk to a far seat's 20 px and made into smile-net-32's input by the classifier itself (as ``reactlens evaluate
--face-px 20`` does). ``quantize`` is ONNX Runtime's static quantization (QDQ: uint8 activations from the calibration's
ranges, int8 weights per output channel), which the project's environment cannot run: its ``onnx`` is pinned at 1.14
for MXNet's exporter and the quantizer needs a newer one. ``check`` scores FER-2013's 7,178 test faces at 20 px with
both models on OpenVINO, as the ``full-house`` profile runs them, and fails unless the int8 model gives the same label
to at least 0.99 of them and is no less accurate than smile-net-32 by more than half a point.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from itertools import groupby, islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = HERE.parent / "models"
SOURCE, OUT = MODELS / "smile-net-32.onnx", MODELS / "smile-net-32-int8.onnx"
CALIBRATION = HERE.parent / "build" / "smile-net-32-int8" / "calibration.npy"
FER = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared")) / "datasets" / "fer2013"
FACE_PX = 20
PER_EXPRESSION = 60
#: What the int8 model must keep of smile-net-32's.
SAME_LABEL, ACCURACY_LOST = 0.99, 0.005


def fer_faces(split: str, per_expression: int = 0):
    """(path, label index) of FER-2013's ``split`` faces, happy as smile and the six others neutral: all, or the first
    ``per_expression`` of each expression."""
    from reactlens.evaluate import labelled_images

    items = labelled_images(str(FER / split), ("neutral", "smile"), {"happy": "smile"}, "neutral")
    if not per_expression:
        return items
    by_folder = groupby(items, key=lambda item: os.path.dirname(item[0]))
    return [item for _, faces in by_folder for item in islice(faces, per_expression)]


def calibrate() -> None:
    import cv2
    import numpy as np
    from reactlens_onnx.classifier import OnnxClassifier

    from reactlens.evaluate import as_crop

    classifier = OnnxClassifier(model=str(SOURCE))
    tensors = []
    for path, _ in fer_faces("train", PER_EXPRESSION):
        image, box = as_crop(cv2.imread(path, cv2.IMREAD_COLOR), classifier, FACE_PX)
        tensors.append(classifier.preprocess(image, [box]))
    CALIBRATION.parent.mkdir(parents=True, exist_ok=True)
    np.save(CALIBRATION, np.concatenate(tensors))
    print(f"wrote {CALIBRATION}: {len(tensors)} faces at {FACE_PX} px")


def quantize() -> None:
    import numpy as np

    try:
        import onnx
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except (ImportError, AttributeError) as exc:  # the project's onnx 1.14 fails inside the quantizer's import
        raise SystemExit(
            f"ONNX Runtime's quantizer cannot load here ({exc}): run `quantize` in its own environment"
        ) from None
    if not CALIBRATION.exists():
        raise SystemExit(f"{CALIBRATION} not found: run `calibrate` first, in the project's environment")
    faces = np.load(CALIBRATION)
    name = onnx.load(str(SOURCE)).graph.input[0].name

    class Faces(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{name: faces[i : i + 1]} for i in range(len(faces))])

        def get_next(self):
            return next(self.batches, None)

    prepared = CALIBRATION.with_name("prepared.onnx")
    quant_pre_process(str(SOURCE), str(prepared), skip_symbolic_shape=True)
    quantize_static(
        str(prepared),
        str(OUT),
        Faces(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes) sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")


def check() -> int:
    import numpy as np
    from reactlens_onnx.classifier import OnnxClassifier

    from reactlens.evaluate import evaluate

    items = fer_faces("test")
    said, accuracy = [], []
    for path in (SOURCE, OUT):
        result = evaluate(items, OnnxClassifier(model=str(path)), face_px=FACE_PX)
        said.append(np.array([p.scores[1] for p in result.predictions]))
        accuracy.append(float(result.metrics["accuracy"]))
        print(f"{path.name}: accuracy {accuracy[-1]:.4f} on {len(items)} FER-2013 test faces at {FACE_PX} px")
    fp32, int8 = said
    same = float(np.mean((fp32 > 0.5) == (int8 > 0.5)))
    lost = accuracy[0] - accuracy[1]
    gap = np.abs(fp32 - int8)
    print(
        f"the same label for {same:.4f} of the faces; smile probability within {gap.max():.3f} (mean {gap.mean():.4f})"
    )
    if same < SAME_LABEL or lost > ACCURACY_LOST:
        print(
            f"not kept: it must give the same label to {SAME_LABEL} of the faces and lose at most {ACCURACY_LOST} "
            "of accuracy",
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("calibrate", "quantize", "check"))
    step = parser.parse_args().step
    if step == "quantize":  # in an environment of its own, without reactlens
        quantize()
        return 0
    from reactlens.errors import ReactlensError

    try:
        if step == "check":
            return check()
        calibrate()
    except ReactlensError as exc:  # the shared data or a model missing
        raise SystemExit(f"make_smile_net_int8: {exc}") from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
