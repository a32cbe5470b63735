"""Where a screening's recording sits on the film's timeline, found by hearing the film in the room.

A room's microphone hears the film's soundtrack from the speakers. Both tracks become onset envelopes — in each of
``BANDS`` frequency bands, how much louder each 20-ms frame is than the one before (log energy, so the room's volume,
its reverberation's colour and the microphone's response drop out) — and the room's is slid along the film's: where
the two rise and fall together is the offset. ``strength`` says how far that peak stands above the correlation at
every other offset (robust z-score); below ``MIN_STRENGTH`` the film was not heard and no offset is claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Tuple

import numpy as np
from scipy import fft, signal

from .room import FileAudio

#: Samples a second the tracks are compared at (their sound up to 4 kHz: where speech and music's onsets are).
RATE = 8000
#: Samples an analysis frame spans, and between frames (20 ms: the offset's resolution before interpolation).
FRAME, HOP = 512, 160
#: Frequency bands of the envelope, log-spaced between these edges (Hz).
BANDS, LOW_HZ, HIGH_HZ = 16, 100.0, 3800.0
#: Seconds of sound analysed at a time.
CHUNK_S = 30
#: Seconds of the recording compared with the film (the film is compared whole).
ROOM_S = 600.0
#: A peak this many robust standard deviations above the other offsets' correlation is the film heard.
MIN_STRENGTH = 20.0


@dataclass(frozen=True)
class FilmOffset:
    """Where the recording starts on the film's timeline."""

    #: The film's time at the recording's time 0 (negative: the recording began before the film).
    offset_s: float
    #: How far the peak stands above every other offset (robust z-score).
    strength: float

    @property
    def heard(self) -> bool:
        """Whether the film was heard in the room clearly enough to trust ``offset_s``."""
        return self.strength >= MIN_STRENGTH


def _band_matrix() -> np.ndarray:
    """``(BANDS, FRAME // 2 + 1)``: which FFT bins make up each band."""
    edges = np.geomspace(LOW_HZ, HIGH_HZ, BANDS + 1)
    freqs = np.fft.rfftfreq(FRAME, 1.0 / RATE)
    return ((freqs >= edges[:-1, None]) & (freqs < edges[1:, None])).astype(np.float32)


def _chunks(blocks: Iterable[np.ndarray], limit_s: Optional[float]) -> Iterator[np.ndarray]:
    """The blocks (a decoder's are a few hundred samples) gathered into ``CHUNK_S`` pieces, up to ``limit_s``."""
    pending: List[np.ndarray] = []
    size, left = 0, int(limit_s * RATE) if limit_s is not None else None
    for block in blocks:
        if left is not None:
            block, left = block[:left], left - len(block)
        pending.append(block)
        size += len(block)
        if size >= CHUNK_S * RATE or (left is not None and left <= 0):
            yield np.concatenate(pending).astype(np.float32, copy=False)
            pending, size = [], 0
        if left is not None and left <= 0:
            return
    if pending:
        yield np.concatenate(pending).astype(np.float32, copy=False)


def onsets(blocks: Iterable[np.ndarray], limit_s: Optional[float] = None) -> np.ndarray:
    """``(BANDS, frames)``: a track's onset envelope, each band standardised, from its samples at ``RATE``
    (read a piece at a time: a two-hour film is never held whole)."""
    bands, window = _band_matrix(), signal.get_window("hann", FRAME).astype(np.float32)
    logs: List[np.ndarray] = []
    tail = np.zeros(0, np.float32)
    for chunk in _chunks(blocks, limit_s):
        tail = np.concatenate((tail, chunk))
        count = (len(tail) - FRAME) // HOP + 1
        if count > 0:
            frames = np.lib.stride_tricks.sliding_window_view(tail, FRAME)[::HOP][:count]
            power = np.abs(fft.rfft(frames * window, axis=1)) ** 2
            logs.append(np.log(power @ bands.T + 1e-9).astype(np.float32))
            tail = tail[count * HOP :]
    if not logs:
        return np.zeros((BANDS, 0), np.float32)
    rises = np.maximum(np.diff(np.concatenate(logs), axis=0), 0.0).T
    spread = rises.std(axis=1, keepdims=True)
    return (rises - rises.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)


def offset_between(room: np.ndarray, film: np.ndarray) -> FilmOffset:
    """The film time at the room envelope's first frame, from two envelopes of ``onsets``."""
    if room.shape[1] < 2 or film.shape[1] < 2:
        return FilmOffset(0.0, 0.0)
    scores = signal.fftconvolve(film, room[:, ::-1], mode="full", axes=1).sum(axis=0)
    peak = int(np.argmax(scores))
    spread = 1.4826 * float(np.median(np.abs(scores - np.median(scores))))
    strength = (scores[peak] - float(np.median(scores))) / spread if spread > 0 else 0.0
    shift = 0.0
    if 0 < peak < len(scores) - 1:  # a parabola through the peak and its neighbours: below a frame
        before, at, after = scores[peak - 1 : peak + 2]
        bend = before - 2 * at + after
        shift = 0.5 * (before - after) / bend if bend < 0 else 0.0
    lag = peak + shift - (room.shape[1] - 1)
    return FilmOffset(round(float(lag * HOP / RATE), 3), round(float(strength), 1))


def _samples(path: str) -> Iterable[np.ndarray]:
    audio = FileAudio(path, RATE)
    try:
        for _, samples in audio.blocks():
            yield samples
    finally:
        audio.close()


def film_offset(recording: str, film: str, room_s: float = ROOM_S) -> FilmOffset:
    """Where ``recording`` (the room's sound: a screening's video or audio file) starts in ``film``, from the first
    ``room_s`` seconds of the recording (``ReactlensError`` if either has no sound)."""
    return offset_between(onsets(_samples(recording), room_s), onsets(_samples(film)))


def describe(found: FilmOffset) -> Tuple[str, str]:
    """For the user: where the recording starts in the film, and how sure that is."""
    where = f"{abs(found.offset_s):.2f} s {'into' if found.offset_s >= 0 else 'before'} the film"
    return where, f"strength {found.strength:.0f}; trusted from {MIN_STRENGTH:.0f}"
