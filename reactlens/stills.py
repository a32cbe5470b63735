"""Which sources are still images, and the images they name (the ``stills`` source and ``reactlens run`` agree)."""

from __future__ import annotations

import glob
import os
from typing import List

from .errors import ReactlensError

#: File endings read as still images (OpenCV's decoders; case does not matter).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm")


def is_image(path: str) -> bool:
    return path.lower().endswith(IMAGE_EXTENSIONS)


def is_stills(uri: object) -> bool:
    """Whether a ``--source`` names stills: an image file, a folder, or a glob (``photos/*.jpg``)."""
    if not isinstance(uri, str) or "://" in uri:
        return False
    return is_image(uri) or os.path.isdir(uri) or glob.has_magic(uri)


def list_stills(uri: str, recursive: bool = False) -> List[str]:
    """The images ``uri`` names, in a stable order (sorted by path)."""
    if os.path.isdir(uri):
        pattern = os.path.join(glob.escape(uri), "**", "*") if recursive else os.path.join(glob.escape(uri), "*")
        paths = glob.glob(pattern, recursive=recursive)
    elif glob.has_magic(uri):
        paths = glob.glob(uri, recursive=recursive)
    elif os.path.exists(uri):
        paths = [uri]
    else:
        raise ReactlensError(f"image {uri} not found", "check the --source path")
    return sorted(p for p in paths if is_image(p) and os.path.isfile(p))
