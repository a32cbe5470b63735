"""Test recordings with sound: a video's frames with an audio track of our choosing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Sequence, Tuple

import cv2
import numpy as np

from reactlens.demo import add_sound
from reactlens.room import read_sound

RATE = 16000
HEDGEWARS = Path("/usr/share/games/hedgewars/Data/Sounds/voices")


def laugh(voice: str = "Surfer") -> np.ndarray:
    """An acted laugh from Debian's hedgewars-data (installed by scripts/bootstrap)."""
    return read_sound(str(HEDGEWARS / voice / "Laugh.ogg"), RATE)


def speech(text: str, folder: Path, voice: str = "en-us") -> np.ndarray:
    """A sentence spoken by espeak-ng."""
    wav = folder / f"speech-{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
    return read_sound(str(wav), RATE)


def with_sound(frames: list, fps: float, sound: np.ndarray, out: Path) -> Path:
    """Write ``frames`` (BGR arrays) at ``fps`` with ``sound`` (mono floats at ``RATE``) as one mp4."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for image in frames:
        writer.write(image)
    writer.release()
    add_sound(out, sound, RATE)
    return out


def video_frames(path: Path, seconds: float) -> tuple:
    """The first ``seconds`` of a video's frames, and its frame rate."""
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


def mixed(seconds: float, parts: Sequence[Tuple[float, np.ndarray, float]]) -> np.ndarray:
    """``seconds`` of silence with each ``(start s, sound, gain)`` part added (cut at the end)."""
    sound = np.zeros(int(seconds * RATE), np.float32)
    for start_s, samples, gain in parts:
        start = int(start_s * RATE)
        part = samples[: len(sound) - start]
        sound[start : start + len(part)] += gain * part
    return sound


def faces_with_sound(clip: Path, sound: np.ndarray, out: Path) -> Path:
    """The faces clip's first 2 s over and over, as long as ``sound`` (mono floats at ``RATE``), it as its track."""
    frames, fps = video_frames(clip, 2.0)
    frames = (frames * (1 + len(sound) // (2 * RATE)))[: int(len(sound) / RATE * fps)]
    return with_sound(frames, fps, sound, out)
