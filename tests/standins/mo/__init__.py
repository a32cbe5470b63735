"""Stand-in for the DeepLens model optimizer: ``error, model_path = mo.optimize(name, width, height, ...)``."""

import json
import os

ARTIFACTS = "/opt/awscam/artifacts"


def _artifacts():
    return os.environ.get("STANDIN_ARTIFACTS", ARTIFACTS)


def optimize(model_name, input_width, input_height, platform="mx", aux_inputs=None):
    """Return ``(0, xml_path)`` on success, ``(1, '')`` for an unknown platform, ``(2, '')`` on failure."""
    aux_inputs = dict(aux_inputs or {})
    forced = os.environ.get("STANDIN_MO_ERROR")
    if forced:
        return int(forced), ""
    if platform not in ("mx", "tf", "caffe"):
        return 1, ""
    if not (isinstance(input_width, int) and isinstance(input_height, int)):
        return 2, ""
    if not (0 < input_width <= 1024 and 0 < input_height <= 1024):
        return 2, ""
    epoch = int(aux_inputs.get("--epoch", 0))
    folder = _artifacts()
    symbol = os.path.join(folder, f"{model_name}-symbol.json")
    params = os.path.join(folder, f"{model_name}-{epoch:04d}.params")
    if not (os.path.exists(symbol) and os.path.exists(params)):
        return 2, ""
    precision = aux_inputs.get("--precision", "FP32")
    xml = os.path.join(folder, f"{model_name}_{precision}_FUSED.xml")
    with open(xml, "w") as handle:  # the real optimizer writes an OpenVINO IR; this records its sources
        json.dump({"symbol": symbol, "params": params, "width": input_width, "height": input_height}, handle)
    return 0, xml
