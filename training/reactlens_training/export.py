"""Exporting a trained smile-net for both runtimes, and checking they agree.

* ``NAME-symbol.json`` + ``NAME-0000.params``: MXNet, what the DeepLens model optimizer takes;
* ``NAME.onnx``: ONNX Runtime, with the ``reactlens.*`` metadata the ONNX classifier reads.

Both graphs take raw pixels (N×1×H×W, 0..255) and end in a softmax.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np
from reactlens_onnx.metadata import ModelSpec

from reactlens.errors import ReactlensError

#: Largest difference allowed between MXNet and ONNX Runtime probabilities on the same input.
PARITY_TOLERANCE = 1e-4

#: How a run-time face box is cropped so the model sees what it was trained on: the training crops
#: (SMILEsmileD, FER-2013) are 1.13× the face height CenterFace finds and the detection boxes 0.96× it,
#: so the box is widened by 10% per side and its centre moved down by 2% of its height (measured with
#: ``python scripts/make_centerface_model.py --calibrate``; +1.2 points through the detector on SMILEsmileD).
TRAINING_CROP_MARGIN = 0.10
TRAINING_CROP_SHIFT_Y = 0.02


@dataclass
class Exported:
    """The exported files and the parity check's result."""

    symbol: str
    params: str
    onnx: str
    max_difference: float


def _build_net(labels: Sequence[str], fit_config: Dict, params_path: str):
    import mxnet as mx

    from .network import SmileNet

    net = SmileNet(
        len(labels), tuple(fit_config["widths"]), fit_config["stem_stride"], fit_config["dropout"], softmax=True
    )
    net.load_parameters(params_path, ctx=mx.cpu())
    net.hybridize()
    return net


def _clean_onnx(path: str, spec: ModelSpec, extra: Dict[str, str]) -> None:
    """Drop unused initializers and those listed as graph inputs (MXNet's exporter adds both), add metadata."""
    import onnx

    model = onnx.load(path)
    used = {name for node in model.graph.node for name in node.input}
    unused = [i for i in model.graph.initializer if i.name not in used]
    for initializer in unused:
        model.graph.initializer.remove(initializer)
    initializers = {i.name for i in model.graph.initializer}
    keep = [i for i in model.graph.input if i.name not in initializers]
    del model.graph.input[:]
    model.graph.input.extend(keep)
    del model.metadata_props[:]
    for key, value in {**spec.to_metadata(), **extra}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.producer_name = "reactlens-train"
    onnx.checker.check_model(model)
    onnx.save(model, path)


def export(
    params_path: str,
    fit_json: str,
    out_dir: str,
    name: str = "smile-net",
    check_inputs: np.ndarray | None = None,
    extra_metadata: Dict[str, str] | None = None,
    smile_label: str | None = None,
) -> Exported:
    """Write the MXNet and ONNX files for a trained checkpoint and check both give the same outputs."""
    import mxnet as mx
    import onnxruntime as ort

    if not os.path.exists(params_path):
        raise ReactlensError(f"checkpoint {params_path} not found", "train first with `reactlens train fit`")
    with open(fit_json, encoding="utf-8") as handle:
        fitted = json.load(handle)
    labels: List[str] = fitted["labels"]
    config = fitted["config"]
    size = int(config["size"])
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, name)

    net = _build_net(labels, config, params_path)
    net(mx.nd.zeros((1, 1, size, size)))
    with warnings.catch_warnings():  # MXNet warns that the input's type is inferred; it is float32
        warnings.simplefilter("ignore", UserWarning)
        net.export(prefix, epoch=0)
    symbol, params = prefix + "-symbol.json", prefix + "-0000.params"

    onnx_path = prefix + ".onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mx.onnx.export_model(
            symbol,
            params,
            [(1, 1, size, size)],
            np.float32,
            onnx_path,
            dynamic=True,
            dynamic_input_shapes=[(None, 1, size, size)],
        )
    spec = ModelSpec(
        labels=tuple(labels),
        smile_label=smile_label or ("smile" if "smile" in labels else None),
        color="gray",
        layout="NCHW",
        size=(size, size),
        channels=1,
        mean=(0.0,),
        std=(1.0,),
        crop_margin=TRAINING_CROP_MARGIN,
        crop_shift_y=TRAINING_CROP_SHIFT_Y,
        output="probabilities",
    )
    _clean_onnx(onnx_path, spec, {"reactlens.model": name, **(extra_metadata or {})})

    # Parity: the exported MXNet graph and ONNX Runtime on the same inputs.
    if check_inputs is None:
        check_inputs = np.random.default_rng(0).uniform(0, 255, size=(16, 1, size, size)).astype(np.float32)
    block = mx.gluon.SymbolBlock.imports(symbol, ["data"], params, ctx=mx.cpu())
    expected = block(mx.nd.array(check_inputs)).asnumpy()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: check_inputs.astype(np.float32)})[0]
    difference = float(np.abs(expected - got).max())
    if difference > PARITY_TOLERANCE:
        raise ReactlensError(
            f"the ONNX export differs from MXNet by {difference:.2e} (tolerance {PARITY_TOLERANCE:.0e})",
            "report this with the checkpoint; do not ship the export",
        )
    return Exported(symbol, params, onnx_path, difference)
