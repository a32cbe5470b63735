"""Ship YuNet-n as ``models/yunet-n.onnx`` and measure its Haar box calibration.

    python scripts/make_yunet_model.py ../shared/models/yunet/yunet_n_dynamic.onnx   # copy, checksum checked
    python scripts/make_yunet_model.py --calibrate        # HAAR_SIDE / HAAR_SHIFT_Y of reactlens_onnx.yunet

The file is the public ShiqiYu/libfacedetection.train ``onnx/yunet_n_dynamic.onnx`` (Apache-2.0), shipped unmodified.
``--calibrate`` matches YuNet's own boxes with a Haar cascade's on the shared clips and photos and prints the medians
the detector's square box uses. No int8 copy is shipped: ONNX Runtime's static int8 (reduced ranges, per channel) ran
YuNet slower at 1080p than fp32 on a CPU without VNNI (the README's full house says what was measured).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "models" / "yunet-n.onnx"
SHA256 = "104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12"


def install(source: Path) -> None:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{source} has sha256 {digest}, not the published file's {SHA256}")
    shutil.copyfile(source, OUT)
    print(f"wrote {OUT} sha256 {digest}")


def calibrate(shared: Path) -> None:
    from haar_calibration import haar_calibration
    from reactlens_onnx.yunet import YuNetDetector

    rows, side, shift = haar_calibration(YuNetDetector(square=False, threads=1), shared)
    print(f"{rows} faces found by both: HAAR_SIDE = {side:.2f}, HAAR_SHIFT_Y = {shift:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help="the published yunet_n_dynamic.onnx")
    parser.add_argument("--calibrate", action="store_true", help="measure the Haar box calibration")
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared", help="the shared data folder")
    args = parser.parse_args()
    if args.calibrate:
        calibrate(args.shared)
    elif args.source:
        install(args.source)
    else:
        parser.error("give the published model file, or --calibrate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
