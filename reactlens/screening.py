"""The screening loop: frames → faces → scores → records → every sink."""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .classify_rate import Turn
from .components import Detection, Frame
from .errors import ComponentError, ReactlensError, StopScreening
from .plugins import PluginHost
from .profiles import ComponentSpec, Profile
from .records import Record, RoomRecord, Session, new_session_id
from .room import FILM, FileAudio, RoomListener, open_input, recording_of

if TYPE_CHECKING:
    from .film_offset import FilmOffset

log = logging.getLogger("reactlens")

STAGES = ("decode", "detect", "track", "classify", "sinks")
#: Frames of a file being scored while the next one's faces are found: with two rather than one, the screening's thread
#: waits for a frame's scores at 62% of a restless full house's frames, not 75%, and it runs a few percent faster in
#: paired runs (README, "Each part alone"); each costs a frame's memory (~7 MB with a 1080p full house).
FILE_AHEAD = 2


@dataclass
class Stats:
    """Counters of a running or finished screening."""

    frames: int = 0
    face_frames: int = 0
    #: Face-frames per label, counting each face under its most probable label.
    label_face_frames: Dict[str, int] = field(default_factory=dict)
    dropped_frames: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: Optional[float] = None
    #: Seconds spent in each stage (see ``STAGES``).
    stage_s: Dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    #: Capture-to-sinks latency of recent frames, in seconds.
    latencies: deque = field(default_factory=lambda: deque(maxlen=10000))
    #: Time of the last frame processed (the frames' clock).
    last_time_s: float = 0.0
    #: The room's sound: where it came from ("" without sound), windows scored, events, CPU seconds spent.
    audio_input: str = ""
    room_windows: int = 0
    #: Events of each label heard in the room (the detector's own first: laughter; then applause when it hears it).
    room_counts: Dict[str, int] = field(default_factory=dict)
    audio_cpu_s: float = 0.0

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def room_events(self) -> int:
        """Events of the audio detector's own kind heard in the room (laughs)."""
        return next(iter(self.room_counts.values()), 0)

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def label_shares(self) -> Dict[str, float]:
        """Each label's share of the face-frames, most frequent first."""
        ranked = sorted(self.label_face_frames.items(), key=lambda kv: -kv[1])
        return {label: n / self.face_frames for label, n in ranked} if self.face_frames else {}

    def latency_ms(self, quantile: float, last: int = 0) -> float:
        """A quantile of the capture-to-sinks latency (of the ``last`` frames, 0: all), in milliseconds."""
        latencies = list(self.latencies)[-last:] if last else self.latencies
        return float(np.quantile(np.asarray(latencies), quantile) * 1000.0) if latencies else 0.0


