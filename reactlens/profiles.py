"""Profiles: which component of each kind a screening uses, and their options.

A profile is a table like this one (TOML in a ``--config`` file, under ``[profiles.NAME]``)::

    [profiles.lobby]
    extends = "webcam"                  # start from another profile
    description = "Second camera in the lobby"
    max_frames = 0                      # 0 = until the source ends or Ctrl-C
    source = { use = "opencv", uri = 1 }
    detector = { use = "haar", min_size = 40 }
    sinks = [{ use = "csv", path = "lobby.csv" }]

``use`` names a registered component; every other key is passed to it as an option. With ``extends``,
a component table that keeps the same ``use`` (or omits it) merges its options into the parent's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from .errors import ReactlensError

COMPONENT_KEYS = ("source", "detector", "classifier", "tracker", "audio")
SETTING_KEYS = (
    "description",
    "extends",
    "requires",
    "max_frames",
    "media_title",
    "media_offset",
    "media_file",
    "audio_input",
)
#: Components a profile may leave out (``tracker = "none"``, ``audio = "none"``).
OPTIONAL_KEYS = ("tracker", "audio")
PROFILE_KEYS = (*SETTING_KEYS, *COMPONENT_KEYS, "sinks")

#: YuNet-n at camera rate (the README's "Finding faces"): full scans of a 960-pixel-wide copy every 6th frame, dim
#: pictures brightened for it; between them, known faces re-found by the CNN in small regions every other frame and
#: followed by template matching in the frames between. It finds more of a walking crowd and of a dim audience than
#: CenterFace did (the default before) at half its cost.
CAMERA_RATE_CNN: Dict[str, Any] = {
    "use": "yunet",
    "track": True,
    "every": 6,
    "detect_width": 960,
    "track_face_px": 32,
    "track_margin": 0.5,
    "redetect": 2,
    "coast": 8,
}

#: YuNet-n at camera rate for a seated audience of small faces (the README's full house): full scans of every 12th
#: frame at the camera's own resolution, where 15-30 pixel faces are found; a face found twice at the same place is
#: held between scans, so hundreds of still viewers cost nothing between them; a face that appears later (a raised
#: hand) is taken when a second scan finds it too. The scans run on a second thread, on one core: with two threads
#: they slowed the loop's scoring so that a 30-fps camera's full house lost 38-41 frames of 300 rather than 5-17 (p95
#: latency 82-89 against 43-57 ms; the README's Performance section). From a file, a scan's faces are taken 11 frames
#: after the frame it scanned, just before the next scan (a restless house 14-15% faster, the same faces every run);
#: whole scans look at the frame in two strips (~30 MB less held for the network's run, the same faces).
CAMERA_RATE_YUNET: Dict[str, Any] = {
    **CAMERA_RATE_CNN,
    "threshold": 0.6,  # 0.5 takes more raised hands for faces
    "every": 12,
    "detect_width": 0,
    "hold": True,
    "confirm": True,
    "scan_threads": 1,
    "background_scan": True,
    "scan_lag": 11,  # every - 1
    "scan_strips": 2,
    # its whole scans on ONNX Runtime, not on OpenVINO (YuNet-n's default, "Scans on OpenVINO"): every 120th frame,
    # ~0.3 ms a frame to gain, for the memory a compiled network holds
    "scan_runtime": "onnxruntime",
    # between whole scans (every 10th), scans of the parts whose picture changed (README, "Scans where it changed")
    "full_scan_every": 10,
}

#: Times a second the full-house profile scores each viewer (an expression lasts longer than a sixth of a second).
FULL_HOUSE_RATE = 6.0
#: How long a vacated seat keeps its viewer's id in the full-house profile: a long film and its intermission.
FULL_HOUSE_SEAT_S = 3 * 3600.0

#: Haar at camera rate (the DeepLens default): full scans of a 960-pixel-wide copy every 12th frame,
#: known faces re-found in small regions between scans.
CAMERA_RATE_HAAR: Dict[str, Any] = {
    "use": "haar",
    "track": True,
    "every": 12,
    "detect_width": 960,
    "min_neighbors": 4,
    "track_face_px": 40,
    "track_margin": 0.4,
    "coast": 15,
}

#: What the profiles hear: laughter and applause from one EfficientAT run a window (README, "Hearing the laughs").
ROOM_SOUND: Dict[str, Any] = {"use": "efficientat", "applause": True}

BUILTIN_PROFILES: Dict[str, Dict[str, Any]] = {
    "webcam": {
        "description": "Live: camera 0 with a preview window, smile-net on ONNX Runtime, results to CSV.",
        "source": {"use": "opencv", "uri": 0},
        # CenterFace's full scans back to back on a second thread, 640 wide: a new viewer is found in ~90 ms (README);
        # YuNet's found more of the walking crowd live but took 6 times the false faces, and fewer of the stage clip's
        "detector": {**CAMERA_RATE_CNN, "use": "centerface", "background_scan": True, "every": 1, "detect_width": 640},
        "classifier": {"use": "onnx"},
        "tracker": {"use": "viewers"},
        # the room's laughter and applause from the default microphone (--audio mic:NAME for another, --no-audio for
        # none)
        "audio": dict(ROOM_SOUND),
        "sinks": [{"use": "csv"}, {"use": "annotate", "preview": True}],
    },
    "video": {
        "description": "A video file (--source FILE) as fast as possible, no preview, results to CSV.",
        "source": {"use": "opencv"},
        "detector": dict(CAMERA_RATE_CNN),
        "classifier": {"use": "onnx"},
        "tracker": {"use": "viewers"},
        # the laughter and applause in the recording's own audio track, if it has one
        "audio": dict(ROOM_SOUND),
        "sinks": [{"use": "csv"}],
    },
    "photos": {
        "description": "Still images (--source PHOTO, FOLDER or 'GLOB'): every face of every photo, results to CSV "
        "with each photo's path.",
        "source": {"use": "stills"},
        # unrelated pictures: a full scan of each (a copy at most 1920 wide), no tracking between them
        "detector": {"use": "centerface", "detect_width": 1920},
        "classifier": {"use": "onnx"},
        "sinks": [{"use": "csv"}],
    },
    "full-house": {
        "description": "A recording of a seated audience of up to hundreds (faces 15-30 px at 1080p): YuNet-n "
        "at full resolution, still viewers held between scans, each scored 6 times a second by smile-net-32 (int8), "
        "results to CSV.",
        "source": {"use": "opencv"},
        "detector": dict(CAMERA_RATE_YUNET),
        # each viewer's expression scored 6 times a second, a slice of the house per frame, by smile-net on 32x32
        # crops: 2.8x less work a face than smile-net's 48x48, 1-2 points less accurate on faces this small; in int8,
        # a third less time a face again, the same label for 99.7% of faces (models/MODEL_CARD.md; --model
        # smile-net-32.onnx or smile-net.onnx for the others)
        "classifier": {"use": "onnx", "model": "smile-net-32-int8.onnx", "rate": FULL_HOUSE_RATE},
        # a viewer hidden or looking away for minutes comes back to their seat under the same id
        "tracker": {"use": "viewers", "seat_s": FULL_HOUSE_SEAT_S},
        "audio": dict(ROOM_SOUND),
        # the scored rows only: the rows between a viewer's turns repeat its scores and its held box; at ~90 bytes a
        # row, 400 viewers filmed at 30 fps for 2 hours are 7.8 GB with them, 1.6 GB without (sinks.csv.rows=all)
        "sinks": [{"use": "csv", "rows": "scored"}],
    },
    "deeplens": {
        "description": "On an AWS DeepLens: awscam frames, smile-net through the model optimizer, "
        "results to AWS IoT through Greengrass and the project stream.",
        "requires": "this profile runs on an AWS DeepLens device; on a laptop use --profile webcam "
        "(camera) or --profile video --source FILE",
        "source": {"use": "awscam"},
        "detector": {**CAMERA_RATE_HAAR, "background_scan": True},
        "classifier": {"use": "deeplens-smile-net"},
        "tracker": {"use": "viewers"},
        "sinks": [{"use": "greengrass"}, {"use": "project-stream"}],
    },
}


@dataclass
class ComponentSpec:
    """A component chosen by name, with its options."""

    use: str
    options: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Profile:
    """A resolved profile: one component per kind, any number of sinks, and loop settings."""

    name: str
    description: str
    source: ComponentSpec
    detector: ComponentSpec
    classifier: ComponentSpec
    tracker: Optional[ComponentSpec]
    sinks: List[ComponentSpec]
    #: The room-sound event detector, or None for a screening without sound.
    audio: Optional[ComponentSpec] = None
    #: Where the sound comes from: ``auto`` (the file's own track, or the default microphone for a
    #: camera), a recording's path, or ``mic`` / ``mic:NAME``.
    audio_input: str = "auto"
    #: The film's own file: its soundtrack is scored too, so the report can tell the film's laughs
    #: (a laugh track) from the audience's.
    media_file: str = ""
    max_frames: int = 0
    #: Where the profile can run, told to the user when its components are unavailable.
    requires: str = ""
    media_title: str = ""
    #: Where in the media the session starts (seconds); None: found by hearing the film (``media_file``) in the
    #: recording, else 0.
    media_offset: Optional[float] = None

    def component(self, kind: str) -> Optional[ComponentSpec]:
        """The spec for ``kind`` (source, detector, classifier, tracker, audio)."""
        return getattr(self, kind)


class ProfileBook:
    """The built-in profiles plus those of a user's config file."""

    def __init__(self, user_profiles: Optional[Mapping[str, Dict[str, Any]]] = None, origin: str = "") -> None:
        self.tables: Dict[str, Dict[str, Any]] = copy.deepcopy(BUILTIN_PROFILES)
        self.origin = origin
        self.user_names: List[str] = []
        for name, table in (user_profiles or {}).items():
            if not isinstance(table, dict):
                raise ReactlensError(f"{origin}: profile '{name}' must be a table", "write it as [profiles.NAME]")
            self.tables[name] = table
            self.user_names.append(name)

    def names(self) -> List[str]:
        """Every profile name, built-ins first."""
        return list(self.tables)

    def table(self, name: str, _seen: tuple = ()) -> Dict[str, Any]:
        """The profile's table with ``extends`` applied."""
        if name not in self.tables:
            raise ReactlensError(
                f"unknown profile '{name}'", f"choose one of: {', '.join(self.tables)} (see `reactlens profiles`)"
            )
        if name in _seen:
            raise ReactlensError(
                f"{self.origin}: profiles extend each other in a loop: {' → '.join((*_seen, name))}",
                "remove one of the `extends` keys",
            )
        table = self.tables[name]
        _check_keys(name, table, self.origin)
        parent = table.get("extends")
        if parent is None:
            return copy.deepcopy(table)
        merged = self.table(str(parent), (*_seen, name))
        merged.pop("description", None)
        for key, value in table.items():
            if key == "extends":
                continue
            parent_spec = merged.get(key)
            if (
                key in COMPONENT_KEYS
                and isinstance(value, dict)
                and isinstance(parent_spec, dict)
                and value.get("use", parent_spec.get("use")) == parent_spec.get("use")
            ):
                merged[key] = {**parent_spec, **value}
                continue
            merged[key] = copy.deepcopy(value)
        return merged

    def resolve(self, name: str, overrides: Optional[Dict[str, Any]] = None) -> Profile:
        """Build profile ``name`` with dotted-key ``overrides`` (``detector.min_size``, ``sinks.csv.path``)."""
        table = self.table(name)
        for key, value in (overrides or {}).items():
            apply_override(table, key, value)
        return _build(name, table, self.origin or "built-in profiles")


