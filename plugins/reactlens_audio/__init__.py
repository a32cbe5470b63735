"""Built-in audio plugin: laughter in the room's sound, and applause beside it (``applause = true``), scored by
EfficientAT mn04 (``efficientat-mn04.onnx``, the profiles' default) or YAMNet (the shipped ``yamnet.tflite``)."""

from reactlens.hookspecs import hookimpl

from .efficientat import EfficientAtDetector
from .laughter import LaughterDetector


@hookimpl
def register_audio_detectors(register):
    register("laughter", LaughterDetector, "Laughter (and applause=true) in the room's sound: YAMNet's classes")
    register(
        "efficientat",
        EfficientAtDetector,
        "Laughter (and applause=true, or label=applause) in the room's sound: EfficientAT mn04's AudioSet classes",
    )
