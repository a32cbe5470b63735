"""``reactlens collect``: subscribe to many cameras' records and store them once each."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from reactlens.cli.console import err_console, out_console
from reactlens.dashboard.board import Board
from reactlens.dashboard.server import DashboardServer, Listen, read_token

from .collector import Collector, enough, idle_for


def collect(
    broker: str = typer.Option(..., "--broker", help="mqtts://HOST:8883 (AWS IoT endpoint) or mqtt://127.0.0.1:1883."),
    topic: str = typer.Option("reactlens/#", "--topic", help="Topic filter to subscribe to (wildcards allowed)."),
    out: Path = typer.Option(Path("reactlens-store.sqlite"), "--out", "-o", help="SQLite store to add records to."),
    ca: Optional[Path] = typer.Option(None, "--ca", help="CA certificate (AWS IoT: AmazonRootCA1.pem)."),
    cert: Optional[Path] = typer.Option(None, "--cert", help="Client certificate (PEM)."),
    key: Optional[Path] = typer.Option(None, "--key", help="Client private key (PEM)."),
    client_id: str = typer.Option("", "--client-id", help="MQTT client id; keep it the same to resume a session."),
    allow_plain: bool = typer.Option(False, "--allow-plain", help="Permit mqtt:// to a host that is not this one."),
    count: int = typer.Option(0, "--count", min=0, help="Stop after this many distinct records (0: never)."),
    idle: float = typer.Option(0.0, "--idle", min=0, help="Stop after this many seconds without a message (0: never)."),
    wait: bool = typer.Option(False, "--wait", help="If the broker is not up yet, keep retrying instead of failing."),
    dashboard: Optional[str] = typer.Option(
        None,
        "--dashboard",
        metavar="[HOST:]PORT",
        help="Serve every camera live in a browser, one tile each plus the whole audience's curve (from the "
        "records: no video). 8765 for this machine only; 0.0.0.0:8765 for the network, with a token.",
    ),
) -> None:
    """Store the records of any number of cameras from an MQTT broker in one SQLite store (Ctrl-C stops).

    Subscribes with QoS 1 and a persistent session, so messages sent while the collector was away are
    delivered when it returns; duplicates are dropped by record id. Read the store with `reactlens report`.
    """
    board: Optional[Board] = None
    server: Optional[DashboardServer] = None
    if dashboard is not None:
        board = Board("fleet")
        server = DashboardServer(board, Listen.parse(dashboard), read_token())
    with server or contextlib.nullcontext():
        if server is not None:
            err_console.print(server.announce(), markup=False, soft_wrap=True)
        collector = Collector(
            broker,
            topic,
            str(out),
            ca=str(ca) if ca else None,
            cert=str(cert) if cert else None,
            key=str(key) if key else None,
            client_id=client_id,
            allow_plain=allow_plain,
            board=board,
        )
        _receive(collector, topic, count, idle, wait)
    store = collector.store
    out_console.print(
        f"{store.stored} new records from {len(store.cameras)} camera(s) in {out} "
        f"({store.room_stored} room records, {store.duplicates} duplicates dropped, "
        f"{collector.invalid} invalid records refused, "
        f"{collector.rejected} foreign messages ignored)",
        markup=False,
    )


def _receive(collector: Collector, topic: str, count: int, idle: float, wait: bool) -> None:
    """Run the collector with a spinner showing records, rate, cameras and duplicates."""
    started = time.monotonic()
    stop_count, stop_idle = enough(count), idle_for(idle)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True
    ) as progress:
        task = progress.add_task(f"collecting {topic}", total=None)

        def tick(c: Collector) -> None:
            rate = c.store.stored / max(time.monotonic() - started, 1e-9)
            progress.update(
                task,
                description=f"{c.store.stored} records · {rate:.0f}/s · "
                f"{len(c.store.cameras)} camera(s) · {c.store.duplicates} duplicates dropped",
            )

        collector.run(lambda c: stop_count(c) or stop_idle(c), tick, wait=wait)


iot_app = typer.Typer(help="AWS IoT for a fleet of cameras: route their records into S3.", no_args_is_help=True)


@iot_app.command("rule")
def rule(
    bucket: str = typer.Option(..., "--bucket", help="S3 bucket the records land in (it must exist)."),
    prefix: str = typer.Option("reactlens/", "--prefix", help="Key prefix under the bucket."),
    topic: str = typer.Option("reactlens/#", "--topic", help="Topic filter of the records to route."),
    name: str = typer.Option("reactlens-fleet", "--name", help="Name of the rule, stream and roles."),
    buffer_s: int = typer.Option(60, "--buffer-s", min=60, max=900, help="Seconds Firehose gathers before writing."),
) -> None:
    """Create (or update) an AWS IoT topic rule that routes every camera's records through Kinesis Data Firehose
    into s3://BUCKET/PREFIX as gzipped JSON lines, with the two IAM roles it needs. Read them with
    `reactlens report s3://BUCKET/PREFIX`. Uses your AWS credentials and region (AWS_PROFILE, AWS_REGION)."""
    from .rule import create_route

    route = create_route(name, topic, bucket, prefix, buffer_s)
    out_console.print(
        f"rule {route.rule_name} routes {topic} to {route.destination}\n"
        f"  rule:            {route.rule_arn}\n"
        f"  delivery stream: {route.stream_arn}\n"
        f"  IoT role:        {route.iot_role_arn}\n"
        f"  Firehose role:   {route.firehose_role_arn}\n"
        f"read it with: reactlens report {route.destination}",
        markup=False,
        soft_wrap=True,
    )
