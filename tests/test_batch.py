"""``reactlens batch`` on a real local Ray: the records of sequential runs, retries, resuming, chunks, bad input."""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import cv2
import pandas as pd
import pytest

from reactlens.batch.plan import session_id_for

from .conftest import assert_one_line_error, run_cli
from .mqtt_broker import free_port

pytest.importorskip("ray")
CLIPS = ("expressions_grin.mp4", "expressions_ends_smiling.mp4", "stage_audience_640x360.mp4")


def read_csv(path: Path) -> List[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["recordings"]


def background(*args: str, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "reactlens", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def wait_for(condition, timeout: float = 120.0, what: str = "") -> None:
    """Poll a condition a batch's files or processes reach (no fixed sleep decides the outcome)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_no_ray_cluster_at_the_address_is_one_line(media, tmp_path):
    # first in this file: `--address auto` joins any Ray running on this machine, and the tests below start some
    result = run_cli("batch", str(media / CLIPS[0]), "--out", str(tmp_path), "--address", "ray://127.0.0.1:9")
    assert_one_line_error(result, "no Ray cluster answers at ray://127.0.0.1:9", "ray start --head")
    result = run_cli("batch", str(media / CLIPS[0]), "--out", str(tmp_path), "--address", "auto")
    assert_one_line_error(result, "cannot join the Ray cluster at auto", "ray start --head")


@dataclass
class Cluster:
    """A running Ray cluster: the ``batch`` arguments that join it, and the environment with its token."""

    args: List[str]
    env: Dict[str, str]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    """One local Ray cluster (2 CPUs, on loopback, token authentication) that most batch tests join with
    ``--address``, as a lab's batches join its cluster, so each skips starting a Ray of its own. Its own temporary
    folder keeps it out of Ray's default one, where ``--address auto`` would find it."""
    address = f"127.0.0.1:{free_port()}"
    env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    ray = str(Path(sys.executable).with_name("ray"))
    head = subprocess.Popen(
        [
            ray,
            "start",
            "--head",
            "--block",
            f"--port={address.split(':')[1]}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={tmp_path_factory.mktemp('ray')}",
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the head and every process it starts: one group to end
    )
    status = [ray, "status", f"--address={address}"]
    try:
        wait_for(
            lambda: (
                head.poll() is not None
                or subprocess.run(status, env={**os.environ, **env}, capture_output=True, timeout=60).returncode == 0
            ),
            what="the Ray cluster to start",
        )
        assert head.poll() is None, "ray start --head failed"
        yield Cluster(["--address", address], env)
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(2)
        except subprocess.TimeoutExpired:  # `ray start --block` can take half a minute to wind down
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()


@pytest.fixture(scope="module")
def batched(media, tmp_path_factory):
    """Three real clips on a local Ray with 2 workers, and each clip's sequential `reactlens run`."""
    folder = tmp_path_factory.mktemp("batch")
    sources = [str(media / clip) for clip in CLIPS]
    result = run_cli(
        "batch", *sources, "--out", str(folder / "out"), "--workers", "2", "--format", "both", "--json", timeout=600
    )
    sequential = {}
    for source in sources:
        session = session_id_for(source)
        csv_path = folder / f"{session}.csv"
        run = run_cli("run", "--source", source, "--csv", str(csv_path), "--session-id", session, "-q")
        assert run.returncode == 0, run.stderr
        sequential[session] = csv_path
    return result, folder / "out", sequential


#: The tests that use ``batched`` pay for its setup (Ray's embedded start, a batch, three runs): over 300 s with both
#: cores busy. A guard against hangs, not a measure of speed.
BATCHED_TIMEOUT = pytest.mark.timeout(900)


@BATCHED_TIMEOUT
def test_a_batch_on_two_workers_gives_the_records_of_sequential_runs(batched):
    result, out, sequential = batched
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sorted(summary["done"]) == sorted(sequential) and summary["failed"] == {}
    for session, csv_path in sequential.items():
        expected = read_csv(csv_path)
        assert len(expected) > 50
        assert read_csv(out / f"{session}.csv") == expected  # row for row: ids, frames, boxes, scores
        parquet = pd.read_parquet(out / f"{session}.parquet")
        assert len(parquet) == len(expected) and (parquet["session_id"] == session).all()
        assert parquet["face_id"].tolist() == [int(r["face_id"]) for r in expected]
        assert manifest(out)[session]["status"] == "done"


@BATCHED_TIMEOUT
def test_the_report_reads_the_batch_folder(batched, tmp_path):
    _, out, sequential = batched
    report = run_cli("report", str(out), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert {s["session_id"] for s in summary["sessions"]} == set(sequential)


def test_missing_and_corrupt_recordings_fail_alone_with_their_reasons(media, tmp_path, cluster):
    missing, corrupt = tmp_path / "gone.mp4", tmp_path / "noise.mp4"
    corrupt.write_bytes(os.urandom(64_000))
    good = str(media / CLIPS[0])
    result = run_cli(
        "batch",
        good,
        str(missing),
        str(corrupt),
        "--out",
        str(tmp_path / "out"),
        *cluster.args,
        timeout=300,
        env=cluster.env,
    )
    assert result.returncode == 1
    assert f"reactlens: error: {session_id_for(str(missing))}: video file {missing} not found" in result.stderr
    assert f"reactlens: error: {session_id_for(str(corrupt))}: cannot open {corrupt} as a video" in result.stderr
    assert "Traceback" not in result.stderr
    entries = manifest(tmp_path / "out")
    assert entries[session_id_for(good)]["status"] == "done"
    assert {entries[session_id_for(str(p))]["status"] for p in (missing, corrupt)} == {"failed"}


def test_a_rerun_after_an_interruption_processes_only_what_is_left(media, tmp_path, cluster):
    out = tmp_path / "out"
    sources = [str(media / clip) for clip in CLIPS]
    first = background("batch", *sources, "--out", str(out), *cluster.args, "--json", "-q", env=cluster.env)
    wait_for(lambda: (out / "manifest.json").exists(), what="the first recording")
    first.send_signal(signal.SIGINT)  # Ctrl-C after one recording
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    wait_for(lambda: not ray_tasks(), what="the cluster's parts to stop")  # no worker goes on with the rest
    done_before = {s for s, e in manifest(out).items() if e["status"] == "done"}
    assert 1 <= len(done_before) < 3
    second = run_cli("batch", *sources, "--out", str(out), *cluster.args, "--json", timeout=300, env=cluster.env)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert set(summary["skipped"]) == done_before and len(summary["done"]) == 3 - len(done_before)
    for session in map(session_id_for, sources):
        table = pd.read_parquet(out / f"{session}.parquet")
        assert not table.duplicated(["frame", "face_id"]).any()


def ray_tasks() -> List[int]:
    """Processes of Ray workers running a part right now."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if handle.read().startswith(b"ray::screen_part"):
                    pids.append(int(pid))
        except OSError:
            continue
    return pids


def test_a_killed_worker_is_retried_and_nothing_is_duplicated(media, tmp_path, cluster):
    out = tmp_path / "out"
    clip = media / "expressions_long.mp4"
    batch = background("batch", str(clip), "--out", str(out), *cluster.args, "--json", "-q", env=cluster.env)
    wait_for(lambda: ray_tasks(), what="a worker screening")
    os.kill(ray_tasks()[0], signal.SIGKILL)  # the machine's OOM killer, say
    _, stderr = batch.communicate(timeout=300)
    assert batch.returncode == 0, stderr
    table = pd.read_parquet(out / f"{session_id_for(str(clip))}.parquet")
    assert len(table) == 1008 and table["frame"].tolist() == list(range(1008))  # one face in every frame, once


@pytest.fixture(scope="module")
def long_recording(media, tmp_path_factory) -> Path:
    """The shared expression clips back to back: 42 seconds, a cut between them."""
    path = tmp_path_factory.mktemp("long") / "expressions.mp4"
    writer = None
    for clip in ("expressions_long.mp4", "expressions_ends_smiling.mp4"):
        capture = cv2.VideoCapture(str(media / clip))
        while True:
            ok, image = capture.read()
            if not ok:
                break
            image = cv2.resize(image, (480, 480))
            if writer is None:
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (480, 480))
            writer.write(image)
        capture.release()
    assert writer is not None
    writer.release()
    return path


def test_a_long_recording_in_chunks_keeps_one_id_per_viewer(long_recording, tmp_path, cluster):
    out = tmp_path / "out"
    result = run_cli(
        "batch",
        str(long_recording),
        "--out",
        str(out),
        "--chunk-minutes",
        "0.15",
        "--format",
        "csv",
        *cluster.args,
        timeout=300,
        env=cluster.env,
    )
    assert result.returncode == 0, result.stderr
    session = session_id_for(str(long_recording))
    assert manifest(out)[session]["parts"] == 5  # 42 s in 9-second chunks, the last seam after the cut
    chunked = read_csv(out / f"{session}.csv")
    run = run_cli("run", "--source", str(long_recording), "--csv", str(tmp_path / "s.csv"), "--no-audio", "-q")
    assert run.returncode == 0, run.stderr
    sequential = read_csv(tmp_path / "s.csv")
    assert [int(r["frame"]) for r in chunked] == [int(r["frame"]) for r in sequential]  # no frame lost or twice
    assert len({r["face_id"] for r in chunked}) == len({r["face_id"] for r in sequential})


def test_a_folder_of_photos_is_one_recording_of_stills(tmp_path, cluster):
    from reactlens.demo import demo_photos

    photos = tmp_path / "photos"
    photos.mkdir()
    for i, (_, image) in enumerate(demo_photos()):
        cv2.imwrite(str(photos / f"{i}.jpg"), image)
    result = run_cli(
        "batch",
        str(photos),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "csv",
        *cluster.args,
        timeout=300,
        env=cluster.env,
    )
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "out" / f"{session_id_for(str(photos))}.csv")
    assert {Path(r["image"]).name for r in rows} == {f"{i}.jpg" for i in range(len(demo_photos()))}


def test_recordings_in_s3_are_screened_where_they_are_read(media, tmp_path, aws_server, monkeypatch):
    import boto3

    for name, value in aws_server.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="screenings", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.upload_file(str(media / CLIPS[0]), "screenings", "theatre-1/night-1.mp4")
    s3.put_object(Bucket="screenings", Key="theatre-1/notes.txt", Body=b"not a recording")
    result = run_cli("batch", "s3://screenings/theatre-1/", "--out", str(tmp_path / "out"), "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    [session] = json.loads(result.stdout)["done"]
    assert session == session_id_for("s3://screenings/theatre-1/night-1.mp4")
    assert len(pd.read_parquet(tmp_path / "out" / f"{session}.parquet")) == 78  # one face in each frame


def test_s3_problems_name_the_bucket(tmp_path, aws_server):
    result = run_cli("batch", "s3://no-such-bucket/rooms/", "--out", str(tmp_path), env=aws_server)
    assert_one_line_error(result, "bucket no-such-bucket does not exist")
