"""The operator's preview window, on a real X server (Xvfb): it opens, and pressing q ends the run cleanly."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from reactlens.demo import build_clip

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool (scripts/bootstrap)"
)


@pytest.fixture
def display():
    """A virtual X display; ``-displayfd`` reports its number once it accepts clients."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as handle:
        number = handle.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_pressing_q_in_the_preview_stops_the_run_and_keeps_the_results(display, tmp_path):
    clip, _ = build_clip(tmp_path / "long.mp4", seconds=20.0)  # paced in real time: far longer than the test
    out = tmp_path / "results.csv"
    env = {**os.environ, "DISPLAY": display}
    command = ["run", "--profile", "video", "--source", str(clip), "--csv", str(out), "--json"]
    preview = ["--set", "source.live=true", "--set", "sinks.annotate.preview=true"]
    run = subprocess.Popen(
        [sys.executable, "-m", "reactlens", *command, *preview],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "^reactlens$"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        window = found.stdout.split()[0]
        subprocess.run(["xdotool", "key", "--window", window, "q"], env=env, check=True, capture_output=True)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    summary = json.loads(stdout)
    assert not summary["interrupted"]
    assert 0 < summary["frames"] < 20 * 25  # stopped early, by the key
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["face_frames"]  # every frame processed before the key is in the CSV
