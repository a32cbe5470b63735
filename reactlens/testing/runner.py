"""Running the real screening loop in tests, with the components of your choice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from ..components import Frame, ResultSink
from ..hookspecs import hookimpl
from ..plugins import PluginHost
from ..profiles import ProfileBook
from ..records import Record, Session
from ..screening import Screening, Summary


class _Collect(ResultSink):
    def __init__(self, into: LoopResult) -> None:
        self.into = into

    def open(self, session: Session) -> None:
        self.into.session = session

    def write(self, frame: Frame, records: Sequence[Record]) -> None:
        self.into.frames += 1
        self.into.records.extend(records)


@dataclass
class LoopResult:
    """What a loop run produced: the session, every record, the frame count and the summary."""

    session: Optional[Session] = None
    records: List[Record] = field(default_factory=list)
    frames: int = 0
    summary: Optional[Summary] = None


def run_loop(
    source: str,
    profile: str = "video",
    plugins: Sequence[object] = (),
    overrides: Optional[Dict[str, Any]] = None,
    max_frames: int = 0,
) -> LoopResult:
    """Screen ``source`` with a built-in profile and overrides; return every record.

    Every installed plugin (yours included) is loaded, plus any plugin objects in ``plugins``. The
    profile's sinks are replaced by one that keeps the records in memory unless ``overrides`` sets
    ``sinks``. Example: ``run_loop(clip, overrides={"classifier": {"use": "emotions"}})``.
    """
    result = LoopResult()

    class _Plugin:
        @hookimpl
        def register_sinks(self, register):
            register("reactlens-testing-collect", lambda: _Collect(result))

    host = PluginHost()
    host.load_entry_points()
    for index, plugin in enumerate(plugins):
        host.add(plugin, f"test-plugin-{index}")
    host.add(_Plugin(), "reactlens-testing")
    settings: Dict[str, Any] = {
        "source.uri": str(source),
        "sinks": [{"use": "reactlens-testing-collect"}],
        "max_frames": max_frames,
    }
    settings.update(overrides or {})
    if isinstance(source, Path):
        settings["source.uri"] = str(source)
    resolved = ProfileBook().resolve(profile, settings)
    result.summary = Screening(resolved, host).run()
    return result
