"""Built-in audio plugin: laughter in the room's sound, scored by YAMNet (the shipped ``yamnet.tflite``) or by
EfficientAT mn04 (``efficientat-mn04.onnx``), and applause by EfficientAT."""

from reactlens.hookspecs import hookimpl

from .efficientat import EfficientAtDetector
from .laughter import LaughterDetector


@hookimpl
def register_audio_detectors(register):
    register("laughter", LaughterDetector, "Laughter in the room's sound: YAMNet's six laughter classes (AudioSet)")
    register(
        "efficientat",
        EfficientAtDetector,
        "Laughter (or label=applause) in the room's sound: EfficientAT mn04's AudioSet classes",
    )
