"""The report for any label set, its confidence bands, and comparisons of two audiences, with known answers."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import pytest
from scipy import stats

from reactlens.records import csv_header
from reactlens.report.audience import analyse
from reactlens.report.bootstrap import difference_band, mean_band
from reactlens.report.compare import compare
from reactlens.report.load import load_results

from .conftest import assert_one_line_error, run_cli

FPS = 10


def write_scores(
    path: Path, session: str, labels: Sequence[str], viewers: Dict[int, np.ndarray], fps: int = FPS
) -> Path:
    """``viewers``: face id → ``(frames, labels)`` probabilities from t=0 at ``fps`` (NaN rows: face absent)."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_header(labels))
        length = max(len(v) for v in viewers.values())
        for frame in range(length):
            for face, scores in viewers.items():
                if frame >= len(scores) or np.isnan(scores[frame]).any():
                    continue
                probs = [round(float(p), 4) for p in scores[frame]]
                label = labels[int(np.argmax(probs))]
                writer.writerow(
                    [session, frame, round(frame / fps, 3), face, 10, 10, 50, 50, 0.9, "", label, 1, *probs, "Film"]
                )
    return path


def steps(spans: List[tuple], fps: int = FPS) -> np.ndarray:
    """Rows of probabilities: spans of (seconds, [p_label0, p_label1, ...])."""
    return np.concatenate([np.tile(np.asarray(p, dtype=float), (int(round(s * fps)), 1)) for s, p in spans])


# -- any label set -----------------------------------------------------------------------------------


LABELS = ("calm", "amused", "surprised")
CALM, AMUSED, SURPRISED = [0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.1, 0.05, 0.85]


def test_three_labels_without_a_smile_label_get_hand_computed_curves(tmp_path):
    # viewer 0 is amused throughout; viewer 1 is calm, then surprised from 2.5 s
    path = write_scores(
        tmp_path / "three.csv",
        "s1",
        LABELS,
        {0: steps([(4, AMUSED)]), 1: steps([(2.5, CALM), (1.5, SURPRISED)])},
    )
    results = load_results([str(path)])
    assert results.labels == LABELS and results.smile_label is None
    audience = analyse(results)
    share = {label: audience.label_curve(label)["share"].tolist() for label in LABELS}
    # viewer 1's smoothed calm falls to 0.4 only 0.44 s after 2.5 s: still calm for second 2, not for second 3;
    # their surprised reaches 0.6 0.66 s after 2.5 s: on for 8 of second 3's 10 frames
    assert share == {"calm": [0.5, 0.5, 0.5, 0.0], "amused": [0.5] * 4, "surprised": [0.0, 0.0, 0.0, 0.5]}
    mean = audience.label_curve("surprised")["mean"].tolist()
    assert mean == pytest.approx([0.05, 0.05, (0.05 + (5 * 0.05 + 5 * 0.85) / 10) / 2, (0.05 + 0.85) / 2], abs=1e-4)
    assert audience.label_curve("surprised")["onsets"].tolist() == [0, 0, 0, 1]
    assert audience.curve["laughs"].sum() == 0  # laughs are a smile label's, and there is none
    assert [m["timestamp"] for m in audience.moments["surprised"]] == ["0:03"]
    viewer = {v["face_id"]: v for v in audience.viewers}[1]["labels"]
    assert viewer["surprised"]["episodes"] == 1 and viewer["amused"]["episodes"] == 0


