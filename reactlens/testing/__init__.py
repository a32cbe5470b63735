"""Testing kit for reactlens plugins: real sample data, a loop runner, and contract checks.

The pytest fixtures (``reactlens_faces``, ``reactlens_frames``, ``reactlens_clip``, ``reactlens_run``)
load automatically through the ``pytest11`` entry point once reactlens is installed.
"""

from .conformance import (
    check_audio_detector,
    check_bad_option,
    check_classifier,
    check_detector,
    check_sink,
    check_source,
    check_tracker,
)
from .runner import LoopResult, run_loop
from .samples import FaceFrame, sample_faces, sample_frames

__all__ = [
    "FaceFrame",
    "LoopResult",
    "check_audio_detector",
    "check_bad_option",
    "check_classifier",
    "check_detector",
    "check_sink",
    "check_source",
    "check_tracker",
    "run_loop",
    "sample_faces",
    "sample_frames",
]
