"""What the live dashboard costs the screening, and how fast a collector's page follows eight cameras.

    python benchmarks/dashboard.py [--runs 5] [--cameras 8] [--seconds 20] [--clip FILE --profile NAME]

1. Loop fps on real clips (``--clip``, repeatable; default: three shared clips) screened as fast as the machine
   allows (``--profile``, default ``video``; a full house: ``--clip build/full_house/full_house_1.mp4 --profile
   full-house``, 374 boxes a frame; results to CSV, no sound), without the dashboard and with it open in Debian's
   Chromium (picture, curve, numbers), runs alternating, ``--runs`` of each; medians. Each clip is played
   ``--repeat`` times in a row (re-encoded once, the same file for both) so that a run lasts long enough to measure
   the steady state; the first ``WARMUP`` frames are not counted, and with the dashboard the first frame waits for
   the page to connect, so every measured frame is screened while the browser watches.
2. ``reactlens collect --dashboard``'s page in Chromium while ``--cameras`` cameras publish through mosquitto
   for ``--seconds`` at 30 fps with 3 viewers each (paced in real time): the page's update rate, its longest
   gap between updates, and whether every record reached the store (``--cameras 0``: not run).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from reactlens_iot.collector import Collector  # noqa: E402

from benchmarks.harness import repeat_clip  # noqa: E402
from reactlens.dashboard.board import Board  # noqa: E402
from reactlens.dashboard.server import DashboardServer, Listen  # noqa: E402
from reactlens.plugins import get_host  # noqa: E402
from reactlens.profiles import ProfileBook  # noqa: E402
from reactlens.screening import Screening  # noqa: E402
from tests.cameras import publish  # noqa: E402
from tests.mqtt_broker import Mosquitto  # noqa: E402

SHARED = Path(os.environ.get("REACTLENS_SHARED", HERE.parent.parent / "shared"))
CLIPS = ("expressions_long.mp4", "stage_audience_640x360.mp4", "crowd_1080p.mp4")
READY = "() => document.body.dataset.ready"
#: Frames screened before the count starts (the page's first pictures and charts, the model's first runs).
WARMUP = 60


def cpu_s(tasks: list) -> float:
    """CPU seconds used so far by Chromium's processes and by this process's threads ``tasks`` (native ids)."""
    stats = [f"/proc/self/task/{tid}/stat" for tid in tasks]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip().startswith("chrom"):
                    stats.append(f"/proc/{pid}/stat")
    total = 0
    for path in stats:
        with contextlib.suppress(OSError), open(path) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def screen(clip: Path, folder: Path, browser: Browser | None, profile: str) -> tuple:
    """Loop fps over the frames screened while the page (if any) watched, pictures encoded per second,
    and the CPU Chromium and the dashboard's threads took meanwhile, in cores."""
    overrides = {
        "source.uri": str(clip),
        "audio": "none",
        "sinks.csv.path": str(folder / "results.csv"),
        "sinks.csv.if_exists": "overwrite",
    }
    if browser is not None:
        overrides["sinks.dashboard.listen"] = "0"
    screening = Screening(ProfileBook().resolve(profile, overrides), get_host())
    sink = next((s.instance for s in screening.sinks if s.spec.use == "dashboard"), None)
    watching = threading.Event()
    marks: dict = {}

    def on_frame(stats, frame) -> None:
        if stats.frames == 1 and sink is not None:
            watching.wait(60)
        if stats.frames == WARMUP:
            marks["start"] = (time.perf_counter(), stats.frames)
            marks["cpu0"] = cpu_s(threads())
            marks["pictures0"] = sink.pictures.encoded if sink is not None and sink.pictures else 0
        marks["end"] = (time.perf_counter(), stats.frames)
        marks["pictures1"] = sink.pictures.encoded if sink is not None and sink.pictures else 0

    def threads() -> list:
        if sink is None or sink.server is None or sink.server._thread is None:
            return []
        return [sink.server._thread.native_id, *([sink.pictures._thread.native_id] if sink.pictures else [])]

    thread = threading.Thread(target=screening.run, args=(on_frame,))
    thread.start()
    if sink is not None and browser is not None:
        while sink.server is None or not sink.server.port:
            time.sleep(0.01)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(sink.server.address())
        page.wait_for_function(READY, timeout=30000)
        watching.set()
        while thread.is_alive() and sink.server is not None:
            marks["cpu1"] = cpu_s(threads())  # while the threads still exist
            thread.join(0.2)
        page.close()
    thread.join()
    (t0, f0), (t1, f1) = marks["start"], marks["end"]
    cores = (marks.get("cpu1", 0.0) - marks["cpu0"]) / (t1 - t0) if sink is not None else 0.0
    pictures = marks.get("pictures1", 0) - marks.get("pictures0", 0)
    return (f1 - f0) / (t1 - t0), pictures / (t1 - t0), cores


