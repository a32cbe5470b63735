"""Test recordings with sound: a video's frames with an audio track of our choosing, written with PyAV."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np

RATE = 16000
HEDGEWARS = Path("/usr/share/games/hedgewars/Data/Sounds/voices")


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """Any sound file as mono float32 at ``rate``."""
    from reactlens_training.laughter_data import decode as decode_any

    return decode_any(path, rate)


def laugh(voice: str = "Surfer") -> np.ndarray:
    """An acted laugh from Debian's hedgewars-data (installed by scripts/bootstrap)."""
    return decode(HEDGEWARS / voice / "Laugh.ogg")


def speech(text: str, folder: Path, voice: str = "en-us") -> np.ndarray:
    """A sentence spoken by espeak-ng."""
    import subprocess

    wav = folder / f"speech-{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
    return decode(wav)


def with_sound(
    frames: list,
    fps: float,
    sound: np.ndarray,
    out: Path,
    rate: int = RATE,
    paint: Optional[Callable[[int, np.ndarray], np.ndarray]] = None,
) -> Path:
    """Write ``frames`` (BGR arrays) at ``fps`` and ``sound`` (mono floats at ``rate``) as one mp4."""
    import av

    height, width = frames[0].shape[:2]
    with av.open(str(out), "w") as container:
        video = container.add_stream("mpeg4", rate=int(round(fps)))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = container.add_stream("aac", rate=rate)
        audio.layout = "mono"
        for index, image in enumerate(frames):
            image = paint(index, image) if paint else image
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        samples = np.clip(sound, -1, 1).astype(np.float32).reshape(1, -1)
        step = 1024
        for start in range(0, samples.shape[1], step):
            frame = av.AudioFrame.from_ndarray(samples[:, start : start + step], format="fltp", layout="mono")
            frame.rate, frame.pts = rate, start
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    return out


def video_frames(path: Path, seconds: float) -> tuple:
    """The first ``seconds`` of a video's frames, and its frame rate."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while len(frames) < int(seconds * fps):
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames, fps
