"""Contract checks a plugin author runs against their component in one line each.

    from reactlens.testing import check_classifier
    def test_my_classifier_keeps_the_contract():
        check_classifier(MyClassifier, model="my.onnx")

Each ``check_*`` builds the component with the given options (as a profile would), drives it with real
frames and faces, and fails with an ``AssertionError`` naming the broken rule. They return what they
measured, for further assertions of your own.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..camera_rate import CAMERA_RATE_OPTIONS, CameraRate
from ..classify_rate import splits
from ..components import (
    AudioDetector,
    Detection,
    ExpressionClassifier,
    FaceDetector,
    Frame,
    FrameSource,
    ResultSink,
    Tracker,
)
from ..errors import ReactlensError
from ..records import Record, Session
from .samples import sample_faces, sample_frames


def _blank(width: int = 320, height: int = 240, value: int = 90, index: int = 0) -> Frame:
    return Frame(np.full((height, width, 3), value, np.uint8), index, index / 25.0, time.monotonic())


def _build(factory: Callable[..., Any], kind: type, options: Dict[str, Any]) -> Any:
    component = factory(**options)
    assert isinstance(component, kind) or all(hasattr(component, m) for m in _METHODS[kind]), (
        f"{factory!r} built {component!r}, which is neither a {kind.__name__} nor has its methods {_METHODS[kind]}"
    )
    return component


_METHODS: Dict[type, Tuple[str, ...]] = {
    FrameSource: ("frames", "close"),
    FaceDetector: ("detect",),
    ExpressionClassifier: ("classify", "labels"),
    Tracker: ("update",),
    ResultSink: ("open", "write", "flush", "close"),
}


# -- classifiers ------------------------------------------------------------------------------------


def check_classifier(factory: Callable[..., Any], **options: Any) -> np.ndarray:
    """Labels, output shape and dtype, probabilities, batch consistency, empty and edge input; a classifier split in
    ``preprocess`` and ``infer`` gives what its ``classify`` gives.

    Returns the scores of the sample faces (one row per face).
    """
    classifier = _build(factory, ExpressionClassifier, options)
    labels = list(classifier.labels)
    assert labels, "labels is empty: name the classes your scores stand for"
    assert all(isinstance(label, str) and label for label in labels), f"labels must be non-empty strings: {labels}"
    assert len(set(labels)) == len(labels), f"labels repeat: {labels}"
    smile = getattr(classifier, "smile_label", None)
    assert smile is None or smile in labels, f"smile_label {smile!r} is not one of the labels {labels}"

    samples = [s for s in sample_faces() if s.boxes]
    assert samples, "no sample face found (is the haar cascade installed?)"
    empty = np.asarray(classifier.classify(samples[0].frame.image, []))
    assert empty.shape == (0, len(labels)), f"no boxes must give shape (0, {len(labels)}), got {empty.shape}"

    rows = []
    for sample in samples:
        boxes = list(sample.boxes) * 3  # the same face several times in one batch
        scores = np.asarray(classifier.classify(sample.frame.image, boxes))
        _check_probabilities(scores, len(boxes), len(labels))
        assert np.allclose(scores, scores[0], atol=1e-4), "the same face scored differently within one batch"
        single = np.asarray(classifier.classify(sample.frame.image, boxes[:1]))
        assert np.allclose(single, scores[:1], atol=1e-4), "a face scored alone differs from the same face in a batch"
        rows.append(single[0])

    image = samples[0].frame.image
    height, width = image.shape[:2]
    edges = [(-20, -20, 60, 60), (width - 30, height - 30, 60, 60), (0, 0, 1, 1), (0, 0, width, height)]
    whole = np.asarray(classifier.classify(image, edges))
    _check_probabilities(whole, len(edges), len(labels))
    if splits(classifier):
        split = np.asarray(classifier.infer(classifier.preprocess(image, edges)))
        assert np.allclose(split, whole, atol=1e-5), "infer(preprocess(image, boxes)) is not classify(image, boxes)"
    return np.stack(rows)


def _check_probabilities(scores: np.ndarray, boxes: int, labels: int) -> None:
    assert scores.shape == (boxes, labels), f"expected scores of shape ({boxes}, {labels}), got {scores.shape}"
    assert scores.dtype == np.float32, f"scores must be float32, got {scores.dtype}"
    assert np.isfinite(scores).all(), "scores hold NaN or infinity"
    assert (scores >= 0).all() and (scores <= 1).all(), "scores must be probabilities in 0..1"
    assert np.allclose(scores.sum(axis=1), 1.0, atol=1e-3), "each row of scores must sum to 1"


# -- detectors --------------------------------------------------------------------------------------


def check_detector(factory: Callable[..., Any], expect_faces: bool = True, **options: Any) -> List[List[tuple]]:
    """Answer format, boxes inside the frame, faces found in real photos, nothing in blank or tiny frames.

    ``options`` may include the camera-rate ones (``every``, ``track``, …): the detector is then checked
    inside ``CameraRate`` as a screening runs it. Returns the boxes found in the sample photos.
    """
    rate = {k: v for k, v in options.items() if k in CAMERA_RATE_OPTIONS}
    own = {k: v for k, v in options.items() if k not in rate}

    def build() -> Any:
        detector = _build(factory, FaceDetector, own)
        return CameraRate(detector, **rate) if rate else detector

    found = []
    for sample in sample_faces():
        detector = build()  # fresh per photo: unrelated images
        boxes = _check_answer(detector.detect(sample.frame), sample.frame)
        if expect_faces and sample.boxes:
            assert boxes, f"no face found in the sample photo {sample.name}, where Haar finds {len(sample.boxes)}"
        found.append(boxes)
    detector = build()
    for frame in sample_frames(12):  # consecutive frames, as from a video
        _check_answer(detector.detect(frame), frame)
    for frame in (_blank(index=100), _blank(8, 8, index=200)):
        boxes = _check_answer(build().detect(frame), frame)
        assert boxes == [], f"found faces {boxes} in a blank {frame.image.shape[1]}×{frame.image.shape[0]} frame"
    return found


def _check_answer(answer: Sequence[Any], frame: Frame) -> List[tuple]:
    """Check each face of a detector's answer (a ``Detection`` or a bare box); the boxes."""
    boxes = []
    for found in answer:
        if isinstance(found, Detection):
            assert found.score is None or 0.0 <= found.score <= 1.0, f"score {found.score} is not in 0..1"
            if found.landmarks is not None:
                assert len(found.landmarks) == 5 and all(len(p) == 2 for p in found.landmarks), (
                    f"landmarks must be five (x, y) points, got {found.landmarks!r}"
                )
            found = found.box
        _check_boxes([found], frame)
        boxes.append(tuple(int(v) for v in found))
    return boxes