def _check_keys(name: str, table: Mapping[str, Any], origin: str) -> None:
    unknown = sorted(set(table) - set(PROFILE_KEYS))
    if unknown:
        raise ReactlensError(
            f"{origin}: profile '{name}' has unknown key {', '.join(unknown)}",
            f"valid keys: {', '.join(PROFILE_KEYS)}",
        )


def _spec(profile: str, key: str, value: Any, origin: str) -> ComponentSpec:
    if isinstance(value, str):
        value = {"use": value}
    if not isinstance(value, dict) or not isinstance(value.get("use"), str):
        raise ReactlensError(
            f"{origin}: profile '{profile}': {key} must name a component",
            f'write {key} = {{ use = "NAME", option = value }}',
        )
    options = {k: v for k, v in value.items() if k != "use"}
    return ComponentSpec(value["use"], options)


def _build(name: str, table: Dict[str, Any], origin: str) -> Profile:
    for key in ("source", "detector", "classifier"):
        if key not in table:
            raise ReactlensError(f"{origin}: profile '{name}' has no {key}", f'add {key} = {{ use = "NAME" }}')
    sinks = table.get("sinks", [])
    if not isinstance(sinks, list):
        raise ReactlensError(f"{origin}: profile '{name}': sinks must be a list", 'write sinks = [{ use = "csv" }]')
    try:
        max_frames = int(table.get("max_frames", 0) or 0)
        given = table.get("media_offset")
        media_offset = None if given in (None, "") else float(given)
    except (TypeError, ValueError) as exc:
        raise ReactlensError(f"{origin}: profile '{name}': {exc}", "max_frames and media_offset are numbers") from exc
    if max_frames < 0:
        raise ReactlensError(f"profile '{name}': max_frames is negative", "use 0 for no limit")
    tracker, audio = table.get("tracker"), table.get("audio")
    return Profile(
        name=name,
        description=str(table.get("description", "")),
        source=_spec(name, "source", table["source"], origin),
        detector=_spec(name, "detector", table["detector"], origin),
        classifier=_spec(name, "classifier", table["classifier"], origin),
        tracker=None if tracker in (None, "", "none") else _spec(name, "tracker", tracker, origin),
        sinks=[_spec(name, "sinks", s, origin) for s in sinks],
        max_frames=max_frames,
        requires=str(table.get("requires", "")),
        media_title=str(table.get("media_title", "")),
        media_offset=media_offset,
        audio=None if audio in (None, "", "none", False) else _spec(name, "audio", audio, origin),
        audio_input=str(table.get("audio_input", "auto") or "auto"),
        media_file=str(table.get("media_file", "") or ""),
    )


