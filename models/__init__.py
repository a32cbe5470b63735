"""The trained models that ship with reactlens (see MODEL_CARD.md)."""

from pathlib import Path

#: The default expression classifier of the ``webcam`` and ``video`` profiles.
SMILE_NET_ONNX = "smile-net.onnx"


def model_path(name: str = SMILE_NET_ONNX) -> Path:
    """Path of a shipped model file."""
    return Path(__file__).with_name(name)
