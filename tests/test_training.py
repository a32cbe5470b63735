"""The training pipeline end to end on a tiny subset, export parity, Rekognition labelling, bad inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from reactlens.errors import ReactlensError

mx = pytest.importorskip("mxnet")

from reactlens_training.fit import FitConfig, fit  # noqa: E402
from reactlens_training.importing import ImportReport, folder_samples, rekognition_samples  # noqa: E402
from reactlens_training.recordio import read_records, write_records  # noqa: E402
from reactlens_training.rekognition import label_photos  # noqa: E402

from .conftest import run_cli  # noqa: E402


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory, shared) -> Path:
    """40 smiling and 40 neutral SMILEsmileD crops."""
    root = tmp_path_factory.mktemp("tiny")
    for label in ("smile", "neutral"):
        (root / label).mkdir()
        source = shared / "datasets" / "smilesmiled" / label
        for path in sorted(source.iterdir())[:40]:
            shutil.copy(path, root / label / path.name)
    return root


def test_import_fit_export_evaluate_through_the_cli(tiny_dataset, tmp_path):
    prefix = tmp_path / "rec" / "tiny"
    imported = run_cli("train", "import", str(tiny_dataset), "--out", str(prefix), "--split", "train=0.75,val=0.25")
    assert imported.returncode == 0, imported.stderr
    assert "80 images; 80 faces; neutral: 40, smile: 40" in imported.stderr
    for split in ("train", "val"):
        for suffix in (".lst", ".rec", ".idx", ".json"):
            assert (tmp_path / "rec" / f"tiny-{split}{suffix}").exists()
    lst = (tmp_path / "rec" / "tiny-train.lst").read_text().splitlines()
    assert len(lst) == 60 and lst[0].split("\t")[2:6] == ["0", "0", "1", "1"]

    ckpt = tmp_path / "ckpt"
    fitted = run_cli(
        "train",
        "fit",
        "--train",
        f"{prefix}-train",
        "--val",
        f"{prefix}-val",
        "--out",
        str(ckpt),
        "--epochs",
        "2",
        "--batch-size",
        "16",
        timeout=300,
    )
    assert fitted.returncode == 0, fitted.stderr
    assert "epoch  2/2" in fitted.stderr and (ckpt / "best.params").exists()
    history = json.loads((ckpt / "fit.json").read_text())["history"]
    assert [h["epoch"] for h in history] == [1, 2]

    out = tmp_path / "model"
    exported = run_cli("train", "export", "--checkpoint", str(ckpt), "--out", str(out), timeout=300)
    assert exported.returncode == 0, exported.stderr
    for name in ("smile-net.onnx", "smile-net-symbol.json", "smile-net-0000.params"):
        assert (out / name).exists()

    evaluated = run_cli("evaluate", str(tiny_dataset), "--model", str(out / "smile-net.onnx"), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    metrics = json.loads(evaluated.stdout)
    assert metrics["n"] == 80 and metrics["no_face"] == 0
    assert {"accuracy", "balanced_accuracy", "f1", "auc", "confusion"} <= set(metrics)


def test_training_is_repeatable_with_a_seed(tiny_dataset, tmp_path):
    samples = list(folder_samples(str(tiny_dataset), ["neutral", "smile"]))
    data = write_records(str(tmp_path / "all"), samples, ["neutral", "smile"])
    config = FitConfig(epochs=1, batch_size=16, seed=3)
    first = fit(data, data, str(tmp_path / "a"), config, report=lambda _: None)
    second = fit(data, data, str(tmp_path / "b"), config, report=lambda _: None)
    assert first.history[0]["train_loss"] == pytest.approx(second.history[0]["train_loss"], rel=1e-4)


def test_export_parity_on_real_crops(tiny_dataset, tmp_path):
    from reactlens_training.augment import batch
    from reactlens_training.export import export

    samples = list(folder_samples(str(tiny_dataset), ["neutral", "smile"]))
    data = write_records(str(tmp_path / "all"), samples, ["neutral", "smile"])
    result = fit(data, data, str(tmp_path / "ckpt"), FitConfig(epochs=1, batch_size=32), report=lambda _: None)
    crops = batch(data.images, data.boxes, np.arange(16), 48, np.random.default_rng(0), None)
    done = export(result.params_path, str(tmp_path / "ckpt" / "fit.json"), str(tmp_path / "out"), check_inputs=crops)
    assert done.max_difference < 1e-4
    # the ONNX model carries the metadata the runtime reads
    from reactlens_onnx.classifier import OnnxClassifier

    classifier = OnnxClassifier(done.onnx)
    assert classifier.labels == ("neutral", "smile") and classifier.spec.size == (48, 48)


def test_records_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    from reactlens_training.samples import Sample

    samples = [
        Sample(rng.integers(0, 255, (50, 60), dtype=np.uint8), i % 2, (0.1, 0.2, 0.5, 0.6), "x") for i in range(6)
    ]
    write_records(str(tmp_path / "r"), samples, ["a", "b"])
    back = read_records(str(tmp_path / "r"))
    assert back.labels == ["a", "b"] and back.counts() == {"a": 3, "b": 3}
    assert all(np.array_equal(a.image, b) for a, b in zip(samples, back.images))
    assert np.allclose(back.boxes, [[0.1, 0.2, 0.5, 0.6]] * 6)


def face_photo(path: Path) -> tuple:
    """Grace Hopper's portrait (matplotlib sample data) saved as a photo; returns its Haar face box."""
    from matplotlib import cbook
    from reactlens_training.importing import FaceFinder, largest

    image = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    cv2.imwrite(str(path), image)
    return largest(FaceFinder().faces(image)), image.shape


