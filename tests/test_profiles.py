"""Profiles: built-ins, a user's TOML file, extends, overrides, and clear errors for bad configs."""

from __future__ import annotations

import json

import pytest

from reactlens.errors import ReactlensError
from reactlens.profiles import ProfileBook, load_config, parse_value

from .conftest import assert_one_line_error, run_cli

CONFIG = """
[profiles.lobby]
extends = "webcam"
description = "Second camera"
source = { use = "opencv", uri = 1 }
detector = { min_size = 40 }
sinks = [{ use = "csv", path = "lobby.csv" }]

[profiles.bench]
extends = "lobby"
max_frames = 100
"""


def test_builtin_profiles():
    book = ProfileBook()
    assert book.names()[:5] == ["webcam", "video", "photos", "full-house", "deeplens"]
    webcam = book.resolve("webcam")
    assert webcam.source.use == "opencv" and webcam.source.options == {"uri": 0}
    assert [s.use for s in webcam.sinks] == ["csv", "annotate"] and webcam.sinks[1].options["preview"] is True
    video = book.resolve("video")
    assert [s.use for s in video.sinks] == ["csv"]


def test_user_profiles_extend_and_merge(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    book = load_config(str(path))
    lobby = book.resolve("lobby")
    assert lobby.description == "Second camera"
    assert lobby.source.options == {"uri": 1}
    webcam = book.resolve("webcam")
    assert lobby.detector.use == webcam.detector.use
    assert lobby.detector.options == {**webcam.detector.options, "min_size": 40}
    assert [(s.use, s.options) for s in lobby.sinks] == [("csv", {"path": "lobby.csv"})]
    bench = book.resolve(
        "bench", {"detector.scale_factor": 1.2, "sinks.csv.path": "b.csv", "sinks.annotate.video": "a.mp4"}
    )
    assert bench.max_frames == 100
    assert bench.detector.options == {**webcam.detector.options, "min_size": 40, "scale_factor": 1.2}
    assert [(s.use, s.options) for s in bench.sinks] == [("csv", {"path": "b.csv"}), ("annotate", {"video": "a.mp4"})]


def test_override_values_are_read_as_toml():
    assert parse_value("1.5") == 1.5 and parse_value("true") is True and parse_value("[1, 2]") == [1, 2]
    assert parse_value("clip.mp4") == "clip.mp4" and parse_value('"0"') == "0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[profiles.x\nsource = 1", "is not valid TOML"),
        ("[profiles.x]\nextends = 'video'\ndetetor = 'haar'", "unknown key detetor"),
        ("[profiles.x]\nextends = 'video'\nsinks = 'csv'", "sinks must be a list"),
        ("[profiles.x]\nextends = 'nope'", "unknown profile 'nope'"),
        ("[profiles.x]\nextends = 'y'\n[profiles.y]\nextends = 'x'", "extend each other in a loop"),
        ("[profiles.x]\nextends = 'video'\ndetector = 3", "detector must name a component"),
        ("[profile.x]\n", "unknown table profile"),
    ],
)
def test_malformed_configs_give_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ReactlensError, match=message):
        load_config(str(path)).resolve("x")


def test_cli_profiles_lists_user_profiles(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    result = run_cli("profiles", "--config", str(path), "--json")
    assert result.returncode == 0, result.stderr
    names = [p["name"] for p in json.loads(result.stdout)]
    assert names == ["webcam", "video", "photos", "full-house", "deeplens", "lobby", "bench"]


def test_cli_malformed_config_and_unknown_profile(tmp_path, clip):
    path = tmp_path / "bad.toml"
    path.write_text("[profiles.x\n")
    assert_one_line_error(run_cli("run", "--config", str(path), "--profile", "x"), "is not valid TOML", str(path))
    assert_one_line_error(
        run_cli("run", "--profile", "nosuch", "--source", str(clip)), "unknown profile 'nosuch'", "webcam"
    )
    assert_one_line_error(run_cli("run", "--config", str(tmp_path / "none.toml")), "not found")
