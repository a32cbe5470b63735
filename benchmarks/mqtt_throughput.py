"""Records per second from the IoT sink through a real mosquitto broker into `reactlens collect`'s store.

    python benchmarks/mqtt_throughput.py [--records 40000] [--faces 4] [--runs 5]

Starts mosquitto on loopback, a collector, and one IoT sink fed frames of ``--faces`` records each as fast
as the sink accepts them. Reports, as medians over ``--runs``: the loop-side cost of ``write`` per frame
(what the screening loop pays), and records/s end to end (first write until the collector has stored
every record).
"""

from __future__ import annotations

import argparse
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

from reactlens_iot.collector import Collector  # noqa: E402
from reactlens_iot.sink import IotSink  # noqa: E402

from reactlens.components import Frame  # noqa: E402
from reactlens.records import Record, Session  # noqa: E402
from tests.mqtt_broker import Mosquitto  # noqa: E402


def one_run(folder: Path, records: int, faces: int) -> tuple:
    broker = Mosquitto(folder / "broker").start()
    try:
        collector = Collector(broker.url, "reactlens/#", str(folder / "store.sqlite"), client_id="bench-collector")
        thread = threading.Thread(target=collector.run, args=(lambda c: c.store.stored >= records,), daemon=True)
        thread.start()
        collector.subscribed.wait(10)
        session = Session("bench", "video", "bench", ("neutral", "smile"), "smile")
        sink = IotSink(broker=broker.url, topic="reactlens/bench", spool=str(folder / "spool.sqlite"), drain_s=120)
        sink.open(session)
        frame = Frame(None, 0, 0.0, 0.0)  # sinks of this kind never look at the image
        start = time.perf_counter()
        write_s = 0.0
        for i in range(records // faces):
            batch = [
                Record("bench", i, i / 30, f, 10 * f, 20, 64, 64, 0.5, "smile", {"neutral": 0.5, "smile": 0.5})
                for f in range(faces)
            ]
            t = time.perf_counter()
            sink.write(frame, batch)
            write_s += time.perf_counter() - t
        thread.join(300)
        end_to_end = time.perf_counter() - start
        sink.close()
        return write_s / (records // faces), records / end_to_end
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40000)
    parser.add_argument("--faces", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    writes, rates = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            write_s, rate = one_run(Path(tmp), args.records, args.faces)
        writes.append(write_s)
        rates.append(rate)
        print(f"run {run + 1}: write {1e3 * write_s:.3f} ms/frame, {rate:.0f} records/s", file=sys.stderr)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{args.records} records, {args.faces} per frame, median of {args.runs} runs: "
        f"sink write {1e3 * statistics.median(writes):.3f} ms/frame, "
        f"end to end {statistics.median(rates):.0f} records/s"
    )


if __name__ == "__main__":
    main()
