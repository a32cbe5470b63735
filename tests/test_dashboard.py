"""The live dashboard: its curve is the report's, its server keeps strangers out, and in a real Chromium it
follows a running screening of a real clip (and a collector's cameras) without costing the screening anything."""

from __future__ import annotations

import contextlib
import csv
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, List, Tuple

import numpy as np
import pandas as pd
import pytest

from reactlens.dashboard.board import Board, Cursor
from reactlens.dashboard.server import DashboardServer, Listen
from reactlens.report.audience import analyse
from reactlens.report.load import load_results

from .cameras import publish
from .conftest import REPO, assert_one_line_error, run_cli
from .test_report_stats import screening, write_scores

CLIP = "expressions_ends_smiling.mp4"  # 250 frames at 30 fps: one viewer, smiling at the end


def feed_csv(board: Board, path: Path, camera: str = "cam") -> None:
    """A CSV's records into a board frame by frame, as the dashboard sink hands them over."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = [c[len("score_") :] for c in rows[0] if c.startswith("score_")]
    frames: dict = {}
    for row in rows:
        frames.setdefault(int(row["frame"]), []).append(row)
    for faces in frames.values():
        board.add_frame(
            camera,
            faces[0]["session_id"],
            labels,
            "smile",
            faces[0]["media"],
            float(faces[0]["time_s"]),
            [(int(r["face_id"]), [float(r[f"score_{label}"]) for label in labels]) for r in faces],
        )


def report_curve(path: Path) -> dict:
    """The report's curve per (second, label): viewers, share, laughs."""
    audience = analyse(load_results([str(path)]))
    return {(int(r.second), r.label): (int(r.viewers), r.share, int(r.laughs)) for r in audience.curve.itertuples()}


def assert_same_curve(rows: List[list], labels: List[str], expected: dict) -> None:
    """Live rows ``[second, viewers, [showing...], laughs]`` against the report's curve, second by second."""
    live = {row[0]: row for row in rows}
    assert {second for second, _ in expected} <= set(live)
    for (second, label), (viewers, share, laughs) in expected.items():
        row = live[second]
        assert row[1] == viewers, (second, row, viewers)
        if viewers:
            assert row[2][labels.index(label)] / viewers == pytest.approx(share, abs=1e-4), (second, label, row)
        if label == "smile":
            assert row[3] == laughs, (second, row, laughs)


# -- the curve -------------------------------------------------------------------------------------


def test_the_live_curve_is_the_reports_curve_second_by_second(tmp_path):
    path = write_scores(tmp_path / "s.csv", "s1", ("neutral", "smile"), screening(np.random.default_rng(7)), fps=5)
    scores = pd.read_csv(path)
    scores["smile"] = scores["score_smile"]  # smile-net's smile column: its laughs are counted
    scores.to_csv(path, index=False)
    board = Board("run")
    feed_csv(board, path)
    board.end()
    state = board.update(board_cursor())
    [tile] = state["tiles"]
    expected = report_curve(path)
    assert sum(laughs for _, _, laughs in expected.values()) > 5  # the scenes make viewers laugh
    assert_same_curve(tile["points"], tile["labels"], expected)


def board_cursor() -> Cursor:
    return Cursor()


def test_a_browser_is_sent_only_what_changed():
    board, cursor = Board("run"), board_cursor()
    for i in range(30):  # three seconds at 10 fps
        board.add_frame("cam", "s1", ("neutral", "smile"), "smile", "", i / 10, [(0, [0.9, 0.1])])
    first = board.update(cursor)["tiles"][0]
    assert first["reset"] and [p[0] for p in first["points"]] == [0, 1]  # the third second is still open
    board.add_frame("cam", "s1", ("neutral", "smile"), "smile", "", 3.0, [])
    second = board.update(cursor)["tiles"][0]
    assert not second["reset"] and second["points"] == [[2, 1, [1, 0], 0]]
    assert board.update(cursor)["tiles"][0]["points"] == []


