"""A full house to measure against: 1920×1080 frames of a seated audience, composed from group photos whose faces
were checked by eye, with every face's box known.

A theatre's camera under the screen sees rows of faces that shrink towards the back: here, rows of photos (each cut
to the band its faces fill), scaled so their faces are ``BACK_PX`` high at the top of the frame and ``FRONT_PX`` at
the bottom, laid side by side with dark gaps between them. A face cut by the frame's edge is blurred away, so every
face shown is in the truth. A clip holds the crowd still, as an audience sits, with a camera's sensor noise in every
frame; ``light`` dims it, and ``flicker`` makes the room's light follow a film's brightness, shot by shot.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import av
import cv2
import numpy as np

from .detector_eval import DARK_NOISE, load_truth
from .geometry import Box

SIZE = (1920, 1080)
FPS = 25
#: Face heights (pixels) of the front and the back row.
FRONT_PX = 30.0
BACK_PX = 15.0
#: The dark gap after each photo in a row, as a share of its width: a frame holds ~300 faces, as a camera under a
#: screen sees 100-400 seats.
GAP = (0.5, 1.2)
#: A film's shots: the room's light holds for 1-4 s at 10-50% of full light (a screen lights a dark room).
SHOT_S = (1.0, 4.0)
FLICKER_LIGHT = (0.1, 0.5)


@dataclass
class Photo:
    """A group photo and its faces' boxes."""

    image: np.ndarray
    faces: List[Box]


def photos_of(truth_xml: str, media_dir: Optional[str] = None) -> List[Photo]:
    """The photos a ground-truth XML names, with their boxes."""
    photos = []
    for truth in load_truth(truth_xml, media_dir):
        image = cv2.imread(truth.path, cv2.IMREAD_COLOR)
        if image is not None and truth.frames.get(0):
            photos.append(Photo(image, truth.frames[0]))
    return photos


def _rows_of_seats(photo: Photo) -> bool:
    """True for a photo of people facing the camera in rows, as an audience sits: its faces (5th to 95th
    percentile) within twice each other's size (a standing crowd seen from its side is not)."""
    low, high = np.percentile([b[3] for b in photo.faces], [5, 95])
    return bool(high <= 2 * low)


def _strip(photo: Photo) -> Photo:
    """The photo cut down to the band its faces fill (a row of seats), half a face's height above and below."""
    margin = int(np.median([b[3] for b in photo.faces]) / 2)
    y0 = max(0, min(b[1] for b in photo.faces) - margin)
    y1 = min(photo.image.shape[0], max(b[1] + b[3] for b in photo.faces) + margin)
    return Photo(photo.image[y0:y1], [(x, y - y0, w, h) for x, y, w, h in photo.faces])


def compose(photos: Sequence[Photo], seed: int) -> Tuple[np.ndarray, List[Box]]:
    """One 1920×1080 frame of rows of photos, the back rows' faces smaller, and every face's box in it."""
    rng = np.random.default_rng(seed)
    strips = [_strip(p) for p in photos if _rows_of_seats(p)]
    width, height = SIZE
    canvas = np.full((height, width, 3), 40, np.uint8)
    faces: List[Box] = []
    top = 0
    while top < height:
        face_px = BACK_PX + (FRONT_PX - BACK_PX) * top / height
        left, bottom = 0, height
        while left < width:
            photo = strips[int(rng.integers(len(strips)))]
            scale = face_px / float(np.median([b[3] for b in photo.faces]))
            tile = cv2.resize(photo.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            shown_w, shown_h = min(tile.shape[1], width - left), min(tile.shape[0], bottom - top)
            canvas[top : top + shown_h, left : left + shown_w] = tile[:shown_h, :shown_w]
            for x, y, w, h in photo.faces:
                box = (left + round(x * scale), top + round(y * scale), round(w * scale), round(h * scale))
                x0, y0 = box[0], box[1]
                x1, y1 = min(box[0] + box[2], left + shown_w), min(box[1] + box[3], top + shown_h)
                if (x1, y1) == (box[0] + box[2], box[1] + box[3]):
                    faces.append(box)
                elif x0 < x1 and y0 < y1:  # cut by the frame's edge: blurred away, so the truth holds every face shown
                    canvas[y0:y1, x0:x1] = cv2.GaussianBlur(canvas[y0:y1, x0:x1], (0, 0), 6)
            if left == 0:  # the row is as tall as its first photo
                bottom = top + shown_h
            left += shown_w + int(tile.shape[1] * rng.uniform(*GAP))  # the dark seats between groups
        top = bottom
    return canvas, faces


def room_light(frames: int, seed: int, flicker: bool, light: float = 1.0) -> np.ndarray:
    """The room's light in each frame: ``light`` throughout, or a film's shots (``flicker``)."""
    if not flicker:
        return np.full(frames, light)
    rng = np.random.default_rng(seed)
    levels = np.empty(frames)
    start = 0
    while start < frames:
        length = int(rng.uniform(*SHOT_S) * FPS)
        levels[start : start + length] = rng.uniform(*FLICKER_LIGHT)
        start += length
    return levels


def write_clip(path: str, image: np.ndarray, light: np.ndarray, seed: int, fps: int = FPS) -> None:
    """A still audience filmed for ``len(light)`` frames (H.264, ``fps`` a second), each at its light, with sensor
    noise."""
    rng = np.random.default_rng(seed)
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": "18", "preset": "fast"})
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        base = image.astype(np.float32)
        for level in light:
            noisy = base * level + rng.normal(0.0, DARK_NOISE if level < 1 else 1.0, image.shape).astype(np.float32)
            frame = av.VideoFrame.from_ndarray(np.clip(noisy, 0, 255).astype(np.uint8), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def write_truth(path: str, clips: Sequence[Tuple[str, List[Box], int]], every: int = 5) -> None:
    """Ground truth for ``evaluate-detector``: every ``every``th frame of each clip (``name, boxes, frames``)."""
    root = ET.Element("dataset")
    ET.SubElement(root, "name").text = "Full-house frames composed by reactlens.full_house"
    images = ET.SubElement(root, "images")
    for name, boxes, frames in clips:
        for index in range(0, frames, every):
            image = ET.SubElement(images, "image", file=name, frame=str(index), width=str(SIZE[0]), height=str(SIZE[1]))
            for x, y, w, h in boxes:
                ET.SubElement(image, "box", top=str(y), left=str(x), width=str(w), height=str(h))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="unicode", xml_declaration=True)


def build(out_dir: str, photos: Sequence[Photo], seeds: Sequence[int] = (1, 2, 3, 4), frames: int = 50) -> List[str]:
    """A held crowd for each composition seed (``full_house_SEED.mp4``) and the first lit by a film
    (``full_house_flicker.mp4``), with ``full_house.xml`` and ``full_house_flicker.xml``; returns the XML paths."""
    os.makedirs(out_dir, exist_ok=True)
    clips = []
    for scene in seeds:
        image, boxes = compose(photos, seed=scene)
        name = f"full_house_{scene}.mp4"
        write_clip(os.path.join(out_dir, name), image, room_light(frames, scene, flicker=False), seed=scene)
        clips.append((name, boxes, frames))
        if scene == seeds[0]:
            flicker = ("full_house_flicker.mp4", boxes, 4 * frames)
            write_clip(os.path.join(out_dir, flicker[0]), image, room_light(4 * frames, 0, flicker=True), seed=0)
    held, lit = os.path.join(out_dir, "full_house.xml"), os.path.join(out_dir, "full_house_flicker.xml")
    write_truth(held, clips)
    write_truth(lit, [flicker])
    return [held, lit]
