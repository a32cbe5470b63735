"""Photos as a source: a JPEG, a folder or a glob is screened by the same loop, each record naming its photo."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import pytest

from reactlens.demo import demo_photos

from .conftest import assert_one_line_error, run_cli


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """The demo's real portraits as JPEG files, one in a subfolder, and a file that is not an image at all."""
    folder = tmp_path_factory.mktemp("photos")
    (folder / "more").mkdir()
    for i, (_, image) in enumerate(demo_photos()):
        cv2.imwrite(str(folder / ("more" if i else ".") / f"portrait-{i}.jpg"), image)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a JPEG")
    (folder / "notes.txt").write_text("not a picture")
    return folder


def rows(path: Path) -> list:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_single_jpeg_is_screened_and_its_faces_name_it(photos, tmp_path):
    photo = photos / "portrait-0.jpg"
    result = run_cli("run", "--source", str(photo), "--csv", str(tmp_path / "r.csv"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["session"]["profile"] == "photos" and summary["session"]["stills"] is True
    assert summary["frames"] == 1 and summary["face_frames"] >= 1  # it used to be 0 frames and exit 0
    found = rows(tmp_path / "r.csv")
    assert {r["image"] for r in found} == {str(photo)} and all(r["frame"] == "0" for r in found)


def test_a_folder_skips_what_it_cannot_read_and_goes_on(photos, tmp_path):
    result = run_cli(
        "run", "--source", str(photos), "--csv", str(tmp_path / "r.csv"), "--json", "--set", "source.recursive=true"
    )
    assert result.returncode == 0, result.stderr
    assert "skipping" in result.stderr and "broken.jpg" in result.stderr and "notes.txt" not in result.stderr
    images = {Path(r["image"]).name for r in rows(tmp_path / "r.csv")}
    assert images == {f"portrait-{i}.jpg" for i in range(len(demo_photos()))}
    assert json.loads(result.stdout)["frames"] == len(images)


def test_a_glob_and_the_report_read_like_a_video(photos, tmp_path):
    result = run_cli("run", "--source", str(photos / "portrait-*.jpg"), "--csv", str(tmp_path / "r.csv"))
    assert result.returncode == 0, result.stderr
    report = run_cli("report", str(tmp_path / "r.csv"), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--profile", "video", "--source", "{photos}/portrait-0.jpg"], ["is a still image, not a video", "photos"]),
        (["--source", "{photos}/none-*.jpg"], ["no images in", "recursive"]),
        (["--source", "{photos}/missing.jpg"], ["image", "not found"]),
        (["--source", "{photos}", "--set", "source.fps=0"], ["fps=0 must be above 0"]),
    ],
)
def test_bad_stills_are_one_line(photos, tmp_path, args, fragments):
    args = [a.format(photos=photos) for a in args]
    assert_one_line_error(run_cli("run", *args, "--csv", str(tmp_path / "r.csv")), *fragments)
