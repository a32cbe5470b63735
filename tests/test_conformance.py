"""The built-in plugins pass the same contract checks third-party plugins run (reactlens.testing)."""

from __future__ import annotations

import csv

import pytest
from reactlens_csv.sink import CsvSink
from reactlens_dashboard.sink import DashboardSink
from reactlens_iot.sink import IotSink
from reactlens_iot.spool import Spool
from reactlens_models import model_path
from reactlens_onnx.centerface import CenterFaceDetector
from reactlens_onnx.classifier import OnnxClassifier
from reactlens_onnx.yunet import YuNetDetector
from reactlens_opencv.annotate import AnnotateSink
from reactlens_opencv.haar import HaarDetector
from reactlens_opencv.source import OpenCVSource
from reactlens_track.tracker import ViewerTracker

from reactlens.errors import ReactlensError
from reactlens.profiles import CAMERA_RATE_CNN, CAMERA_RATE_HAAR
from reactlens.testing import (
    check_bad_option,
    check_classifier,
    check_detector,
    check_sink,
    check_source,
    check_tracker,
    run_loop,
)

from .mqtt_broker import free_port


def test_opencv_source(clip):
    frames = check_source(OpenCVSource, uri=str(clip))
    assert len(frames) == 50


@pytest.mark.parametrize(
    "options", [{}, {k: v for k, v in CAMERA_RATE_HAAR.items() if k != "use"}], ids=["seed-settings", "camera-rate"]
)
def test_haar_detector(options):
    check_detector(HaarDetector, **options)


@pytest.mark.parametrize(
    "options", [{}, {k: v for k, v in CAMERA_RATE_CNN.items() if k != "use"}], ids=["every-frame", "camera-rate"]
)
def test_centerface_detector(options):
    found = check_detector(CenterFaceDetector, **options)
    assert all(found)  # a face in every sample photo


def test_centerface_refuses_a_model_that_is_not_centerface():
    check_bad_option(CenterFaceDetector, model=str(model_path()))  # the smile-net classifier


@pytest.mark.parametrize(
    "options", [{}, {k: v for k, v in CAMERA_RATE_CNN.items() if k != "use"}], ids=["every-frame", "camera-rate"]
)
def test_yunet_detector(options):
    found = check_detector(YuNetDetector, **options)
    assert all(found)  # a face in every sample photo


def test_yunet_refuses_a_model_that_is_not_yunet():
    check_bad_option(YuNetDetector, model=str(model_path("centerface.onnx")))


def test_onnx_classifier_with_the_shipped_smile_net():
    scores = check_classifier(OnnxClassifier)
    assert scores.shape[1] == 2


def test_onnx_classifier_refuses_a_missing_model(tmp_path):
    check_bad_option(OnnxClassifier, model=str(tmp_path / "missing.onnx"))


def test_viewer_tracker():
    check_tracker(ViewerTracker)


def test_csv_sink(tmp_path):
    path = tmp_path / "out.csv"

    def rows() -> int:
        with open(path, newline="") as handle:
            return len(list(csv.DictReader(handle)))

    check_sink(CsvSink, path=str(path), read_back=rows)


def test_annotate_sink(tmp_path):
    check_sink(AnnotateSink, video=str(tmp_path / "annotated.mp4"), preview=False)
    assert (tmp_path / "annotated.mp4").stat().st_size > 0


def test_dashboard_sink(capsys):
    check_sink(DashboardSink, listen="0")
    assert capsys.readouterr().err.startswith("dashboard: http://127.0.0.1:")
    assert "[HOST:]PORT" in str(check_bad_option(DashboardSink, listen="here:there"))


def test_iot_sink_spools_every_record_while_the_broker_is_away(tmp_path):
    spool = tmp_path / "spool.sqlite"
    check_sink(
        IotSink,
        broker=f"mqtt://127.0.0.1:{free_port()}",
        spool=str(spool),
        drain_s=0,
        read_back=lambda: len(Spool(str(spool))),
    )


def test_iot_sink_refuses_a_reserved_topic():
    error = check_bad_option(IotSink, broker="mqtt://127.0.0.1", topic="$aws/rules/x")
    assert isinstance(error, ReactlensError)


def test_the_loop_runner_runs_the_video_profile(clip, tiny_model):
    result = run_loop(clip, overrides={"classifier.model": str(tiny_model)}, max_frames=10)
    assert result.frames == 10
    assert result.records and result.session.labels == ("neutral", "smile")
