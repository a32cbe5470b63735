"""smile-net v2: a small VGG-style CNN for 1-channel face crops, in MXNet Gluon.

The graph takes raw pixel values (0..255, N×1×H×W) and normalises them itself, and the exported graph
ends in a softmax, so every runtime (ONNX Runtime, the DeepLens model optimizer) feeds it the raw crop
and reads probabilities.
"""

from __future__ import annotations

from typing import Sequence

from mxnet.gluon import nn

#: Pixel normalisation inside the graph: (pixel - MEAN) / STD.
PIXEL_MEAN = 127.5
PIXEL_STD = 64.0


class SmileNet(nn.HybridBlock):
    """Conv stages of (3×3 conv, BN, ReLU) ×2 with max-pooling between, global pooling, dropout, dense.

    ``widths``: channels per stage; the first stage has one conv with ``stem_stride``.
    """

    def __init__(
        self,
        classes: int = 2,
        widths: Sequence[int] = (16, 32, 64, 96),
        stem_stride: int = 2,
        dropout: float = 0.3,
        softmax: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.softmax = softmax
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            for stage, width in enumerate(widths):
                convs = 1 if stage == 0 else 2
                for i in range(convs):
                    stride = stem_stride if stage == 0 and i == 0 else 1
                    self.features.add(
                        nn.Conv2D(width, 3, strides=stride, padding=1, use_bias=False),
                        nn.BatchNorm(),
                        nn.Activation("relu"),
                    )
                if stage < len(widths) - 1:
                    self.features.add(nn.MaxPool2D(2))
            self.features.add(nn.GlobalAvgPool2D(), nn.Flatten())
            self.dropout = nn.Dropout(dropout)
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        # Scalar multiply and add: ops both ONNX and the DeepLens model optimizer convert.
        x = x * (1.0 / PIXEL_STD) + (-PIXEL_MEAN / PIXEL_STD)
        x = self.output(self.dropout(self.features(x)))
        return F.softmax(x) if self.softmax else x
