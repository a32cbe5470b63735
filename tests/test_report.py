"""The report maths on constructed results with known answers, and the report files."""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from reactlens.records import csv_header
from reactlens.report.audience import CURVE_COLUMNS, analyse
from reactlens.report.figures import tick_step
from reactlens.report.grid import timestamp
from reactlens.report.load import load_results
from reactlens.report.signal import SignalParams, expression, laugh_events, smooth

from .conftest import assert_one_line_error, run_cli

FPS = 10.0
P = SignalParams()


def write_results(path: Path, session: str, tracks: dict, media: str = "Film", offset: float = 0.0) -> Path:
    """``tracks``: face_id → list of smile probabilities at 10 fps from t=0 (None = face absent)."""
    rows = []
    length = max(len(v) for v in tracks.values())
    for frame in range(length):
        for face, scores in tracks.items():
            if frame < len(scores) and scores[frame] is not None:
                s = scores[frame]
                rows.append(
                    [
                        session,
                        frame,
                        round(offset + frame / FPS, 3),
                        face,
                        10,
                        10,
                        50,
                        50,
                        0.97,
                        s,
                        "smile" if s > 0.5 else "neutral",
                        1,
                        1 - s,
                        s,
                        media,
                    ]
                )
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_header(["neutral", "smile"]))
        writer.writerows(rows)
    return path


def seconds(*spans):
    """Scores at 10 fps: spans of (seconds, value)."""
    out = []
    for length, value in spans:
        out += [value] * int(round(length * FPS))
    return out


def test_one_frame_flicker_is_not_a_smile():
    times = np.arange(30) / FPS
    scores = np.full(30, 0.05)
    scores[12] = 1.0
    smoothed = smooth(times, scores, P)
    assert not smiling(smoothed).any()
    assert laugh_events(times, smoothed, P) == []


def smiling(smile: np.ndarray) -> np.ndarray:
    """Smile-net's two labels: whether the smile label (index 1) is the expression shown."""
    return expression(np.column_stack([1 - smile, smile]), P.lead) == 1


def test_hysteresis_holds_the_state_between_thresholds():
    # for two labels, leading by 0.2 is a smile from 0.6 until it falls to 0.4
    smoothed = np.array([0.5, 0.65, 0.5, 0.45, 0.41, 0.4, 0.5, 0.59, 0.6])
    assert smiling(smoothed).tolist() == [False, True, True, True, True, False, False, False, True]
    assert expression(np.column_stack([1 - smoothed, smoothed]), P.lead).tolist()[:1] == [-1]  # nothing led yet


def test_the_label_that_last_led_by_the_margin_is_shown():
    scores = np.array([[0.5, 0.3, 0.2], [0.3, 0.45, 0.25], [0.2, 0.5, 0.3], [0.35, 0.3, 0.35], [0.1, 0.2, 0.7]])
    assert expression(scores, P.lead).tolist() == [0, 0, 1, 1, 2]  # 0.45 − 0.3 is not a 0.2 lead; 0.5 − 0.3 is


def test_laugh_needs_a_fast_onset_and_a_sustained_strong_smile():
    t = np.arange(60) / FPS
    fast = smooth(t, np.array(seconds((1, 0.0), (5, 1.0))), P)
    [event] = laugh_events(t, fast, P)
    # a step from 0 to 1 crosses 0.85 after tau*ln(1/0.15) = 0.95 s
    assert event == pytest.approx(1.0 + 0.5 * np.log(1 / 0.15), abs=0.11)
    brief = smooth(t[:25], np.array(seconds((1, 0.0), (1.3, 1.0), (0.2, 0.0))), P)
    assert laugh_events(t[:25], brief, P) == []  # strong for less than 0.8 s
    slow = smooth(t, np.clip(np.arange(60) / 50, 0, 1), P)  # a ramp from 0 to 1 over 5 s
    assert laugh_events(t, slow, P) == []  # a slow build-up over 5 s is a smile, not a laugh
    assert smiling(slow).any()