@dataclass
class Summary:
    """What a finished screening reports."""

    session: Session
    stats: Stats
    interrupted: bool = False
    #: Sink name → the error that stopped it.
    sink_errors: Dict[str, str] = field(default_factory=dict)
    #: Where the recording was heard to start in the film, when that was looked for.
    film_offset: Optional[FilmOffset] = None

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready summary."""
        s = self.stats
        smiling = s.label_face_frames.get(self.session.smile_label, 0) if self.session.smile_label else 0
        return {
            "session": self.session.to_dict(),
            "frames": s.frames,
            "face_frames": s.face_frames,
            "smiling_face_frames": smiling,
            "smiling_share": round(smiling / s.face_frames, 4) if s.face_frames else 0.0,
            "label_shares": {k: round(v, 4) for k, v in s.label_shares().items()},
            "dropped_frames": s.dropped_frames,
            "elapsed_s": round(s.elapsed_s, 3),
            "fps": round(s.fps, 2),
            "stage_ms_per_frame": {k: round(v * 1000.0 / max(s.frames, 1), 3) for k, v in s.stage_s.items()},
            "latency_ms": {"p50": round(s.latency_ms(0.5), 2), "p95": round(s.latency_ms(0.95), 2)},
            "room": {
                "input": s.audio_input,
                "windows": s.room_windows,
                "events": s.room_events,
                "events_by_label": dict(s.room_counts),
                "cpu_s": round(s.audio_cpu_s, 3),
            },
            "film_offset": None
            if self.film_offset is None
            else {**asdict(self.film_offset), "heard": self.film_offset.heard},
            "interrupted": self.interrupted,
            "sink_errors": self.sink_errors,
        }


@dataclass
class _Built:
    kind: str
    spec: ComponentSpec
    plugin: str
    instance: Any

    @property
    def label(self) -> str:
        return f"{self.kind} '{self.spec.use}' (plugin '{self.plugin}')"

    def failure(self, action: str, exc: BaseException) -> ComponentError:
        return ComponentError(
            f"{self.label} raised while {action}: {type(exc).__name__}: {exc}",
            "the plugin has a bug or was given bad input; run with REACTLENS_DEBUG=1 for the traceback",
        )


ProgressCallback = Callable[[Stats, Frame], None]


@contextmanager
def _calling(component: _Built, action: str) -> Iterator[None]:
    """A component's call: anything it raises but reactlens's own errors and stops becomes its one-line failure."""
    try:
        yield
    except (ReactlensError, StopScreening, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise component.failure(action, exc) from exc


class _InFlight(NamedTuple):
    """A frame whose faces are found (and their viewers, with a tracker), being scored."""

    frame: Frame
    found: List[Detection]
    ids: Optional[List[int]]
    turn: Turn
    #: What the turn's ``run`` returns, and the seconds it took.
    scores: Future[Tuple[np.ndarray, float]]


@dataclass
class _Outlet:
    """Where a running screening's frames go: its counters and summary, the open sinks, the progress callback and the
    room's listeners, whose records are written up to each frame."""

    stats: Stats
    sinks: List[_Built]
    summary: Summary
    on_frame: Optional[ProgressCallback]
    listeners: List[RoomListener]

    @property
    def scored_only(self) -> bool:
        """Whether every sink writes only the faces scored in their frame (``ResultSink.scored_only``)."""
        return bool(self.sinks) and all(getattr(sink.instance, "scored_only", False) for sink in self.sinks)


def _writing(frame: Frame, records: List[Record]) -> Callable[[Any], None]:
    """What each sink is handed for one frame."""
    return lambda sink: sink.write(frame, records)


