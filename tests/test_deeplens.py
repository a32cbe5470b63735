"""The DeepLens plugins and the packaged Lambda, against stand-ins that follow the device's documented API."""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from reactlens.errors import ReactlensError, StopScreening
from reactlens.messages import MAX_MESSAGE_BYTES, decode
from reactlens.testing import sample_faces

from .conftest import REPO, assert_one_line_error, run_cli
from .test_sinks import SESSION, frame, record

STANDINS = Path(__file__).parent / "standins"
MODELS = REPO / "models"
PYTHON37 = Path(os.environ.get("REACTLENS_PYTHON37", REPO / ".venv37" / "bin" / "python"))


@pytest.fixture
def device(monkeypatch, tmp_path):
    """The stand-in device modules importable, with the shipped model deployed as DeepLens deploys it."""
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    for name in ("smile-net-symbol.json", "smile-net-0000.params"):
        shutil.copy(MODELS / name, artifacts / name)
    monkeypatch.syspath_prepend(str(STANDINS))
    for module in ("awscam", "mo", "greengrasssdk"):
        sys.modules.pop(module, None)
    published = tmp_path / "published.jsonl"
    monkeypatch.setenv("STANDIN_ARTIFACTS", str(artifacts))
    monkeypatch.setenv("STANDIN_PUBLISHED", str(published))
    monkeypatch.setenv("AWS_IOT_THING_NAME", "deeplens-test-thing")
    yield published
    for module in ("awscam", "mo", "greengrasssdk"):
        sys.modules.pop(module, None)


def messages(published: Path) -> list:
    if not published.exists():
        return []
    return [json.loads(line) for line in published.read_text().splitlines()]


# -- on a laptop -------------------------------------------------------------------------------------


def test_deeplens_profile_on_a_laptop_says_what_to_use_instead():
    result = run_cli("run", "--profile", "deeplens")
    assert_one_line_error(result, "AWS DeepLens", "--profile webcam")


# -- the components ----------------------------------------------------------------------------------


def test_missing_frames_are_retried_then_the_run_stops_with_a_published_error(device, monkeypatch, clip):
    from reactlens_deeplens.source import AwscamSource

    monkeypatch.setenv("STANDIN_VIDEO", str(clip))
    monkeypatch.setenv("STANDIN_REALTIME", "0")
    monkeypatch.setenv("STANDIN_MISSING", "2,3,4")
    source = AwscamSource(max_failures=5, retry_s=0.001)
    frames = []
    with pytest.raises(StopScreening):
        for f in source.frames():
            frames.append(f)
    assert len(frames) == 50  # every frame of the clip, despite the three missing reads
    assert [f.index for f in frames] == list(range(50))
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape == (360, 640, 3)
    errors = messages(device)
    assert errors and errors[-1]["topic"] == "$aws/things/deeplens-test-thing/infer"
    assert "gave no frame 5 times" in json.loads(errors[-1]["payload"])["error"]


def test_a_frame_is_given_once_even_when_asked_for_faster_than_the_camera(device, monkeypatch, clip):
    from reactlens_deeplens.source import AwscamSource

    monkeypatch.setenv("STANDIN_VIDEO", str(clip))  # played in real time: 25 frames a second
    frames = []
    for f in AwscamSource().frames():
        frames.append(f.image)
        if len(frames) == 6:
            break
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(frames))


def test_device_smile_net_agrees_with_onnx_runtime(device):
    from reactlens_deeplens.classifier import DeepLensSmileNet
    from reactlens_onnx.classifier import OnnxClassifier

    on_device, desktop = DeepLensSmileNet(), OnnxClassifier(runtime="onnxruntime")
    assert on_device.labels == desktop.labels
    for sample in sample_faces():
        if sample.boxes:
            got = on_device.classify(sample.frame.image, sample.boxes)
            want = desktop.classify(sample.frame.image, sample.boxes)
            assert got.dtype == np.float32 and got.shape == want.shape
            assert np.allclose(got, want, atol=1e-4), (got, want)
            assert np.allclose(got.sum(axis=1), 1.0, atol=1e-5)  # probabilities, not logits


def test_optimizer_failure_stops_with_a_clear_error(device, monkeypatch):
    from reactlens_deeplens.classifier import DeepLensSmileNet

    monkeypatch.setenv("STANDIN_MO_ERROR", "2")
    with pytest.raises(ReactlensError, match="error 2: the optimizer failed"):
        DeepLensSmileNet()


