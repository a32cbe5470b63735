"""Each viewer scored a set number of times a second (``classifier.rate``), a slice of the audience per frame, the
records between carrying the viewer's last scores and saying so."""

from __future__ import annotations

import csv
from collections import defaultdict
from itertools import pairwise

import numpy as np

from reactlens.classify_rate import FIRST_PER_FRAME, ClassifyRate

from .conftest import assert_one_line_error, run_cli


class Counting:
    """A classifier whose every answer is new: the n-th face it scores gets smile probability n / 10000."""

    labels = ("neutral", "smile")
    smile_label = "smile"

    def __init__(self) -> None:
        self.scored = 0
        self.calls = 0

    def classify(self, image, boxes):
        self.calls += 1
        smile = (self.scored + np.arange(len(boxes), dtype=np.float32) + 1) / 10000.0
        self.scored += len(boxes)
        return np.stack([1 - smile, smile], axis=1).astype(np.float32)


def test_a_full_house_is_scored_a_slice_a_frame_each_viewer_at_its_rate():
    counting = Counting()
    rated = ClassifyRate(counting, rate=5)
    image = np.zeros((8, 8, 3), np.uint8)
    viewers = list(range(FIRST_PER_FRAME))  # a house scored whole when first seen
    boxes = [(v, 0, 4, 4) for v in viewers]
    last = {}
    scored_at = defaultdict(list)
    per_frame = []
    for index in range(50):  # 2 s at 25 fps
        time_s = index / 25
        probs, scored, ready = rated.score_viewers(image, boxes, viewers, time_s)
        assert ready.all()
        per_frame.append(int(scored.sum()))
        for v in viewers:
            if scored[v]:
                scored_at[v].append(time_s)
                last[v] = probs[v].copy()
            else:  # carried: exactly the viewer's last scores
                assert np.array_equal(probs[v], last[v])
    assert counting.calls == sum(1 for n in per_frame if n)  # the faces due in a frame go in one batch
    assert per_frame[0] == len(viewers)  # everyone is scored when first seen
    # then 5 times a second each: a fifth of a second apart (to a frame), 10 or 11 times in 2 s
    assert all(10 <= len(times) <= 11 for times in scored_at.values())
    assert all(np.allclose(np.diff(times[1:]), 0.2, atol=0.04 + 1e-9) for times in scored_at.values())
    # spread over the frames: 64 viewers × 5 / 25 fps = 12.8 a frame, never all at once
    assert max(per_frame[1:]) <= 19 and min(per_frame[6:]) >= 6


def test_every_viewer_of_a_house_of_hundreds_carries_its_own_last_scores():
    rated = ClassifyRate(Counting(), rate=6)
    image = np.zeros((8, 8, 3), np.uint8)
    viewers = [1000 + 7 * v for v in range(400)]  # any ids, more than a frame scores for the first time
    boxes = [(0, 0, 4, 4)] * len(viewers)
    last = {}
    for index in range(60):
        probs, scored, ready = rated.score_viewers(image, boxes, viewers, index / 30)
        for row in np.flatnonzero(ready).tolist():
            if scored[row]:
                last[viewers[row]] = probs[row].copy()
            assert np.array_equal(probs[row], last[viewers[row]])
    assert len(last) == len(viewers) and len({float(p[1]) for p in last.values()}) == len(viewers)


def test_a_house_found_at_once_is_scored_for_the_first_time_over_a_few_frames():
    counting = Counting()
    rated = ClassifyRate(counting, rate=6)
    image = np.zeros((8, 8, 3), np.uint8)
    viewers = list(range(FIRST_PER_FRAME * 3 + 10))
    boxes = [(v, 0, 4, 4) for v in viewers]
    seen = set()
    for index in range(4):
        probs, scored, ready = rated.score_viewers(image, boxes, viewers, index / 30)
        first = {v for v in viewers if ready[v]} - seen
        # never more than the cap first scored in a frame; a viewer's first ready row is a scored one
        assert len(first) == min(FIRST_PER_FRAME, len(viewers) - len(seen))
        assert all(scored[v] for v in first)
        assert not probs[~ready].any()  # the waiting rows carry no scores
        seen |= first
    assert seen == set(viewers)  # everyone ready by the fourth frame


def test_a_viewer_back_after_missing_turns_is_scored_at_once_and_keeps_its_phase():
    rated = ClassifyRate(Counting(), rate=2)
    image = np.zeros((8, 8, 3), np.uint8)
    _, scored, _ = rated.score_viewers(image, [(0, 0, 4, 4)], [7], 0.0)
    assert scored.tolist() == [True]
    _, scored, _ = rated.score_viewers(image, [(0, 0, 4, 4)], [7], 0.01)
    assert scored.tolist() == [False]
    first_due = (7 * 0.6180339887498949) % 1.0 * 0.5
    _, scored, _ = rated.score_viewers(image, [(0, 0, 4, 4)], [7], 3.0)  # away for turns, back: due now
    assert scored.tolist() == [True]
    _, scored, _ = rated.score_viewers(image, [(0, 0, 4, 4)], [7], 3.0 + 0.01)
    assert scored.tolist() == [False]
    next_turn = first_due + 0.5 * np.ceil((3.0 - first_due) / 0.5 + 1e-9)
    _, scored, _ = rated.score_viewers(image, [(0, 0, 4, 4)], [7], next_turn)
    assert scored.tolist() == [True]


