"""docs/plugins.md documents every hook, and its examples are working components."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from reactlens import hookspecs
from reactlens.testing import (
    check_audio_detector,
    check_classifier,
    check_detector,
    check_sink,
    check_source,
    check_tracker,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "reactlens_spec"))


def section(hook: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### `{hook}`\n(.*?)(?=^#{{2,3}} )", text, re.S | re.M)
    assert match, f"docs/plugins.md has no '### `{hook}`' section"
    return match.group(1)


def example(hook: str) -> dict:
    code = re.search(r"```python\n(.*?)```", section(hook), re.S)
    assert code, f"the {hook} section has no python example"
    namespace: dict = {}
    exec(compile(code.group(1), f"docs/plugins.md:{hook}", "exec"), namespace)
    return namespace


def test_the_hooks_are_found():
    assert set(HOOKS) >= {"register_sources", "register_detectors", "register_classifiers", "register_sinks"}


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_an_example(hook):
    assert len(section(hook).split()) > 40, f"the {hook} section is too thin to write a plugin from"
    namespace = example(hook)
    registered = []
    namespace[hook](
        **(
            {"cli": _Cli(registered)}
            if hook == "register_commands"
            else {"register": lambda name, factory, description="": registered.append((name, factory))}
        )
    )
    assert registered, f"the {hook} example registers nothing"


class _Cli:
    def __init__(self, registered):
        self.registered = registered

    def command(self, name):
        return lambda fn: self.registered.append((name, fn))


def test_the_documented_components_keep_the_contract(tmp_path, clip):
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    capture = cv2.VideoCapture(str(clip))
    for i in range(5):
        ok, image = capture.read()
        assert ok
        cv2.imwrite(str(frames / f"{i:03d}.png"), image)
    check_source(example("register_sources")["FolderSource"], uri=str(frames))
    check_detector(example("register_detectors")["ProfileFaceDetector"], expect_faces=False)
    check_classifier(example("register_classifiers")["BrightnessClassifier"])
    check_tracker(example("register_trackers")["SeatTracker"])
    check_audio_detector(example("register_audio_detectors")["ApplauseDetector"])
    out = tmp_path / "r.jsonl"
    check_sink(
        example("register_sinks")["JsonLinesSink"], path=str(out), read_back=lambda: len(out.read_text().splitlines())
    )