def test_a_collector_counts_a_record_heard_twice_once_and_adds_cameras_up():
    def records(session: str, smile: float) -> List[dict]:
        return [
            {
                "session_id": session,
                "frame": f,
                "time_s": f / 5,
                "face_id": face,
                "smile": smile,
                "media": "Film",
                "scores": {"neutral": round(1 - smile, 4), "smile": smile},
            }
            for f in range(25)
            for face in range(2)
        ]

    once, twice = Board("fleet"), Board("fleet")
    for board in (once, twice):
        board.add_records("cam1", records("a", 0.9))
        board.add_records("cam2", records("b", 0.1))
    twice.add_records("cam1", records("a", 0.9)[10:30])  # resent after a lost acknowledgement
    for board in (once, twice):
        board.end()
    states = [b.update(board_cursor()) for b in (once, twice)]
    for state in states:
        assert [t["points"] for t in state["tiles"]] == [t["points"] for t in states[0]["tiles"]]
        assert state["combined"] == states[0]["combined"]
    [audience] = states[0]["combined"]
    assert audience["media"] == "Film" and audience["sessions"] == 2
    # four viewers each second; the two on cam1 smile from the first second on (0.9 leads 0.1 by far)
    assert [row[:3] for row in audience["points"]] == [[s, 4, [2, 2]] for s in range(5)]


# -- the server ------------------------------------------------------------------------------------


def get(port: int, path: str, host: str = "127.0.0.1", **headers: str) -> Tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": f"{host}:{port}", **headers})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def websocket_status(port: int, **headers: str) -> int:
    """The HTTP status of a WebSocket handshake to /live (101: accepted)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(f"ws://127.0.0.1:{port}/live", additional_headers=headers, open_timeout=10) as socket_:
            socket_.recv(timeout=10)
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


def test_off_loopback_every_request_needs_the_token():
    with DashboardServer(Board("run"), Listen.parse("0.0.0.0:0")) as server:
        port, token = server.port, server.token
        assert token and token in server.announce()
        for path in ("/", "/static/dashboard.js", "/charts/uPlot.iife.min.js"):
            assert get(port, path)[0] == 401
        assert get(port, "/", Authorization="Bearer wrong")[0] == 401
        assert get(port, "/", Cookie=f"reactlens_dashboard_{port}=wrong")[0] == 401
        assert websocket_status(port) == 401
        # the printed link's token is swapped for a cookie, and the address bar loses it
        status, headers, _ = get(port, f"/?token={token}")
        assert status == 303 and headers["location"] == "/"
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert get(port, "/", Cookie=cookie.split(";")[0])[0] == 200
        assert get(port, "/static/dashboard.js", Authorization=f"Bearer {token}")[0] == 200
        assert websocket_status(port, Authorization=f"Bearer {token}") == 101


def test_on_loopback_other_sites_cannot_reach_it():
    with DashboardServer(Board("run"), Listen.parse("0")) as server:
        port = server.port
        assert server.token is None and get(port, "/")[0] == 200
        assert get(port, "/", host="attacker.example")[0] == 403  # DNS rebinding
        assert websocket_status(port, Origin="http://attacker.example") == 403  # another site's page
        assert websocket_status(port, Origin=f"http://127.0.0.1:{port}") == 101
        headers = get(port, "/")[1]
        assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--dashboard", "localhost:http"], "dashboard address 'localhost:http' is not [HOST:]PORT"),
        (["--dashboard", "0", "--set", "sinks.dashboard.view=maybe"], "dashboard view='maybe'"),
        (["--dashboard", "0.0.0.0:0", "--set", "sinks.dashboard.token_file=/nonexistent"], "token file"),
    ],
)
def test_bad_dashboard_settings_are_one_line(clip, tmp_path, args, fragment):
    result = run_cli("run", "--source", str(clip), "--csv", str(tmp_path / "r.csv"), "--no-audio", *args)
    assert_one_line_error(result, fragment)


def test_a_port_in_use_is_one_line_and_nothing_is_half_written(clip, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli(
            "run", "--source", str(clip), "--csv", str(tmp_path / "r.csv"), "--no-audio", "--dashboard", str(port)
        )
    assert_one_line_error(result, f"cannot serve the dashboard on 127.0.0.1:{port}", "choose another port")


# -- a running screening in Chromium ---------------------------------------------------------------


def played_live(clip: Path, csv_path: Path, dashboard: str = "0") -> List[str]:
    """``run`` arguments for a clip played at its own frame rate, as a camera delivers it, with the dashboard; its
    scans inline (not on a second thread, as a camera's are), so every frame screened has its viewer."""
    return [
        "--source",
        str(clip),
        "--csv",
        str(csv_path),
        "--no-audio",
        "--set",
        "source.live=true",
        "--set",
        "detector.background_scan=false",
        "--dashboard",
        dashboard,
    ]


def live_run(*args: str) -> contextlib.AbstractContextManager:
    """``reactlens run ARGS`` in the background, its summary as JSON on stdout."""
    return background("run", *args, "--quiet", "--json")


@contextlib.contextmanager
def background(*args: str) -> Iterator[Tuple[subprocess.Popen, str, List[str]]]:
    """``reactlens ARGS`` in the background; yields it, the dashboard's address and its stderr lines."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("DISPLAY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "reactlens", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: List[str] = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if line.startswith("dashboard: "):
            break
    else:
        pytest.fail(f"no dashboard address: {''.join(lines)}")
    drain = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
    drain.start()
    try:
        yield process, lines[-1].split()[1], lines
        process.wait(timeout=120)
        drain.join(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def open_page(browser, url: str):
    tab = browser.new_page(viewport={"width": 1100, "height": 600})
    problems: List[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.goto(url)
    tab.wait_for_function("() => document.body.dataset.ready", timeout=30000)
    return tab, problems


def tile_state(tab) -> dict:
    return tab.evaluate("""() => { const t = Object.values(window.reactlensDashboard.tiles)[0];
        return {pictures: t.pictures, rows: t.curve.rows, labels: t.curve.labels,
                canvas: t.el.querySelector('.picture').toDataURL('image/png')}; }""")


@pytest.fixture(scope="module")
def watched(chromium, media, tmp_path_factory):
    """A live-paced screening of a real clip, watched in Chromium from its first second to its end."""
    out = tmp_path_factory.mktemp("watched")
    with live_run(*played_live(media / CLIP, out / "r.csv")) as (process, url, lines):
        tab, problems = open_page(chromium, url)
        tab.wait_for_function("() => Object.values(window.reactlensDashboard.tiles).some(t => t.pictures >= 2)")
        early = tile_state(tab)
        tab.wait_for_function(f"""() => Object.values(window.reactlensDashboard.tiles)
            .some(t => t.pictures >= {early["pictures"] + 5} && t.curve.rows.length > {len(early["rows"])})""")
        later = tile_state(tab)
        tab.wait_for_function("() => window.reactlensDashboard.ended", timeout=60000)
        final = tile_state(tab)
        numbers = tab.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-key]')]
            .map(e => [e.dataset.key, e.textContent]))""")
        shot = out / "dashboard.png"
        tab.screenshot(path=str(shot), full_page=True)
        status = tab.inner_text("#connection")
    summary = process.stdout.read() if process.stdout else ""
    yield {
        "csv": out / "r.csv",
        "early": early,
        "later": later,
        "final": final,
        "numbers": numbers,
        "problems": problems,
        "stderr": "".join(lines),
        "status": status,
        "summary": summary,
        "returncode": process.returncode,
        "shot": shot,
    }


