"""EfficientAT mn04 (``audio = "efficientat"``): the shipped ONNX model behind a numpy front end hears a laugh, not
speech and not a cough; a missing or wrong model, or an event it does not know, is one line."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from reactlens_audio.efficientat import EfficientAtDetector
from reactlens_audio.mel import HOP, MELS, RATE, MelFrontEnd

from reactlens.errors import ReactlensError
from reactlens.room import read_sound
from reactlens.testing import check_audio_detector

from .conftest import REPO, assert_one_line_error, run_cli
from .sound_clips import HEDGEWARS

pytestmark = pytest.mark.skipif(not HEDGEWARS.is_dir(), reason="hedgewars-data is not installed (scripts/bootstrap)")
SENTENCE = "Please keep your mobile phones switched off until the end of the screening."


def window_of(sound: np.ndarray, detector: EfficientAtDetector) -> np.ndarray:
    size = int(detector.window_s * detector.rate)
    return np.pad(sound, (0, size))[:size].astype(np.float32)


def test_the_front_end_gives_100_frames_a_second_of_128_mel_bins():
    features = MelFrontEnd()(np.zeros(2 * RATE, np.float32))
    assert features.shape == (MELS, (2 * RATE - 1) // HOP + 1)  # pre-emphasis drops one sample
    assert np.isfinite(features).all()


def test_efficientat_hears_a_laugh_and_not_speech_or_a_cough(tmp_path):
    check_audio_detector(EfficientAtDetector)
    detector = EfficientAtDetector()
    laughs = [read_sound(str(HEDGEWARS / voice / "Laugh.ogg"), RATE) for voice in ("Surfer", "Classic")]
    coughs = [read_sound(str(p), RATE) for p in sorted(HEDGEWARS.glob("*/PoisonCough.ogg"))[:3]]
    scores = detector.score(np.stack([window_of(s, detector) for s in (*laughs, spoken(tmp_path), *coughs)]))
    assert (scores[:2] >= detector.on).all(), scores
    assert (scores[2:] < detector.on).all(), scores  # no event opens on speech or a cough


def spoken(folder) -> np.ndarray:
    """A sentence spoken by espeak-ng, at the detector's 32 kHz."""
    wav = folder / "sentence.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), SENTENCE], check=True, capture_output=True)
    return read_sound(str(wav), RATE)


def test_a_missing_or_wrong_model_or_an_unknown_event_is_one_line(clip, tmp_path, tiny_model):
    base = ["run", "--source", str(clip), "--model", str(tiny_model), "--csv", str(tmp_path / "r.csv")]
    result = run_cli(*base, "--set", "audio=efficientat", "--set", "audio.model=nope.onnx")
    assert_one_line_error(result, "model nope.onnx not found", "audio.model")
    wrong = REPO / "models" / "smile-net.onnx"
    result = run_cli(*base, "--set", "audio=efficientat", "--set", f"audio.model={wrong}")
    assert_one_line_error(result, "is not EfficientAT", "efficientat-mn04.onnx")
    result = run_cli(*base, "--set", "audio=efficientat", "--set", "audio.label=cheering")
    assert_one_line_error(result, "audio label 'cheering'", "laughter, applause")
    assert not (tmp_path / "r.csv").exists()


def test_the_trained_head_scores_probabilities_and_a_bad_head_file_is_named(tmp_path):
    detector = EfficientAtDetector(decision="head")
    assert (detector.on, detector.off) == (0.95, 0.475)  # its thresholds, chosen on the tuning mixtures
    laugh = read_sound(str(HEDGEWARS / "Surfer" / "Laugh.ogg"), RATE)
    scores = detector.score(np.stack([window_of(laugh, detector), np.zeros(int(detector.window_s * RATE), np.float32)]))
    assert ((scores >= 0) & (scores <= 1)).all() and scores[0] > scores[1]
    for text, problem in (("{not json", "is not a laughter head"), ('{"mean": [1]}', "is not a laughter head")):
        bad = tmp_path / "head.json"
        bad.write_text(text)
        with pytest.raises(ReactlensError, match=problem):
            EfficientAtDetector(decision="head", head=str(bad))
    with pytest.raises(ReactlensError, match=r"laughter head .* not found"):
        EfficientAtDetector(decision="head", head=str(tmp_path / "missing.json"))