def test_rekognition_labelling_with_stubber_then_import(tmp_path):
    import boto3
    from botocore.stub import Stubber

    box, (height, width, _) = face_photo(tmp_path / "hopper.jpg")
    x, y, w, h = box
    face = {
        "BoundingBox": {
            "Left": x / width,
            "Top": (y - 0.1 * h) / height,
            "Width": w / width,
            "Height": 1.15 * h / height,
        },
        "Smile": {"Value": True, "Confidence": 91.0},
        "Emotions": [{"Type": "HAPPY", "Confidence": 88.0}, {"Type": "CALM", "Confidence": 9.0}],
        "Confidence": 99.9,
    }
    unsure = {
        **face,
        "BoundingBox": {"Left": 0.0, "Top": 0.0, "Width": 0.1, "Height": 0.1},
        "Smile": {"Value": False, "Confidence": 55.0},
    }
    client = boto3.client("rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        stub.add_response(
            "detect_faces",
            {"FaceDetails": [face, unsure]},
            {"Image": {"Bytes": (tmp_path / "hopper.jpg").read_bytes()}, "Attributes": ["ALL"]},
        )
        report = label_photos(str(tmp_path), client=client)
        stub.assert_no_pending_responses()
    assert report.labelled == 1 and report.faces == 2
    saved = json.loads((tmp_path / "hopper.json").read_text())
    assert saved["FaceDetails"][0]["Smile"]["Value"] is True and "ResponseMetadata" not in saved
    # labelling again skips photos that already have a response (no second API call)
    with Stubber(client):
        assert label_photos(str(tmp_path), client=client).skipped == 1

    stats = ImportReport()
    samples = list(rekognition_samples(str(tmp_path), ["neutral", "smile"], report=stats))
    assert [s.label for s in samples] == [1] and stats.uncertain == 1
    emotions = list(rekognition_samples(str(tmp_path), ["happy", "sad", "calm"]))
    assert [s.label for s in emotions] == [0]


def test_rekognition_without_credentials_is_one_clear_error(tmp_path, monkeypatch):
    face_photo(tmp_path / "hopper.jpg")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ReactlensError, match="no AWS credentials found"):
        label_photos(str(tmp_path), region="us-east-1")


def test_bad_training_inputs(tmp_path, tiny_dataset):
    empty = tmp_path / "empty"
    (empty / "smile").mkdir(parents=True)
    (empty / "neutral").mkdir()
    result = run_cli("train", "import", str(empty), "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "no images found" in result.stderr and "Traceback" not in result.stderr

    one_class = tmp_path / "one"
    shutil.copytree(tiny_dataset / "smile", one_class / "smile")
    samples = list(folder_samples(str(one_class), ["neutral", "smile"]))
    data = write_records(str(tmp_path / "one"), samples, ["neutral", "smile"])
    with pytest.raises(ReactlensError, match="has no 'neutral' samples"):
        fit(data, data, str(tmp_path / "ckpt"), FitConfig(epochs=1), report=lambda _: None)

    broken = tmp_path / "broken"
    shutil.copytree(tiny_dataset, broken)
    (broken / "smile" / "bad.jpg").write_bytes(b"not a jpeg")
    stats = ImportReport()
    kept = list(folder_samples(str(broken), ["neutral", "smile"], report=stats))
    assert len(kept) == 80 and stats.unreadable == [str(broken / "smile" / "bad.jpg")]
    assert "1 unreadable files skipped" in stats.line()

    only_bad = tmp_path / "only_bad"
    (only_bad / "smile").mkdir(parents=True)
    (only_bad / "smile" / "a.jpg").write_bytes(b"garbage")
    result = run_cli("train", "import", str(only_bad), "--out", str(tmp_path / "y"))
    assert result.returncode == 2 and "no usable faces" in result.stderr


def test_desktop_runtime_does_not_import_mxnet(clip, tiny_model, tmp_path):
    code = (
        "import sys\nfrom reactlens.cli import main\n"
        f"sys.argv = ['reactlens', 'run', '--source', {str(clip)!r}, '--model', {str(tiny_model)!r}, "
        f"'--csv', {str(tmp_path / 'r.csv')!r}, '-q']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('mxnet' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
