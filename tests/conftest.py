"""Shared fixtures: real media from ../shared when present, a demo clip of real photos, test models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from reactlens.demo import build_clip

from .onnx_models import brightness_model

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHARED = Path(os.environ.get("REACTLENS_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared data folder (tests needing it skip on a user's fresh clone)."""
    if not (SHARED / "media").is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def media(shared: Path) -> Path:
    return shared / "media"


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """A 2-second 640×360 clip of real face photos shipped with matplotlib and scikit-image."""
    path, _ = build_clip(tmp_path_factory.mktemp("clip") / "faces.mp4", seconds=2.0)
    return path


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, one browser for every page test (``playwright install`` would
    download a browser of its own, which cannot happen here)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed (scripts/bootstrap installs it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def fake_aws(monkeypatch):
    """moto's mocked AWS with dummy credentials in eu-west-1 (never a real account)."""
    moto = pytest.importorskip("moto")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        yield


@pytest.fixture
def aws_server():
    """A moto server for AWS (S3, IAM, Firehose, IoT): for other processes — a CLI run, a batch's Ray workers —
    which moto's in-process mock cannot reach. Its environment (endpoint, dummy credentials) as a dict."""
    server = pytest.importorskip("moto.server").ThreadedMotoServer(port=0)
    server.start()
    host, port = server.get_host_and_port()
    # moto's backends live in this process and outlive a server: start each test from an empty AWS
    urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")).close()
    yield {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    server.stop()
    import boto3

    boto3.DEFAULT_SESSION = None  # it cached the dummy credentials; later tests must not find them


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A small ONNX classifier with reactlens metadata (labels neutral, smile)."""
    return brightness_model(tmp_path_factory.mktemp("models") / "tiny.onnx")


def run_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``python -m reactlens ARGS`` as a user would, capturing output."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "reactlens", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, one line on stderr starting ``reactlens: error:``, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reactlens: error: "), lines[0]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
