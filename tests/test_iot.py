"""The IoT sink and `reactlens collect` against a real mosquitto broker: nothing is lost, ever."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Optional

import pytest
from reactlens_iot.collector import Collector
from reactlens_iot.sink import IotSink
from reactlens_iot.spool import Spool
from reactlens_iot.topics import check_topic

from reactlens import ResultSink, hookimpl
from reactlens.errors import ReactlensError
from reactlens.messages import MAX_MESSAGE_BYTES, decode, encode_record, message, pack
from reactlens.plugins import PluginHost
from reactlens.profiles import ProfileBook
from reactlens.records import RoomRecord
from reactlens.screening import Screening

from .conftest import assert_one_line_error, run_cli
from .mqtt_broker import Mosquitto, free_port, make_pki
from .test_sinks import SESSION, frame, record

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/mosquitto").exists(), reason="mosquitto is not installed")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def broker(tmp_path, pki):
    server = Mosquitto(tmp_path / "broker", pki).start()
    yield server
    server.stop()


class Collecting:
    """A collector on its own thread that stops once it holds ``target`` records (or is told to)."""

    def __init__(self, url: str, out: Path, wait: bool = False, **tls) -> None:
        self.target: Optional[int] = None
        self.done = threading.Event()
        self.collector = Collector(url, "reactlens/#", str(out), client_id="test-collector", **tls)
        self.thread = threading.Thread(
            target=self.collector.run, args=(self._until,), kwargs={"wait": wait}, daemon=True
        )
        self.thread.start()
        if not wait:
            assert self.collector.subscribed.wait(10), "collector did not subscribe"

    def _until(self, collector: Collector) -> bool:
        return self.done.is_set() or (self.target is not None and collector.store.stored >= self.target)

    def finish(self, target: int, timeout: float = 60) -> None:
        self.target = target
        self.collector._wake.set()
        self.thread.join(timeout)
        self.done.set()
        self.thread.join(5)


def stored_ids(path: Path) -> list:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT record_id FROM records")]


def csv_ids(path: Path) -> set:
    import csv

    with open(path, newline="") as handle:
        return {f"{r['session_id']}:{r['frame']}:{r['face_id']}" for r in csv.DictReader(handle)}


class Chaos(ResultSink):
    """Runs actions when given frames go by: stopping and starting the broker mid-screening."""

    actions: dict = {}

    def write(self, frame, records) -> None:
        action = Chaos.actions.pop(frame.index, None)
        if action:
            action()


class ChaosPlugin:
    @hookimpl
    def register_sinks(self, register):
        register("chaos", Chaos)


def screen(clip: Path, model: Path, csv_path: Path, iot: dict, chaos: bool = False):
    host = PluginHost()
    host.load_entry_points(allow=["csv", "opencv", "onnx", "iot"])
    host.add(ChaosPlugin(), "chaos")
    sinks = [{"use": "csv", "path": str(csv_path)}, {"use": "iot", **iot}]
    if chaos:
        sinks.append({"use": "chaos"})
    profile = ProfileBook().resolve(
        "video", {"source.uri": str(clip), "classifier.model": str(model), "tracker": "none", "sinks": sinks}
    )
    return Screening(profile, host).run()


# -- messages and topics -----------------------------------------------------------------------------


def test_messages_stay_under_the_aws_limit_and_keep_every_record_in_order():
    records = [encode_record({**record(i, 0, 0.5).to_dict(), "media": "x" * 200}) for i in range(3000)]
    groups = list(pack(records, "cam-1"))
    payloads = [message(g, "cam-1") for g in groups]
    assert len(payloads) > 1
    assert all(len(p) <= MAX_MESSAGE_BYTES for p in payloads)
    decoded = [r["record_id"] for p in payloads for r in decode(p)["records"]]
    assert decoded == [json.loads(r)["record_id"] for r in records]


@pytest.mark.parametrize(
    "topic, problem",
    [("$aws/things/x/infer", "reserved"), ("a/b/c/d/e/f/g/h/i", "slashes"), ("a/+/b", "wildcard"), ("a//b", "empty")],
)
def test_topics_aws_would_refuse_are_refused(topic, problem):
    with pytest.raises(ReactlensError, match=problem):
        check_topic(topic)
    assert check_topic("reactlens/theatre-1/camera-2")


# -- delivery ---------------------------------------------------------------------------------------


def test_broker_killed_mid_run_loses_nothing(broker, clip, tiny_model, tmp_path):
    collecting = Collecting(broker.url, tmp_path / "store.sqlite")
    Chaos.actions = {3: broker.stop, 12: broker.start}
    out = tmp_path / "run.csv"
    iot = {"broker": broker.url, "topic": "reactlens/t1/cam1", "spool": str(tmp_path / "spool.sqlite"), "drain_s": 60}
    summary = screen(clip, tiny_model, out, iot, chaos=True)
    assert not Chaos.actions, "the broker was not stopped and restarted during the run"
    expected = csv_ids(out)
    assert len(expected) == summary.stats.face_frames > 20
    collecting.finish(len(expected))
    ids = stored_ids(tmp_path / "store.sqlite")
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert len(Spool(str(tmp_path / "spool.sqlite"))) == 0


def test_broker_down_at_start_spools_then_a_later_run_drains(pki, clip, tiny_model, tmp_path):
    port = free_port()  # nothing listens here yet
    spool = tmp_path / "spool.sqlite"
    out = tmp_path / "run.csv"
    iot = {"broker": f"mqtt://127.0.0.1:{port}", "topic": "reactlens/cam", "spool": str(spool), "drain_s": 0}
    summary = screen(clip, tiny_model, out, iot)
    assert summary.stats.face_frames > 0
    assert len(Spool(str(spool))) == summary.stats.face_frames  # everything waits in the spool

    # a collector started with --wait before the broker is up subscribes once it is
    collecting = Collecting(iot["broker"], tmp_path / "store.sqlite", wait=True)
    server = Mosquitto(tmp_path / "broker", pki)
    server.port = port
    server.config.write_text(server.config.read_text().replace("listener ", f"listener {port} 127.0.0.1\n#", 1))
    server.start()
    try:
        assert collecting.collector.subscribed.wait(30), "the waiting collector did not subscribe"
        sink = IotSink(broker=server.url, topic="reactlens/cam", spool=str(spool), drain_s=30)
        sink.open(SESSION)
        sink.close()
        collecting.finish(summary.stats.face_frames)
        assert set(stored_ids(tmp_path / "store.sqlite")) == csv_ids(out)
    finally:
        server.stop()


CRASHING_RUN = """
import os, sys
sys.path.insert(0, {tests!r})
from reactlens_iot.sink import IotSink
from test_sinks import SESSION, frame, record
sink = IotSink(broker="mqtt://127.0.0.1:{port}", topic="reactlens/cam", spool={spool!r})
sink.open(SESSION)
for i in range(50):
    sink.write(frame(i), [record(i, 0, 0.9), record(i, 1, 0.1)])
