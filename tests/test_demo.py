"""``reactlens demo``: the whole loop on real faces with nothing but the installed packages."""

from __future__ import annotations

import csv
import json

import cv2

from .conftest import run_cli


def test_demo_writes_results_and_an_annotated_video(tmp_path):
    result = run_cli("demo", "--out", str(tmp_path / "demo"), timeout=300)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "demo"
    assert f"results:         {out / 'demo.csv'}" in result.stdout
    rows = list(csv.DictReader((out / "demo.csv").open()))
    frames = int(cv2.VideoCapture(str(out / "demo-input.mp4")).get(cv2.CAP_PROP_FRAME_COUNT))
    annotated = cv2.VideoCapture(str(out / "demo-annotated.mp4"))
    assert annotated.get(cv2.CAP_PROP_FRAME_COUNT) == frames == 300
    # both viewers are found in most frames, and the smiling astronaut is scored as smiling
    assert len(rows) > 0.9 * (100 + 2 * 200)
    right = [float(r["smile"]) for r in rows if int(r["x"]) > 320]
    left = [float(r["smile"]) for r in rows if int(r["x"]) < 320]
    assert sum(s > 0.5 for s in right) > 0.9 * len(right)
    assert sum(s > 0.5 for s in left) < 0.1 * len(left)
    # each viewer keeps one id; the report has its four files
    assert {r["face_id"] for r in rows} == {"0", "1"}
    for name in ("reaction.csv", "summary.json", "reaction.png", "report.html"):
        assert (out / "report" / name).exists()
    # the room laughs at 60% of the clip (7.2 s), when the smiling astronaut is in her seat
    assert "1 room event(s)" in result.stderr
    [laugh] = json.loads((out / "report" / "summary.json").read_text())["room"]["top_by_strength"]
    assert 6.5 <= laugh["start_s"] <= 7.5 and laugh["viewers_laughed"] == 1 and laugh["viewers_present"] == 2
    # a second run replaces its own outputs
    assert run_cli("demo", "--out", str(out), timeout=300).returncode == 0