class Screening:
    """Builds a profile's components and runs the loop over its source."""

    def __init__(self, profile: Profile, host: PluginHost, session_id: Optional[str] = None) -> None:
        self.profile = profile
        self.host = host
        self.session_id = session_id or new_session_id()
        self._built: List[_Built] = []
        self.source = self._build("source", profile.source)
        self.classifier = self._build("classifier", profile.classifier)
        self.detector = self._build("detector", self._detector_spec())
        size = getattr(self.source.instance, "frame_size", None)
        if size and not getattr(self.source.instance, "stills", False):
            self.detector.instance.warm_up(*size)
        self.tracker = self._build("tracker", profile.tracker) if profile.tracker else None
        self.audio = self._build("audio", profile.audio) if profile.audio else None
        self.sinks = [self._build("sink", spec) for spec in profile.sinks]
        classifier = self.classifier.instance
        labels = tuple(classifier.labels)
        smile_label = getattr(classifier, "smile_label", None)
        source = self.source.instance
        #: Where the recording was heard to start in the film, when that was looked for.
        self.film_offset: Optional[FilmOffset] = None
        offset = profile.media_offset
        if offset is None:
            self.film_offset = self._hear_film_offset()
            offset = self.film_offset.offset_s if self.film_offset and self.film_offset.heard else 0.0
        self.session = Session(
            session_id=self.session_id,
            profile=profile.name,
            source=getattr(source, "description", "") or str(profile.source.options.get("uri", "")),
            labels=labels,
            smile_label=smile_label if smile_label in labels else None,
            live=bool(getattr(source, "live", False)),
            fps=getattr(source, "fps", None),
            media_title=profile.media_title,
            media_offset_s=offset,
            stills=bool(getattr(source, "stills", False)),
        )
        gc.collect()  # what loading left behind, before the loop freezes the rest (``_heap_frozen``)

    def _detector_spec(self) -> ComponentSpec:
        """The profile's detector; for a live source, scanning in the background unless the profile says, and taking
        a scan's faces once it is done (``scan_lag`` 0): a camera does not wait for a scan, frames would be dropped."""
        spec = self.profile.detector
        if not getattr(self.source.instance, "live", False):
            return spec
        return ComponentSpec(spec.use, {"background_scan": True, **spec.options, "scan_lag": 0})

    def _source_path(self) -> Optional[str]:
        """The source's file (None: a camera or a stream)."""
        uri = getattr(self.source.instance, "uri", self.profile.source.options.get("uri"))
        return uri if isinstance(uri, str) and "://" not in uri else None

    def _hear_film_offset(self) -> Optional[FilmOffset]:
        """Where the recording starts in the film (``--media FILE``), found from their sound; None when there is no
        film, no sound, or a microphone (whose sound is not there yet)."""
        recording = recording_of(self.profile.audio_input, self._source_path())  # None: a microphone
        if not self.profile.media_file or self.audio is None or recording is None:
            return None
        from .film_offset import describe, film_offset  # SciPy: loaded only when a film is to be heard

        log.info("finding where %s starts in the film by its sound (--media-offset skips this)", recording)
        try:
            found = film_offset(recording, self.profile.media_file)
        except ReactlensError as exc:
            log.warning(
                "%s; the recording is taken to start with the film (--media-offset says otherwise)", exc.problem
            )
            return None
        where, strength = describe(found)
        if found.heard:
            log.info("the film was heard in the recording: the recording starts %s (%s)", where, strength)
        else:
            log.warning(
                "the film was not heard clearly in the recording (%s): it is taken to start with the film; "
                "give --media-offset SECONDS if it does not",
                strength,
            )
        return found

    def _build(self, kind: str, spec: ComponentSpec) -> _Built:
        try:
            instance = self.host.create(kind, spec.use, dict(spec.options))
        except ReactlensError as exc:
            self.close_components()
            if self.profile.requires and exc.problem.startswith("unknown "):
                raise ReactlensError(f"{exc.problem}: {self.profile.requires}") from None
            raise
        except BaseException:
            self.close_components()
            raise
        built = _Built(kind, spec, self.host.get(kind, spec.use).plugin, instance)
        self._built.append(built)
        return built

    def close_components(self) -> None:
        """Close what was built before a later component failed to start (sinks were never opened)."""
        for built in self._built:
            if built.kind in ("source", "sink"):
                try:
                    built.instance.close()
                except Exception as exc:
                    log.warning("%s failed to close: %s", built.label, exc)
        self._built = []

    # -- the loop ----------------------------------------------------------------------------------

    def run(self, on_frame: Optional[ProgressCallback] = None) -> Summary:
        """Run until the source ends, ``max_frames`` is reached, a component stops it, or Ctrl-C."""
        stats = Stats()
        summary = Summary(self.session, stats, film_offset=self.film_offset)
        for sink in self.sinks:
            getattr(sink.instance, "watch", lambda _: None)(lambda: self._status(stats, summary))
        sinks = self._open_sinks(summary)
        source = self.source
        listeners = self._listen(stats)
        whole = False  # the source ended by itself: the whole audio track counts
        try:
            with _heap_frozen():
                whole = self._loop(_Outlet(stats, sinks, summary, on_frame, listeners))
        except StopScreening:  # a component asked to end the screening (the preview's q key, say)
            pass
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            stats.dropped_frames = int(getattr(source.instance, "dropped_frames", 0) or 0)
            try:
                source.instance.close()
            except Exception as exc:
                log.warning("%s failed to close: %s", source.label, exc)
            self._stop_listening(listeners, None if whole else stats.last_time_s, sinks, summary, stats)
            self._close_sinks(sinks, summary)
            stats.finished = time.perf_counter()
        return summary

    def _status(self, stats: Stats, summary: Summary) -> Dict[str, Any]:
        """The live status ``ResultSink.watch`` hands out: the loop's counters and each sink's health."""
        source = self.source.instance
        sinks: Dict[str, Dict[str, Any]] = {}
        for sink in self.sinks:
            name = sink.spec.use
            if name in summary.sink_errors:
                sinks[name] = {"ok": False, "error": summary.sink_errors[name]}
                continue
            try:
                sinks[name] = {"ok": True, **getattr(sink.instance, "health", dict)()}
            except Exception as exc:
                sinks[name] = {"ok": True, "health": f"unknown ({type(exc).__name__})"}
        return {
            "frames": stats.frames,
            "total_frames": getattr(source, "total_frames", None),
            "face_frames": stats.face_frames,
            "dropped_frames": int(getattr(source, "dropped_frames", 0) or 0),
            "latency_ms": round(stats.latency_ms(0.5, last=100), 1),
            "elapsed_s": round(stats.elapsed_s, 1),
            "sinks": sinks,
        }

    def _open_sinks(self, summary: Summary) -> List[_Built]:
        opened: List[_Built] = []
        for sink in self.sinks:
            try:
                sink.instance.open(self.session)
            except ReactlensError:
                self._close_sinks(opened, summary)
                self.source.instance.close()
                raise
            except Exception as exc:
                self._close_sinks(opened, summary)
                self.source.instance.close()
                raise sink.failure("opening", exc) from exc
            opened.append(sink)
        return opened

    def _close_sinks(self, sinks: Sequence[_Built], summary: Summary) -> None:
        for sink in sinks:
            try:
                sink.instance.close()
            except Exception as exc:
                summary.sink_errors.setdefault(sink.spec.use, f"{type(exc).__name__}: {exc}")
                log.error("%s failed to close: %s", sink.label, exc)

    def _listen(self, stats: Stats) -> List[RoomListener]:
        """Start scoring the room's sound and, given the film's file, the film's own; none without an audio
        detector or without sound (one warning each; the video goes on)."""
        if self.audio is None:
            return []
        detector = self.audio.instance
        session = self.session
        offset = session.media_offset_s
        listeners = []
        try:
            audio = open_input(self.profile.audio_input, self._source_path(), detector.rate)
            stats.audio_input = audio.description
            room = RoomListener(detector, audio, session.session_id, session.media_title, offset, paced=session.live)
            listeners.append(room)
        except ReactlensError as exc:
            log.warning("%s; the video is screened without sound (--no-audio: on purpose)", exc.problem)
        if self.profile.media_file:
            try:
                film = FileAudio(self.profile.media_file, detector.rate)
            except ReactlensError as exc:
                log.warning("%s; the film's own laughs are not marked", exc.problem)
            else:
                listeners.append(
                    RoomListener(
                        detector, film, session.session_id, session.media_title, 0.0, offset, FILM, session.live
                    )
                )
        return [listener.start() for listener in listeners]

    def _stop_listening(
        self,
        listeners: List[RoomListener],
        until_s: Optional[float],
        sinks: List[_Built],
        summary: Summary,
        stats: Stats,
    ) -> None:
        """The rest of the sound's records to the sinks (up to the last frame unless the whole track counts)."""
        for listener in listeners:
            try:
                self._write_room(sinks, listener.finish(until_s), summary)
            except ReactlensError as exc:
                log.warning("%s", exc)
            if listener.error is not None:
                log.warning(
                    "the sound of %s stopped: %s; the video went on", listener.audio.description, listener.error
                )
        room = [listener for listener in listeners if not listener.label.startswith(FILM)]
        if room:
            stats.room_windows, stats.room_counts, stats.audio_cpu_s = room[0].windows, room[0].counts(), room[0].cpu_s

    def _write_room(self, sinks: List[_Built], records: List[RoomRecord], summary: Summary) -> None:
        if records:
            self._deliver(sinks, summary, lambda sink: getattr(sink, "write_room", lambda _: None)(records))

    def _loop(self, out: _Outlet) -> bool:
        """Screen frames until the source ends (True) or the screening is stopped (False).

        Each frame's faces are scored on a thread of their own (the classifier's inference leaves Python's lock, so it
        runs on the second core): a file's frame is scored while the next frames' faces are found (``FILE_AHEAD``),
        and reaches the sinks after them, frames still in order; a live source's frame is written before the next is
        read, as its latency counts more than its rate. What was found before an error is still written.
        """
        frames = iter(self.source.instance.frames())
        ahead = 0 if self.session.live else FILE_AHEAD
        in_flight: Deque[_InFlight] = deque()
        with ThreadPoolExecutor(1, thread_name_prefix="reactlens-score") as scoring:
            while True:
                try:
                    frame = self._read(frames, out.stats)
                    if frame is not None:
                        in_flight.append(self._find(frame, out.stats, scoring))
                except BaseException:
                    while in_flight:  # what was found before the error is written
                        self._finish(in_flight.popleft(), out)
                    raise
                while in_flight and (frame is None or len(in_flight) > ahead):
                    if self._finish(in_flight.popleft(), out):
                        return False
                if frame is None:
                    return True

    def _read(self, frames: Iterator[Frame], stats: Stats) -> Optional[Frame]:
        """The source's next frame, or None at its end."""
        started = time.perf_counter()
        with _calling(self.source, "reading a frame"):
            frame = next(frames, None)
        stats.stage_s["decode"] += time.perf_counter() - started
        return frame

    def _find(self, frame: Frame, stats: Stats, scoring: ThreadPoolExecutor) -> _InFlight:
        """``frame``'s faces found and followed, and their scoring started."""
        clock, stage = time.perf_counter, stats.stage_s
        t0 = clock()
        with _calling(self.detector, f"detecting faces in frame {frame.index}"):
            found: List[Detection] = list(self.detector.instance.detect(frame))  # CameraRate: Detections
        boxes = [d.box for d in found]
        t1 = clock()
        ids: Optional[List[int]] = None
        if self.tracker is not None:
            with _calling(self.tracker, f"tracking faces in frame {frame.index}"):
                ids = [int(i) for i in self.tracker.instance.update(frame, boxes)]
        stage["detect"] += t1 - t0
        stage["track"] += clock() - t1
        t2 = clock()
        with _calling(self.classifier, f"classifying faces in frame {frame.index}"):
            turn = self.classifier.instance.plan(frame.image, boxes, ids, frame.time_s)
        stage["classify"] += clock() - t2
        return _InFlight(frame, found, ids, turn, scoring.submit(self._run, frame, turn))

    def _run(self, frame: Frame, turn: Turn) -> Tuple[np.ndarray, float]:
        """What a frame's turn scored (on the scoring thread), and the seconds it took."""
        started = time.perf_counter()
        with _calling(self.classifier, f"classifying faces in frame {frame.index}"):
            probs = turn.run()
        return probs, time.perf_counter() - started

    def _finish(self, done: _InFlight, out: _Outlet) -> bool:
        """A found frame's records, once scored, to the sinks (and the room's records up to it); True to stop here."""
        scored_now, scoring_s = done.scores.result()
        started = time.perf_counter()
        frame, found, ids, session, stats = done.frame, done.found, done.ids, self.session, out.stats
        with _calling(self.classifier, f"classifying faces in frame {frame.index}"):
            probs, scored, ready = self.classifier.instance.scores(done.turn, scored_now)
        # viewers first seen in a crowd wait for their first scores; the records are of the faces the sinks write
        top = np.bincount(probs[ready].argmax(axis=1), minlength=len(session.labels)) if ready.any() else None
        rows = np.flatnonzero(scored if out.scored_only else ready).tolist()
        viewers = list(range(len(found))) if ids is None else ids
        if len(rows) < len(found):
            found, viewers = [found[i] for i in rows], [viewers[i] for i in rows]
            probs, scored = probs[rows], scored[rows]
        records = _records(session, frame, found, viewers, probs, scored)
        stop = self._deliver(out.sinks, out.summary, _writing(frame, records))
        stats.last_time_s = frame.time_s
        for listener in out.listeners:
            if session.live:
                listener.set_epoch(frame.captured_at - frame.time_s)
            self._write_room(out.sinks, listener.drain(frame.time_s), out.summary)
        stats.frames += 1
        stats.face_frames += int(ready.sum())
        if top is not None:
            for label, count in zip(session.labels, top.tolist()):
                stats.label_face_frames[label] = stats.label_face_frames.get(label, 0) + count
        stats.stage_s["classify"] += scoring_s
        stats.stage_s["sinks"] += time.perf_counter() - started
        stats.latencies.append(time.monotonic() - frame.captured_at)
        if out.on_frame is not None:
            out.on_frame(stats, frame)
        max_frames = self.profile.max_frames
        return stop or bool(max_frames and stats.frames >= max_frames)

    def _deliver(self, sinks: List[_Built], summary: Summary, write: Callable[[Any], None]) -> bool:
        """``write`` to every sink (a frame's records, or the room's); True if one asked to stop after this.

        A failing sink is reported and dropped, the rest go on; if every sink has failed, results would
        be lost, so the screening ends with an error.
        """
        stop = False
        for sink in list(sinks):
            try:
                write(sink.instance)
            except StopScreening:
                stop = True  # the other sinks still get this frame
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                message = str(exc) if isinstance(exc, ReactlensError) else f"{type(exc).__name__}: {exc}"
                summary.sink_errors[sink.spec.use] = message
                log.error("%s failed and was stopped: %s; the other sinks go on", sink.label, message)
                sinks.remove(sink)
                try:
                    sink.instance.close()
                except Exception as close_exc:
                    log.debug("closing failed sink: %s", close_exc)
        if self.sinks and not sinks:
            raise ReactlensError("every sink failed, so results would be lost", "see the errors above")
        return stop


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Python's collector leaves the objects made before the loop (the libraries', the components') alone during it.

    A full collection walked them all: 34-43 ms, three times in a full house's first 10 s, each a dropped frame live.
    The garbage of loading was collected as the screening was built (``Screening.__init__``), not on the loop's clock.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _records(
    session: Session,
    frame: Frame,
    found: Sequence[Detection],
    ids: Sequence[int],
    probs: np.ndarray,
    scored: np.ndarray,
) -> List[Record]:
    """A frame's records: one a face, with its viewer (``ids``), scores and whether they were made in this frame."""
    labels = session.labels
    smile_index = labels.index(session.smile_label) if session.smile_label else None
    time_s = frame.time_s + session.media_offset_s
    sid, index, media, image = session.session_id, frame.index, session.media_title, frame.name
    rows = probs.tolist()  # one conversion for the frame: a full house has hundreds of faces
    best = probs.argmax(axis=1).tolist() if len(found) else []
    records = []
    for detection, face_id, row, top, now in zip(found, ids, rows, best, scored.tolist()):
        x, y, w, h = detection.box
        records.append(
            Record(
                session_id=sid,
                frame=index,
                time_s=time_s,
                face_id=face_id,
                x=x,
                y=y,
                w=w,
                h=h,
                face_score=detection.score,
                landmarks=detection.landmarks,
                smile=row[smile_index] if smile_index is not None else None,
                label=labels[top],
                scores=dict(zip(labels, row)),
                scored=now,
                media=media,
                image=image,
            )
        )
    return records
