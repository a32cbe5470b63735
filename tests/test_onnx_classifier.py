"""The ONNX classifier reads everything it needs from the model's metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest
from reactlens_onnx.classifier import OnnxClassifier

from reactlens.cli.run import build_profile
from reactlens.errors import ReactlensError

from .conftest import assert_one_line_error, run_cli
from .onnx_models import brightness_model


def frame_with(value_left: int, value_right: int) -> np.ndarray:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    image[:, :100] = value_left
    image[:, 100:] = value_right
    return image


def test_scores_are_probabilities_per_face_in_label_order(tiny_model):
    classifier = OnnxClassifier(str(tiny_model))
    assert classifier.labels == ("neutral", "smile") and classifier.smile_label == "smile"
    probs = classifier.classify(frame_with(20, 240), [(10, 10, 60, 60), (120, 10, 60, 60), (5, 5, 40, 40)])
    assert probs.shape == (3, 2) and probs.dtype == np.float32
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert probs[1, 1] > 0.8 > probs[0, 1]  # the bright face "smiles"
    assert classifier.classify(frame_with(0, 0), []).shape == (0, 2)


def test_color_layout_normalisation_and_logits(tmp_path):
    meta = {
        "reactlens.color": "bgr",
        "reactlens.layout": "NHWC",
        "reactlens.mean": json.dumps([0, 0, 0]),
        "reactlens.std": json.dumps([255, 255, 255]),
        "reactlens.output": "logits",
        "reactlens.smile_label": "joy",
    }
    model = brightness_model(
        tmp_path / "m.onnx", labels=("calm", "joy", "awe"), shape=("N", 3, 24, 24), metadata=meta, softmax=False
    )
    # The test model pools over axes 2-3, so NHWC with H=3 channels-last still runs; we only check plumbing here.
    with pytest.raises(ReactlensError, match="1 or 3 channels"):
        OnnxClassifier(str(model))
    model = brightness_model(
        tmp_path / "m2.onnx",
        labels=("calm", "joy", "awe"),
        shape=("N", 3, 24, 24),
        metadata={**meta, "reactlens.layout": "NCHW"},
        softmax=False,
    )
    classifier = OnnxClassifier(str(model))
    assert classifier.smile_label == "joy"
    probs = classifier.classify(frame_with(250, 250), [(10, 10, 50, 50)])
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)  # softmax was applied to the logits


def test_fixed_batch_model_handles_many_faces(tmp_path):
    model = brightness_model(tmp_path / "b1.onnx", shape=(1, 1, 16, 16))
    classifier = OnnxClassifier(str(model))
    probs = classifier.classify(frame_with(0, 255), [(0, 0, 50, 50), (150, 0, 50, 50)])
    assert probs.shape == (2, 2) and probs[1, 1] > probs[0, 1]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"reactlens.labels": "neutral,smile"}, "not a JSON list"),
        ({"reactlens.labels": json.dumps(["only"])}, "at least two"),
        ({"reactlens.color": "rgb"}, "does not fit 1 input channel"),
        ({"reactlens.smile_label": "grin"}, "not one of the labels"),
        ({"reactlens.std": "0"}, "must not be 0"),
        ({"reactlens.output": "scores"}, "reactlens.output"),
    ],
)
def test_bad_metadata_is_reported(tmp_path, metadata, message):
    with pytest.raises(ReactlensError, match=message):
        OnnxClassifier(str(brightness_model(tmp_path / "m.onnx", metadata=metadata)))


def test_output_width_must_match_labels(tmp_path):
    model = brightness_model(tmp_path / "m.onnx", labels=("a", "b", "c"))
    # relabel to two labels: the graph still outputs three columns
    import onnx

    loaded = onnx.load(str(model))
    for prop in loaded.metadata_props:
        if prop.key == "reactlens.labels":
            prop.value = json.dumps(["a", "b"])
    onnx.save(loaded, str(model))
    with pytest.raises(ReactlensError, match=r"outputs shape \[1, 3\] but lists 2 labels"):
        OnnxClassifier(str(model))


def test_openvino_and_onnx_runtime_give_the_shipped_model_the_same_answers_on_real_faces(shared):
    import cv2

    folder = shared / "datasets" / "smilesmiled"
    paths = [p for label in ("smile", "neutral") for p in sorted((folder / label).glob("*.jpg"))[:100]]
    if not paths:
        pytest.skip("the shared SMILEsmileD faces are not here")
    image = np.concatenate([cv2.imread(str(p)) for p in paths], axis=1)  # 200 faces side by side, 64 px each
    boxes = [(64 * i, 0, 64, 64) for i in range(len(paths))]
    fast = OnnxClassifier(runtime="openvino").classify(image, boxes)
    reference = OnnxClassifier(runtime="onnxruntime").classify(image, boxes)
    assert fast.shape == reference.shape == (len(paths), 2)
    assert np.abs(fast - reference).max() < 0.01
    assert (fast.argmax(axis=1) == reference.argmax(axis=1)).all()


def test_an_unknown_runtime_is_named():
    with pytest.raises(ReactlensError, match=r"runtime 'tensorrt' is not known.*openvino, onnxruntime"):
        OnnxClassifier(runtime="tensorrt")


def test_a_run_sends_no_usage_data_and_writes_nothing_to_the_home_folder(clip, tmp_path, monkeypatch):
    """OpenVINO's telemetry would count the run in ~/intel and post it from a forked process (which can deadlock and
    keep a run from exiting); reactlens turns it off, and ONNX Runtime's device id under ~/.cache with it."""
    for name in ("ORT_DISABLE_TELEMETRY", "RAY_USAGE_STATS_ENABLED"):  # set in this process by importing reactlens
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    result = run_cli("run", "--source", str(clip), "--no-audio", "--max-frames", "3", env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert not list(home.rglob("*")), sorted(home.rglob("*"))


def fer_test_faces(shared, per_label: int):
    """Held-out FER-2013 test faces (neither smile-net saw them): ``per_label`` smiling, as many not."""
    folder = shared / "datasets" / "fer2013" / "test"
    if not folder.is_dir():
        pytest.skip("the shared FER-2013 faces are not here")
    happy = sorted((folder / "happy").glob("*.jpg"))[:per_label]
    others = sorted(p for d in ("neutral", "sad", "surprise", "angry") for p in (folder / d).glob("*.jpg"))
    return happy, others[:: max(1, len(others) // per_label)][:per_label]


def test_the_full_house_smile_net_scores_far_seats_faces_as_well_as_the_portrait_one(shared):
    import cv2

    happy, others = fer_test_faces(shared, 150)
    small = [cv2.resize(cv2.imread(str(p)), (24, 24), interpolation=cv2.INTER_AREA) for p in happy + others]
    image = np.concatenate(small, axis=1)  # a row of faces ~20 px wide, as a 1080p camera sees the back rows
    boxes = [(24 * i + 2, 2, 20, 20) for i in range(len(small))]
    truth = np.array([1] * len(happy) + [0] * len(others))
    full_house = OnnxClassifier("smile-net-32.onnx")  # a shipped model is named by its file name
    assert full_house.path.endswith("models/smile-net-32.onnx") and full_house.spec.size == (32, 32)
    accuracy = {
        name: float((clf.classify(image, boxes).argmax(axis=1) == truth).mean())
        for name, clf in (("32", full_house), ("48", OnnxClassifier()))
    }
    assert accuracy["32"] >= accuracy["48"] - 0.03 and accuracy["32"] > 0.8, accuracy


def test_the_int8_full_house_model_gives_the_fp32_ones_labels_on_far_seats_faces(shared):
    """The quantized smile-net-32 the full house runs keeps smile-net-32's judgement (``scripts/make_smile_net_int8.py
    check`` measures it on all 7,178 test faces: 0.997 of the labels)."""
    import cv2

    happy, others = fer_test_faces(shared, 150)
    small = [cv2.resize(cv2.imread(str(p)), (24, 24), interpolation=cv2.INTER_AREA) for p in happy + others]
    image = np.concatenate(small, axis=1)
    boxes = [(24 * i + 2, 2, 20, 20) for i in range(len(small))]
    models = ("smile-net-32.onnx", "smile-net-32-int8.onnx")
    fp32, int8 = (OnnxClassifier(name).classify(image, boxes) for name in models)
    assert np.mean(fp32.argmax(axis=1) == int8.argmax(axis=1)) >= 0.98
    assert np.abs(fp32 - int8).max() < 0.1
    profile = build_profile("full-house", None)
    assert profile.classifier.options["model"] == "smile-net-32-int8.onnx"


def test_evaluate_classifies_a_crop_as_cut_through_a_profiles_classifier():
    """A profile's classifier comes wrapped (``ClassifyRate``); ``reactlens evaluate`` still sees the model's crop
    margin, so a crop is classified as cut rather than with the margin's border around it."""
    from reactlens.evaluate import as_crop
    from reactlens.plugins import get_host

    image = np.zeros((48, 48, 3), np.uint8)
    bare = OnnxClassifier()
    wrapped = get_host().create("classifier", "onnx", {"rate": 6})
    assert as_crop(image, wrapped)[1] == as_crop(image, bare)[1] != (0, 0, 48, 48)
    assert as_crop(image, wrapped, face_px=20)[0].shape[1] < 48


def test_evaluate_shrinks_crops_to_a_far_seats_size(shared, tmp_path):
    import shutil

    happy, others = fer_test_faces(shared, 10)
    for label, paths in (("smile", happy), ("neutral", others)):
        (tmp_path / label).mkdir()
        for p in paths:
            shutil.copy(p, tmp_path / label / p.name)
    result = run_cli("evaluate", str(tmp_path), "--face-px", "20", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["per_label"] == {"neutral": 10, "smile": 10}
    assert_one_line_error(run_cli("evaluate", str(tmp_path), "--face-px", "20", "--detect"), "--face-px")


def test_a_frames_crops_made_together_are_each_face_cropped_alone():
    """The batch (greyed in one conversion) holds exactly the crop each face gets alone, as at training: faces
    inside the frame, across its edges and wholly off it; grey crops of colour and grey frames, colour crops."""
    from reactlens.faces import crop_face, crop_faces

    image = np.random.default_rng(0).integers(0, 256, (120, 200, 3), dtype=np.uint8)
    boxes = [(10, 10, 30, 30), (180, 100, 40, 40), (-15, -5, 25, 25), (60, 40, 9, 9), (300, 300, 20, 20)]
    for frame, gray, size in (
        (image, True, (32, 32)),
        (image, False, (48, 48)),
        (image[..., 1].copy(), True, (32, 32)),
    ):
        batch = crop_faces(frame, boxes, size, gray, 0.1, 0.05)
        alone = [crop_face(frame, box, size, gray, 0.1, 0.05) for box in boxes]
        assert batch.shape == (len(boxes), *alone[0].shape) and np.array_equal(batch, np.stack(alone))
        assert crop_faces(frame, [], size, gray).shape == (0, *alone[0].shape)
