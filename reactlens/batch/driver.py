"""The batch's driver: Ray runs the parts, this process joins them and writes every file."""

from __future__ import annotations

import logging
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence
from urllib.parse import urlparse

from ..errors import ReactlensError
from .output import Entry, Manifest, write_recording
from .plan import Part, Recording, expand, split
from .seams import join
from .worker import PartResult, Request, screen_part

#: Times Ray runs a part again when its worker process dies (killed, out of memory, a crashed node).
RETRIES = 3


@dataclass
class BatchSummary:
    """What a batch did: recordings screened now, skipped as done before, and failed (session id → reason)."""

    recordings: int
    skipped: List[str] = field(default_factory=list)
    done: List[str] = field(default_factory=list)
    failed: Dict[str, str] = field(default_factory=dict)
    parts: int = 0
    seconds: float = 0.0
    interrupted: bool = False


def connect(address: Optional[str], workers: int) -> bool:
    """Join the Ray cluster at ``address`` (``ray://HOST:PORT`` or ``auto``), or start a local one with ``workers``
    CPUs; True when this process started it (and so stops it)."""
    import ray

    if address is None:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        return True
    fix = "start one (`ray start --head`), check the address, or leave out --address for a local Ray"
    if address.startswith("ray://"):
        url = urlparse(address)
        try:
            socket.create_connection((url.hostname or "", url.port or 10001), timeout=5).close()
        except OSError as exc:
            raise ReactlensError(f"no Ray cluster answers at {address} ({exc.strerror or exc})", fix) from None
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ReactlensError(f"cannot join the Ray cluster at {address} ({str(exc).splitlines()[0]})", fix) from None
    return False


def plan(sources: Sequence[str], folder: Path, chunk_s: float, overlap_s: float) -> tuple:
    """The recordings the sources name, those already done, and the parts left to screen."""
    recordings = expand(sources)
    manifest = Manifest(folder)
    skipped = [r.session_id for r in recordings if manifest.done(r.session_id, folder)]
    todo = [r for r in recordings if r.session_id not in skipped]
    parts = [part for recording in todo for part in split(recording, chunk_s, overlap_s)]
    # the longest first: the last task to finish is a short one, so the workers finish together
    parts.sort(key=lambda part: -part.frames)
    return recordings, manifest, skipped, parts


def run_batch(
    sources: Sequence[str],
    folder: Path,
    request: Request,
    address: Optional[str] = None,
    workers: int = 2,
    formats: Sequence[str] = ("parquet",),
    chunk_s: float = 600.0,
    overlap_s: float = 4.0,
    on_part: Optional[Callable[[BatchSummary, int], None]] = None,
) -> BatchSummary:
    """Screen every recording not done before; each recording's files and manifest entry once all its parts are in."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    recordings, manifest, skipped, parts = plan(sources, folder, chunk_s, overlap_s)
    summary = BatchSummary(len(recordings), skipped=skipped, parts=len(parts))
    if not parts:
        return summary
    try:
        import ray
    except ImportError:
        raise ReactlensError("reactlens batch needs Ray", "pip install 'reactlens[batch]'") from None

    started_ray = connect(address, workers)
    try:
        task = ray.remote(num_cpus=1, max_retries=RETRIES)(screen_part)
        pending = {task.remote(part, request): part for part in parts}
        expected: Dict[str, int] = defaultdict(int)
        for part in parts:
            expected[part.recording.session_id] += 1
        arrived: Dict[str, List[PartResult]] = defaultdict(list)
        try:
            while pending:
                [ready], _ = ray.wait(list(pending), num_returns=1)
                part = pending.pop(ready)
                result = _result(ray, ready, part)
                sid = part.recording.session_id
                arrived[sid].append(result)
                if len(arrived[sid]) == expected[sid]:
                    _finish(part.recording, arrived.pop(sid), folder, formats, manifest, summary)
                if on_part is not None:
                    on_part(summary, len(parts) - len(pending))
        except KeyboardInterrupt:
            summary.interrupted = True
            # a cluster's workers would go on with the parts left: stop them. A local Ray's go with ray.shutdown()
            # below. Each part is interrupted (its screening stops as at Ctrl-C), not its worker killed: force-
            # cancelling a part as it completes crashed Ray's core worker (2.60: "Tried to complete task that was not
            # pending", exit 1 instead of 130 — seen three times on a busy machine, the last with a cluster)
            if not started_ray:
                for ref in pending:
                    ray.cancel(ref)
    finally:
        if started_ray:
            ray.shutdown()
    summary.seconds = time.perf_counter() - started
    return summary


def _result(ray, ref, part: Part) -> PartResult:
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:  # its worker died RETRIES + 1 times, or the cluster went away
        return PartResult(part, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


def _finish(
    recording: Recording,
    results: List[PartResult],
    folder: Path,
    formats: Sequence[str],
    manifest: Manifest,
    summary: BatchSummary,
) -> None:
    sid = recording.session_id
    frames, seconds = sum(r.frames for r in results), sum(r.seconds for r in results)
    failed = [r for r in results if r.error]
    if failed:
        summary.failed[sid] = failed[0].error
        manifest.record(sid, Entry(recording.source, "failed", failed[0].error, parts=len(results), seconds=seconds))
        return
    faces, room = join(results)
    files = write_recording(folder, sid, faces, room, formats)
    manifest.record(
        sid, Entry(recording.source, "done", "", frames, len(faces), len(room), len(results), round(seconds, 2), files)
    )
    summary.done.append(sid)
