"""The colours of labels in charts, shared by the report's figures and pages and the live dashboard."""

from __future__ import annotations

from typing import Dict, Optional, Sequence

SMILE_RGB = "#14a5ff"  # the seed's blueish box colour, (255,165,20) in BGR
LAUGH_RGB = "#ffa514"  # the seed's orange, (20,165,255) in BGR
#: Colours for labels other than the smile label, and for audience B.
PALETTE = ("#7b3fa0", "#2a9d5c", "#d1495b", "#8c6d1f", "#00798c", "#edae49", "#5d576b", "#1f3b57")
B_RGB = "#d1495b"


def label_colours(labels: Sequence[str], smile_label: Optional[str]) -> Dict[str, str]:
    """The smile label in the seed's blue, the others from ``PALETTE``."""
    others = iter(PALETTE)
    return {label: SMILE_RGB if label == smile_label else next(others, "#444444") for label in labels}
