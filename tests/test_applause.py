"""Applause beside laughter (``audio.applause = true``): one model run hears both, each its own room event; the report
lists applause apart from laughs and the dashboard counts it; bad thresholds are one line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from reactlens_audio.efficientat import EfficientAtDetector
from reactlens_audio.laughter import LaughterDetector

from reactlens.dashboard.board import Board, Cursor
from reactlens.room import read_sound
from reactlens.testing import check_audio_detector

from .conftest import assert_one_line_error, run_cli
from .sound_clips import HEDGEWARS, RATE, faces_with_sound, laugh, mixed

APPLAUSE_WAV = Path("/usr/share/games/circuslinux/data/sounds/applause.wav")
pytestmark = pytest.mark.skipif(
    not (HEDGEWARS.is_dir() and APPLAUSE_WAV.exists()), reason="hedgewars-data or circuslinux-data is not installed"
)


def window(sound: np.ndarray, detector, start_s: float = 0.0) -> np.ndarray:
    size = int(detector.window_s * detector.rate)
    return np.pad(sound[int(start_s * detector.rate) :], (0, size))[:size].astype(np.float32)


@pytest.mark.parametrize("factory", [LaughterDetector, EfficientAtDetector])
def test_one_run_scores_laughter_and_applause_each_in_its_column(factory):
    check_audio_detector(factory, applause=True)
    detector = factory(applause=True)
    applause = read_sound(str(APPLAUSE_WAV), detector.rate)
    laughing = read_sound(str(HEDGEWARS / "Surfer" / "Laugh.ogg"), detector.rate)
    scores = detector.score(np.stack([window(applause, detector, 1.0), window(laughing, detector)]))
    (laugh_on, _), (applause_on, _) = (detector.on, detector.off), detector.also["applause"]
    assert scores.shape == (2, 2)
    assert scores[0, 1] >= applause_on and scores[0, 0] < laugh_on, scores  # applause: not a laugh
    assert scores[1, 0] >= laugh_on and scores[1, 1] < applause_on, scores  # a laugh: not applause
    alone = factory()  # without the option, one column as before
    assert alone.also == {} and alone.score(np.stack([window(laughing, alone)])).shape == (1,)


@pytest.fixture(scope="module")
def laugh_then_applause(tmp_path_factory, clip) -> Path:
    """8 s of the faces clip; its sound: a laugh at 1 s, applause from 4.5 s."""
    folder = tmp_path_factory.mktemp("applause")
    clapping = read_sound(str(APPLAUSE_WAV), RATE)[: int(3.5 * RATE)]
    sound = mixed(8, [(1.0, laugh(), 0.8), (4.5, clapping, 0.8)])
    return faces_with_sound(clip, sound, folder / "applause.mp4")


def test_applause_is_a_room_event_of_its_own_in_the_csv_and_the_report(laugh_then_applause, tmp_path, tiny_model):
    out = tmp_path / "r.csv"
    args = ("run", "--source", str(laugh_then_applause), "--model", str(tiny_model), "--csv", str(out))
    result = run_cli(*args, "--set", "audio.applause=true")
    assert result.returncode == 0, result.stderr
    assert "1 room event(s)" in result.stderr and ", 1 applause" in result.stderr
    again = run_cli(*args, "--set", "audio.applause=true", "--set", "sinks.csv.if_exists=overwrite", "--json")
    assert json.loads(again.stdout)["room"]["events_by_label"] == {"laughter": 1, "applause": 1}
    with open(tmp_path / "r-room.csv", newline="") as handle:
        room = list(csv.DictReader(handle))
    assert {r["label"] for r in room} == {"laughter", "applause"}
    claps = [float(r["time_s"]) for r in room if r["label"] == "applause" and r["event"]]
    laughs = [float(r["time_s"]) for r in room if r["label"] == "laughter" and r["event"]]
    # windows' centres within half a window (1 s for EfficientAT) of their sound: a laugh at 1-2 s, applause from 4.5 s
    assert min(claps) >= 3.5 and max(claps) <= 8.5 and max(laughs) < 3.5
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())["room"]
    assert summary["laughs"] == 1 and summary["applause"] == 1  # the applause is not a laugh
    [event] = summary["applause_events"]
    assert 3.5 <= event["start_s"] <= 5.5 and event["seconds"] >= 1.5 and not event["in_film"]
    assert (tmp_path / "rep" / "applause.csv").exists()
    assert "<h3>Applause</h3><p>1 applause heard" in (tmp_path / "rep" / "report.html").read_text()


def test_the_dashboard_counts_applause_apart_from_laughs():
    board = Board("run")
    board.add_frame("cam", "s1", ("neutral", "smile"), "smile", "Film", 0.0, [(0, [0.9, 0.1])])
    window = {"session_id": "s1", "time_s": 3.0, "score": 0.9, "event": 1, "media": "Film"}
    board.add_room("cam", [{**window, "label": "applause"}, {**window, "label": "laughter", "time_s": 1.0}])
    [tile] = board.update(Cursor())["tiles"]
    assert (tile["room_applause"], tile["room_laughs"]) == (1, [1.0])


def test_applause_thresholds_out_of_order_are_one_line(clip, tmp_path, tiny_model):
    result = run_cli(
        "run", "--source", str(clip), "--model", str(tiny_model), "--csv", str(tmp_path / "r.csv"),
        "--set", "audio.applause=true", "--set", "audio.applause_on=0.1", "--set", "audio.applause_off=0.5",
    )  # fmt: skip
    assert_one_line_error(result, "applause thresholds on 0.1, off 0.5", "applause_on/off")
    assert not (tmp_path / "r.csv").exists()