def test_a_model_not_deployed_is_an_optimizer_error(device):
    from reactlens_deeplens.classifier import DeepLensSmileNet

    with pytest.raises(ReactlensError, match=r"frown-net-symbol\.json"):
        DeepLensSmileNet(model="frown-net")


def test_publish_failures_are_counted_and_the_loop_goes_on(device, monkeypatch):
    from reactlens_deeplens.greengrass import GreengrassSink

    monkeypatch.setenv("STANDIN_PUBLISH_FAIL_EVERY", "3")
    sink = GreengrassSink()
    sink.open(SESSION)
    for i in range(30):
        sink.write(frame(i), [record(i, 0, 0.9), record(i, 1, 0.1)])
    sink.close()
    assert sink.errors == 10 and sink.published == 20
    delivered = [r["record_id"] for m in messages(device) for r in decode(m["payload"].encode())["records"]]
    assert len(delivered) == 40 and len(set(delivered)) == 40  # every face of the frames that went out


def test_every_face_goes_out_in_messages_under_128_kb(device):
    from reactlens_deeplens.greengrass import GreengrassSink

    sink = GreengrassSink(frames_per_message=1000)
    sink.open(SESSION)
    for i in range(600):
        sink.write(frame(i), [record(i, face, 0.5) for face in range(8)])
    sink.close()
    sent = messages(device)
    assert len(sent) > 1
    assert all(len(m["payload"].encode()) <= MAX_MESSAGE_BYTES for m in sent)
    ids = [r["record_id"] for m in sent for r in decode(m["payload"].encode())["records"]]
    assert len(ids) == 600 * 8 == len(set(ids))


def test_project_stream_never_blocks_without_a_reader_and_sends_jpegs_to_one(tmp_path):
    from reactlens_deeplens.stream import ProjectStreamSink

    fifo = tmp_path / "results.mjpeg"
    sink = ProjectStreamSink(path=str(fifo), retry_every=1)
    sink.open(SESSION)
    for i in range(20):  # nobody reads: every frame is skipped, none blocks
        sink.write(frame(i), [record(i, 0, 0.9)])
    assert sink.skipped == 20 and sink.sent == 0
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        for i in range(20, 400):  # a reader that reads nothing: the pipe fills, frames are dropped, no block
            sink.write(frame(i), [record(i, 0, 0.9)])
        assert sink.sent > 0 and sink.skipped > 20
        data = os.read(reader, 1 << 20)
        assert data[:2] == b"\xff\xd8"  # a JPEG starts the stream
    finally:
        sink.close()
        os.close(reader)


def test_project_stream_refuses_a_file_in_the_fifos_place(tmp_path):
    from reactlens_deeplens.stream import ProjectStreamSink

    path = tmp_path / "results.mjpeg"
    path.write_text("not a fifo")
    with pytest.raises(ReactlensError, match="not a FIFO"):
        ProjectStreamSink(path=str(path)).open(SESSION)


