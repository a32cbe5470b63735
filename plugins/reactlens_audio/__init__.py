"""Built-in audio plugin: laughter in the room's sound, scored by YAMNet (the shipped ``yamnet.tflite``)."""

from reactlens.hookspecs import hookimpl

from .laughter import LaughterDetector


@hookimpl
def register_audio_detectors(register):
    register("laughter", LaughterDetector, "Laughter in the room's sound: YAMNet's six laughter classes (AudioSet)")
