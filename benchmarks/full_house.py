"""Build the full-house evaluation set: 1920×1080 clips of a seated audience composed from the shared crowd photos.

    python benchmarks/full_house.py --out build/full_house
    reactlens evaluate-detector build/full_house/full_house.xml                  # full light
    reactlens evaluate-detector build/full_house/full_house.xml --light 0.2      # a fifth of it, sensor noise
    reactlens evaluate-detector build/full_house/full_house_flicker.xml          # lit by a film

The faces' boxes come from ``benchmarks/ground_truth/crowds.xml`` (checked by eye, see its comment); the photos from
``../shared/media/crowds``. See ``reactlens/full_house.py`` for how the frames are made.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
CROWDS_TRUTH = HERE / "ground_truth" / "crowds.xml"


def main() -> int:
    from reactlens.full_house import build, photos_of

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/full_house"), help="folder for the clips and XML")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[1, 2, 3, 4],
        help="one held crowd for each composition seed (374-467 faces; seed 67: 536)",
    )
    parser.add_argument("--frames", type=int, default=50, help="frames of each held crowd (the flicker clip: 4×)")
    parser.add_argument("--media", type=Path, default=SHARED / "media", help="the folder holding crowds/")
    args = parser.parse_args()
    if not (args.media / "crowds").is_dir():
        print(f"full_house: {args.media / 'crowds'} not found; pass --media DIR", file=sys.stderr)
        return 2
    for xml in build(str(args.out), photos_of(str(CROWDS_TRUTH), str(args.media)), args.seeds, args.frames):
        print(xml)
    return 0


if __name__ == "__main__":
    sys.exit(main())
