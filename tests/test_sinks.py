"""CSV and annotated-video sinks."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
from reactlens_csv.sink import CsvSink
from reactlens_opencv.annotate import AnnotateSink

from reactlens.annotate import NEUTRAL_BGR, SMILE_BGR, draw_records
from reactlens.components import Frame
from reactlens.errors import ReactlensError
from reactlens.records import Record, Session, csv_header

SESSION = Session("s1", "video", "clip.mp4", ("neutral", "smile"), "smile", fps=10.0)


def record(frame: int, face: int, smile: float, x: int = 10) -> Record:
    return Record(
        "s1",
        frame,
        frame / 10,
        face,
        x,
        20,
        40,
        40,
        smile,
        "smile" if smile > 0.5 else "neutral",
        {"neutral": 1 - smile, "smile": smile},
    )


def frame(index: int) -> Frame:
    return Frame(np.full((120, 160, 3), 90, np.uint8), index, index / 10, 0.0)


def write(sink, frames: int = 3) -> None:
    sink.open(SESSION)
    for i in range(frames):
        sink.write(frame(i), [record(i, 0, 0.9), record(i, 1, 0.2, x=80)])
    sink.close()


def test_csv_appends_to_a_file_with_the_same_columns(tmp_path):
    path = tmp_path / "r.csv"
    write(CsvSink(str(path)))
    write(CsvSink(str(path)))
    rows = list(csv.reader(path.open()))
    assert rows[0] == csv_header(SESSION.labels) and len(rows) == 1 + 12
    assert rows[1][:11] == ["s1", "0", "0.0", "0", "10", "20", "40", "40", "", "0.9", "smile"]


def test_csv_refuse_and_overwrite(tmp_path):
    path = tmp_path / "r.csv"
    write(CsvSink(str(path)))
    with pytest.raises(ReactlensError, match="already exists"):
        CsvSink(str(path), if_exists="refuse").open(SESSION)
    write(CsvSink(str(path), if_exists="overwrite"), frames=1)
    assert len(list(csv.reader(path.open()))) == 3
    with pytest.raises(ReactlensError, match="if_exists 'replace' is not understood"):
        CsvSink(str(path), if_exists="replace")


def test_csv_can_keep_only_the_rows_the_classifier_scored(tmp_path):
    path = tmp_path / "r.csv"
    sink = CsvSink(str(path), rows="scored")  # the full-house profile's: the rows between turns repeat scores
    sink.open(SESSION)
    for i in range(4):
        carried = record(i, 1, 0.2, x=80)
        carried.scored = i % 2 == 0  # viewer 1 scored every other frame
        sink.write(frame(i), [record(i, 0, 0.9), carried])
    sink.close()
    rows = list(csv.DictReader(path.open()))
    assert [(r["frame"], r["face_id"]) for r in rows] == [
        ("0", "0"),
        ("0", "1"),
        ("1", "0"),
        ("2", "0"),
        ("2", "1"),
        ("3", "0"),
    ]
    assert {r["scored"] for r in rows} == {"1"} and sink.health()["rows"] == 6
    with pytest.raises(ReactlensError, match="csv rows 'some' is not understood; use one of: all, scored"):
        CsvSink(str(path), rows="some")


def test_boxes_use_the_seed_colours():
    image = np.zeros((100, 200, 3), np.uint8)
    draw_records(image, [record(0, 0, 0.9, x=10), record(0, 1, 0.1, x=120)], "smile")
    assert tuple(image[59, 10]) == SMILE_BGR  # left edge of the smiling face's box
    assert tuple(image[59, 120]) == NEUTRAL_BGR


def test_annotated_video_has_every_frame(tmp_path):
    path = tmp_path / "a.mp4"
    write(AnnotateSink(video=str(path)), frames=5)
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == 5
    ok, first = capture.read()
    assert ok and first.shape == (120, 160, 3)
    with pytest.raises(ReactlensError, match="already exists"):
        AnnotateSink(video=str(path))


def test_preview_without_a_display_falls_back(monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    sink = AnnotateSink(preview=True)
    assert sink.preview is False
    write(sink)  # nothing to show, nothing breaks
