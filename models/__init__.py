"""The trained models that ship with reactlens (see MODEL_CARD.md)."""

import os
from pathlib import Path
from typing import Optional

#: The default expression classifier of the ``webcam`` and ``video`` profiles.
SMILE_NET_ONNX = "smile-net.onnx"


def model_path(name: str = SMILE_NET_ONNX) -> Path:
    """Path of a shipped model file."""
    return Path(__file__).with_name(name)


def chosen_model(given: Optional[str], default: str) -> Path:
    """The model file a plugin runs: ``given`` (a path, or the file name of a shipped model), else the shipped
    ``default``."""
    if not given:
        return model_path(default)
    if os.path.dirname(given) or os.path.exists(given):
        return Path(given)
    shipped = model_path(given)
    return shipped if shipped.exists() else Path(given)
