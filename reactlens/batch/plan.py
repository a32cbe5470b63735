"""What a batch screens: recordings from files, folders, globs and ``s3://`` prefixes, and the parts of each."""

from __future__ import annotations

import glob
import hashlib
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable, List

from ..errors import ReactlensError
from ..s3 import list_keys, split_uri
from ..stills import is_image, is_stills

#: File endings read as videos when a folder or glob is expanded.
VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".m4v", ".webm", ".mpg", ".mpeg", ".ts", ".wmv")


@dataclass(frozen=True)
class Recording:
    """One recording (a video file or object, or a set of stills) and the session id its records get."""

    source: str
    session_id: str
    stills: bool = False


@dataclass(frozen=True)
class Part:
    """Frames ``start_frame`` ≤ n < ``end_frame`` (0: to the end) of a recording, screened by one task.

    Frames before ``keep_from`` overlap the previous part: they are screened so the tracker has seen the viewers
    when the part's own frames begin, and their records serve only to re-join viewer ids at the seam.
    """

    recording: Recording
    index: int
    parts: int
    start_frame: int = 0
    end_frame: int = 0
    keep_from: int = 0
    #: The recording's frame rate (0 when it was not split).
    fps: float = 0.0
    #: Frames to screen, as far as known before screening (0: unknown); the largest parts are handed out first.
    frames: int = 0


def session_id_for(source: str) -> str:
    """A readable id that is the same every time this recording is batched: its name and a hash of its path."""
    location = source if source.startswith("s3://") else os.path.abspath(source)
    stem = os.path.splitext(os.path.basename(location.rstrip("/")))[0] or "recording"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:60]
    return f"{stem}-{hashlib.sha1(location.encode()).hexdigest()[:8]}"


def _is_video(path: str) -> bool:
    return path.lower().endswith(VIDEO_EXTENSIONS)


def list_videos(uri: str) -> List[str]:
    """The videos under an ``s3://bucket/prefix``, in key order."""
    bucket, _ = split_uri(uri)
    videos = [k for k in list_keys(uri, "recordings") if k.lower().endswith(VIDEO_EXTENSIONS)]
    if not videos:
        raise ReactlensError(f"no videos under {uri}", f"recordings end in {', '.join(VIDEO_EXTENSIONS[:4])}…")
    return [f"s3://{bucket}/{key}" for key in videos]


def expand(sources: Iterable[str], list_s3: Callable[[str], List[str]] = list_videos) -> List[Recording]:
    """Every recording the sources name, in order, each once.

    A video file is a recording (a missing one too: its task fails, the batch goes on); a folder or glob gives
    its videos, or, when it holds only images, one recording of stills; an image is a recording of one still;
    ``s3://bucket/prefix`` gives the videos under the prefix (``list_s3(uri)`` lists them).
    """
    found: List[Recording] = []
    for source in sources:
        if source.startswith("s3://"):
            found.extend(Recording(uri, session_id_for(uri)) for uri in list_s3(source))
            continue
        if os.path.isdir(source) or glob.has_magic(source):
            paths = sorted(glob.glob(os.path.join(glob.escape(source), "*") if os.path.isdir(source) else source))
            videos = [p for p in paths if os.path.isfile(p) and _is_video(p)]
            if videos:
                found.extend(Recording(p, session_id_for(p)) for p in videos)
            elif is_stills(source) and any(is_image(p) for p in paths):
                found.append(Recording(source, session_id_for(source), stills=True))
            else:
                raise ReactlensError(
                    f"no videos or images in {source}", f"recordings end in {', '.join(VIDEO_EXTENSIONS[:4])}…"
                )
            continue
        # a file (or a missing one: its task fails with the reason, and the batch goes on)
        found.append(Recording(source, session_id_for(source), stills=is_image(source)))
    unique = {r.session_id: r for r in found}
    return list(unique.values())


def split(recording: Recording, chunk_s: float, overlap_s: float) -> List[Part]:
    """The recording's parts: one, or chunks of ``chunk_s`` seconds (each but the first starting ``overlap_s``
    earlier) for a local video over 1.5 chunks long."""
    if recording.stills or recording.source.startswith("s3://") or chunk_s <= 0:
        return [Part(recording, 0, 1)]
    import cv2

    capture = cv2.VideoCapture(recording.source)
    try:
        fps, count = capture.get(cv2.CAP_PROP_FPS), int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        capture.release()
    if not fps or count <= 0 or count <= 1.5 * chunk_s * fps:
        return [Part(recording, 0, 1, frames=max(count, 0))]  # short, or unreadable: the task reports what is wrong
    chunk, overlap = int(round(chunk_s * fps)), int(round(overlap_s * fps))
    starts = list(range(0, count, chunk))
    if count - starts[-1] < chunk // 2 and len(starts) > 1:  # no short tail: the last chunk takes it
        starts.pop()
    ends = [*starts[1:], 0]
    return [
        Part(recording, i, len(starts), max(0, start - overlap) if i else 0, end, start, fps, (end or count) - start)
        for i, (start, end) in enumerate(zip(starts, ends))
    ]
