"""The screening loop: records per face per frame, every sink served, nothing lost on any exit."""

from __future__ import annotations

import csv
import gc
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from reactlens_opencv.source import OpenCVSource

from reactlens import ResultSink, hookimpl
from reactlens.errors import ComponentError, ReactlensError, StopScreening
from reactlens.plugins import PluginHost
from reactlens.profiles import ProfileBook
from reactlens.records import CSV_COLUMNS
from reactlens.screening import Screening

#: The frames at whose writing ``Recorder`` notes how many objects the garbage collector leaves alone.
FROZEN_FRAMES = 3


class Recorder(ResultSink):
    """Keeps what it is given; optionally raises on one frame."""

    instances: list = []

    def __init__(self, fail_on: int = -1, interrupt_on: int = -1, stop_on: int = -1) -> None:
        self.fail_on, self.interrupt_on, self.stop_on = fail_on, interrupt_on, stop_on
        self.frames, self.records, self.closed, self.session = [], [], False, None
        self.frozen: list = []  # objects the garbage collector leaves alone, at each frame
        Recorder.instances.append(self)

    def open(self, session) -> None:
        self.session = session

    def write(self, frame, records) -> None:
        if frame.index == self.fail_on:
            raise OSError("disk full")
        if frame.index == self.interrupt_on:
            raise KeyboardInterrupt
        self.frames.append(frame.index)
        self.records.extend(records)
        if len(self.frozen) < FROZEN_FRAMES:  # the count walks every frozen object: ~9 ms a frame
            self.frozen.append(gc.get_freeze_count())
        if frame.index == self.stop_on:
            raise StopScreening()  # as the preview does when the operator presses q

    def close(self) -> None:
        self.closed = True


class Boom:
    def __init__(self) -> None:
        pass

    def detect(self, frame):
        raise ValueError("cascade exploded")


class BoomAt:
    """Finds one face in each frame until frame ``at``, where it raises."""

    def __init__(self, at: int = 5) -> None:
        self.at = at

    def detect(self, frame):
        if frame.index == self.at:
            raise ValueError("cascade exploded")
        return [(100, 100, 80, 80)]


class BoomOnFourth:
    """A classifier that scores three frames' faces, then raises (a model that fails mid-film)."""

    labels = ("neutral", "smile")
    smile_label = "smile"

    def __init__(self) -> None:
        self.calls = 0

    def classify(self, image, boxes):
        self.calls += 1
        if self.calls == 4:
            raise RuntimeError("model exploded")
        return np.tile(np.array([[0.25, 0.75]], np.float32), (len(boxes), 1))


class UnpluggedCamera(OpenCVSource):
    """A camera that delivers a real clip's frames, then stops delivering (the cable pulled)."""

    def __init__(self, clip: str) -> None:
        super().__init__(clip, live=True)
        self.is_camera, self.description = True, "camera 9"


class TestPlugin:
    @hookimpl
    def register_sinks(self, register):
        register("recorder", Recorder)

    @hookimpl
    def register_sources(self, register):
        register("unplugged-camera", UnpluggedCamera)

    @hookimpl
    def register_detectors(self, register):
        register("boom", Boom)
        register("boom-at", BoomAt)

    @hookimpl
    def register_classifiers(self, register):
        register("boom-on-fourth", BoomOnFourth)


@pytest.fixture
def host() -> PluginHost:
    Recorder.instances = []
    host = PluginHost()
    host.load_entry_points(allow=[])
    host.add(TestPlugin(), "test-plugin")
    return host


def video_profile(clip: Path, model: Path, **overrides):
    return ProfileBook().resolve("video", {"source.uri": str(clip), "classifier.model": str(model), **overrides})


