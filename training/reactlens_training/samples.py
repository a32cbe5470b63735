"""Labelled face samples as the training pipeline passes them around."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

#: Face box within a stored sample image, as fractions of its width and height: x, y, w, h.
RelBox = Tuple[float, float, float, float]
WHOLE_IMAGE: RelBox = (0.0, 0.0, 1.0, 1.0)


@dataclass
class Sample:
    """A grayscale image holding one face, its label index and where the face box lies in it."""

    image: np.ndarray
    label: int
    box: RelBox = WHOLE_IMAGE
    origin: str = ""


@dataclass
class SampleSet:
    """Samples loaded for training: images plus parallel arrays of labels, boxes and origins."""

    labels: List[str]
    images: List[np.ndarray] = field(default_factory=list)
    targets: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.float32))
    origins: List[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def counts(self) -> Dict[str, int]:
        """Samples per label."""
        return {label: int((self.targets == i).sum()) for i, label in enumerate(self.labels)}

    def subset(self, indices: np.ndarray) -> SampleSet:
        """The samples at ``indices``."""
        return SampleSet(
            self.labels,
            [self.images[i] for i in indices],
            self.targets[indices],
            self.boxes[indices],
            [self.origins[i] for i in indices],
        )

    @staticmethod
    def concat(sets: List[SampleSet]) -> SampleSet:
        """Join sets that share the same labels."""
        labels = sets[0].labels
        for other in sets[1:]:
            if other.labels != labels:
                raise ValueError(f"label lists differ: {labels} vs {other.labels}")
        return SampleSet(
            labels,
            [img for s in sets for img in s.images],
            np.concatenate([s.targets for s in sets]),
            np.concatenate([s.boxes for s in sets]),
            [o for s in sets for o in s.origins],
        )
