"""Still images as frames: one photo, a folder of photos, or a glob, screened by the same loop as video."""

from __future__ import annotations

import logging
import time
from typing import Iterator, Union

import cv2

from reactlens.components import Frame, FrameSource
from reactlens.errors import ReactlensError
from reactlens.stills import IMAGE_EXTENSIONS, list_stills

log = logging.getLogger("reactlens")


class StillsSource(FrameSource):
    """Each image is one frame, in path order, ``1 / fps`` seconds apart on the timeline.

    ``uri``: an image file, a folder (its images; ``recursive`` for subfolders too) or a glob. An image that
    cannot be decoded is skipped with a warning naming it, and counted. Records carry the image's path.
    """

    stills = True

    def __init__(self, uri: Union[str, None] = None, fps: float = 1.0, recursive: bool = False) -> None:
        if not uri:
            raise ReactlensError("no images given", "pass --source PHOTO, a folder or a glob such as 'photos/*.jpg'")
        if float(fps) <= 0:
            raise ReactlensError(f"stills fps={fps} must be above 0", "use 1 (one image per second of timeline)")
        self.uri = str(uri)
        self.paths = list_stills(self.uri, bool(recursive))
        if not self.paths:
            raise ReactlensError(
                f"no images in {self.uri}",
                f"pass image files ({', '.join(IMAGE_EXTENSIONS[:5])}…), or --set source.recursive=true for subfolders",
            )
        self.rate = self.fps = float(fps)
        self.total_frames = len(self.paths)
        self.description = self.uri
        #: Images that could not be decoded.
        self.unreadable = 0

    def frames(self) -> Iterator[Frame]:
        for index, path in enumerate(self.paths):
            image = cv2.imread(path, cv2.IMREAD_COLOR)  # EXIF orientation applied
            if image is None:
                self.unreadable += 1
                log.warning("skipping %s: not a readable image", path)
                continue
            yield Frame(image, index, index / self.rate, time.monotonic(), name=path)