def test_per_second_curve_and_moments_with_known_answers(tmp_path):
    # viewer 0 laughs at second 3 (0 → 1), viewer 1 smiles mildly throughout, viewer 2 leaves after 4 s
    path = write_results(
        tmp_path / "a.csv",
        "s1",
        {
            0: seconds((3, 0.0), (3, 1.0), (4, 0.0)),
            1: seconds((10, 0.7)),
            2: seconds((4, 0.1)),
        },
    )
    audience = analyse(load_results([str(path)]))
    assert audience.labels == ("neutral", "smile") and audience.smile_label == "smile"
    curve = audience.label_curve("smile")
    assert curve.index.tolist() == list(range(10))
    assert curve["viewers"].tolist() == [3, 3, 3, 3, 2, 2, 2, 2, 2, 2]
    # second 0: only viewer 1 smiles of three viewers
    assert curve.loc[0, "share"] == pytest.approx(1 / 3, abs=1e-4)
    assert curve.loc[0, "mean"] == pytest.approx((0.0 + 0.7 + 0.1) / 3, abs=1e-4)
    assert curve.loc[0, "share_low"] < 1 / 3 < curve.loc[0, "share_high"]
    # seconds 4-5: viewers 0 and 1 both smiling, viewer 2 gone
    assert curve.loc[5, "share"] == 1.0
    assert curve["laughs"].sum() == 1 and curve.loc[3, "laughs"] == 1
    assert audience.label_curve("neutral")["laughs"].sum() == 0  # laughs belong to the smile label
    assert audience.moments["smile"][0]["second"] == 3 and audience.moments["smile"][0]["laughs"] == 1
    viewers = {v["face_id"]: v for v in audience.viewers}
    assert viewers[0]["laughs"] == 1 and viewers[1]["laughs"] == 0 and viewers[1]["labels"]["smile"]["share"] == 1.0
    assert viewers[2]["seconds_present"] == 4 and viewers[2]["labels"]["smile"]["share"] == 0.0
    assert audience.sessions == [
        {"session_id": "s1", "media": "Film", "records": 240, "frames": 100, "viewers": 3, "start_s": 0.0, "end_s": 9.9}
    ]


def test_sessions_of_the_same_media_line_up_on_the_media_timeline(tmp_path):
    # two screenings: the second started recording 60 s into the film; both laugh at film time 63 s
    a = write_results(tmp_path / "a.csv", "s1", {0: seconds((63, 0.0), (3, 1.0))})
    b = write_results(tmp_path / "b.csv", "s2", {0: seconds((3, 0.0), (3, 1.0))}, offset=60.0)
    audience = analyse(load_results([str(a), str(b)]))
    curve = audience.label_curve("smile")
    assert curve.loc[63, "laughs"] == 2 and curve.loc[63, "viewers"] == 2
    assert curve.loc[10, "viewers"] == 1
    assert audience.moments["smile"][0]["timestamp"] == "1:03"
    assert len(audience.sessions) == 2


def test_a_full_house_read_a_slice_at_a_time_gives_the_report_read_whole(tmp_path, monkeypatch):
    # a real run's CSV is in order of frames, every viewer's records interleaved; read 7 records at a time, each
    # viewer's arrive in many pieces. The same file given twice adds nothing (each frame of a viewer counts once).
    tracks = {face: seconds((2, 0.1 * face), (2, 0.9), (1, None), (3, 0.2)) for face in range(4)}
    path = write_results(tmp_path / "a.csv", "s1", tracks)
    whole = analyse(load_results([str(path)]))
    monkeypatch.setattr("reactlens.report.load.SLICE_ROWS", 7)
    sliced = analyse(load_results([str(path), str(path)]))
    assert sliced.curve.equals(whole.curve) and sliced.viewers == whole.viewers and sliced.sessions == whole.sessions
    assert whole.sessions[0]["records"] == 4 * 70 and whole.sessions[0]["frames"] == 70  # a second with no face


def test_no_room_on_disk_for_the_records_is_one_line(tmp_path):
    # the disk fills while the records are kept: here no file this report writes may pass 64 KB, and 4 viewers' 2,400
    # records take 77 KB
    path = write_results(tmp_path / "a.csv", "s1", {face: seconds((60, 0.1)) for face in range(4)})
    result = subprocess.run(
        [sys.executable, "-m", "reactlens", "report", str(path), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)),
    )
    assert_one_line_error(result, "cannot keep the results' records", "TMPDIR")
    assert not (tmp_path / "r").exists()


