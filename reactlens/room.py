"""The room's sound as a second stream of the screening: windows, scores and events on the frames' clock.

A ``RoomListener`` runs in its own thread. It reads blocks of sound from an input — the audio track of the
recording being screened (decoded with PyAV) or a microphone (PortAudio through ``sounddevice``) — cuts
them into the audio detector's windows, scores them in batches, numbers the events (a window scoring at
least ``on`` opens one, a window below ``off`` closes it), and queues one ``RoomRecord`` per window for the
screening loop to hand to the sinks.

The clock is the frames': for a file, both streams carry the container's timestamps; for a camera, both
are read against ``time.monotonic()``, and the listener is told the monotonic instant of the frames'
time 0 (``set_epoch``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import threading
import time
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np

from .components import AudioDetector
from .errors import ReactlensError
from .records import RoomRecord

log = logging.getLogger("reactlens")

#: Windows scored per batch.
BATCH = 16
#: How far (seconds) a recording's sound may be scored ahead of the frames.
LEAD_S = 2.0
#: How fast (seconds per second) a microphone's sample clock may fall behind ``time.monotonic()``.
DRIFT = 2e-4
#: The label prefix of records scored on the film's own soundtrack (``--media FILE``), not the room's.
FILM = "film:"
#: The label of applause records (heard beside laughter by a detector with ``applause = true``); the report and the
#: dashboard count these apart from laughs.
APPLAUSE = "applause"


class FileAudio:
    """The audio track of a recording, decoded by PyAV, as mono floats at ``rate`` with their media times."""

    live = False

    def __init__(self, path: str, rate: int) -> None:
        import av

        self.path, self.rate = str(path), rate
        self.description = f"the audio track of {path}"
        try:
            self._container = av.open(self.path)
        except (av.error.FFmpegError, OSError) as exc:
            raise ReactlensError(f"cannot read the sound of {path} ({exc})", "pass --no-audio") from None
        if not self._container.streams.audio:
            self._container.close()
            raise ReactlensError(f"{path} has no audio track", "pass --no-audio to screen it without sound")

    def blocks(self) -> Iterator[Tuple[float, np.ndarray]]:
        """``(time of the first sample in seconds, samples)`` in order."""
        import av

        resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
        start: Optional[float] = None
        done = 0
        frames: Iterator = iter(self._container.decode(audio=0))
        while True:
            try:
                frame = next(frames, None)
            except av.error.FFmpegError as exc:  # a truncated file: what was decoded stands
                log.warning("the audio of %s ends early (%s)", self.path, exc)
                frame = None
            if start is None:
                start = float(frame.time or 0.0) if frame is not None else 0.0
            for out in resampler.resample(frame):  # None at the end: what the resampler still holds
                samples = out.to_ndarray().reshape(-1)
                yield start + done / self.rate, samples
                done += len(samples)
            if frame is None:
                return

    def close(self) -> None:
        self._container.close()


def read_sound(path: str, rate: int) -> np.ndarray:
    """A recording's whole audio track as mono floats at ``rate`` (``ReactlensError`` if it has none)."""
    audio = FileAudio(path, rate)
    try:
        chunks = [samples for _, samples in audio.blocks()]
    finally:
        audio.close()
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


class MicrophoneAudio:
    """A microphone (or any capture device PortAudio sees), with each block's capture time on our clock.

    Samples are timed by counting them from an origin on ``time.monotonic()``. Each callback implies one:
    its time, less the samples captured so far and the stream's input latency. A callback that runs
    late (the interpreter was busy) implies a later origin, so the earliest one stands, allowed to creep
    forward by ``DRIFT`` per second for a sound card whose clock runs slow. PortAudio's own ADC
    timestamps are not used: through ALSA's PulseAudio plugin they run up to 0.7 s off.
    """

    live = True

    def __init__(self, device: Optional[str], rate: int, block_s: float = 0.01) -> None:
        try:
            import sounddevice
        except OSError as exc:  # PortAudio itself is missing
            raise ReactlensError(
                f"no audio capture library ({exc})", "install libportaudio2, or pass --no-audio"
            ) from None
        self.rate = rate
        self.description = f"microphone {device or '(default)'}"
        self._queue: queue.Queue = queue.Queue(maxsize=6000)
        self._latency = 0.0
        self._samples = 0  # captured so far
        self._origin: Optional[float] = None  # the monotonic time of sample 0
        self._last = 0.0
        try:
            self._stream = sounddevice.InputStream(
                samplerate=rate,
                channels=1,
                dtype="float32",
                device=device or None,
                blocksize=int(rate * block_s),
                latency="low",
                callback=self._captured,
            )
            self._latency = float(self._stream.latency)
            self._stream.start()
        except (sounddevice.PortAudioError, ValueError) as exc:
            raise ReactlensError(
                f"{self.description} did not open ({exc})",
                "plug one in, name another with --audio mic:NAME, or pass --no-audio",
            ) from None

    def _captured(self, data, frames, times, status) -> None:
        now = time.monotonic()
        implied = now - (self._samples + frames) / self.rate - self._latency
        if self._origin is None:
            self._origin = implied
        else:
            self._origin = min(implied, self._origin + DRIFT * (now - self._last))
        self._last = now
        started = self._origin + self._samples / self.rate
        self._samples += frames
        with contextlib.suppress(queue.Full):  # the listener stalled: this block is lost, not the stream
            self._queue.put_nowait((started, data[:, 0].copy()))

    def blocks(self) -> Iterator[Tuple[float, np.ndarray]]:
        """``(monotonic capture time of the first sample, samples)`` until the device stops or is closed."""
        while self._stream.active or not self._queue.empty():
            try:
                yield self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
        if not self._stream.closed and not self._stream.stopped:
            log.warning("%s stopped delivering sound; the video goes on", self.description)

    def close(self) -> None:
        self._stream.close()


