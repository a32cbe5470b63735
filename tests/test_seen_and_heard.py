"""Seen and heard together: a room laugh no visible face confirms is doubtful; faces smiling together while the room
was heard and quiet are a silent laugh; a laugh both seen and heard is neither."""

from __future__ import annotations

import csv
import json

from reactlens.records import ROOM_COLUMNS, RoomRecord, room_row
from reactlens.report.audience import analyse
from reactlens.report.load import load_results

from .conftest import run_cli
from .test_report import seconds, write_results

HOP = 0.5


def write_room(path, laughs):
    """The room heard from 0 to 60 s, a window every 0.5 s; ``laughs``: (start, end) of each laugh event."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROOM_COLUMNS)
        for i in range(int(60 / HOP)):
            time_s = i * HOP
            event = next((n + 1 for n, (a, b) in enumerate(laughs) if a <= time_s <= b), None)
            record = RoomRecord("s1", time_s, "laughter", 0.9 if event else 0.01, event, "Film")
            writer.writerow(room_row(record))


def test_doubtful_and_silent_laughs(tmp_path):
    # four viewers; at 10 s all smile and the room laughs (seen and heard); at 30 s the room "laughs" and no face
    # moves (a cough: doubtful); at 45 s three of four smile for 4 s and nothing is heard (silent)
    smiling = {0: [(10, 0.02), (4, 0.97), (31, 0.02), (4, 0.97), (11, 0.02)]}
    quiet = {1: [(10, 0.02), (4, 0.97), (31, 0.02), (4, 0.97), (11, 0.02)]}
    also = {2: [(10, 0.02), (4, 0.97), (31, 0.02), (4, 0.97), (11, 0.02)]}
    straight = {3: [(60, 0.02)]}
    tracks = {face: seconds(*spans) for group in (smiling, quiet, also, straight) for face, spans in group.items()}
    results = write_results(tmp_path / "results.csv", "s1", tracks)
    write_room(tmp_path / "results-room.csv", [(10.0, 12.0), (30.0, 31.0)])
    audience = analyse(load_results([str(results)]))
    room = audience.room
    assert room is not None
    laughs = room.laughs.set_index("start_s")
    assert len(laughs) == 2
    seen = laughs.iloc[0]
    cough = laughs.iloc[1]
    assert seen["viewers_laughed"] == 3 and not seen["doubtful"]
    assert cough["viewers_present"] == 4 and cough["viewers_laughed"] == 0 and cough["doubtful"]
    silent = room.silent
    assert len(silent) == 1, silent
    moment = silent.iloc[0]
    assert 44 <= moment["start_s"] <= 46 and moment["viewers_smiling"] == 3 and moment["viewers_present"] == 4
    out = tmp_path / "report"
    result = run_cli("report", str(results), "--out", str(out))
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())["room"]
    assert summary["laughs_doubtful"] == 1 and len(summary["silent_laughs"]) == 1
    assert (out / "silent_laughs.csv").read_text().count("\n") == 2
    page = (out / "report.html").read_text()
    assert "Silent laughs" in page and "no face laughed" in page