# -- the package ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The Lambda zip as `reactlens deeplens package` builds it."""
    out = tmp_path_factory.mktemp("deeplens") / "deeplens-reactlens.zip"
    result = run_cli("deeplens", "package", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def test_package_holds_the_lambda_the_runtime_and_the_model(package):
    names = zipfile.ZipFile(package).namelist()
    for required in (
        "lambda_function.py",
        "reactlens_deeplens.json",
        "reactlens/screening.py",
        "reactlens_deeplens/classifier.py",
        "reactlens_opencv/haar.py",
        "vendor/pluggy/__init__.py",
    ):
        assert required in names, required
    assert not [n for n in names if n.startswith(("reactlens/cli", "reactlens/report", "reactlens/testing"))]
    entry = zipfile.ZipFile(package).read("lambda_function.py").decode()
    assert "def lambda_handler(event, context)" in entry
    with tarfile.open(package.parent / "smile-net.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["smile-net-0000.params", "smile-net-symbol.json"]
    settings = json.loads(zipfile.ZipFile(package).read("reactlens_deeplens.json"))
    assert settings["overrides"]["classifier"]["labels"] == ["neutral", "smile"]


def test_package_passes_a_python_37_static_check(package, tmp_path):
    vermin = shutil.which("vermin") or str(Path(sys.executable).with_name("vermin"))
    unpacked = tmp_path / "lambda"
    zipfile.ZipFile(package).extractall(unpacked)
    ours = [
        str(unpacked / p)
        for p in ("lambda_function.py", "reactlens", "reactlens_opencv", "reactlens_track", "reactlens_deeplens")
    ]
    result = subprocess.run([vermin, "--no-tips", "--violations", "-t=3.7-", *ours], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _run_lambda(package: Path, tmp_path: Path, video: Path, python: Path, **env) -> tuple:
    unpacked = tmp_path / "lambda"
    zipfile.ZipFile(package).extractall(unpacked)
    settings_path = unpacked / "reactlens_deeplens.json"
    settings = json.loads(settings_path.read_text())
    settings["overrides"]["sinks"] = [
        {"use": "greengrass"},
        {"use": "project-stream", "path": str(tmp_path / "s.mjpeg")},
    ]
    settings["overrides"]["source"] = {"use": "awscam", "max_failures": 3, "retry_s": 0.001}
    settings_path.write_text(json.dumps(settings))
    artifacts = tmp_path / "artifacts"
    with tarfile.open(package.parent / "smile-net.tar.gz") as tar:  # as DeepLens deploys an imported model
        tar.extractall(artifacts)
    published = tmp_path / "published.jsonl"
    full_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": str(STANDINS),
        "STANDIN_VIDEO": str(video),
        "STANDIN_ARTIFACTS": str(artifacts),
        "STANDIN_PUBLISHED": str(published),
        "AWS_IOT_THING_NAME": "deeplens-test-thing",
        "REACTLENS_LAMBDA_ONCE": "1",
        **env,
    }
    done = subprocess.run(
        [str(python), "-c", "import lambda_function"],
        cwd=unpacked,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done, messages(published)


@pytest.mark.slow
def test_the_packaged_lambda_screens_a_real_video_on_python_37(package, tmp_path, media):
    if not PYTHON37.exists():
        pytest.skip(f"no Python 3.7 environment at {PYTHON37} (scripts/bootstrap makes one)")
    version = subprocess.run(
        [str(PYTHON37), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    ).stdout
    assert version.strip() == "(3, 7)"
    video = media / "expressions_ends_smiling.mp4"
    done, sent = _run_lambda(package, tmp_path, video, PYTHON37)
    assert done.returncode == 0, done.stderr[-3000:]
    records = [r for m in sent if m["topic"].endswith("/infer") for r in json.loads(m["payload"]).get("records", [])]
    # the 8-second clip plays in real time: the frames the loop is too slow for are missed, each screened one is sent
    frames = [r["frame"] for r in records]
    assert len(frames) >= 4 and len(set(frames)) == len(frames)  # one face a frame, each once
    # the clip smiles in its last 0.8 s, which the loop reaches: it screens the newest frame until the video ends
    # (a record's frame counts the frames screened, its time the camera's clock)
    end = max(r["time_s"] for r in records)
    first = np.mean([r["smile"] for r in records if r["time_s"] < 2.0])
    last = np.mean([r["smile"] for r in records if r["time_s"] >= end - 0.5])
    assert first < 0.5 < last, (first, last)  # the person ends smiling, as the clip's name says
    errors = [json.loads(m["payload"]) for m in sent if "error" in json.loads(m["payload"])]
    assert errors and "gave no frame" in errors[-1]["error"]  # the video ended: reported, stopped cleanly


def test_upload_puts_the_package_and_model_on_s3(package, fake_aws):
    import boto3
    from reactlens_deeplens.package import upload

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="deeplens-reactlens-test")
    urls = upload("deeplens-reactlens-test", package, package.parent / "smile-net.tar.gz")
    assert urls == [
        "s3://deeplens-reactlens-test/reactlens/deeplens-reactlens.zip",
        "s3://deeplens-reactlens-test/reactlens/smile-net.tar.gz",
    ]
    body = s3.get_object(Bucket="deeplens-reactlens-test", Key="reactlens/smile-net.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert "smile-net-symbol.json" in tar.getnames()
    with pytest.raises(ReactlensError, match="deeplens-"):
        upload("my-bucket", package, package.parent / "smile-net.tar.gz")