def read_csv(path: Path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def test_one_record_per_face_per_frame_in_csv(host, clip, tiny_model, tmp_path):
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip, tiny_model, tracker="none", **{"sinks.csv.path": str(out), "sinks.recorder.fail_on": -1}
    )
    summary = Screening(profile, host).run()
    header, rows = read_csv(out)
    assert header[: len(CSV_COLUMNS)] == list(CSV_COLUMNS)
    assert header[len(CSV_COLUMNS) :] == ["score_neutral", "score_smile", "media"]
    recorder = Recorder.instances[0]
    frames = cv2.VideoCapture(str(clip)).get(cv2.CAP_PROP_FRAME_COUNT)
    assert summary.stats.frames == frames == len(recorder.frames)
    assert len(rows) == summary.stats.face_frames == len(recorder.records) > 0
    by_frame: dict = {}
    for row in rows:
        record = dict(zip(header, row))
        assert record["session_id"] == summary.session.session_id
        frame = int(record["frame"])
        assert float(record["time_s"]) == pytest.approx(frame / 25.0, abs=1e-3)
        x, y, w, h = (int(record[k]) for k in "xywh")
        assert x >= 0 and y >= 0 and x + w <= 640 and y + h <= 360 and w > 20
        smile, neutral = float(record["score_smile"]), float(record["score_neutral"])
        assert float(record["smile"]) == smile and smile + neutral == pytest.approx(1.0, abs=2e-4)
        assert record["label"] == ("smile" if smile > neutral else "neutral")
        by_frame.setdefault(frame, []).append(int(record["face_id"]))
    # without a tracker, face ids are indices within the frame
    assert all(ids == list(range(len(ids))) for ids in by_frame.values())
    # the clip shows one face for its first third, then two
    assert max(len(ids) for ids in by_frame.values()) == 2


def test_max_frames_stops_early(host, clip, tiny_model):
    summary = Screening(video_profile(clip, tiny_model, max_frames=7, sinks=[{"use": "recorder"}]), host).run()
    assert summary.stats.frames == 7
    assert Recorder.instances[0].frames == list(range(7))
    assert Recorder.instances[0].closed


def test_the_collector_skips_what_was_made_before_the_loop_and_only_during_it(host, clip, tiny_model):
    # a full collection walking the libraries' objects took 34-43 ms: a dropped frame live
    Screening(video_profile(clip, tiny_model, max_frames=FROZEN_FRAMES, sinks=[{"use": "recorder"}]), host).run()
    assert len(Recorder.instances[0].frozen) == FROZEN_FRAMES and min(Recorder.instances[0].frozen) > 10_000
    assert gc.get_freeze_count() == 0


def test_a_failing_sink_does_not_stop_the_others(host, clip, tiny_model, tmp_path):
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip, tiny_model, sinks=[{"use": "recorder", "fail_on": 3}, {"use": "csv", "path": str(out)}]
    )
    summary = Screening(profile, host).run()
    assert summary.sink_errors == {"recorder": "OSError: disk full"}
    assert Recorder.instances[0].frames == [0, 1, 2] and Recorder.instances[0].closed
    _, rows = read_csv(out)
    assert len(rows) == summary.stats.face_frames
    assert max(int(r[1]) for r in rows) == summary.stats.frames - 1


def test_interrupt_closes_every_sink_with_all_processed_records(host, clip, tiny_model, tmp_path):
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip, tiny_model, sinks=[{"use": "csv", "path": str(out)}, {"use": "recorder", "interrupt_on": 10}]
    )
    summary = Screening(profile, host).run()
    assert summary.interrupted
    assert Recorder.instances[0].closed and Recorder.instances[0].frames == list(range(10))
    _, rows = read_csv(out)
    # the CSV got frame 10's records before the interrupt reached the second sink
    assert max(int(r[1]) for r in rows) == 10
    assert all(len(r) == 15 for r in rows)


def test_a_sink_may_end_the_screening_and_the_others_still_get_that_frame(host, clip, tiny_model, tmp_path):
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip, tiny_model, sinks=[{"use": "recorder", "stop_on": 5}, {"use": "csv", "path": str(out)}]
    )
    summary = Screening(profile, host).run()
    assert summary.stats.frames == 6 and not summary.interrupted and not summary.sink_errors
    assert Recorder.instances[0].frames == list(range(6)) and Recorder.instances[0].closed
    _, rows = read_csv(out)
    assert max(int(r[1]) for r in rows) == 5 and len(rows) == summary.stats.face_frames


def test_a_camera_that_goes_away_ends_the_run_with_its_results_saved(host, clip, tiny_model, tmp_path):
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip,
        tiny_model,
        source={"use": "unplugged-camera", "clip": str(clip)},
        sinks=[{"use": "csv", "path": str(out)}, {"use": "recorder"}],
        # this camera delivers the clip as fast as it decodes, so its few frames are scanned as they come
        **{"detector.background_scan": False},
    )
    with pytest.raises(ReactlensError, match=r"camera 9 stopped delivering frames.*results so far are saved"):
        Screening(profile, host).run()
    recorder = Recorder.instances[0]
    assert recorder.closed and len(recorder.records) > 0
    _, rows = read_csv(out)
    assert len(rows) == len(recorder.records)  # the CSV was flushed and closed with every processed record