def test_run_and_report_with_a_classifier_that_has_no_smile_label(tmp_path, clip):
    from .onnx_models import brightness_model

    model = brightness_model(tmp_path / "three.onnx", labels=LABELS)
    out = tmp_path / "three.csv"
    result = run_cli("run", "--source", str(clip), "--model", str(model), "--csv", str(out))
    assert result.returncode == 0, result.stderr
    done = result.stderr.strip().splitlines()[-1]
    assert "smiling" not in done and any(f"% {label}" in done for label in LABELS), done
    report = run_cli("report", str(out), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert summary["labels"] == list(LABELS) and summary["smile_label"] is None
    assert set(summary["top_moments"]) == set(LABELS)
    assert "laugh" not in report.stdout


def test_results_of_classifiers_with_different_labels_are_not_mixed(tmp_path):
    a = write_scores(tmp_path / "a.csv", "s1", LABELS, {0: steps([(2, CALM)])})
    b = write_scores(tmp_path / "b.csv", "s2", ("neutral", "smile"), {0: steps([(2, [0.9, 0.1])])})
    assert_one_line_error(run_cli("report", str(a), str(b)), "different labels", "one classifier at a time")
    assert_one_line_error(run_cli("report", str(a), "--versus", str(b)), "different labels")


# -- bands ------------------------------------------------------------------------------------------


def test_band_equals_scipys_percentile_bootstrap_with_many_viewers():
    rng = np.random.default_rng(3)
    values = rng.beta(2, 3, (400, 3))
    present = rng.random((400, 3)) < 0.8  # some viewers absent in some seconds
    band = mean_band(values, present, n_resamples=4000)
    for second in range(3):
        here = values[present[:, second], second]
        reference = stats.bootstrap(
            (here,), np.mean, method="percentile", n_resamples=4000, random_state=second
        ).confidence_interval
        assert band.value[second] == pytest.approx(here.mean())
        assert band.low[second] == pytest.approx(reference.low, abs=0.004)
        assert band.high[second] == pytest.approx(reference.high, abs=0.004)


def simulated_audience(rng: np.random.Generator, viewers: int, seconds: int):
    """Per second a scene's pull (mostly low), viewers who differ in how easily they react, and the true share.

    The true share is the expected share over the whole population of such viewers (by Monte Carlo).
    """
    base = np.clip(rng.beta(0.6, 3.0, seconds), 1e-4, 1 - 1e-4)
    pull = np.log(base) - np.log1p(-base)
    population = rng.normal(0.0, 1.0, 20000)[:, None]
    truth = (1 / (1 + np.exp(-(pull[None, :] + population)))).mean(axis=0)
    propensity = rng.normal(0.0, 1.0, viewers)[:, None]
    showing = rng.random((viewers, seconds)) < 1 / (1 + np.exp(-(pull[None, :] + propensity)))
    return truth, showing.astype(float)


def test_band_covers_the_true_share_in_at_least_90_percent_of_simulated_audiences_of_12():
    rng = np.random.default_rng(11)
    covered = []
    for trial in range(200):
        truth, showing = simulated_audience(rng, 12, 60)
        band = mean_band(showing, np.ones_like(showing, dtype=bool), seed=trial)
        covered.append((band.low <= truth) & (truth <= band.high))
    coverage = float(np.mean(covered))
    assert coverage >= 0.90, coverage
    # and the plain percentile bootstrap, for comparison, does not reach it here
    truth, showing = simulated_audience(np.random.default_rng(5), 12, 400)
    draws = showing[rng.integers(0, 12, (1000, 12))].mean(axis=1)
    low, high = np.quantile(draws, [0.025, 0.975], axis=0)
    assert float(np.mean((low <= truth) & (truth <= high))) < 0.90


def test_difference_band_of_identical_audiences_straddles_zero():
    rng = np.random.default_rng(2)
    showing = (rng.random((12, 300)) < 0.4).astype(float)
    present = np.ones_like(showing, dtype=bool)
    band = difference_band((showing, present), (showing, present))
    assert np.all(band.value == 0) and np.all(band.low < 0) and np.all(band.high > 0)


# -- comparing two audiences --------------------------------------------------------------------------


SCENE = (120, 150)  # the scene whose smiles the other cut lost


def screening(rng: np.random.Generator, viewers: int = 12, seconds: int = 300, fps: int = 5) -> Dict[int, np.ndarray]:
    """A 5-minute film with a funny scene every 30 s; each viewer smiles at some of them for 6-12 s."""
    frames = seconds * fps
    out = {}
    for face in range(viewers):
        smile = np.full(frames, 0.04)
        for start in range(0, seconds, 30):
            if rng.random() < 0.7:
                begin = start + rng.uniform(1, 6)
                length = rng.uniform(6, 12)
                smile[int(begin * fps) : int((begin + length) * fps)] = 0.92
        smile = np.clip(smile + rng.normal(0, 0.03, frames), 0.0, 1.0)
        out[face] = np.stack([1 - smile, smile], axis=1)
    return out


@pytest.fixture(scope="module")
def two_cuts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cuts")
    viewers = screening(np.random.default_rng(4))
    original = write_scores(folder / "original.csv", "s1", ("neutral", "smile"), viewers, fps=5)
    lost = {}
    for face, scores in viewers.items():
        scores = scores.copy()
        scores[SCENE[0] * 5 : SCENE[1] * 5] = [0.96, 0.04]  # nobody smiles in that scene any more
        lost[face] = scores
    recut = write_scores(folder / "recut.csv", "s2", ("neutral", "smile"), lost, fps=5)
    return original, recut


def test_a_screening_compared_with_itself_differs_nowhere(two_cuts):
    original, _ = two_cuts
    results = load_results([str(original)])
    comparison = compare(results, results)
    assert comparison.regions == [] and not comparison.difference["differs"].any()


def test_a_cut_that_lost_one_scenes_smiles_differs_in_exactly_that_scene(two_cuts):
    original, recut = two_cuts
    comparison = compare(load_results([str(original)]), load_results([str(recut)]), ["original", "recut"])
    smile = [r for r in comparison.regions if r["label"] == "smile"]
    assert len(smile) == 1, comparison.regions
    [region] = smile
    assert region["higher"] == "a" and SCENE[0] <= region["start_s"] and region["end_s"] <= SCENE[1] + 2
    # it spans the scene's laughter: every second in which at least half the original audience smiled
    share = comparison.a.label_curve("smile")["share"]
    laughing = share[(share.index >= SCENE[0]) & (share.index < SCENE[1]) & (share >= 0.5)].index
    assert len(laughing) >= 5 and region["start_s"] <= laughing.min() and laughing.max() < region["end_s"]
    # neutral rises where smile fell; nothing differs outside the scene
    assert all(SCENE[0] <= r["start_s"] and r["end_s"] <= SCENE[1] + 2 for r in comparison.regions)


def test_versus_on_the_command_line_writes_the_comparison(two_cuts, tmp_path):
    original, recut = two_cuts
    out = tmp_path / "cmp"
    result = run_cli(
        "report", str(original), "--versus", str(recut), "--labels", "original", "recut", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "smile 2:0" in result.stdout and "original higher" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["audiences"] == ["original", "recut"]
    assert {r["label"] for r in summary["differences"]} <= {"smile", "neutral"}
    difference = (out / "difference.csv").read_text().splitlines()
    assert difference[0] == "second,label,difference,low,high,differs"
    reaction = (out / "reaction.csv").read_text().splitlines()
    assert reaction[0].startswith("audience,second,label,")
    for name in ("comparison.png", "comparison.svg", "difference.parquet", "viewer_scores.parquet", "report.html"):
        assert (out / name).stat().st_size > 0
    assert_one_line_error(run_cli("report", str(original), "--labels", "a,b"), "--labels", "--versus")


def test_versus_takes_every_file_after_it_as_a_shell_glob_gives_them(two_cuts, tmp_path):
    original, recut = two_cuts
    copy = tmp_path / "recut-copy.csv"
    copy.write_text(recut.read_text().replace("s2,", "s3,"))  # a second session of the recut
    out = tmp_path / "cmp"
    result = run_cli("report", str(original), "--versus", str(recut), str(copy), "--out", str(out))
    assert result.returncode == 0, result.stderr
    sessions = json.loads((out / "summary.json").read_text())
    assert [s["session_id"] for s in sessions["a"]["sessions"]] == ["s1"]
    assert [s["session_id"] for s in sessions["b"]["sessions"]] == ["s2", "s3"]
    assert_one_line_error(run_cli("report", str(original), "--versus", str(recut), "--labels", "a"), "two names")