class EventCounter:
    """Numbers events in a stream of scores: one opens at a score of at least ``on``, closes below ``off``."""

    def __init__(self, on: float, off: float) -> None:
        self.on, self.off = on, off
        self.count = 0
        self._open: Optional[int] = None

    def step(self, score: float) -> Optional[int]:
        """The number of the event this score belongs to, or None outside events."""
        if self._open is None and score >= self.on:
            self.count += 1
            self._open = self.count
        elif self._open is not None and score < self.off:
            self._open = None
        return self._open


def recording_of(spec: str, source_path: Optional[str]) -> Optional[str]:
    """The recording the ``--audio`` input ``spec`` names (None: a microphone): ``auto`` is the video file's own
    track (the default microphone for a camera or stream), ``mic`` or ``mic:NAME`` a microphone, else a path."""
    if spec == "auto":
        return source_path if source_path and os.path.isfile(source_path) else None
    return None if spec == "mic" or spec.startswith("mic:") else spec


def open_input(spec: str, source_path: Optional[str], rate: int):
    """The input ``--audio`` names (see ``recording_of``), opened."""
    recording = recording_of(spec, source_path)
    if recording is not None:
        return FileAudio(recording, rate)
    return MicrophoneAudio(spec.partition(":")[2] or None, rate)  # mic:NAME names one; auto and mic the default


