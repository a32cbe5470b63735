"""The OpenCV source decodes real video: every frame, with its position in the media; live mode drops."""

from __future__ import annotations

import cv2
import pytest
from reactlens_opencv.source import OpenCVSource


def test_every_frame_of_a_real_video_with_its_timestamp(media):
    path = media / "stage_audience_640x360.mp4"
    source = OpenCVSource(str(path))
    assert source.total_frames == 275 and source.fps == pytest.approx(29.97, abs=0.01) and not source.live
    frames = list(source.frames())
    source.close()
    assert [f.index for f in frames] == list(range(275))
    assert frames[0].image.shape == (360, 640, 3)
    assert frames[30].time_s == pytest.approx(30 / 29.97, abs=1e-3)
    # identical pixels to a plain OpenCV decode, the first frame (read as the file was opened) too
    capture = cv2.VideoCapture(str(path))
    decoded = [capture.read()[1] for _ in range(100)]
    assert frames[0].time_s == 0.0 and (frames[0].image == decoded[0]).all()
    assert (frames[99].image == decoded[99]).all()


def test_part_of_a_file_from_its_own_frame(media):
    """``start_frame`` skips the frame read as the file was opened: the part starts at its own frame and time."""
    path = media / "stage_audience_640x360.mp4"
    source = OpenCVSource(str(path), start_frame=100, end_frame=103)
    frames = list(source.frames())
    source.close()
    capture = cv2.VideoCapture(str(path))
    decoded = [capture.read()[1] for _ in range(101)]
    assert [f.index for f in frames] == [100, 101, 102]
    assert frames[0].time_s == pytest.approx(100 / 29.97, abs=1e-3) and (frames[0].image == decoded[100]).all()


def test_a_file_is_read_ahead_by_its_frames_size(media):
    """1080p frames are 6 MB each: two are decoded ahead, not eight (memory of a full house)."""
    small = OpenCVSource(str(media / "stage_audience_640x360.mp4"))
    large = OpenCVSource(str(media / "crowd_1080p.mp4"))
    chosen = OpenCVSource(str(media / "crowd_1080p.mp4"), prefetch=5)
    for source in (small, large, chosen):
        source.close()
    assert (small.prefetch, large.prefetch, chosen.prefetch) == (8, 2, 5)


def test_close_midway_stops_the_decoder(clip):
    source = OpenCVSource(str(clip), prefetch=2)
    for frame in source.frames():
        if frame.index == 3:
            break
    source.close()
    assert not source._thread.is_alive()


def test_live_mode_keeps_only_the_newest_frame(clip):
    """A consumer that stalls gets the newest frame afterwards, and the skipped ones are counted."""
    source = OpenCVSource(str(clip), live=True)
    frames = source.frames()
    first = next(frames)
    source._thread.join(timeout=30)  # the paced reader reaches the end of the 2 s clip meanwhile
    rest = list(frames)
    source.close()
    assert first.index == 0
    assert len(rest) <= 1
    assert source.dropped_frames >= 45
    assert 1 + len(rest) + source.dropped_frames == 50