def test_a_component_that_raises_is_named_with_its_plugin(host, clip, tiny_model, tmp_path):
    profile = video_profile(clip, tiny_model, detector="boom", sinks=[{"use": "recorder"}])
    with pytest.raises(ComponentError, match=r"detector 'boom' \(plugin 'test-plugin'\).*cascade exploded"):
        Screening(profile, host).run()
    assert Recorder.instances[0].closed


def test_the_frames_found_before_a_component_raises_are_all_written(host, clip, tiny_model, tmp_path):
    """A file's frame is scored while the next frames' faces are found: when finding a frame's fails, the frames
    before it are still written, in order."""
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip, tiny_model, detector="boom-at", sinks=[{"use": "recorder"}, {"use": "csv", "path": str(out)}]
    )
    with pytest.raises(ComponentError, match=r"detector 'boom-at'.*frame 5: ValueError: cascade exploded"):
        Screening(profile, host).run()
    assert Recorder.instances[0].frames == [0, 1, 2, 3, 4] and Recorder.instances[0].closed
    _, rows = read_csv(out)
    assert [int(r[1]) for r in rows] == [0, 1, 2, 3, 4]


def test_a_classifier_that_raises_on_its_thread_is_named_and_the_frames_scored_before_are_written(
    host, clip, tiny_model, tmp_path
):
    out = tmp_path / "r.csv"
    profile = video_profile(
        clip,
        tiny_model,
        detector={"use": "boom-at", "at": -1},  # one face in every frame
        classifier="boom-on-fourth",
        sinks=[{"use": "recorder"}, {"use": "csv", "path": str(out)}],
    )
    with pytest.raises(ComponentError, match=r"classifier 'boom-on-fourth'.*frame 3: RuntimeError: model exploded"):
        Screening(profile, host).run()
    assert Recorder.instances[0].frames == [0, 1, 2] and Recorder.instances[0].closed
    header, rows = read_csv(out)
    assert [int(r[1]) for r in rows] == [0, 1, 2]
    assert {r[header.index("smile")] for r in rows} == {"0.75"}


def test_ctrl_c_on_the_command_line_keeps_every_row(clip, tiny_model, tmp_path):
    """SIGINT to a live run: exit 130, summary printed, the CSV complete up to the last frame."""
    out = tmp_path / "live.csv"
    args = [
        "run",
        "--source",
        str(clip),
        "--model",
        str(tiny_model),
        "--csv",
        str(out),
        "-q",
        "--set",
        "source.live=true",
        "--set",
        "sinks.csv.flush_s=0",
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "reactlens", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 300):
        time.sleep(0.05)  # waiting for the run to have written rows, not for a fixed time
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted:" in stderr and "Traceback" not in stderr
    text = out.read_text()
    assert text.endswith("\n")
    header, rows = read_csv(out)
    assert rows and all(len(r) == len(header) for r in rows)
    frames = sorted({int(r[1]) for r in rows})
    assert frames == sorted(frames) and np.all(np.diff([int(r[1]) for r in rows]) >= 0)


def test_a_live_source_scans_in_the_background_unless_the_profile_says(host, clip, tiny_model):
    live = Screening(video_profile(clip, tiny_model, **{"source.live": True}), host)
    assert live.detector.spec.options["background_scan"] is True  # a camera does not wait for a full scan
    assert live.detector.spec.options["scan_lag"] == 0  # nor for a scan's faces: taken once it is done
    file = Screening(video_profile(clip, tiny_model), host)
    assert "background_scan" not in file.detector.spec.options  # a file's frames wait for their scans
    inline = Screening(
        video_profile(clip, tiny_model, **{"source.live": True, "detector.background_scan": False}), host
    )
    assert inline.detector.spec.options["background_scan"] is False
    for screening in (live, file, inline):
        screening.close_components()


@pytest.mark.parametrize(
    "profile, faces, hinted", [("video", 360, True), ("video", 8, False), ("full-house", 360, False)]
)
def test_a_house_screened_by_a_profile_that_follows_every_face_is_told_of_the_full_house_profile(
    capsys, profile, faces, hinted
):
    from reactlens.cli.run import print_summary
    from reactlens.records import Session
    from reactlens.screening import Stats, Summary

    stats = Stats(frames=10, face_frames=10 * faces)
    print_summary(Summary(Session("s1", profile, "house.mp4", ("neutral", "smile"), "smile"), stats), as_json=False)
    err = capsys.readouterr().err
    assert err.startswith("done: 10 frames")
    assert ("--profile full-house" in err) is hinted