def _check_boxes(boxes: Sequence[Any], frame: Frame) -> None:
    height, width = frame.image.shape[:2]
    for box in boxes:
        assert len(box) == 4 and all(isinstance(v, (int, np.integer)) for v in box), (
            f"a box must be (x, y, w, h) integers, got {box!r}"
        )
        x, y, w, h = (int(v) for v in box)
        assert w > 0 and h > 0, f"box {box} has no area"
        assert x + w > 0 and y + h > 0 and x < width and y < height, (
            f"box {box} lies outside the {width}×{height} frame"
        )


# -- trackers ---------------------------------------------------------------------------------------


def check_tracker(factory: Callable[..., Any], **options: Any) -> None:
    """One id per box; a still face keeps its id; two faces in one frame get two ids; no boxes, no ids."""
    tracker = _build(factory, Tracker, options)
    a, b = (40, 60, 80, 80), (400, 60, 80, 80)
    ids = []
    for index in range(10):
        frame = _blank(640, 360, index=index)
        got = list(tracker.update(frame, [a, b]))
        assert len(got) == 2 and all(isinstance(i, (int, np.integer)) for i in got), f"expected 2 int ids, got {got}"
        assert got[0] != got[1], f"two faces in one frame share the id {got[0]}"
        ids.append(tuple(got))
    assert len(set(ids)) == 1, f"still faces changed ids: {sorted(set(ids))}"
    assert list(tracker.update(_blank(640, 360, index=10), [])) == [], "no boxes must give no ids"


# -- audio detectors ---------------------------------------------------------------------------------


