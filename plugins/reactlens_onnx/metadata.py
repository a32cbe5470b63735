"""The metadata an ONNX model carries so that reactlens can feed it and read its output.

Stored as ONNX ``metadata_props`` (string key → string value):

| key | value | default |
|---|---|---|
| ``reactlens.labels`` | JSON list of label names, in output order | required |
| ``reactlens.smile_label`` | the label whose probability is the ``smile`` column | ``smile`` if a label is called so |
| ``reactlens.color`` | ``gray``, ``rgb`` or ``bgr`` | ``gray`` for 1 channel, else ``rgb`` |
| ``reactlens.layout`` | ``NCHW`` or ``NHWC`` | ``NCHW`` |
| ``reactlens.mean`` / ``reactlens.std`` | number or per-channel JSON list, pixel units: (pixel − mean) / std | 0 / 1 |
| ``reactlens.crop_margin`` | widen the face box by this fraction on every side before cropping | 0 |
| ``reactlens.crop_shift_y`` | move the crop centre down by this fraction of the box height | 0 |
| ``reactlens.output`` | ``probabilities`` or ``logits`` (softmax applied) | ``probabilities`` |

The input size (height, width) and channel count come from the model's input shape, which must be
4-D with fixed height, width and 1 or 3 channels; the batch dimension may be dynamic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple, cast

PREFIX = "reactlens."
COLORS = ("gray", "rgb", "bgr")
LAYOUTS = ("NCHW", "NHWC")
OUTPUTS = ("probabilities", "logits")


class MetadataError(ValueError):
    """The model's metadata is missing or malformed."""


@dataclass
class ModelSpec:
    """How to feed a model and read its output."""

    labels: Tuple[str, ...]
    smile_label: Optional[str]
    color: str
    layout: str
    size: Tuple[int, int]  # width, height
    channels: int
    mean: Tuple[float, ...]
    std: Tuple[float, ...]
    crop_margin: float = 0.0
    crop_shift_y: float = 0.0
    output: str = "probabilities"

    def to_metadata(self) -> Dict[str, str]:
        """The ``metadata_props`` that describe this spec (the input shape lives in the graph)."""
        return {
            PREFIX + "labels": json.dumps(list(self.labels)),
            PREFIX + "smile_label": self.smile_label or "",
            PREFIX + "color": self.color,
            PREFIX + "layout": self.layout,
            PREFIX + "mean": json.dumps(list(self.mean)),
            PREFIX + "std": json.dumps(list(self.std)),
            PREFIX + "crop_margin": str(self.crop_margin),
            PREFIX + "crop_shift_y": str(self.crop_shift_y),
            PREFIX + "output": self.output,
        }


def _channels(value: str, key: str, channels: int) -> Tuple[float, ...]:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise MetadataError(f"{key} is not JSON: {value!r}") from exc
    values = parsed if isinstance(parsed, list) else [parsed] * channels
    if len(values) != channels or not all(isinstance(v, (int, float)) for v in values):
        raise MetadataError(f"{key} must be a number or {channels} numbers, got {value!r}")
    return tuple(float(v) for v in values)


def parse_metadata(meta: Mapping[str, str], input_shape: Tuple[object, ...]) -> ModelSpec:
    """Build a ``ModelSpec`` from a model's metadata and its input shape; raise ``MetadataError``."""
    if PREFIX + "labels" not in meta:
        raise MetadataError("it has no reactlens.labels metadata")
    try:
        labels = json.loads(meta[PREFIX + "labels"])
    except json.JSONDecodeError as exc:
        raise MetadataError("reactlens.labels is not a JSON list") from exc
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, str) for x in labels):
        raise MetadataError("reactlens.labels must list at least two label names")
    layout = meta.get(PREFIX + "layout", "NCHW")
    if layout not in LAYOUTS:
        raise MetadataError(f"reactlens.layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    if len(input_shape) != 4:
        raise MetadataError(f"its input has shape {list(input_shape)}; expected 4 dimensions ({layout})")
    dims = input_shape[1:] if layout == "NCHW" else (input_shape[3], input_shape[1], input_shape[2])
    channels, height, width = dims
    if not all(isinstance(d, int) and d > 0 for d in (channels, height, width)) or channels not in (1, 3):
        raise MetadataError(
            f"its input has shape {list(input_shape)}; expected {layout} with 1 or 3 channels and a fixed size"
        )
    color = meta.get(PREFIX + "color", "gray" if channels == 1 else "rgb")
    if color not in COLORS or (color == "gray") != (channels == 1):
        raise MetadataError(f"reactlens.color {color!r} does not fit {channels} input channel(s)")
    output = meta.get(PREFIX + "output", "probabilities")
    if output not in OUTPUTS:
        raise MetadataError(f"reactlens.output {output!r} is not one of {', '.join(OUTPUTS)}")
    smile_label = meta.get(PREFIX + "smile_label", "smile" if "smile" in labels else "") or None
    if smile_label is not None and smile_label not in labels:
        raise MetadataError(f"reactlens.smile_label {smile_label!r} is not one of the labels {labels}")
    std = _channels(meta.get(PREFIX + "std", "1"), PREFIX + "std", channels)
    if any(s == 0 for s in std):
        raise MetadataError("reactlens.std must not be 0")
    try:
        margin = float(meta.get(PREFIX + "crop_margin", "0"))
        shift = float(meta.get(PREFIX + "crop_shift_y", "0"))
    except ValueError as exc:
        raise MetadataError(f"crop metadata is not a number: {exc}") from exc
    return ModelSpec(
        labels=tuple(labels),
        smile_label=smile_label,
        color=color,
        layout=layout,
        size=(cast(int, width), cast(int, height)),  # checked above: positive whole numbers
        channels=channels,
        mean=_channels(meta.get(PREFIX + "mean", "0"), PREFIX + "mean", channels),
        std=std,
        crop_margin=margin,
        crop_shift_y=shift,
        output=output,
    )
