"""Where a screening's recording starts in the film, heard from their sound (``--media`` without ``--media-offset``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from reactlens.film_offset import RATE, offset_between, onsets
from reactlens.room import read_sound

from .conftest import run_cli
from .sound_clips import RATE as CLIP_RATE
from .sound_clips import faces_with_sound, laugh, mixed, speech

MUSIC = Path("/usr/share/games/hedgewars/Data/Music")


def soundtrack(folder: Path, seconds: float, rate: int) -> np.ndarray:
    """A film's sound: real music (hedgewars) with spoken lines (espeak-ng) and a laugh track's laugh at 14 s."""
    lines = ["Where were you on the night of the party?", "Put the goat down and step away from the car."]
    talk = [speech(line, folder) for line in lines]
    music = read_sound(str(MUSIC / "City.ogg"), CLIP_RATE)
    film = mixed(seconds, [(0, music, 0.3), (3, talk[0], 0.6), (11, talk[1], 0.6), (14, laugh("Classic"), 0.7)])
    return film if rate == CLIP_RATE else signal.resample_poly(film, rate, CLIP_RATE).astype(np.float32)


def test_the_film_is_found_through_a_reverberant_noisy_room_and_not_claimed_where_it_is_not(tmp_path):
    film = soundtrack(tmp_path, 40, RATE)
    rng = np.random.default_rng(0)
    tail = rng.normal(size=int(0.8 * RATE)) * np.exp(-np.arange(int(0.8 * RATE)) / (0.1 * RATE))
    response = np.concatenate(([1.0], 0.7 * tail[1:] / np.sqrt((tail**2).sum())))  # RT60 ~0.7 s, DRR +3 dB
    heard = signal.fftconvolve(film[int(9.25 * RATE) :][: 20 * RATE], response)[: 20 * RATE]
    other = read_sound(str(MUSIC / "Desert.ogg"), RATE)[: len(heard)]  # another film's music, as loud
    room = (0.2 * heard + 0.2 * heard.std() / other.std() * other).astype(np.float32)
    found = offset_between(onsets([room]), onsets([film]))
    assert found.heard and abs(found.offset_s - 9.25) <= 0.05, found
    early = np.concatenate((np.zeros(4 * RATE, np.float32), room))  # recording began 4 s before the film
    found = offset_between(onsets([early]), onsets([film]))
    assert found.heard and abs(found.offset_s - 5.25) <= 0.05, found
    elsewhere = offset_between(onsets([other]), onsets([film]))
    assert not elsewhere.heard, elsewhere


@pytest.mark.parametrize("given", [None, "0"])
def test_a_recording_that_starts_mid_film_is_placed_on_the_films_timeline(clip, tmp_path, tiny_model, given):
    film = soundtrack(tmp_path, 40, CLIP_RATE)
    film_file = faces_with_sound(clip, film, tmp_path / "Sitcom.mp4")
    # the session joined 9 s into the film: the room hears it from there (its laugh at 5 s), and laughs at 8 s
    room = mixed(14, [(0, film[9 * CLIP_RATE :], 0.4), (8, laugh("Surfer"), 1.0)])
    recording = faces_with_sound(clip, room, tmp_path / "room.mp4")
    out = tmp_path / "r.csv"
    offset = ["--media-offset", given] if given is not None else []
    args = ["run", "--source", str(recording), "--model", str(tiny_model), "--media", str(film_file)]
    result = run_cli(*args, *offset, "--csv", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    with open(out, newline="") as handle:
        first = min(float(row["time_s"]) for row in csv.DictReader(handle))
    if given is None:  # found from the sound, and the faces' records moved with it
        assert summary["film_offset"]["heard"] and abs(summary["film_offset"]["offset_s"] - 9.0) <= 0.05, summary
        assert abs(summary["session"]["media_offset_s"] - 9.0) <= 0.05 and 9.0 <= first < 9.5, first
        assert "heard in the recording: the recording starts 9.00 s into the film" in result.stderr, result.stderr
    else:  # an offset given is taken as it is, and nothing is searched
        assert summary["film_offset"] is None and summary["session"]["media_offset_s"] == 0.0 and first < 0.5
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    laughs = json.loads((tmp_path / "rep" / "summary.json").read_text())["room"]["top_by_strength"]
    in_film = sorted((round(r["start_s"]), r["in_film"]) for r in laughs)
    if given is None:  # the film's laugh at 14 s of the film is the film's; the audience's at 17 s is theirs
        assert [flag for _, flag in in_film] == [True, False] and 13 <= in_film[0][0] <= 15, in_film
    else:  # put at the film's start, the room's laughs no longer meet the film's (at 14 s)
        assert not any(flag for _, flag in in_film), in_film