def check_audio_detector(factory: Callable[..., Any], **options: Any) -> np.ndarray:
    """A label, a rate and a window; one score in 0..1 per window (a column per event with ``also``), the same alone
    and in a batch; ``off <= on``. Returns the scores of silence, a tone and noise."""
    detector = _build(factory, AudioDetector, options)
    assert isinstance(detector.label, str) and detector.label, "label must be a non-empty string"
    assert int(detector.rate) > 0 and detector.hop_s > 0 and detector.window_s > 0, "rate, window_s, hop_s > 0"
    also = dict(detector.also or {})
    for on, off in [(detector.on, detector.off), *also.values()]:
        assert 0 <= off <= on <= 1, f"expected 0 <= off <= on <= 1, got {off}, {on}"
    assert detector.label not in also, f"also repeats the detector's own label {detector.label!r}"
    size = int(round(detector.window_s * detector.rate))
    t = np.arange(size) / detector.rate
    windows = np.stack(
        [
            np.zeros(size),
            0.5 * np.sin(2 * np.pi * 440 * t),
            np.random.default_rng(0).uniform(-0.5, 0.5, size),
        ]
    ).astype(np.float32)
    scores = np.asarray(detector.score(windows), dtype=np.float64)
    shape = (3, 1 + len(also)) if also else (3,)
    assert scores.shape == shape, f"expected scores of shape {shape} for 3 windows, got {scores.shape}"
    assert np.all((scores >= 0) & (scores <= 1)), f"scores must be in 0..1, got {scores}"
    alone = np.asarray(detector.score(windows[1:2]), dtype=np.float64)
    assert np.allclose(alone, scores[1:2], atol=1e-4), f"a window scores {alone} alone but {scores[1]} in a batch"
    return scores


# -- sources ----------------------------------------------------------------------------------------


def check_source(factory: Callable[..., Any], max_frames: int = 50, **options: Any) -> List[Frame]:
    """Frames are BGR uint8 images with increasing indices and non-decreasing times; ``close`` always works.

    Returns the frames read (at most ``max_frames``).
    """
    source = _build(factory, FrameSource, options)
    frames: List[Frame] = []
    try:
        for frame in source.frames():
            frames.append(frame)
            if len(frames) >= max_frames:
                break
    finally:
        source.close()
    assert frames, "the source gave no frames"
    for frame in frames:
        image = frame.image
        assert isinstance(image, np.ndarray) and image.dtype == np.uint8, "frame.image must be a uint8 numpy array"
        assert image.ndim == 3 and image.shape[2] == 3, f"frame.image must be H×W×3 BGR, got shape {image.shape}"
    indices = [f.index for f in frames]
    times = [f.time_s for f in frames]
    assert all(b > a for a, b in itertools.pairwise(indices)), f"frame indices must increase: {indices[:10]}"
    assert all(b >= a for a, b in itertools.pairwise(times)), f"frame times must not go back: {times[:10]}"
    total = getattr(source, "total_frames", None)
    if total is not None and len(frames) < max_frames:
        assert len(frames) + getattr(source, "dropped_frames", 0) == total, (
            f"total_frames says {total}, the source gave {len(frames)}"
        )
    return frames


# -- sinks ------------------------------------------------------------------------------------------


def check_sink(factory: Callable[..., Any], read_back: Optional[Callable[[], int]] = None, **options: Any) -> None:
    """open → write (with and without records) → flush → close; with ``read_back``, nothing is lost.

    ``read_back()`` returns how many records the sink made durable (rows in a file, messages received...);
    it is called after ``close`` and must equal the number written.
    """
    labels = ("neutral", "smile")
    session = Session("conformance", "test", "sample", labels, "smile", fps=25.0)
    sink = _build(factory, ResultSink, options)
    sink.open(session)
    written = 0
    try:
        for frame in sample_frames(6):
            records = [
                Record(
                    "conformance",
                    frame.index,
                    frame.time_s,
                    face,
                    40 + 200 * face,
                    60,
                    80,
                    80,
                    0.25 + 0.5 * face,
                    labels[face],
                    {"neutral": 0.75 - 0.5 * face, "smile": 0.25 + 0.5 * face},
                )
                for face in range(2)
            ]
            sink.write(frame, records)
            written += len(records)
            sink.write(frame, [])  # a frame without faces
        sink.flush()
    finally:
        sink.close()
    if read_back is not None:
        got = read_back()
        assert got == written, f"the sink made {got} of {written} records durable"


def check_bad_option(factory: Callable[..., Any], **options: Any) -> ReactlensError:
    """Building the component with these (bad) options raises ReactlensError, whose message says what to do."""
    try:
        factory(**options)
    except ReactlensError as error:
        assert error.fix, "a ReactlensError must say how to fix the problem"
        return error
    raise AssertionError(f"{factory!r} accepted the bad options {options}")
