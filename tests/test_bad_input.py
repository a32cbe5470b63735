"""Every bad input gives one line naming the problem and the fix, exit code 2, and no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import REPO, assert_one_line_error, run_cli
from .onnx_models import brightness_model


def test_missing_source(tiny_model, tmp_path):
    result = run_cli("run", "--source", str(tmp_path / "nope.mp4"), "--model", str(tiny_model))
    assert_one_line_error(result, "nope.mp4 not found", "--source")


def test_source_that_is_not_a_video(tiny_model, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("these are not frames\n" * 100)
    assert_one_line_error(
        run_cli("run", "--source", str(text), "--model", str(tiny_model)), "cannot open", "as a video"
    )


def test_truncated_video(tiny_model, tmp_path, clip):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clip.read_bytes()[:4000])
    assert_one_line_error(run_cli("run", "--source", str(broken), "--model", str(tiny_model)), "broken.mp4")


def test_a_video_that_ends_early_is_an_error_and_keeps_its_records(tiny_model, tmp_path, clip):
    """A file cut short (a copy interrupted) with its index up front: frames decode until the cut."""
    av = pytest.importorskip("av")
    whole = tmp_path / "whole.mp4"
    with av.open(str(clip)) as src, av.open(str(whole), "w", options={"movflags": "faststart"}) as dst:
        stream = dst.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        frames = 0
        for image in src.decode(video=0):
            for packet in stream.encode(image.reformat(format="yuv420p")):
                dst.mux(packet)
            frames += 1
        for packet in stream.encode():
            dst.mux(packet)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    csv_path = tmp_path / "cut.csv"
    result = run_cli("run", "--source", str(cut), "--model", str(tiny_model), "--csv", str(csv_path), "--no-audio")
    assert_one_line_error(result, "cut.mp4 ended after", f"of its {frames} frames", "truncated", "results up to")
    kept = int(result.stderr.split("ended after ")[1].split()[0])
    assert 0 < kept < frames
    with open(csv_path) as handle:
        assert {int(row.split(",")[1]) for row in list(handle)[1:]} == set(range(kept))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_source(tiny_model, tmp_path, clip):
    locked = tmp_path / "locked.mp4"
    locked.write_bytes(clip.read_bytes())
    locked.chmod(0)
    assert_one_line_error(run_cli("run", "--source", str(locked), "--model", str(tiny_model)), "not readable")


def test_folder_as_source(tiny_model, tmp_path):
    # a folder is a set of photos (the photos profile); without images in it, that is said in one line
    assert_one_line_error(run_cli("run", "--source", str(tmp_path), "--model", str(tiny_model)), "no images in")
    result = run_cli("run", "--profile", "video", "--source", str(tmp_path), "--model", str(tiny_model))
    assert_one_line_error(result, "is a folder, not a video", "--profile photos")


def test_camera_that_does_not_open(tiny_model):
    assert_one_line_error(
        run_cli("run", "--source", "9", "--model", str(tiny_model)), "camera 9 did not open", "--source FILE"
    )


def test_video_profile_without_source(tiny_model):
    assert_one_line_error(run_cli("run", "--profile", "video", "--model", str(tiny_model)), "no video source given")


def test_deeplens_profile_on_a_laptop(clip):
    result = run_cli("run", "--profile", "deeplens")
    assert_one_line_error(result, "DeepLens")


def test_missing_model(clip, tmp_path):
    assert_one_line_error(
        run_cli("run", "--source", str(clip), "--model", str(tmp_path / "m.onnx")), "m.onnx not found"
    )


@pytest.mark.parametrize(
    ("detector", "shipped", "kind"),
    [("yunet", "yunet-n.onnx", "YuNet"), ("centerface", "centerface.onnx", "CenterFace")],
)
def test_a_detector_model_that_is_missing_cut_short_or_another_model_is_one_line(
    clip, tmp_path, detector, shipped, kind
):
    def run(model: Path):
        return run_cli(
            "run", "--source", str(clip), "--set", f"detector={detector}", "--set", f"detector.model={model}"
        )

    assert_one_line_error(run(tmp_path / "gone.onnx"), "gone.onnx not found", "detector.model")
    cut = tmp_path / "cut.onnx"  # a copy cut short
    cut.write_bytes((REPO / "models" / shipped).read_bytes()[:5000])
    assert_one_line_error(run(cut), "not a loadable ONNX model")
    assert_one_line_error(run(REPO / "models" / "smile-net.onnx"), f"is not a {kind} model")


def test_model_that_is_not_onnx(clip, tmp_path):
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(os.urandom(2000))
    assert_one_line_error(run_cli("run", "--source", str(clip), "--model", str(fake)), "not a loadable ONNX model")


@pytest.mark.parametrize(
    ("shape", "fragment"),
    [
        (("N", 1, 32), "expected 4 dimensions"),
        (("N", 2, 32, 32), "1 or 3 channels"),
        (("N", 1, "H", "W"), "fixed size"),
    ],
)
def test_model_with_wrong_input_shape(clip, tmp_path, shape, fragment):
    model = brightness_model(tmp_path / "wrong.onnx", shape=shape)
    result = run_cli("run", "--source", str(clip), "--model", str(model))
    assert_one_line_error(result, "wrong.onnx cannot be used", fragment)


def test_model_without_labels_metadata(clip, tmp_path):
    model = brightness_model(tmp_path / "bare.onnx", metadata={"reactlens.labels": None})
    assert_one_line_error(run_cli("run", "--source", str(clip), "--model", str(model)), "no reactlens.labels metadata")


def test_existing_csv_with_other_columns_is_left_untouched(clip, tiny_model, tmp_path):
    existing = tmp_path / "results.csv"
    existing.write_text("a,b,c\n1,2,3\n")
    result = run_cli("run", "--source", str(clip), "--model", str(tiny_model), "--csv", str(existing))
    assert_one_line_error(result, "exists with other columns", "left untouched")
    assert existing.read_text() == "a,b,c\n1,2,3\n"


def test_a_csv_from_before_the_scored_column_is_named_and_left_untouched(clip, tmp_path):
    from reactlens.records import csv_header

    existing = tmp_path / "results.csv"
    old = ",".join(c for c in csv_header(("neutral", "smile")) if c != "scored") + "\n"
    existing.write_text(old)
    result = run_cli("run", "--source", str(clip), "--csv", str(existing), "--no-audio")
    assert_one_line_error(result, "written by an earlier reactlens (no scored column)", "left untouched")
    assert existing.read_text() == old


@pytest.mark.parametrize(
    ("profile", "setting", "fragment"),
    [
        ("video", "detector.full_scan_every=4", "scans only the changed parts of a held audience"),
        ("full-house", "detector.full_scan_every=0", "full_scan_every=0 must be at least 1"),
        ("video", "detector.scan_runtime=gpu", "scan_runtime 'gpu' is not known; use one of: onnxruntime, openvino"),
    ],
)
def test_scans_of_changed_parts_that_cannot_be_made_are_one_line(clip, profile, setting, fragment):
    result = run_cli("run", "--profile", profile, "--source", str(clip), "--no-audio", "--set", setting)
    assert_one_line_error(result, fragment)


def test_bad_set_syntax(clip, tiny_model):
    assert_one_line_error(run_cli("run", "--source", str(clip), "--set", "nonsense"), "is not KEY=VALUE")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("run", "--max-frames", "many"), "Invalid value for '--max-frames'"),
        (("run", "--media-titel", "Film"), "No such option: --media-titel"),
        (("evaluate",), "Missing argument"),
        (("screen",), "No such command 'screen'"),
    ],
)
def test_command_line_mistakes(args, fragment):
    result = run_cli(*args)
    assert_one_line_error(result, fragment, "--help`")


def test_bare_command_group_shows_its_help():
    result = run_cli("deeplens")
    assert "package" in result.stdout and "upload" in result.stdout
    assert result.stderr == ""