class RoomListener:
    """Scores an input's windows in a thread of its own; ``drain()`` hands over the records so far."""

    def __init__(
        self,
        detector: AudioDetector,
        audio,
        session_id: str,
        media: str = "",
        offset_s: float = 0.0,
        frames_offset_s: Optional[float] = None,
        prefix: str = "",
        paced: bool = False,
    ) -> None:
        """``offset_s`` turns the input's times into media times; ``frames_offset_s`` the frames' times
        (default: the same, as for a room heard beside the frames). ``prefix`` goes before the records' labels
        (``FILM`` for the film's own soundtrack). ``paced``: the frames come at their own pace (a camera, a file
        replayed live), so a recording's windows are scored one at a time, not in bursts that would cost frames."""
        self.detector = detector
        self.audio = audio
        self.paced = paced
        self.session_id, self.media, self.offset_s = session_id, media, offset_s
        self.frames_offset_s = offset_s if frames_offset_s is None else frames_offset_s
        also = dict(getattr(detector, "also", None) or {})
        #: The records' labels: the detector's event, then its ``also`` events.
        self.labels = [prefix + name for name in (detector.label, *also)]
        self.window = int(round(detector.window_s * detector.rate))
        self.hop = int(round(detector.hop_s * detector.rate))
        self._events = [EventCounter(detector.on, detector.off)] + [EventCounter(on, off) for on, off in also.values()]
        self.windows = 0
        #: CPU seconds the listener's thread spent: decoding, windows, the detector.
        self.cpu_s = 0.0
        self._out: queue.Queue = queue.Queue()
        self._until: Optional[float] = None
        self._frames_at = 0.0  # the latest frame's time, in the input's own time
        self._progress = threading.Event()
        self._stop = threading.Event()
        self._epoch: Optional[float] = None
        self._epoch_known = threading.Event()
        if not audio.live:
            self._epoch_known.set()
        self.error: Optional[BaseException] = None
        self._held: List[RoomRecord] = []
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="reactlens-room", daemon=True)

    @property
    def label(self) -> str:
        """The label of the detector's own event (laughter)."""
        return self.labels[0]

    def counts(self) -> Dict[str, int]:
        """Events opened so far of each label."""
        return {label: counter.count for label, counter in zip(self.labels, self._events)}

    def start(self) -> RoomListener:
        self._thread.start()
        return self

    def set_epoch(self, monotonic_at_time_zero: float) -> None:
        """For a live input: the ``time.monotonic()`` at which the frames' ``time_s`` is 0."""
        if self._epoch is None:
            self._epoch = monotonic_at_time_zero
            self._epoch_known.set()

    def _run(self) -> None:
        started = time.thread_time()
        try:
            self._listen()
        finally:
            self.cpu_s = time.thread_time() - started

    def _listen(self) -> None:
        buffer = np.zeros(0, dtype=np.float32)
        buffer_start = 0.0  # the time of buffer[0]
        pending: List[Tuple[float, np.ndarray]] = []
        try:
            for start, samples in self.audio.blocks():
                if self._stop.is_set() or (self._until is not None and start > self._until + 1.0):
                    break
                if self.audio.live:
                    self._epoch_known.wait()
                    start -= self._epoch or 0.0
                if not len(buffer):
                    buffer_start = start
                buffer = np.concatenate([buffer, samples.astype(np.float32, copy=False)])
                while len(buffer) >= self.window:
                    centre = buffer_start + self.window / 2 / self.detector.rate
                    if self._until is not None and centre > self._until:
                        return
                    if not self.audio.live and centre > self._frames_at + LEAD_S:
                        if pending:  # what is waiting is scored before the pause
                            self._score(pending)
                            pending = []
                        self._keep_pace(centre)
                    pending.append((centre, buffer[: self.window].copy()))
                    buffer = buffer[self.hop :]
                    buffer_start += self.hop / self.detector.rate
                    if len(pending) >= (1 if self.audio.live or self.paced else BATCH):
                        self._score(pending)
                        pending = []
            if pending:
                self._score(pending)
        except BaseException as exc:  # reported by the screening; the video goes on
            self.error = exc
        finally:
            self._out.put(None)

    def _keep_pace(self, centre: float) -> None:
        """Wait until the frames are within ``LEAD_S`` of ``centre``: a recording's sound, decoded and
        scored far ahead of a live-paced loop, would take its CPU in bursts and cost it frames."""
        while centre > self._frames_at + LEAD_S and not self._stop.is_set():
            self._progress.wait(0.5)
            self._progress.clear()

    def _score(self, pending: List[Tuple[float, np.ndarray]]) -> None:
        scores = np.asarray(self.detector.score(np.stack([w for _, w in pending])), dtype=np.float64)
        scores = np.clip(scores.reshape(len(pending), -1), 0.0, 1.0)
        if scores.shape[1] != len(self.labels):
            raise ValueError(f"the audio detector gave {scores.shape[1]} scores a window for {len(self.labels)} events")
        for (centre, _), row in zip(pending, scores.tolist()):
            self.windows += 1
            for label, counter, score in zip(self.labels, self._events, row):
                event = counter.step(score)
                self._out.put(RoomRecord(self.session_id, centre + self.offset_s, label, score, event, self.media))

    def _collect(self, block: bool) -> None:
        """Move scored records from the thread's queue to ``_held``; note the end of the stream."""
        while not self._ended:
            try:
                item = self._out.get(timeout=None) if block else self._out.get_nowait()
            except queue.Empty:
                return
            if item is None:
                self._ended = True
            else:
                self._held.append(item)

    def _take(self, up_to_s: Optional[float]) -> List[RoomRecord]:
        """The held records up to media time ``up_to_s`` (all when None), in time order."""
        if up_to_s is None:
            out, self._held = self._held, []
            return out
        limit = up_to_s + self.frames_offset_s  # on the media timeline
        out = [r for r in self._held if r.time_s <= limit]
        self._held = [r for r in self._held if r.time_s > limit]
        return out

    def drain(self, up_to_s: Optional[float] = None) -> List[RoomRecord]:
        """The records scored so far, up to the frames' time ``up_to_s`` (never blocks)."""
        if up_to_s is not None:
            self._frames_at = up_to_s + self.frames_offset_s - self.offset_s
            self._progress.set()
        self._collect(block=False)
        return self._take(up_to_s)

    def finish(self, until_s: Optional[float]) -> List[RoomRecord]:
        """The rest up to the frames' time ``until_s`` (None: the whole track): scored first for a file,
        cut off now for a microphone."""
        if self.audio.live:
            self._stop.set()
            self._epoch_known.set()
            self.audio.close()
        else:  # in the input's own time
            self._until = None if until_s is None else until_s + self.frames_offset_s - self.offset_s
            self._frames_at = math.inf
            self._progress.set()
        self._collect(block=True)
        self._thread.join(timeout=5)
        if not self.audio.live:
            self.audio.close()
        return self._take(until_s)
