"""How well ``reactlens.film_offset`` finds where a room's recording sits in the film, and that it claims nothing
when the film is not in the room.

    python benchmarks/film_offset.py [--films 10] [--seed 0]

Each "film" is three minutes of real sound: 8–20 s pieces of Debian's hedgewars music at random places, with
espeak-ng sentences of random words and hedgewars voices laid over them; no two films share a music track, a voice
or a sentence (a real film's soundtrack is its own). Each room hears a two-minute stretch of its
film from a random point (a third of the rooms start recording up to 20 s before the film), through a reverberant
room (direct-to-reverberant ratio −6 to +6 dB, RT60 ~0.7 s) and under the noise of a film of its own (other music,
other speech) at −6 to +10 dB SNR. Found: within 0.1 s of the truth and trusted. Wrong: trusted but off by more.
Negatives: each room against every other film; a trusted offset there is a false claim.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import signal

from reactlens.film_offset import MIN_STRENGTH, RATE, offset_between, onsets
from reactlens.room import read_sound

MUSIC = Path("/usr/share/games/hedgewars/Data/Music")
VOICES = Path("/usr/share/games/hedgewars/Data/Sounds/voices")
WORDS = [
    *("the", "boat", "cake", "goat", "wedding", "keys", "moon", "plan", "party", "night", "mother", "car", "door"),
    *("window", "train", "doctor", "river", "never", "always", "really", "maybe", "quickly", "slowly", "nobody"),
    *("somebody", "everyone", "tomorrow", "yesterday", "tonight", "find", "watch", "float", "sing", "steal"),
    *("forget", "remember", "open", "close", "carry", "follow", "answer"),
]


def sentences(rng: np.random.Generator, count: int, folder: Path) -> list:
    """``count`` espeak-ng sentences of random words (no two films share one), at ``RATE``."""
    out = []
    for _ in range(count):
        wav = folder / f"{rng.integers(1 << 62)}.wav"
        line = " ".join(rng.choice(WORDS, int(rng.integers(5, 10))))
        voice = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3")[rng.integers(4)]
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), line], check=True, capture_output=True)
        out.append(read_sound(str(wav), RATE))
    return out


def film(rng: np.random.Generator, music: list, voices: list, speech: list, seconds: float = 180.0) -> np.ndarray:
    """``seconds`` of music pieces with speech and voices over them, at ``RATE``."""
    out = np.zeros(int(seconds * RATE), np.float32)
    at = 0
    while at < len(out):
        track = music[rng.integers(len(music))]
        length = int(rng.uniform(8, 20) * RATE)
        start = rng.integers(0, max(1, len(track) - length))
        piece = track[start : start + length][: len(out) - at]
        out[at : at + len(piece)] += 0.3 * piece / (np.abs(piece).max() + 1e-9)
        at += len(piece)
    for _ in range(int(seconds / 6)):
        sound = speech[rng.integers(len(speech))] if rng.random() < 0.6 else voices[rng.integers(len(voices))]
        start = rng.integers(0, len(out) - len(sound))
        out[start : start + len(sound)] += 0.5 * sound / (np.abs(sound).max() + 1e-9)
    return out


def room(rng: np.random.Generator, heard: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """``heard`` through a reverberant room, under ``noise``."""
    n = int(0.8 * RATE)
    tail = rng.normal(size=n) * np.exp(-np.arange(n) / (0.1 * RATE))
    response = tail / np.sqrt((tail**2).sum()) * 10 ** (-rng.uniform(-6, 6) / 20)
    response[0] += 1.0
    wet = signal.fftconvolve(heard, response)[: len(heard)]
    noise = noise[: len(wet)] / (noise[: len(wet)].std() + 1e-9) * wet.std() * 10 ** (-rng.uniform(-6, 10) / 20)
    return (wet + noise).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tracks = [read_sound(str(p), RATE) for p in rng.permutation(sorted(MUSIC.glob("*.ogg")))]
    voices = [read_sound(str(p), RATE) for p in rng.permutation(sorted(VOICES.glob("*/*.ogg")))[: 30 * args.films]]
    each = (len(tracks) - 2) // (args.films + 1)  # music of its own for every film and for the room's noise
    with tempfile.TemporaryDirectory() as folder:
        sounds = [
            film(rng, tracks[k * each : (k + 1) * each], voices[k * 25 : (k + 1) * 25], sentences(rng, 6, Path(folder)))
            for k in range(args.films + 1)
        ]
    films, noise = sounds[:-1], sounds[-1]
    envelopes = [onsets([f]) for f in films]
    found = wrong = 0
    errors, strengths, costs = [], [], []
    rooms = []
    for number, sound in enumerate(films):
        early = rng.uniform(0, 20) if rng.random() < 1 / 3 else 0.0
        start = rng.uniform(0, 50)
        truth = start - early
        heard = np.concatenate((np.zeros(int(early * RATE), np.float32), sound[int(start * RATE) :][: 120 * RATE]))
        recorded = room(rng, heard, np.roll(np.tile(noise, 2), rng.integers(len(noise)))[: len(heard)])
        began = time.process_time()
        envelope = onsets([recorded])
        result = offset_between(envelope, envelopes[number])
        costs.append(time.process_time() - began)
        rooms.append(envelope)
        strengths.append(result.strength)
        if result.heard and abs(result.offset_s - truth) <= 0.1:
            found += 1
            errors.append(abs(result.offset_s - truth))
        elif result.heard:
            wrong += 1
    negatives = [
        offset_between(envelope, envelopes[other]).strength
        for number, envelope in enumerate(rooms)
        for other in range(len(films))
        if other != number
    ]
    false = [strength >= MIN_STRENGTH for strength in negatives]
    print(f"machine: {platform.processor() or platform.machine()}, {len(films)} films of 3 min, rooms of 2 min")
    print(
        "| rooms | found (±0.1 s) | wrong | median error | strength (median, min) | negatives | their strongest "
        "| false claims |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(films)} | {found} | {wrong} | {1000 * statistics.median(errors or [0]):.0f} ms "
        f"| {statistics.median(strengths):.0f}, {min(strengths):.0f} | {len(false)} | {max(negatives):.1f} "
        f"| {sum(false)} |"
    )
    print(f"CPU to find one (envelope of 2 min + search of 3 min, median): {1000 * statistics.median(costs):.0f} ms")


if __name__ == "__main__":
    main()