def test_the_viewers_table_built_a_part_at_a_time_is_the_table_built_whole(tmp_path):
    tracks = {face: seconds((3, 0.0), (2 + face, 1.0), (4, 0.3)) for face in range(5)}
    audience = analyse(load_results([str(write_results(tmp_path / "a.csv", "s1", tracks))]))
    whole = pd.concat(list(audience.tidy(part_s=1000)), ignore_index=True)
    parts = list(audience.tidy(part_s=3))
    assert len(parts) == 5 and pd.concat(parts, ignore_index=True).equals(whole)
    assert whole["time_s"].is_monotonic_increasing and len(whole) == 2 * (5 * 9 + 0 + 1 + 2 + 3 + 4)


def test_report_files_and_cli(tmp_path):
    a = write_results(tmp_path / "a.csv", "s1", {0: seconds((3, 0.0), (3, 1.0), (2, 0.0)), 1: seconds((8, 0.2))})
    result = run_cli("report", str(a), "--out", str(tmp_path / "rep"))
    assert result.returncode == 0, result.stderr
    assert "smile: 0:03 50%" in result.stdout  # one of the two viewers laughs
    out = tmp_path / "rep"
    rows = list(csv.DictReader((out / "reaction.csv").open()))
    assert list(rows[0]) == CURVE_COLUMNS and len(rows) == 2 * 8  # two labels, eight seconds
    parquet = pq.read_table(out / "reaction.parquet").to_pandas()
    assert parquet.equals(pd.read_csv(out / "reaction.csv"))
    tidy = pd.read_parquet(out / "viewer_scores.parquet")
    assert list(tidy.columns) == ["time_s", "session", "viewer", "label", "value"]
    assert len(tidy) == 2 * 2 * 8  # viewers × labels × seconds
    assert tidy.query("viewer == 's1:1' and label == 'smile'")["value"].tolist() == [0.2] * 8
    assert str(tidy["value"].dtype) == "float64"  # kept as float32, written as the 4-decimal numbers they were
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["laughs"] == 1 and summary["top_moments"]["smile"][0]["timestamp"] == "0:03"
    assert summary["labels"] == ["neutral", "smile"] and "Bayesian-bootstrap" in summary["definitions"]["band"]
    assert (out / "reaction.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "reaction.svg").read_bytes()[:2000]
    page = (out / "report.html").read_text()
    assert "<script src" not in page and "<link" not in page and "uPlot" in page and "Top moments" in page


def test_report_refuses_mixed_media_and_bad_files(tmp_path):
    a = write_results(tmp_path / "a.csv", "s1", {0: seconds((2, 0.1))}, media="Film A")
    b = write_results(tmp_path / "b.csv", "s2", {0: seconds((2, 0.1))}, media="Film B")
    assert_one_line_error(run_cli("report", str(a), str(b), "--out", str(tmp_path / "r")), "2 media", "--media")
    assert run_cli("report", str(a), str(b), "--media", "Film B", "--out", str(tmp_path / "r")).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert_one_line_error(run_cli("report", str(bad)), "lacks the columns")
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 but not really")
    assert_one_line_error(run_cli("report", str(junk)), "is not a readable Parquet file")
    assert_one_line_error(run_cli("report", str(tmp_path / "none.csv")), "not found")


def test_timestamps():
    assert timestamp(0) == "0:00" and timestamp(63.9) == "1:03" and timestamp(3725) == "1:02:05"
    assert timestamp(-3) == "-0:03" and timestamp(-0.5) == "0:00"  # a recording that began before the film


@pytest.mark.parametrize(
    "span_s, step",
    [(12, 2), (90, 10), (600, 60), (3600, 600), (2 * 3600, 900), (100 * 3600, 36000)],
)
def test_plot_ticks_fall_on_clock_friendly_times(span_s, step):
    assert tick_step(span_s) == step
    assert span_s / tick_step(span_s) <= 10