os._exit(9)  # crash: no close, no flush
"""


def test_a_spool_left_by_a_crashed_run_drains(broker, tmp_path):
    spool = tmp_path / "spool.sqlite"
    script = CRASHING_RUN.format(tests=str(Path(__file__).parent), port=free_port(), spool=str(spool))
    assert subprocess.run([sys.executable, "-c", script], capture_output=True).returncode == 9
    assert len(Spool(str(spool))) == 100
    collecting = Collecting(broker.url, tmp_path / "store.sqlite")
    sink = IotSink(broker=broker.url, topic="reactlens/cam", spool=str(spool), drain_s=30)
    sink.open(SESSION)
    sink.close()
    collecting.finish(100)
    assert len(set(stored_ids(tmp_path / "store.sqlite"))) == 100


def test_eight_cameras_at_once_lose_nothing(broker, tmp_path):
    collecting = Collecting(broker.url, tmp_path / "store.sqlite")

    def camera(n: int) -> None:
        session = SESSION.__class__(f"cam{n}", "video", "clip", SESSION.labels, "smile")
        sink = IotSink(
            broker=broker.url,
            topic=f"reactlens/t1/cam{n}",
            client_id=f"cam{n}",
            spool=str(tmp_path / f"spool{n}.sqlite"),
            drain_s=60,
        )
        sink.open(session)
        for i in range(150):
            records = [record(i, face, 0.5) for face in range(4)]
            for r in records:
                r.session_id = f"cam{n}"
            sink.write(frame(i), records)
        sink.close()

    threads = [threading.Thread(target=camera, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    collecting.finish(8 * 150 * 4)
    assert len(set(stored_ids(tmp_path / "store.sqlite"))) == 8 * 150 * 4
    assert collecting.collector.store.cameras == {f"cam{n}" for n in range(8)}


# -- TLS --------------------------------------------------------------------------------------------


def test_tls_with_a_device_certificate_delivers(broker, pki, tmp_path):
    tls = {"ca": str(pki.ca), "cert": str(pki.client_cert), "key": str(pki.client_key)}
    collecting = Collecting(broker.tls_url, tmp_path / "store.sqlite", **tls)
    sink = IotSink(broker=broker.tls_url, topic="reactlens/cam", spool=str(tmp_path / "s.sqlite"), drain_s=30, **tls)
    sink.open(SESSION)
    for i in range(10):
        sink.write(frame(i), [record(i, 0, 0.9)])
    sink.close()
    collecting.finish(10)
    assert len(stored_ids(tmp_path / "store.sqlite")) == 10


def _run_with_tls(tmp_path, clip, tiny_model, broker_url, **tls) -> subprocess.CompletedProcess:
    options = ", ".join(f'{k} = "{v}"' for k, v in tls.items())
    config = tmp_path / "profiles.toml"
    config.write_text(
        f'[profiles.cloud]\nextends = "video"\ntracker = "none"\n'
        f'sinks = [{{ use = "iot", broker = "{broker_url}", topic = "reactlens/cam", '
        f'spool = "{tmp_path / "spool.sqlite"}", {options} }}]\n'
    )
    return run_cli(
        "run",
        "--profile",
        "cloud",
        "--config",
        str(config),
        "--source",
        str(clip),
        "--set",
        f"classifier.model={tiny_model}",
    )


def test_wrong_ca_is_one_clear_line(broker, pki, tmp_path, clip, tiny_model):
    result = _run_with_tls(
        tmp_path, clip, tiny_model, broker.tls_url, ca=pki.other_ca, cert=pki.client_cert, key=pki.client_key
    )
    assert_one_line_error(result, "CA", "does not vouch")


def test_certificate_the_broker_does_not_trust_is_one_clear_line(broker, pki, tmp_path, clip, tiny_model):
    result = _run_with_tls(
        tmp_path, clip, tiny_model, broker.tls_url, ca=pki.ca, cert=pki.other_client_cert, key=pki.other_client_key
    )
    assert_one_line_error(result, "refused the TLS connection", "--cert")


def test_key_of_another_certificate_is_one_clear_line(broker, pki, tmp_path, clip, tiny_model):
    result = _run_with_tls(
        tmp_path, clip, tiny_model, broker.tls_url, ca=pki.ca, cert=pki.client_cert, key=pki.other_client_key
    )
    assert_one_line_error(result, "does not belong to the certificate")


def test_world_readable_key_warns_and_no_credential_is_logged(pki, tmp_path, caplog):
    key = tmp_path / "loose.key"
    key.write_bytes(pki.client_key.read_bytes())
    key.chmod(0o644)
    from reactlens_iot.connection import tls_context

    with caplog.at_level("WARNING", logger="reactlens"):
        tls_context(str(pki.ca), str(pki.client_cert), str(key))
    assert "chmod 600" in caplog.text
    assert "PRIVATE KEY" not in caplog.text


def test_a_broker_that_is_not_an_mqtt_url_is_named(tmp_path):
    for bad in ("htp:/x", "http://host", "mqtts://host/path"):
        result = run_cli("collect", "--broker", bad, "--out", str(tmp_path / "store.sqlite"))
        assert_one_line_error(result, f"broker '{bad}' is not an MQTT URL", "mqtts://HOST:8883")
    assert not (tmp_path / "store.sqlite").exists()


def test_plain_mqtt_to_another_host_is_refused():
    with pytest.raises(ReactlensError, match="unencrypted"):
        IotSink(broker="mqtt://broker.example.com", topic="reactlens/cam")._make_transport()


# -- boto3 iot-data ---------------------------------------------------------------------------------


def test_iot_data_transport_publishes_through_boto3(tmp_path, fake_aws):
    sink = IotSink(
        transport="iot-data",
        region="eu-west-1",
        topic="reactlens/cam",
        spool=str(tmp_path / "s.sqlite"),
        drain_s=30,
    )
    sink.open(SESSION)
    for i in range(5):
        sink.write(frame(i), [record(i, 0, 0.9), record(i, 1, 0.2)])
    sink.close()
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    published = iotdata_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].published_payloads
    ids = [r["record_id"] for topic, payload in published for r in decode(payload)["records"]]
    assert {topic for topic, _ in published} == {"reactlens/cam"}
    assert ids == [f"s1:{i}:{f}" for i in range(5) for f in (0, 1)]
    assert len(Spool(str(tmp_path / "s.sqlite"))) == 0


# -- the collector CLI ------------------------------------------------------------------------------


def test_collect_cli_resumes_its_session_and_stores_what_report_reads(broker, tmp_path, clip, tiny_model):
    store = tmp_path / "store.sqlite"
    # a first visit creates the collector's persistent session; records published while it is away wait for it
    first = Collector(broker.url, "reactlens/#", str(store), client_id="cli-collector")
    first.run(until=lambda c: c.connection.connected.is_set() and c.subscribed.wait(10))
    out = tmp_path / "run.csv"
    screen(clip, tiny_model, out, {"broker": broker.url, "topic": "reactlens/cam", "spool": str(tmp_path / "s.sqlite")})
    expected = csv_ids(out)
    result = run_cli(
        "collect",
        "--broker",
        broker.url,
        "--out",
        str(store),
        "--count",
        str(len(expected)),
        "--client-id",
        "cli-collector",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(expected)} new records from 1 camera(s)" in result.stdout
    assert set(stored_ids(store)) == expected
    report = run_cli("report", str(store), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "report.html").exists()


def test_collect_refuses_records_that_break_the_schema_and_counts_them(broker, tmp_path, caplog):
    import paho.mqtt.client as mqtt

    good = record(0, 0, 0.9).to_dict()
    bad = [
        {**record(1, 0, 0.9).to_dict(), "frame": "NaN"},
        {**record(2, 0, 0.9).to_dict(), "smile": 7},
        {**record(3, 0, 0.9).to_dict(), "label": "laugh"},  # not one of its scores
        {**record(4, 0, 0.9).to_dict(), "time_s": None},
        {k: v for k, v in record(5, 0, 0.9).to_dict().items() if k != "face_id"},
    ]
    collecting = Collecting(broker.url, tmp_path / "store.sqlite")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="rogue")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    payload = json.dumps({"schema": "reactlens.records/1", "camera": "rogue", "records": [*bad, good]})
    with caplog.at_level("WARNING", logger="reactlens"):
        client.publish("reactlens/rogue", payload, qos=1).wait_for_publish(10)
        collecting.finish(1)
    client.loop_stop()
    client.disconnect()
    assert stored_ids(tmp_path / "store.sqlite") == [good["record_id"]]
    assert collecting.collector.invalid == len(bad)
    warnings = [r.getMessage() for r in caplog.records if "refusing a record" in r.getMessage()]
    assert warnings == [
        "refusing a record on reactlens/rogue: 'frame' is not a whole number (further ones are only counted)"
    ]


def test_the_rooms_sound_travels_with_the_records_and_the_report_reads_it_from_the_store(broker, tmp_path):
    store = tmp_path / "store.sqlite"
    collecting = Collecting(broker.url, store)
    sink = IotSink(broker=broker.url, topic="reactlens/cam", spool=str(tmp_path / "s.sqlite"), drain_s=30)
    sink.open(SESSION)
    for i in range(40):  # 4 s of two viewers; the second smiles from 2 s
        sink.write(frame(i), [record(i, 0, 0.1), record(i, 1, 0.95 if i >= 20 else 0.05, x=80)])
    laughing = {5, 6, 7}  # windows at 2.4, 2.88, 3.36 s are one room laugh
    sink.write_room(
        [
            RoomRecord("s1", 0.48 * k, "laughter", 0.9 if k in laughing else 0.0, 1 if k in laughing else None)
            for k in range(1, 9)
        ]
    )
    sink.write_room([RoomRecord("s1", 1.0, "laughter", 7.0)])  # a bad score: refused by the collector
    sink.close()
    collecting.finish(80)
    collector = collecting.collector
    assert collector.store.room_stored == 8 and collector.invalid == 1
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM room WHERE event = 1").fetchone()[0] == 3
    report = run_cli("report", str(store), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    room = json.loads((tmp_path / "report" / "summary.json").read_text())["room"]
    [laugh] = room["top_by_strength"]
    assert laugh["viewers_present"] == 2 and laugh["viewers_laughed"] == 1


def test_collect_with_the_broker_down_fails_at_once_unless_told_to_wait(tmp_path):
    url = f"mqtt://127.0.0.1:{free_port()}"  # nothing listens here
    result = run_cli("collect", "--broker", url, "--out", str(tmp_path / "store.sqlite"), timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"reactlens: error: the broker {url} is unreachable (ConnectionRefusedError); "
        "start it or check --broker; --wait keeps retrying until it is up"
    ]


def test_collect_stops_cleanly_on_ctrl_c(broker, tmp_path):
    store = tmp_path / "store.sqlite"
    collector = subprocess.Popen(
        [sys.executable, "-m", "reactlens", "collect", "--broker", broker.url, "--out", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = collector.stderr.readline()  # waits for the collector to be subscribed
    assert "subscribed to reactlens/#" in line, line
    sink = IotSink(broker=broker.url, topic="reactlens/cam", spool=str(tmp_path / "s.sqlite"), drain_s=30)
    sink.open(SESSION)
    sink.write(frame(0), [record(0, 0, 0.9)])
    sink.close()
    collector.send_signal(signal.SIGINT)
    stdout, stderr = collector.communicate(timeout=30)
    assert collector.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "new records from" in stdout  # the closing summary was printed
    with sqlite3.connect(store) as db:  # a valid store, whatever arrived before Ctrl-C
        assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] in (0, 1)


def test_a_store_written_before_face_scores_takes_new_records_and_keeps_the_old(tmp_path):
    import sqlite3

    from reactlens_iot.store import RecordStore

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE records (record_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, frame INTEGER NOT NULL, "
        "time_s REAL NOT NULL, face_id INTEGER NOT NULL, x INTEGER, y INTEGER, w INTEGER, h INTEGER, smile REAL, "
        "label TEXT, scores TEXT, media TEXT, camera TEXT, topic TEXT, received_at REAL)"
    )
    old.execute("INSERT INTO records VALUES ('s:0:0','s',0,0.0,0,1,2,3,4,0.9,'smile','{}','','c','t',0)")
    old.commit()
    old.close()
    store = RecordStore(str(path))
    record = {"record_id": "s:1:0", "session_id": "s", "frame": 1, "time_s": 0.04, "face_id": 0, "x": 1, "y": 2}
    assert store.add([{**record, "w": 3, "h": 4, "face_score": 0.95, "smile": 0.2, "label": "neutral"}], "c", "t") == 1
    rows = dict(store._db.execute("SELECT record_id, face_score FROM records").fetchall())
    store.close()
    assert rows == {"s:0:0": None, "s:1:0": 0.95}