def test_without_a_rate_or_a_tracker_every_face_is_scored_every_frame():
    image = np.zeros((8, 8, 3), np.uint8)
    for rated, ids in ((ClassifyRate(Counting(), rate=0), [0, 1]), (ClassifyRate(Counting(), rate=6), None)):
        for index in range(5):
            _, scored, _ = rated.score_viewers(image, [(0, 0, 4, 4), (4, 0, 4, 4)], ids, index / 25)
            assert scored.tolist() == [True, True]


class Splitting(Counting):
    """``Counting`` with its work split as the screening runs it: crops when planned, the model on its own thread."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared = 0

    def preprocess(self, image, boxes):
        self.prepared += len(boxes)
        return list(boxes)

    def infer(self, batch):
        return self.classify(None, batch)


def test_frames_planned_ahead_of_their_scores_get_what_one_at_a_time_gets():
    """The screening plans a frame's scoring before the frame before it has its scores (the model runs meanwhile):
    the carried scores must still be each viewer's last, in frame order."""
    image = np.zeros((8, 8, 3), np.uint8)
    viewers = list(range(FIRST_PER_FRAME + 20))  # a house first scored over two frames
    frames = [(index / 30, viewers[: 40 + index]) for index in range(40)]  # and viewers arriving
    one_at_a_time = ClassifyRate(Counting(), rate=6)
    expected = [one_at_a_time.score_viewers(image, [(v, 0, 4, 4) for v in ids], ids, t) for t, ids in frames]
    splitting = Splitting()
    ahead = ClassifyRate(splitting, rate=6)
    turns = [ahead.plan(image, [(v, 0, 4, 4) for v in ids], ids, t) for t, ids in frames[:1]]
    got = []
    for t, ids in [*frames[1:], (None, None)]:
        if t is not None:  # the next frame planned while this one's model runs
            turns.append(ahead.plan(image, [(v, 0, 4, 4) for v in ids], ids, t))
        turn = turns.pop(0)
        got.append(ahead.scores(turn, turn.run()))
    assert splitting.prepared == splitting.scored  # the crops were made when planned, the model given them
    for want, have in zip(expected, got, strict=True):
        assert np.array_equal(want.probs, have.probs)
        assert np.array_equal(want.scored, have.scored) and np.array_equal(want.ready, have.ready)


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_csv_says_which_frames_scored_each_viewer(clip, tmp_path):
    rated, every = tmp_path / "rated.csv", tmp_path / "every.csv"
    result = run_cli("run", "--source", str(clip), "--csv", str(rated), "--no-audio", "--set", "classifier.rate=4")
    assert result.returncode == 0, result.stderr
    result = run_cli("run", "--source", str(clip), "--csv", str(every), "--no-audio")
    assert result.returncode == 0, result.stderr
    assert {r["scored"] for r in read_rows(every)} == {"1"}
    by_viewer = defaultdict(list)
    for row in read_rows(rated):
        by_viewer[row["face_id"]].append(row)
    assert by_viewer
    for rows in by_viewer.values():
        assert rows[0]["scored"] == "1"  # first seen: scored
        turns = [float(r["time_s"]) for r in rows if r["scored"] == "1"]
        assert all(b - a > 0.25 - 0.04 for a, b in pairwise(turns[1:]))  # then 4 a second (25 fps frames)
        assert len(turns) < len(rows)
        for before, row in pairwise(rows):  # a row not scored repeats the viewer's last scores
            if row["scored"] == "0":
                assert row["smile"] == before["smile"] and row["label"] == before["label"]


def test_a_rate_below_one_a_second_is_one_line(clip, tmp_path):
    for rate in ("-1", "0.5"):
        result = run_cli(
            "run", "--source", str(clip), "--csv", str(tmp_path / "r.csv"), "--set", f"classifier.rate={rate}"
        )
        assert_one_line_error(result, "classifier rate", "is not 0 or at least 1")


def test_the_report_reads_only_the_scored_rows(tmp_path):
    from reactlens.records import Record, csv_header, csv_row
    from reactlens.report.load import load_results

    path = tmp_path / "rated.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_header(("neutral", "smile")))
        for frame in range(50):
            scored = frame % 5 == 0
            smile = 0.1 if scored else 0.9  # a carried row that disagreed would show in the report
            scores = {"neutral": 1 - smile, "smile": smile}
            record = Record("s", frame, frame / 25, 0, 1, 1, 9, 9, smile, "neutral", scores, scored=scored)
            writer.writerow(csv_row(record, ("neutral", "smile")))
    (viewer,) = load_results([str(path)]).records.viewers()
    assert list(viewer.frames) == list(range(0, 50, 5)) and (viewer.probs[:, 1] == 0.1).all()