def loop_cost(browser: Browser, runs: int, repeat: int, clips: list, profile: str) -> None:
    print(
        f"| clip (played {repeat}×) | fps without | fps with the dashboard open | ratio | pictures sent / s "
        "| CPU of Chromium and the dashboard's threads |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for source in clips:
            name = source.name
            clip = repeat_clip(source, repeat, Path(tmp) / f"{name}-x{repeat}.mp4")
            without, with_, drawn, cost = [], [], [], []
            for _ in range(runs):
                without.append(screen(clip, Path(tmp), None, profile)[0])
                fps, pictures, cores = screen(clip, Path(tmp), browser, profile)
                with_.append(fps)
                drawn.append(pictures)
                cost.append(cores)
            a, b, cores = statistics.median(without), statistics.median(with_), statistics.median(cost)
            print(
                f"| {name} | {a:.1f} ({', '.join(f'{v:.0f}' for v in without)}) | "
                f"{b:.1f} ({', '.join(f'{v:.0f}' for v in with_)}) | {b / a:.3f} | {statistics.median(drawn):.1f} | "
                f"{100 * cores:.1f}% of a core ({100 * cores / (os.cpu_count() or 1):.1f}% of the machine) |"
            )


def fleet(browser: Browser, cameras: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker = Mosquitto(folder / "broker").start()
        board = Board("fleet")
        try:
            with DashboardServer(board, Listen.parse("0")) as server:
                collector = Collector(broker.url, "reactlens/#", str(folder / "store.sqlite"), board=board)
                stop = threading.Event()
                thread = threading.Thread(target=collector.run, args=(lambda c: stop.is_set(),), daemon=True)
                thread.start()
                collector.subscribed.wait(10)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(server.address())
                page.wait_for_function(READY, timeout=30000)
                sent: list = []
                publishers = [
                    threading.Thread(
                        target=lambda n=n: sent.append(
                            publish(broker.url, f"cam{n}", f"s{n}", folder / f"spool{n}", seconds, 30, 3, 5 + n, True)
                        )
                    )
                    for n in range(cameras)
                ]
                for p in publishers:
                    p.start()
                time.sleep(3)  # the cameras are all publishing
                u0, t0 = page.evaluate("() => [window.reactlensDashboard.updates, performance.now()]")
                page.evaluate("() => { window.reactlensDashboard.longestGapMs = 0; }")
                time.sleep(max(1.0, seconds - 6))
                u1, t1, gap, tiles = page.evaluate(
                    "() => { const d = window.reactlensDashboard;"
                    " return [d.updates, performance.now(), d.longestGapMs, Object.keys(d.tiles).length]; }"
                )
                for p in publishers:
                    p.join()
                deadline = time.monotonic() + 60
                while collector.store.stored < sum(sent) and time.monotonic() < deadline:
                    time.sleep(0.1)
                stop.set()
                thread.join(10)
                page.close()
        finally:
            broker.stop()
        rate = (u1 - u0) / ((t1 - t0) / 1000)
        print(
            f"{cameras} cameras × 30 fps × 3 viewers for {seconds:.0f} s: {sum(sent):,} records, "
            f"{collector.store.stored:,} stored; the page showed {tiles} tiles and updated {rate:.2f} times a "
            f"second (longest gap {gap:.0f} ms; target ≥ 2 Hz)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clip", type=Path, action="append", help="a clip to screen (repeatable)")
    parser.add_argument("--profile", default="video", help="the profile the clips are screened with")
    args = parser.parse_args()
    clips = args.clip or [SHARED / "media" / name for name in CLIPS]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        loop_cost(browser, args.runs, args.repeat, clips, args.profile)
        if args.cameras:
            fleet(browser, args.cameras, args.seconds)
        browser.close()


if __name__ == "__main__":
    main()
