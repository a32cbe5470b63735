"""reactlens's pytest plugin (loaded automatically once reactlens is installed): fixtures for plugin tests.

* ``reactlens_faces``: real photos as frames, with their face boxes;
* ``reactlens_frames``: consecutive frames of real photos, as a video source yields them;
* ``reactlens_clip``: a short video file of real faces (640×360, 25 fps);
* ``reactlens_run``: runs the real screening loop and returns every record (see ``run_loop``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List

import pytest

from ..components import Frame
from .runner import LoopResult, run_loop
from .samples import FaceFrame, sample_faces, sample_frames


@pytest.fixture(scope="session")
def reactlens_faces() -> List[FaceFrame]:
    return sample_faces()


@pytest.fixture(scope="session")
def reactlens_frames() -> List[Frame]:
    return sample_frames(12)


@pytest.fixture(scope="session")
def reactlens_clip(tmp_path_factory) -> Path:
    from ..demo import build_clip

    path, _ = build_clip(tmp_path_factory.mktemp("reactlens-clip") / "faces.mp4", seconds=2.0)
    return path


@pytest.fixture
def reactlens_run(reactlens_clip: Path) -> Callable[..., LoopResult]:
    def run(source=None, **kwargs) -> LoopResult:
        return run_loop(str(source or reactlens_clip), **kwargs)

    return run
