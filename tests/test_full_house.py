"""The full house: frames of a seated audience composed from hand-checked crowd photos, and the detector that finds
its 15-30 pixel faces at camera rate (the `full-house` profile)."""

from __future__ import annotations

import csv
import json
from collections import Counter

import numpy as np
import pytest

from reactlens.detector_eval import load_truth, score_detector
from reactlens.errors import ReactlensError
from reactlens.full_house import BACK_PX, FRONT_PX, SIZE, compose, photos_of, room_light, write_clip, write_truth
from reactlens.plugins import PluginHost
from reactlens.profiles import BUILTIN_PROFILES

from .conftest import REPO, run_cli

CROWDS = REPO / "benchmarks" / "ground_truth" / "crowds.xml"


@pytest.fixture(scope="module")
def photos(media):
    return photos_of(str(CROWDS), str(media))


def test_a_composed_frame_holds_every_face_it_shows_at_a_theatres_sizes(photos):
    assert sum(len(p.faces) for p in photos) == 198  # the faces checked by eye in the six crowd photos
    image, faces = compose(photos, seed=1)
    assert image.shape == (SIZE[1], SIZE[0], 3) and len(faces) > 300
    heights = np.array([h for _, _, _, h in faces])
    assert np.median(heights) < 25 and heights.min() >= BACK_PX / 2 and heights.max() <= FRONT_PX * 1.5
    assert all(x >= 0 and y >= 0 and x + w <= SIZE[0] and y + h <= SIZE[1] for x, y, w, h in faces)
    assert compose(photos, seed=1)[1] == faces  # the same seed, the same audience


def test_the_full_house_profile_finds_a_seated_audience_of_small_faces(photos, tmp_path):
    image, faces = compose(photos, seed=2)
    clip = tmp_path / "house.mp4"
    write_clip(str(clip), image, room_light(25, seed=2, flicker=True), seed=2)  # lit by a film
    write_truth(str(tmp_path / "house.xml"), [(clip.name, faces, 25)])
    host = PluginHost()
    host.load_entry_points()
    spec = BUILTIN_PROFILES["full-house"]["detector"]
    options = {k: v for k, v in spec.items() if k != "use"}
    total = score_detector(load_truth(str(tmp_path / "house.xml")), lambda: host.create("detector", "yunet", options))
    result = total.to_dict()["total"]
    assert result["recall@0.3"] >= 0.95 and result["precision@0.3"] >= 0.97, result


def test_the_full_house_profile_screens_a_recording(clip, tmp_path):
    out = tmp_path / "r.csv"
    result = run_cli("run", "--profile", "full-house", "--source", str(clip), "--csv", str(out), "--no-audio", "--json")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert rows and {r["scored"] for r in rows} == {"1"}  # the profile writes the rows the classifier scored
    every = tmp_path / "all.csv"
    args = ("--set", "sinks.csv.rows=all", "--no-audio")
    assert run_cli("run", "--profile", "full-house", "--source", str(clip), "--csv", str(every), *args).returncode == 0
    all_rows = list(csv.DictReader(every.open()))
    scored = [{**r, "session_id": ""} for r in all_rows if r["scored"] == "1"]
    assert scored == [{**r, "session_id": ""} for r in rows]  # the scored rows alone, the same
    assert json.loads(result.stdout)["face_frames"] == len(all_rows) > len(rows)  # the summary counts every face
    # the viewer seen through the 2-second clip: scored when first seen, then 6 times a second (not 50 rows)
    assert 12 <= max(Counter(r["face_id"] for r in rows).values()) <= 14


def test_the_full_house_scans_from_a_camera_on_one_thread_beside_the_frames():
    host = PluginHost()
    host.load_entry_points()
    options = {k: v for k, v in BUILTIN_PROFILES["full-house"]["detector"].items() if k != "use"}
    detector = host.create("detector", "yunet", {**options, "background_scan": True})
    scanner, own = detector._scanner, detector.detector
    assert scanner is not own  # a second detector of its own, on the scan thread
    assert scanner.session.get_session_options().intra_op_num_threads == 1  # the profile's scan_threads
    assert own.session.get_session_options().intra_op_num_threads == 2  # the frames' detector keeps its threads
    with pytest.raises(ReactlensError, match="detector 'haar' has no threads option, so scan_threads cannot be set"):
        host.create("detector", "haar", {"track": True, "background_scan": True, "scan_threads": 1})
