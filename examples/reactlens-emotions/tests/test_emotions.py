"""reactlens-emotions, tested as any third-party plugin would be: with reactlens.testing."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from reactlens_emotions.classifier import REKOGNITION_NAMES, EmotionClassifier

from reactlens.testing import check_bad_option, check_classifier

FER = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def test_keeps_the_classifier_contract():
    scores = check_classifier(EmotionClassifier)
    assert scores.shape[1] == 7


def test_rekognition_names_keep_the_contract_too():
    check_classifier(EmotionClassifier, names="rekognition")
    classifier = EmotionClassifier(names="rekognition")
    assert classifier.labels == tuple(REKOGNITION_NAMES[label] for label in FER)
    assert classifier.smile_label == "HAPPY"


def test_a_smiling_face_is_happy(reactlens_faces):
    # the astronaut photo shipped with scikit-image smiles broadly; Grace Hopper's portrait does not
    astronaut = next(s for s in reactlens_faces if s.name.startswith("Eileen Collins") and s.boxes)
    classifier = EmotionClassifier()
    happy = classifier.labels.index("happy")
    scores = classifier.classify(astronaut.frame.image, astronaut.boxes[:1])[0]
    assert int(np.argmax(scores)) == happy, dict(zip(classifier.labels, scores.round(3)))


def test_bad_naming_is_a_clear_error():
    error = check_bad_option(EmotionClassifier, names="klingon")
    assert "rekognition" in str(error)


def test_runs_through_a_profile(reactlens_run):
    result = reactlens_run(overrides={"classifier": {"use": "emotions"}}, max_frames=25)
    assert result.session.labels == FER and result.session.smile_label == "happy"
    assert result.records
    for record in result.records:
        assert set(record.scores) == set(FER)
        assert record.smile == record.scores["happy"]


def test_is_listed_by_reactlens_plugins():
    out = subprocess.run([sys.executable, "-m", "reactlens", "plugins", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    plugins = {p["name"]: p for p in json.loads(out.stdout)}
    assert "emotions" in plugins and not plugins["emotions"]["builtin"]
    assert {"kind": "classifier", "name": "emotions"}.items() <= plugins["emotions"]["components"][0].items()


def test_reports_all_seven_expressions(reactlens_clip, tmp_path):
    """`reactlens report` follows the classifier's labels: a curve, moments and figures for each of the seven."""
    results = tmp_path / "emotions.csv"
    run = [sys.executable, "-m", "reactlens", "run", "--source", str(reactlens_clip), "--csv", str(results)]
    screened = subprocess.run([*run, "--set", "classifier.use=emotions", "-q"], capture_output=True, text=True)
    assert screened.returncode == 0, screened.stderr
    report = [sys.executable, "-m", "reactlens", "report", str(results), "--out", str(tmp_path / "report")]
    reported = subprocess.run(report, capture_output=True, text=True)
    assert reported.returncode == 0, reported.stderr
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["labels"] == list(FER) and summary["smile_label"] == "happy"
    assert set(summary["top_moments"]) == set(FER)
    for label in FER:
        assert f"  {label}: " in reported.stdout
    curve = (tmp_path / "report" / "reaction.csv").read_text().splitlines()
    assert {line.split(",")[1] for line in curve[1:]} == set(FER)
