"""Build ``models/efficientat-mn04.onnx`` from EfficientAT's mn04 AudioSet weights (a PyTorch state dict), and check it.

    python3 -m venv /tmp/torch-env && /tmp/torch-env/bin/pip install torch==2.13.0 onnx numpy scipy onnxruntime
    /tmp/torch-env/bin/python scripts/make_efficientat_model.py ../shared/models/efficientat/mn04_as_mAP_432.pt

PyTorch is needed here only, never at run time. The network is rebuilt from the state dict's own shapes: a
MobileNetV3-Large layout at width 0.4 with one input channel (Schmid, Koutini and Widmer, ICASSP 2023; EfficientAT's
``models/mn``): a 3×3 stride-2 stem, fifteen inverted residual blocks (expand 1×1, depthwise k×k, channel
squeeze-excitation where the weights have it — mean over frequency and time, ReLU, sigmoid — project 1×1; ReLU in the
first six blocks, hard-swish after; stride 2 in blocks 2, 4, 7 and 13; a residual where the shape allows), a 1×1 conv
to 384 channels, global average pooling, then Linear 384→512, hard-swish, Linear 512→527. Batch norms use eps 0.001.
The ONNX graph takes ``mel`` ``(batch, 1, 128, frames)`` (``reactlens_audio.mel``'s features) and gives
``probabilities`` (the 527 AudioSet classes, sigmoid) and ``embedding`` (the 384 pooled features).

Checks: the state dict loads strictly (every tensor used, every shape right); ONNX Runtime's answers equal PyTorch's;
and, given ``--listen FILE...``, the top five classes of each sound, as a sense check that the layout is right (a laugh
should come out as Laughter). Prints the sha256 of the source and of the result for ``models/MODEL_CARD.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "models" / "efficientat-mn04.onnx"
LABELS = HERE.parent.parent / "shared" / "models" / "efficientat" / "class_labels_indices.csv"
#: Blocks (``features.N``, 1-based after the stem) that halve the resolution, and the first using hard-swish.
STRIDE_2 = (2, 4, 7, 13)
FIRST_HARD_SWISH = 7
BN_EPS = 0.001


def conv_bn(
    weights: dict, prefix: str, stride: int = 1, act: type | None = None, depthwise: bool = False
) -> nn.Sequential:
    """A conv (no bias) + batch norm (+ activation) whose shapes come from ``weights[prefix.0/1...]``."""
    out_ch, in_per_group, k, _ = weights[f"{prefix}.0.weight"].shape
    groups = out_ch if depthwise else 1
    layers: list = [
        nn.Conv2d(in_per_group * groups, out_ch, k, stride, (k - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_ch, eps=BN_EPS),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class SqueezeExcite(nn.Module):
    """Channel squeeze-excitation: mean over frequency and time, fc1, ReLU, fc2, sigmoid, scale."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(channels, squeeze), nn.Linear(squeeze, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean(dim=(2, 3))))))
        return x * scale[:, :, None, None]


class SeBlock(nn.Module):
    """Holds the squeeze-excitation as ``conc_se_layers.0`` (the state dict's names)."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.conc_se_layers = nn.ModuleList([SqueezeExcite(channels, squeeze)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conc_se_layers[0](x)


class Block(nn.Module):
    """An inverted residual block, its parts read from ``features.{index}.block.*``."""

    def __init__(self, weights: dict, index: int) -> None:
        super().__init__()
        act = nn.Hardswish if index >= FIRST_HARD_SWISH else nn.ReLU
        stride = 2 if index in STRIDE_2 else 1
        prefix = f"features.{index}.block"
        parts = sorted({int(k.split(".")[3]) for k in weights if k.startswith(prefix + ".")})
        layers: list = []
        for part in parts:
            here = f"{prefix}.{part}"
            if f"{here}.conc_se_layers.0.fc1.weight" in weights:
                squeeze, channels = weights[f"{here}.conc_se_layers.0.fc1.weight"].shape
                layers.append(SeBlock(channels, squeeze))
                continue
            w = weights[f"{here}.0.weight"]
            depthwise = w.shape[1] == 1 and w.shape[2] > 1
            last = part == parts[-1]
            layers.append(conv_bn(weights, here, stride if depthwise else 1, None if last else act, depthwise))
        self.block = nn.Sequential(*layers)
        first, final = weights[f"{prefix}.{parts[0]}.0.weight"], weights[f"{prefix}.{parts[-1]}.0.weight"]
        in_ch = first.shape[0] if first.shape[1] == 1 and first.shape[2] > 1 else first.shape[1]
        self.residual = stride == 1 and in_ch == final.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


class MN04(nn.Module):
    """mn04 as the state dict lays it out; ``forward`` gives (probabilities, embedding)."""

    def __init__(self, weights: dict) -> None:
        super().__init__()
        count = max(int(k.split(".")[1]) for k in weights if k.startswith("features."))
        layers: list = [conv_bn(weights, "features.0", 2, nn.Hardswish)]
        layers += [Block(weights, i) for i in range(1, count)]
        layers.append(conv_bn(weights, f"features.{count}", 1, nn.Hardswish))
        self.features = nn.Sequential(*layers)
        hidden, width = weights["classifier.2.weight"].shape
        classes = weights["classifier.5.weight"].shape[0]
        self.classifier = nn.Sequential(
            nn.Identity(),
            nn.Identity(),
            nn.Linear(width, hidden),
            nn.Hardswish(),
            nn.Identity(),
            nn.Linear(hidden, classes),
        )

    def forward(self, mel: torch.Tensor):
        embedding = self.features(mel).mean(dim=(2, 3))
        return torch.sigmoid(self.classifier(embedding)), embedding


def front_end():
    """``reactlens_audio.mel`` loaded from its file (numpy and SciPy only; reactlens need not be installed here)."""
    spec = importlib.util.spec_from_file_location("mel", HERE.parent / "plugins" / "reactlens_audio" / "mel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path, help="mn04_as_mAP_432.pt")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--listen", type=Path, nargs="*", default=[], help="sounds to print the top classes of")
    args = parser.parse_args()
    print(f"source {args.weights.name} sha256 {sha256(args.weights)}")
    weights = {k: v for k, v in torch.load(args.weights, map_location="cpu").items() if "num_batches" not in k}
    model = MN04(weights).eval()
    model.load_state_dict(weights, strict=True)
    mel = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (2, 1, 128, 200)).astype(np.float32))
    torch.onnx.export(
        model,
        (mel,),
        str(args.out),
        input_names=["mel"],
        output_names=["probabilities", "embedding"],
        dynamic_axes={"mel": {0: "batch", 3: "frames"}, "probabilities": {0: "batch"}, "embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    import onnxruntime as ort

    session = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        want = model(mel)
    got = session.run(None, {"mel": mel.numpy()})
    print(
        "ONNX Runtime vs PyTorch, largest difference:",
        max(float(np.abs(g - w.numpy()).max()) for g, w in zip(got, want)),
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) sha256 {sha256(args.out)}")
    if args.listen:
        mel_module = front_end()
        names = [line.split(",", 2)[2].strip().strip('"') for line in LABELS.read_text().splitlines()[1:]]
        features = mel_module.MelFrontEnd()
        for path in args.listen:
            sound = np.fromfile(path, dtype=np.float32)  # raw float32 at 32 kHz (see --help of the caller)
            probs = session.run(None, {"mel": features(sound)[None, None]})[0][0]
            top = np.argsort(-probs)[:5]
            print(path.name, ", ".join(f"{names[i]} {probs[i]:.2f}" for i in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
