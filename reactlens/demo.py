"""A demo clip built from real face photos that ship inside installed packages.

matplotlib ships a portrait of Grace Hopper; scikit-image (the ``demo`` extra) ships a photo of the
astronaut Eileen Collins, smiling. The clip sways, zooms and dims them a little, as an audience
lit by a screen would look to a camera. Its sound, when Debian's ``hedgewars-data`` is installed (the
bootstrap installs it): a quiet room, and a laugh at ``LAUGH_AT`` of the clip.
"""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .errors import ReactlensError

SIZE = (640, 360)
FPS = 25.0
CLIP_SECONDS = 12.0
#: Where in the clip (a share of its length) the room laughs, and the laugh (a hedgewars voice line).
LAUGH_AT = 0.6
LAUGH = "/usr/share/games/hedgewars/Data/Sounds/voices/Surfer/Laugh.ogg"
RATE = 16000


def demo_photos() -> List[Tuple[str, np.ndarray]]:
    """The real face photos available in this installation (at least matplotlib's)."""
    from matplotlib import cbook

    photos = []
    grace = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    if grace is not None:
        photos.append(("Grace Hopper (matplotlib sample data)", grace))
    spec = importlib.util.find_spec("skimage")
    if spec is not None and spec.origin:
        path = os.path.join(os.path.dirname(spec.origin), "data", "astronaut.png")
        if os.path.exists(path):  # read with Pillow: libpng would warn about the file's colour profile
            from PIL import Image

            with Image.open(path) as image:
                astronaut = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)
            photos.append(("Eileen Collins (scikit-image sample data)", astronaut))
    if not photos:
        raise ReactlensError("no sample face photos found", "reinstall reactlens (matplotlib ships grace_hopper.jpg)")
    return photos


def _place(canvas: np.ndarray, photo: np.ndarray, centre: Tuple[float, float], height: float) -> None:
    scale = height / photo.shape[0]
    resized = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    x0, y0 = int(centre[0] - w / 2), int(centre[1] - h / 2)
    cx0, cy0 = max(x0, 0), max(y0, 0)
    cx1, cy1 = min(x0 + w, canvas.shape[1]), min(y0 + h, canvas.shape[0])
    canvas[cy0:cy1, cx0:cx1] = resized[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]


def render_frame(photos: List[np.ndarray], t: float, duration: float) -> np.ndarray:
    """Frame at time ``t``: each viewer in a seat of their own; the second one arrives a third of the way in."""
    width, height = SIZE
    canvas = np.full((height, width, 3), 18, dtype=np.uint8)
    seats = len(photos)
    for i, photo in enumerate(photos):
        if i > 0 and t < duration / 3:
            continue
        phase = 1.7 * i
        cx = width * (i + 0.5) / seats + 8 * math.sin(2 * math.pi * t / 3.1 + phase)
        cy = height / 2 + 4 * math.sin(2 * math.pi * t / 2.3 + phase)
        _place(canvas, photo, (cx, cy), 270 * (1 + 0.05 * math.sin(2 * math.pi * t / 4.7 + phase)))
    glow = 0.85 + 0.15 * math.sin(2 * math.pi * t / 5.0)
    return cv2.convertScaleAbs(canvas, alpha=glow)


def build_clip(path: Path, seconds: float = CLIP_SECONDS) -> Tuple[Path, List[str]]:
    """Write the demo clip to ``path`` (mp4) and return it with the photo credits."""
    photos = demo_photos()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, SIZE)
    if not writer.isOpened():
        raise ReactlensError(f"cannot write {path}", "choose a writable --out folder")
    try:
        for index in range(int(seconds * FPS)):
            writer.write(render_frame([p for _, p in photos], index / FPS, seconds))
    finally:
        writer.release()
    return path, [credit for credit, _ in photos]


def demo_sound(seconds: float) -> Optional[Tuple[np.ndarray, str]]:
    """A quiet room with a laugh at ``LAUGH_AT``, and its credit; None without hedgewars-data."""
    if not os.path.exists(LAUGH):
        return None
    from .room import read_sound

    laugh = read_sound(LAUGH, RATE)
    sound = np.random.default_rng(0).normal(0.0, 0.003, int(seconds * RATE)).astype(np.float32)
    start = int(LAUGH_AT * seconds * RATE)
    sound[start : start + len(laugh)] += 0.8 * laugh[: len(sound) - start]
    return sound, "a laugh (Debian's hedgewars-data, GFDL)"


def add_sound(path: Path, sound: np.ndarray, rate: int = RATE) -> None:
    """Give the video at ``path`` an AAC track of ``sound`` (mono floats); its frames are copied as they are."""
    import av

    silent = path.with_name(path.stem + "-silent" + path.suffix)
    os.replace(path, silent)
    try:
        with av.open(str(silent)) as source, av.open(str(path), "w") as target:
            video = target.add_stream_from_template(source.streams.video[0])
            audio = target.add_stream("aac", rate=rate)
            audio.layout = "mono"
            for packet in source.demux(source.streams.video[0]):
                if packet.dts is not None:
                    packet.stream = video
                    target.mux(packet)
            samples = np.clip(sound, -1, 1).astype(np.float32).reshape(1, -1)
            for start in range(0, samples.shape[1], 1024):
                frame = av.AudioFrame.from_ndarray(samples[:, start : start + 1024], format="fltp", layout="mono")
                frame.rate, frame.pts = rate, start
                target.mux(audio.encode(frame))
            target.mux(audio.encode(None))
    finally:
        os.remove(silent)