def apply_override(table: Dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` in a profile table.

    ``max_frames`` sets a setting; ``detector`` = NAME picks another component (``tracker`` = "none"
    removes the tracker); ``detector.OPTION``
    sets an option; ``sinks.NAME.OPTION`` sets a sink's option, adding the sink if the profile has none;
    ``sinks.NAME`` = false removes it; ``sinks`` = [...] replaces the list.
    """
    parts = key.split(".")
    head = parts[0]
    if head in SETTING_KEYS and len(parts) == 1:
        table[head] = value
    elif head in OPTIONAL_KEYS and len(parts) == 1 and value in (None, False, "", "none"):
        table[head] = None
    elif head in COMPONENT_KEYS:
        if len(parts) == 1:
            table[head] = {"use": value} if isinstance(value, str) else value
        elif len(parts) == 2:
            current = table.get(head)
            if current is None and head in OPTIONAL_KEYS:
                raise ReactlensError(f"cannot set {key}: the profile has no {head}", f"first --set {head}=NAME")
            current = {"use": current} if isinstance(current, str) else dict(current or {})
            current[parts[1]] = value
            table[head] = current
        else:
            raise ReactlensError(f"cannot set '{key}'", f"use {head}.OPTION=VALUE")
    elif head == "sinks" and len(parts) == 1:
        table["sinks"] = value
    elif head == "sinks" and len(parts) in (2, 3):
        sinks = [({"use": s} if isinstance(s, str) else dict(s)) for s in table.get("sinks", [])]
        matching = [s for s in sinks if s.get("use") == parts[1]]
        if len(parts) == 2:
            if value is False:
                sinks = [s for s in sinks if s.get("use") != parts[1]]
            elif not matching:
                sinks.append({"use": parts[1]})
        else:
            if not matching:
                matching = [{"use": parts[1]}]
                sinks.append(matching[0])
            for sink in matching:
                sink[parts[2]] = value
        table["sinks"] = sinks
    else:
        raise ReactlensError(
            f"cannot set '{key}'",
            "use KIND.OPTION=VALUE (kinds: source, detector, classifier, tracker, audio), sinks.NAME.OPTION=VALUE, "
            "or max_frames, media_title, media_offset",
        )


def parse_sets(pairs: List[str]) -> Dict[str, Any]:
    """``KEY=VALUE`` strings into an overrides dict, values read as TOML."""
    overrides: Dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ReactlensError(f"--set {pair!r} is not KEY=VALUE", "for example --set detector.min_size=40")
        overrides[key.strip()] = parse_value(value.strip())
    return overrides


def parse_value(text: str) -> Any:
    """Read an override value as TOML (numbers, booleans, quoted strings, arrays), else as a plain string."""
    try:
        import tomllib  # novermin (desktop only: the DeepLens Lambda never parses overrides)
    except ImportError:
        return text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def load_config(path: str) -> ProfileBook:
    """Read a TOML config file with ``[profiles.NAME]`` tables."""
    import tomllib  # novermin (desktop only: the DeepLens Lambda reads JSON settings)

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ReactlensError(f"config file {path} not found", "check the --config path") from None
    except IsADirectoryError:
        raise ReactlensError(f"config {path} is a folder", "pass the TOML file itself") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReactlensError(f"config {path} is not valid TOML: {exc}", "fix the file at that line") from None
    except UnicodeDecodeError:
        raise ReactlensError(f"config {path} is not a UTF-8 text file", "pass a TOML file") from None
    unknown = sorted(set(data) - {"profiles"})
    if unknown:
        raise ReactlensError(f"config {path}: unknown table {', '.join(unknown)}", "put profiles under [profiles.NAME]")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ReactlensError(f"config {path}: profiles must be a table", "write [profiles.NAME]")
    return ProfileBook(profiles, origin=path)
