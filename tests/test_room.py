"""The room's sound: laughter heard in a recording and through a real sound server, on the frames' clock."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from reactlens import AudioDetector, Frame, FrameSource, ResultSink, hookimpl
from reactlens.plugins import PluginHost
from reactlens.profiles import ProfileBook
from reactlens.screening import Screening

from .conftest import assert_one_line_error, run_cli
from .sound_clips import HEDGEWARS, RATE, faces_with_sound, laugh, mixed, speech, with_sound

pytestmark = pytest.mark.skipif(not HEDGEWARS.is_dir(), reason="hedgewars-data is not installed (scripts/bootstrap)")
SENTENCE = "Please keep your mobile phones switched off until the end of the screening."
LAUGH_AT = 5.0


def rows(path: Path) -> list:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def laughing_clip(tmp_path_factory, clip) -> Path:
    """8 s of the faces clip; its sound: a sentence, then a laugh at 5.0 s."""
    folder = tmp_path_factory.mktemp("laughing")
    sound = mixed(8, [(0.0, speech(SENTENCE, folder), 0.3), (LAUGH_AT, laugh(), 0.8)])
    return faces_with_sound(clip, sound, folder / "laughing.mp4")


def test_the_laughter_detector_hears_a_laugh_and_not_speech(tmp_path):
    from reactlens_audio.laughter import LaughterDetector

    from reactlens.testing import check_audio_detector

    check_audio_detector(LaughterDetector)
    detector = LaughterDetector()
    window = int(detector.window_s * detector.rate)
    heard = np.pad(laugh(), (0, window))[:window]
    spoken = np.pad(speech(SENTENCE, tmp_path), (0, window))[:window]
    laughing, talking = detector.score(np.stack([heard, spoken]))
    assert laughing >= 0.5 and talking < 0.05, (laughing, talking)


def test_a_laugh_in_the_recording_is_a_room_laugh_on_the_media_timeline(laughing_clip, tmp_path, tiny_model):
    out = tmp_path / "r.csv"
    result = run_cli(
        "run",
        "--source",
        str(laughing_clip),
        "--model",
        str(tiny_model),
        "--csv",
        str(out),
        "--media-title",
        "Film",
        "--media-offset",
        "100",
    )
    assert result.returncode == 0, result.stderr
    assert "1 room event(s)" in result.stderr
    every = rows(tmp_path / "r-room.csv")
    assert list(every[0]) == ["session_id", "time_s", "label", "score", "event", "media"]
    assert {r["label"] for r in every} == {"laughter", "applause"}  # the profiles hear applause too
    assert not any(r["event"] for r in every if r["label"] == "applause")  # a laugh is not applause
    room = [r for r in every if r["label"] == "laughter"]
    times = [float(r["time_s"]) for r in room]
    assert times == sorted(times) and abs(times[1] - times[0] - 0.5) <= 2e-3  # EfficientAT: a window every 0.5 s
    heard = [r for r in room if r["event"]]
    assert {r["event"] for r in heard} == {"1"} and all(r["media"] == "Film" for r in room)
    # the windows of the laugh: their centres lie within half a 2-s window of the laugh at 105 s of media
    assert 100 + LAUGH_AT - 1.0 <= float(heard[0]["time_s"]) <= 100 + LAUGH_AT + 1.0
    assert max(float(r["score"]) for r in heard) >= 0.3
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    assert "1 room laughs" in report.stdout
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    [top] = summary["room"]["top_by_strength"]
    assert 104 <= top["start_s"] <= 105.5 and top["viewers_present"] == 2
    # one laugh in 8 s of sound (7 s of 2-s windows' centres)
    assert summary["room"]["laughs_per_minute"] == pytest.approx(60 / 7, rel=0.1)
    assert (tmp_path / "rep" / "laughs.parquet").exists() and (tmp_path / "rep" / "room.csv").exists()


def test_a_recording_replayed_live_is_heard_from_its_own_track(laughing_clip, tmp_path, tiny_model):
    out = tmp_path / "r.csv"
    args = ("--source", str(laughing_clip), "--set", "source.live=true", "--max-frames", "160")
    result = run_cli("run", *args, "--model", str(tiny_model), "--csv", str(out))
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    assert "1 room event(s)" in result.stderr


def test_without_sound_the_video_goes_on_and_the_report_says_laughs_are_visual(clip, tmp_path, tiny_model):
    out = tmp_path / "r.csv"
    result = run_cli("run", "--source", str(clip), "--model", str(tiny_model), "--csv", str(out))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"reactlens: warning: {clip} has no audio track; the video is screened without sound (--no-audio: on purpose)"
    ]
    assert rows(out) and not (tmp_path / "r-room.csv").exists()
    quiet = run_cli(
        "run", "--source", str(clip), "--model", str(tiny_model), "--csv", str(tmp_path / "q.csv"), "--no-audio"
    )
    assert quiet.returncode == 0 and "warning" not in quiet.stderr
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert "visual estimate" in report.stdout
    assert "laughs are a visual estimate" in json.loads((tmp_path / "rep" / "summary.json").read_text())["room"]


def test_a_microphone_that_is_not_there_is_one_warning_and_the_video_goes_on(clip, tmp_path, tiny_model):
    out = tmp_path / "r.csv"
    result = run_cli(
        "run", "--source", str(clip), "--model", str(tiny_model), "--csv", str(out), "--audio", "mic:no such microphone"
    )
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "warning" in line]
    assert "microphone no such microphone did not open" in warning and "video is screened without sound" in warning
    assert rows(out)


def test_an_audio_model_that_is_missing_is_one_line(clip, tmp_path, tiny_model):
    result = run_cli("run", "--source", str(clip), "--model", str(tiny_model), "--set", "audio.model=nope.onnx")
    assert_one_line_error(result, "model nope.onnx not found", "audio.model")
    yamnet = ("--set", "audio=laughter", "--set", "audio.model=nope.tflite")
    result = run_cli("run", "--source", str(clip), "--model", str(tiny_model), *yamnet)
    assert_one_line_error(result, "audio model nope.tflite not found", "--no-audio")


# -- one clock -------------------------------------------------------------------------------------


class Clicks(AudioDetector):
    """A loudness detector with 10 ms windows: a click is an event, to the nearest 5 ms."""

    label, rate, window_s, hop_s, on, off = "click", RATE, 0.01, 0.005, 0.5, 0.25

    def score(self, windows):
        return np.minimum(np.sqrt(np.mean(windows**2, axis=1)) * 4, 1.0)


class Flashes(ResultSink):
    """Remembers the time of every frame brighter than mid-grey, and every room record."""

    frames: list = []
    room: list = []

    def write(self, frame, records):
        if frame.image.mean() > 128:
            Flashes.frames.append(frame.time_s)

    def write_room(self, records):
        Flashes.room.extend(records)


class ClockPlugin:
    @hookimpl
    def register_audio_detectors(self, register):
        register("clicks", Clicks)

    @hookimpl
    def register_sinks(self, register):
        register("flashes", Flashes)


def test_a_flash_and_a_click_at_the_same_instant_agree_within_40_ms(clip, tmp_path):
    fps, flash_at = 25.0, 2.0
    frames = [np.full((360, 640, 3), 30, np.uint8) for _ in range(int(4 * fps))]
    frames[int(flash_at * fps)] = np.full((360, 640, 3), 250, np.uint8)
    sound = np.zeros(4 * RATE, np.float32)
    start = int(flash_at * RATE)
    sound[start : start + int(0.02 * RATE)] = 0.9  # a 20 ms click
    video = with_sound(frames, fps, sound, tmp_path / "flash.mp4")
    host = PluginHost()
    host.load_entry_points(allow=[])
    host.add(ClockPlugin(), "clock")
    Flashes.frames, Flashes.room = [], []
    profile = ProfileBook().resolve(
        "video", {"source.uri": str(video), "tracker": "none", "audio": "clicks", "sinks": [{"use": "flashes"}]}
    )
    Screening(profile, host).run()
    [flash] = Flashes.frames
    first = next(r for r in Flashes.room if r.event is not None)
    assert abs(first.time_s - flash) <= 0.040, (first.time_s, flash)


# -- live: a real sound server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sound_server():
    """PulseAudio with a null sink called ``room``; its monitor is the default capture device."""
    if not shutil.which("pulseaudio"):
        pytest.skip("pulseaudio is not installed (scripts/bootstrap)")
    started = subprocess.run(["pulseaudio", "--check"]).returncode != 0
    if started:
        # no CPU limit: under a busy machine's load its watchdog would stop the server mid-test
        subprocess.run(
            ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--no-cpu-limit"], check=True, capture_output=True
        )
    module = subprocess.run(
        ["pactl", "load-module", "module-null-sink", "sink_name=reactlens_room"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(["pactl", "set-default-source", "reactlens_room.monitor"], check=True)
    subprocess.run(["pactl", "set-default-sink", "reactlens_room"], check=True)
    yield "reactlens_room"
    subprocess.run(["pactl", "unload-module", module])
    if started:
        subprocess.run(["pulseaudio", "--kill"])


def test_laughter_played_into_the_room_is_heard_live_end_to_end(sound_server, laughing_clip, tmp_path, tiny_model):
    out = tmp_path / "live.csv"
    wav = tmp_path / "laugh.wav"
    _write_wav(wav, np.concatenate([np.zeros(RATE, np.float32), laugh() * 0.8]))  # after the server settles
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reactlens",
            "run",
            "--source",
            str(laughing_clip),
            "--set",
            "source.live=true",
            "--model",
            str(tiny_model),
            "--csv",
            str(out),
            "--audio",
            "mic",
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        room = tmp_path / "live-room.csv"
        deadline = time.monotonic() + 30
        while not room.exists() and time.monotonic() < deadline:  # the run is hearing the room
            time.sleep(0.05)
        subprocess.run(["paplay", f"--device={sound_server}", str(wav)], check=True, timeout=20)
        _, stderr = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 0, stderr
    heard = rows(room)
    assert any(r["event"] for r in heard), [r["score"] for r in heard]
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0 and "room laughs" in report.stdout


def _write_wav(path: Path, samples: np.ndarray) -> None:
    import wave

    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def test_the_films_own_laughs_are_marked_and_not_counted_as_the_audiences(clip, tmp_path, tiny_model):
    track = laugh("Classic")  # the film's laugh track, at 2 s
    film = faces_with_sound(clip, mixed(8, [(2.0, track, 0.8)]), tmp_path / "Sitcom.mp4")
    # the room hears the film's laugh track, half as loud, and laughs itself at 5.5 s
    room_sound = mixed(8, [(2.0, track, 0.4), (5.5, laugh("Surfer"), 0.8)])
    screening = faces_with_sound(clip, room_sound, tmp_path / "room.mp4")
    out = tmp_path / "r.csv"
    result = run_cli(
        "run", "--source", str(screening), "--model", str(tiny_model), "--csv", str(out), "--media", str(film)
    )
    assert result.returncode == 0, result.stderr
    room = rows(tmp_path / "r-room.csv")
    labels = {"laughter", "film:laughter", "applause", "film:applause"}
    assert {r["label"] for r in room} == labels and {r["media"] for r in room} == {"Sitcom"}
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())["room"]
    assert summary["laughs"] == 1 and summary["laughs_in_film"] == 1, summary["top_by_strength"]
    # the film's laugh track from 2 s and the audience's laugh from 5.5 s, each within half a 2-s window
    laughs = sorted((r["start_s"], r["in_film"]) for r in summary["top_by_strength"])
    assert [in_film for _, in_film in laughs] == [True, False], laughs
    assert 1.0 <= laughs[0][0] <= 2.5 and 4.5 <= laughs[1][0] <= 6.0, laughs
    missing = run_cli("run", "--source", str(screening), "--model", str(tiny_model), "--media", "nope.mp4")
    assert_one_line_error(missing, "film file nope.mp4 not found", "--media")


class PacedFrames(FrameSource):
    """A live camera stand-in: grey frames at 25 fps on the monotonic clock, the one exposed at ``flash_at`` white."""

    live, fps, description = True, 25.0, "paced frames"
    flash_at = 0.0

    def frames(self):
        started = time.monotonic()
        for index in range(int(4 * self.fps)):
            due = started + index / self.fps
            time.sleep(max(0.0, due - time.monotonic() - 0.002))  # a camera's read waits without the GIL
            while time.monotonic() < due:  # then to the millisecond
                pass
            # a camera exposes each frame on its own clock: however late the loop reads it, it shows that instant
            bright = abs(due - PacedFrames.flash_at) <= 0.5 / self.fps
            yield Frame(np.full((90, 160, 3), 250 if bright else 30, np.uint8), index, due - started, due)


class LiveClockPlugin(ClockPlugin):
    @hookimpl
    def register_sources(self, register):
        register("paced", PacedFrames)


def test_a_flash_and_a_click_agree_within_40_ms_through_a_live_sound_device(sound_server):
    """The click leaves for the sound card when the flash frame is captured; the room must hear it then."""
    import sounddevice

    host = PluginHost()
    host.load_entry_points(allow=[])
    host.add(LiveClockPlugin(), "clock")
    Flashes.frames, Flashes.room = [], []
    PacedFrames.flash_at = time.monotonic() + 2.5  # after the sound server has settled (~1 s)
    left = [int(0.02 * RATE)]

    def play(out, frames, times, status):
        out[:] = 0
        if left[0] and time.monotonic() + speaker.latency >= PacedFrames.flash_at:
            n = min(frames, left[0])
            out[:n, 0] = 0.9
            left[0] -= n

    speaker = sounddevice.OutputStream(
        samplerate=RATE, channels=1, dtype="float32", callback=play, blocksize=160, latency="low"
    )
    overrides = {"source": "paced", "detector": "haar", "tracker": "none", "audio": "clicks", "audio_input": "mic"}
    profile = ProfileBook().resolve("webcam", {**overrides, "sinks": [{"use": "flashes"}]})
    with speaker:
        Screening(profile, host).run()
    [flash] = Flashes.frames
    first = next(r for r in Flashes.room if r.event is not None)
    assert abs(first.time_s - flash) <= 0.040, (first.time_s, flash)