def test_the_page_shows_a_moving_picture(watched):
    early, later = watched["early"], watched["later"]
    assert later["pictures"] >= early["pictures"] + 5
    assert later["canvas"] != early["canvas"]  # the picture changed, not only its counter
    assert watched["problems"] == []


def test_the_curve_grows_as_frames_are_processed(watched):
    lengths = [len(watched[k]["rows"]) for k in ("early", "later", "final")]
    with open(watched["csv"], newline="") as handle:
        seconds = {int(float(r["time_s"])) for r in csv.DictReader(handle)}
    # every second from the first screened to the last (of 8.3) is on the page, one whose every frame a busy machine
    # dropped live included (the curve closes each second it passes; the CSV has no row there)
    assert lengths[0] < lengths[1] < lengths[2] == max(seconds) - min(seconds) + 1


def test_the_numbers_on_the_page_equal_the_csvs(watched):
    with open(watched["csv"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    numbers = watched["numbers"]
    assert numbers["face_frames"] == str(len(rows))
    frames = len({r["frame"] for r in rows})  # one viewer in every frame the loop screened
    assert numbers["frames"] == f"{frames} / 250" and numbers["dropped"] == str(250 - frames)  # live: it may drop
    final = watched["final"]
    expected = report_curve(watched["csv"])
    assert_same_curve(final["rows"], final["labels"], expected)
    # the page ends as the CSV does: the last second's share smiling, in the curve and in the numbers (the clip ends
    # smiling; a live loop on a busy machine may drop the frames of the smile, and then both end neutral)
    last = max(second for second, _ in expected)
    assert final["rows"][-1][0] == last
    assert numbers["smiling"] == f"{100 * expected[(last, 'smile')][1]:.0f}%"
    assert watched["status"].startswith("ended") and watched["returncode"] == 0


def test_the_screenshot_for_the_readme(watched):
    """The README's picture of the dashboard comes from this test (REACTLENS_SCREENSHOTS=docs keeps it)."""
    assert watched["shot"].stat().st_size > 20_000
    keep = os.environ.get("REACTLENS_SCREENSHOTS")
    if keep:
        shutil.copy(watched["shot"], REPO / keep / "dashboard.png")


def test_closing_the_browser_mid_run_loses_nothing(chromium, media, tmp_path):
    with live_run(*played_live(media / CLIP, tmp_path / "r.csv")) as (process, url, lines):
        tab, _ = open_page(chromium, url)
        tab.wait_for_function("() => Object.values(window.reactlensDashboard.tiles).some(t => t.pictures >= 3)")
        tab.context.close()  # the operator closes the laptop mid-screening
    assert process.returncode == 0, "".join(lines)
    summary = process.stdout.read() if process.stdout else ""
    frames = int(re.search(r'"frames": (\d+)', summary).group(1))
    face_frames = int(re.search(r'"face_frames": (\d+)', summary).group(1))
    with open(tmp_path / "r.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # live, the loop drops what it cannot keep up with; what it screened is all in the CSV, each frame once
    assert frames > 0 and len(rows) == face_frames and len({r["frame"] for r in rows}) == frames == len(rows)
    assert "Traceback" not in "".join(lines)


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    """Six seconds of the demo's real faces: long enough to open a page while it plays live."""
    from reactlens.demo import build_clip

    path, _ = build_clip(tmp_path_factory.mktemp("long") / "faces.mp4", seconds=6.0)
    return path


def test_off_loopback_the_token_is_printed_once_and_the_picture_stays_home(chromium, long_clip, tmp_path):
    with live_run(*played_live(long_clip, tmp_path / "r.csv", "0.0.0.0:0")) as (process, url, lines):
        token = url.split("token=")[1]
        port = int(url.split(":")[2].split("/")[0])
        tab, problems = open_page(chromium, f"http://127.0.0.1:{port}/?token={token}")
        tab.wait_for_function("() => window.reactlensDashboard.ended", timeout=60000)
        state = tile_state(tab)
        assert state["pictures"] == 0 and len(state["rows"]) >= 2 and problems == []
    stderr = "".join(lines)
    assert process.returncode == 0 and stderr.count(token) == 1


# -- a collector's cameras in Chromium -------------------------------------------------------------


def test_a_collectors_page_shows_every_camera_and_the_whole_audience(chromium, tmp_path):
    from reactlens.report.audience import analyse as analyse_audience

    from .mqtt_broker import Mosquitto, make_pki

    broker = Mosquitto(tmp_path / "broker", make_pki(tmp_path / "pki")).start()
    cameras = {"cam-a": 2, "cam-b": 4, "cam-c": 6}  # the second from which each room smiles
    total = len(cameras) * 2 * 10 * 10
    store = tmp_path / "store.sqlite"
    try:
        with background(
            "collect", "--broker", broker.url, "--out", str(store), "--count", str(total), "--dashboard", "0"
        ) as (process, url, lines):
            tab, problems = open_page(chromium, url)
            threads = [
                threading.Thread(target=publish, args=(broker.url, cam, f"s-{cam}", tmp_path / cam, 10, 10, 2, funny))
                for cam, funny in cameras.items()
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            tab.wait_for_function("() => window.reactlensDashboard.ended", timeout=60000)
            tiles = tab.evaluate("""() => Object.fromEntries(Object.entries(window.reactlensDashboard.tiles)
                .map(([camera, t]) => [camera, t.el.querySelector('[data-key=records]').textContent]))""")
            combined = tab.evaluate("""() => { const a = Object.values(window.reactlensDashboard.audiences)[0];
                return {rows: a.curve.rows, labels: a.curve.labels, sessions:
                        a.el.querySelector('[data-key=sessions]').textContent}; }""")
            assert problems == []
        assert process.returncode == 0, "".join(lines)
    finally:
        broker.stop()
    assert tiles == {cam: "200" for cam in cameras}  # one tile per camera, every record heard
    assert combined["sessions"] == "3"
    # the whole audience's curve is the report's of the store the collector wrote
    audience = analyse_audience(load_results([str(store)]))
    expected = {(int(r.second), r.label): (int(r.viewers), r.share, int(r.laughs)) for r in audience.curve.itertuples()}
    assert_same_curve(combined["rows"], combined["labels"], expected)
    assert [row[2][1] for row in combined["rows"]] == [0, 0, 1, 2, 3, 4, 5, 6, 6, 6]  # smiles spread room by room
